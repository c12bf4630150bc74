"""The payer team's Mailbox in the Control Panel, where Add Facility requests are decided.

It lives with the requests because its thread page is their review panel; the Message Box itself
(threads, messages, read state) is the mailbox app, which this builds on."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_requests.forms import DecisionForm
from access_requests.models import AccessRequest
from access_requests.selectors import payer_threads
from access_requests.services import (
    AlreadyDecided,
    access_request_decide,
    decision_rows,
    default_levels,
)
from accounts.decorators import payer_staff_required
from core.errors import apply_to_form
from core.forms import Form
from core.pagination import keyset_page
from mailbox import services
from mailbox.forms import ReplyForm
from mailbox.models import Thread, ThreadKind
from mailbox.selectors import thread_messages


class MailboxFilterForm(Form):
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All threads"),
            ("unread", "Unread"),
            ("requests", "Open access requests"),
            ("mine", "Assigned to me"),
            ("unassigned", "Not taken by anyone"),
        ],
    )


def _payer_thread(thread_uuid) -> Thread:
    return get_object_or_404(
        Thread.objects.filter(kind=ThreadKind.PAYER).select_related("created_by", "organization", "assigned_to"),
        uuid=thread_uuid,
    )


@require_GET
@payer_staff_required
def mailbox(request: HttpRequest) -> HttpResponse:
    form = MailboxFilterForm(request.GET or None)
    show = form.cleaned_data["show"] if form.is_valid() else ""
    threads = payer_threads(
        analyst=request.user,
        unread=show == "unread",
        open_requests=show == "requests",
        mine=show == "mine",
        unassigned=show == "unassigned",
    )
    page = keyset_page(threads, order=("-last_message_at", "-id"), after=request.GET.get("after"))
    return render(request, "access_requests/mailbox/mailbox.html", {"form": form, "page": page, "show": show})


def _thread_context(request, thread: Thread, *, decision_form=None, reply_form=None) -> dict:
    access_request = AccessRequest.objects.filter(thread=thread).select_related("requester", "decided_by").first()
    context = {
        "thread": thread,
        "thread_messages": thread_messages(thread=thread),
        "reply_form": reply_form or ReplyForm(),
        "access_request": access_request,
        "show_staff_names": True,
    }
    if access_request is not None:
        # A form that failed comes back with the rows it was built on (they carry its fields).
        rows = decision_form.rows if decision_form is not None else decision_rows(access_request=access_request)
        context["rows"] = rows
        if access_request.is_open:
            context["decision_form"] = decision_form or DecisionForm(
                access_request=access_request,
                rows=rows,
                default_levels=default_levels(requester=access_request.requester),
            )
    return context


@require_GET
@payer_staff_required
def thread_detail(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _payer_thread(thread_uuid)
    services.thread_mark_read(thread=thread, user=request.user)
    return render(request, "access_requests/mailbox/thread.html", _thread_context(request, thread))


@require_POST
@payer_staff_required
def thread_reply(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _payer_thread(thread_uuid)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.message_reply(thread=thread, sender=request.user, body=form.cleaned_data["body"], request=request)
        except ValidationError as error:
            apply_to_form(form, error, default_field="body")
        else:
            messages.success(request, "Reply sent.")
            return redirect("control_panel:mailbox_thread", thread.uuid)
    return render(
        request, "access_requests/mailbox/thread.html", _thread_context(request, thread, reply_form=form), status=400
    )


@require_POST
@payer_staff_required
def thread_take(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _payer_thread(thread_uuid)
    release = request.POST.get("release") == "1"
    services.thread_assign(
        thread=thread, analyst=None if release else request.user, actor=request.user, request=request
    )
    messages.success(request, "Thread released." if release else "You took this thread.")
    return redirect("control_panel:mailbox_thread", thread.uuid)


def _open_request_form(request, thread: Thread):
    access_request = get_object_or_404(AccessRequest.objects.select_related("requester"), thread=thread)
    if not access_request.is_open:
        return access_request, None
    rows = decision_rows(access_request=access_request)
    form = DecisionForm(
        request.POST,
        access_request=access_request,
        rows=rows,
        default_levels=default_levels(requester=access_request.requester),
    )
    return access_request, form


@require_http_methods(["POST"])
@payer_staff_required
def request_decide(request: HttpRequest, thread_uuid: uuid.UUID) -> HttpResponse:
    thread = _payer_thread(thread_uuid)
    access_request, form = _open_request_form(request, thread)
    if form is None:
        messages.warning(request, f"Request {access_request.reference} was already decided; nothing was changed.")
        return redirect("control_panel:mailbox_thread", thread.uuid)
    if form.is_valid():
        try:
            access_request_decide(
                access_request=access_request,
                reviewer=request.user,
                choices=form.choices(),
                reply=form.final_reply,
                request=request,
            )
        except AlreadyDecided:
            messages.warning(
                request, f"Request {access_request.reference} was already decided by someone else; nothing was changed."
            )
            return redirect("control_panel:mailbox_thread", thread.uuid)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            access_request.refresh_from_db()
            messages.success(
                request, f"Request {access_request.reference}: {access_request.get_status_display().lower()}."
            )
            return redirect("control_panel:mailbox_thread", thread.uuid)
    return render(
        request,
        "access_requests/mailbox/thread.html",
        _thread_context(request, thread, decision_form=form),
        status=400,
    )


@require_POST
@payer_staff_required
def request_reply_preview(request: HttpRequest, thread_uuid: uuid.UUID) -> JsonResponse:
    """The reply the server would write for the choices posted, for the review panel's script."""
    thread = _payer_thread(thread_uuid)
    access_request, form = _open_request_form(request, thread)
    if form is None:
        return JsonResponse({"error": "already decided"}, status=409)
    return JsonResponse({"reply": form.suggested_reply()})
