"""The chat's pages: leave a message (the box without script, or with nobody online) and the
Control Panel's Chat page (the analysts' queue and conversations, live through chat_staff.js)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import level_required, payer_staff_required
from accounts.models import AccessLevel
from chat import presence, selectors, services
from chat.forms import LeaveMessageForm
from core import ratelimit
from core.errors import apply_to_form

PROVIDER_SOCKET_PATH = "/ws/chat/"
STAFF_SOCKET_PATH = "/ws/chat/staff/"


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.MESSAGE_BOX)
def leave_message(request: HttpRequest) -> HttpResponse:
    form = LeaveMessageForm(request.POST or None)
    context = {
        "form": form,
        "online": presence.staff_online(),
        "conversation": selectors.provider_open_conversation(user=request.user),
        # This page is what the box leads to: no box on it.
        "chat_box_here": True,
    }
    if request.method == "POST" and form.is_valid():
        refusal = ratelimit.hit("message-send", f"user:{request.user.pk}")
        if refusal is not None:
            return ratelimit.throttled_response(request, refusal, template="chat/leave_message.html", context=context)
        try:
            thread = services.offline_message_leave(
                provider=request.user, body=form.cleaned_data["body"], request=request
            )
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                "Your message was sent to the team. Their answer will come to this thread in your "
                "Message Box, and you will get an email saying a new message is waiting.",
            )
            return redirect("mailbox:thread", thread.uuid)
    return render(request, "chat/leave_message.html", context)


@require_GET
@payer_staff_required
def control_panel_chat(request: HttpRequest) -> HttpResponse:
    """Server-rendered first: the queue and the analyst's conversations as they are now; the
    socket keeps them live and lets the analyst take, answer and close."""
    mine = list(selectors.staff_conversations(staff=request.user))
    lines = selectors.lines_of(conversations=mine)
    return render(
        request,
        "chat/control_panel.html",
        {
            "waiting": list(selectors.waiting_queue()),
            "mine": [(conversation, lines[conversation.pk]) for conversation in mine],
            "recent": list(selectors.recent_closed(staff=request.user)),
            "online_count": len(presence.staff_online_ids()),
            "socket_path": STAFF_SOCKET_PATH,
        },
    )
