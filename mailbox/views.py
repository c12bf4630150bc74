"""The provider's Message Box: inbox, thread, compose, reply, archive (with Undo)."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import organizations_for_user
from accounts.decorators import level_required
from accounts.models import AccessLevel
from core import ratelimit
from core.errors import apply_to_form
from core.pagination import keyset_page
from mailbox import selectors, services
from mailbox.forms import ComposeForm, ReplyForm
from mailbox.models import ThreadKind
from mailbox.rights import message_box_required


def _thread_for(request, thread_uuid):
    """The one access helper for threads: outside the user's threads is a 404."""
    return get_object_or_404(
        selectors.threads_for_participant(user=request.user).select_related("organization"), uuid=thread_uuid
    )


@require_GET
@message_box_required
def inbox(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    unread = request.GET.get("unread") == "1"
    undo = _just_archived(request)
    page = keyset_page(
        selectors.inbox(user=request.user, archived=archived, unread=unread),
        order=("-last_message_at", "-id"),
        after=request.GET.get("after"),
    )
    return render(request, "mailbox/inbox.html", {"page": page, "archived": archived, "unread": unread, "undo": undo})


def _just_archived(request):
    """The thread named by ``?undo=`` when it is the user's and archived: the inbox offers Undo."""
    try:
        thread_uuid = uuid.UUID(request.GET.get("undo", ""))
    except ValueError:
        return None
    return (
        selectors.threads_for_participant(user=request.user)
        .filter(uuid=thread_uuid, participants__user=request.user, participants__archived=True)
        .first()
    )


def _send_refusal(request):
    """Counts one message of the sender against RATE_MESSAGE_SEND; the refusal when it is full."""
    return ratelimit.hit("message-send", f"user:{request.user.pk}")


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.MESSAGE_BOX)
def compose(request: HttpRequest) -> HttpResponse:
    form = ComposeForm(
        request.POST or None,
        payer_name=settings.PAYER_NAME,
        recipients=selectors.message_box_recipients(user=request.user),
    )
    if request.method == "POST" and form.is_valid() and (refusal := _send_refusal(request)):
        return ratelimit.throttled_response(request, refusal, template="mailbox/compose.html", context={"form": form})
    if request.method == "POST" and form.is_valid():
        recipient = form.recipient()
        try:
            if recipient is None:
                thread = services.thread_start_with_payer(
                    sender=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    # The sender's organization, so the thread shows with it in the Control Panel
                    # and in the TIN's audit log.
                    organization=organizations_for_user(user=request.user, level=AccessLevel.MESSAGE_BOX)
                    .order_by("name")
                    .first(),
                    request=request,
                )
            else:
                user, organization = recipient
                thread = services.thread_start_with_member(
                    sender=request.user,
                    recipient=user,
                    organization=organization,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    request=request,
                )
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, "Your message was sent.")
            return redirect("mailbox:thread", thread.uuid)
    return render(request, "mailbox/compose.html", {"form": form})


@require_http_methods(["GET", "POST"])
@message_box_required
def thread_detail(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _thread_for(request, thread_uuid)
    form = ReplyForm(request.POST or None)
    refusal = None
    if request.method == "POST" and thread.kind != ThreadKind.SYSTEM and form.is_valid():
        refusal = _send_refusal(request)
    if refusal is None and request.method == "POST" and thread.kind != ThreadKind.SYSTEM and form.is_valid():
        try:
            services.message_reply(thread=thread, sender=request.user, body=form.cleaned_data["body"], request=request)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, "Your reply was sent.")
            return redirect("mailbox:thread", thread.uuid)
    services.thread_mark_read(thread=thread, user=request.user)
    if refusal is not None:
        context = {
            "thread": thread,
            "thread_messages": selectors.thread_messages(thread=thread),
            "participants": selectors.thread_participants(thread=thread),
            "form": form,
            "participant": thread.participants.get(user=request.user),
        }
        return ratelimit.throttled_response(request, refusal, template="mailbox/thread.html", context=context)
    return render(
        request,
        "mailbox/thread.html",
        {
            "thread": thread,
            "thread_messages": selectors.thread_messages(thread=thread),
            "participants": selectors.thread_participants(thread=thread),
            "form": form if thread.kind != ThreadKind.SYSTEM else None,
            "participant": thread.participants.get(user=request.user),
        },
    )


@require_POST
@level_required(AccessLevel.MESSAGE_BOX)
def thread_archive(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _thread_for(request, thread_uuid)
    archive = request.POST.get("archived", "1") == "1"
    services.thread_archive(thread=thread, user=request.user, archived=archive, request=request)
    if archive:
        # No confirmation: archiving loses nothing, and the inbox offers Undo right away.
        return redirect(reverse("mailbox:inbox") + f"?undo={thread.uuid}")
    messages.success(request, f"“{thread.subject}” is back in the inbox.")
    return redirect("mailbox:inbox")
