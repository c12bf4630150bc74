"""Every write of the Message Box and the payer team's Mailbox.

Sending a message writes the message, updates read state, records an audit event and queues the
"you have a new message" emails, all in one transaction.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import user_levels
from accounts.models import AccessLevel, Organization, User
from audit.models import AuditAction
from audit.services import record
from mailbox.models import MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Message, Participant, Thread, ThreadKind
from outbox.services import email_enqueue_template


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"body": f"A message is at most {MESSAGE_MAX_LENGTH:,} characters."})
    return body


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": "Give the message a subject."})
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError({"subject": f"A subject is at most {SUBJECT_MAX_LENGTH} characters."})
    return subject


def _notify_user(user: User, thread: Thread) -> None:
    email_enqueue_template(
        to=user.email,
        template="new_message",
        context={"user": user, "url": settings.SITE_URL + reverse("mailbox:thread", args=[thread.uuid])},
    )


def _notify_payer_team(thread: Thread, *, template: str = "payer_new_message") -> None:
    """One email per thread and address per MESSAGE_NOTICE_COALESCE_MINUTES: the Mailbox shows
    every message, so sixty replies in a row need one notice, not sixty."""
    url = settings.SITE_URL + reverse("control_panel:mailbox_thread", args=[thread.uuid])
    period = int(timezone.now().timestamp() // (settings.MESSAGE_NOTICE_COALESCE_MINUTES * 60))
    for address in settings.PAYER_TEAM_EMAILS:
        email_enqueue_template(
            to=address,
            template=template,
            context={"url": url},
            idempotency_key=f"payer-notice:{thread.uuid}:{address}:{period}",
        )


def _post(*, thread: Thread, sender: User | None, body: str, from_payer: bool = False, notify: bool = True) -> Message:
    now = timezone.now()
    message = Message.objects.create(thread=thread, sender=sender, body=body, from_payer=from_payer, created_at=now)
    thread.last_message_at = now
    fields = ["last_message_at"]
    if thread.kind == ThreadKind.PAYER and not from_payer:
        thread.payer_unread = True
        fields.append("payer_unread")
    thread.save(update_fields=fields)
    # Everyone else in the thread has something new; the sender has read it.
    others = Participant.objects.filter(thread=thread)
    if sender is not None:
        others = others.exclude(user=sender)
        Participant.objects.filter(thread=thread, user=sender).update(last_message_at=now, unread=False)
    others.update(last_message_at=now, unread=True, archived=False)
    if notify:
        for participant in others.select_related("user"):
            _notify_user(participant.user, thread)
    return message


def _audit_message(message: Message, actor: User | None, request=None) -> None:
    record(
        action=AuditAction.MESSAGE_SENT,
        actor=actor,
        target=message.thread,
        organization=message.thread.organization,
        details={"message": str(message.uuid), "kind": message.thread.kind, "from_payer": message.from_payer},
        request=request,
    )


@transaction.atomic
def thread_start_with_payer(
    *,
    sender: User,
    subject: str,
    body: str,
    organization: Organization | None = None,
    request=None,
    payer_template: str = "payer_new_message",
    notify: bool = True,
) -> Thread:
    """A provider user writes to the payer team. ``notify=False``: no "new message" email (a live
    chat, where the team is on the line; the thread is the transcript)."""
    if sender.is_payer_staff:
        raise PermissionDenied("Payer staff answer from the Control Panel.")
    thread = Thread.objects.create(
        kind=ThreadKind.PAYER,
        subject=_clean_subject(subject),
        organization=organization,
        created_by=sender,
    )
    Participant.objects.create(thread=thread, user=sender, unread=False)
    message = _post(thread=thread, sender=sender, body=_clean_body(body), notify=notify)
    _audit_message(message, sender, request)
    if notify:
        _notify_payer_team(thread, template=payer_template)
    return thread


@transaction.atomic
def thread_start_with_member(
    *, sender: User, recipient: User, organization: Organization, subject: str, body: str, request=None
) -> Thread:
    """A provider user writes to a colleague; both must hold Message Box on the organization."""
    if recipient.pk == sender.pk:
        raise ValidationError({"to": "Choose someone other than yourself."})
    for person in (sender, recipient):
        if not person.is_active or AccessLevel.MESSAGE_BOX not in user_levels(user=person, organization=organization):
            raise ValidationError({"to": "You can write only to colleagues who use the Message Box."})
    thread = Thread.objects.create(
        kind=ThreadKind.ORGANIZATION,
        subject=_clean_subject(subject),
        organization=organization,
        created_by=sender,
    )
    Participant.objects.bulk_create(
        [Participant(thread=thread, user=sender, unread=False), Participant(thread=thread, user=recipient)]
    )
    message = _post(thread=thread, sender=sender, body=_clean_body(body))
    _audit_message(message, sender, request)
    return thread


@transaction.atomic
def message_reply(*, thread: Thread, sender: User, body: str, request=None, notify: bool = True) -> Message:
    """A reply: a participant in their thread, or payer staff in a payer thread. ``notify=False``:
    no "new message" email (a live chat line, read as it is typed)."""
    body = _clean_body(body)
    if sender.is_payer_staff:
        if thread.kind != ThreadKind.PAYER:
            raise PermissionDenied("Payer staff reply only in payer threads.")
        message = _post(thread=thread, sender=sender, body=body, from_payer=True, notify=notify)
    else:
        if thread.kind == ThreadKind.SYSTEM:
            raise ValidationError({"body": "System notifications cannot be answered."})
        if not Participant.objects.filter(thread=thread, user=sender).exists():
            raise PermissionDenied("Not a participant of this thread.")
        if thread.kind == ThreadKind.ORGANIZATION and AccessLevel.MESSAGE_BOX not in user_levels(
            user=sender, organization=thread.organization
        ):
            raise PermissionDenied("You no longer use the Message Box for this organization.")
        message = _post(thread=thread, sender=sender, body=body, notify=notify)
        if thread.kind == ThreadKind.PAYER and notify:
            _notify_payer_team(thread)
    _audit_message(message, sender, request)
    return message


@transaction.atomic
def system_message_post(*, thread: Thread, body: str, notify: bool = True) -> Message:
    """A system line inside an existing thread (e.g. the decision on an access request)."""
    return _post(thread=thread, sender=None, body=_clean_body(body), notify=notify)


@transaction.atomic
def system_notify(*, user: User, subject: str, body: str, organization: Organization | None = None) -> Thread:
    """A notification from the system to one user: access changed, request decided, account changes."""
    thread = Thread.objects.create(kind=ThreadKind.SYSTEM, subject=_clean_subject(subject), organization=organization)
    Participant.objects.create(thread=thread, user=user)
    _post(thread=thread, sender=None, body=_clean_body(body))
    return thread


def thread_mark_read(*, thread: Thread, user: User) -> None:
    """Opening a thread reads it: for a participant, or for the payer team."""
    if user.is_payer_staff:
        if thread.payer_unread:
            Thread.objects.filter(pk=thread.pk).update(payer_unread=False)
            thread.payer_unread = False
    else:
        Participant.objects.filter(thread=thread, user=user, unread=True).update(unread=False)


@transaction.atomic
def thread_archive(*, thread: Thread, user: User, archived: bool = True, request=None) -> None:
    updated = Participant.objects.filter(thread=thread, user=user).update(archived=archived)
    if not updated:
        raise PermissionDenied("Not a participant of this thread.")
    record(
        action=AuditAction.THREAD_ARCHIVED,
        actor=user,
        target=thread,
        details={"archived": archived},
        request=request,
    )


@transaction.atomic
def thread_assign(*, thread: Thread, analyst: User | None, actor: User, request=None) -> Thread:
    """An analyst takes a payer thread (or releases it with ``analyst=None``)."""
    if not actor.is_payer_staff or (analyst is not None and not analyst.is_payer_staff):
        raise PermissionDenied("Only payer staff handle Mailbox threads.")
    if thread.kind != ThreadKind.PAYER:
        raise ValidationError("Only payer threads are assigned.")
    Thread.objects.filter(pk=thread.pk).update(assigned_to=analyst)
    thread.assigned_to = analyst
    record(
        action=AuditAction.THREAD_ASSIGNED,
        actor=actor,
        target=thread,
        details={"assigned_to": analyst.email if analyst else None},
        request=request,
    )
    return thread
