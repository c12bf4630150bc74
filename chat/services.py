"""Every write of the live chat. Each line is a message of the conversation's thread, saved and
audited before it is sent to anyone's socket."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from audit.models import AuditAction
from audit.services import record
from chat.models import OPEN_STATUSES, Conversation, ConversationStatus
from chat.selectors import chat_organization
from mailbox import services as mailbox_services
from mailbox.models import Message


class AlreadyTaken(Exception):
    """Another analyst took the conversation first (or it was closed meanwhile)."""


def clean_chat_body(body) -> str:
    """A chat line: text, not empty, at most CHAT_MESSAGE_MAX_LENGTH characters."""
    if not isinstance(body, str):
        raise ValidationError({"body": "A message is text."})
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    limit = settings.CHAT_MESSAGE_MAX_LENGTH
    if len(body) > limit:
        raise ValidationError({"body": f"A chat message is at most {limit:,} characters."})
    return body


def _subject(now) -> str:
    return f"Live chat on {timezone.localtime(now).strftime('%b %d, %Y at %I:%M %p').replace(' 0', ' ')}"


@transaction.atomic
def conversation_start(*, provider: User, body: str) -> tuple[Conversation, Message]:
    """A provider user's first line opens a conversation, waiting for the team, as a new
    Message Box thread with the payer team (no email: the team is online)."""
    body = clean_chat_body(body)
    organization: Organization | None = chat_organization(user=provider)
    if organization is None:
        raise PermissionDenied("Live chat needs the Message Box.")
    if Conversation.objects.open().filter(provider=provider).exists():
        raise ValidationError("You already have a conversation open.")
    now = timezone.now()
    thread = mailbox_services.thread_start_with_payer(
        sender=provider, subject=_subject(now), body=body, organization=organization, notify=False
    )
    conversation = Conversation.objects.create(provider=provider, organization=organization, thread=thread)
    record(
        action=AuditAction.CHAT_STARTED,
        actor=provider,
        target=thread,
        organization=organization,
        details={"conversation": str(conversation.uuid)},
    )
    return conversation, thread.messages.get()


@transaction.atomic
def conversation_take(*, conversation: Conversation, staff: User) -> Conversation:
    """An analyst takes a waiting conversation; a second one is told it is taken."""
    if not staff.is_payer_staff or not staff.is_active:
        raise PermissionDenied("Only payer staff answer the live chat.")
    now = timezone.now()
    taken = Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.WAITING).update(
        status=ConversationStatus.ACTIVE, staff=staff, taken_at=now
    )
    if not taken:
        raise AlreadyTaken
    conversation.refresh_from_db()
    mailbox_services.thread_assign(thread=conversation.thread, analyst=staff, actor=staff)
    mailbox_services.thread_mark_read(thread=conversation.thread, user=staff)
    record(
        action=AuditAction.CHAT_TAKEN,
        actor=staff,
        target=conversation.thread,
        organization=conversation.organization,
        details={"conversation": str(conversation.uuid)},
    )
    return conversation


def _check_party(conversation: Conversation, user: User) -> None:
    if user.is_payer_staff:
        if conversation.staff_id != user.pk:
            raise PermissionDenied("Take the conversation first.")
    elif conversation.provider_id != user.pk:
        raise PermissionDenied("Not your conversation.")


@transaction.atomic
def conversation_message(*, conversation: Conversation, sender: User, body: str) -> Message:
    """A line from the provider or from the analyst who took it, saved into the thread."""
    body = clean_chat_body(body)
    conversation = Conversation.objects.select_for_update().select_related("thread").get(pk=conversation.pk)
    if conversation.status not in OPEN_STATUSES:
        raise ValidationError("This conversation is closed.")
    _check_party(conversation, sender)
    message = mailbox_services.message_reply(thread=conversation.thread, sender=sender, body=body, notify=False)
    if conversation.status == ConversationStatus.ACTIVE:
        # An analyst is on the line and reads it as it comes: nothing is unread in the Mailbox.
        mailbox_services.thread_mark_read(thread=conversation.thread, user=conversation.staff)
    return message


@transaction.atomic
def conversation_close(*, conversation: Conversation, actor: User) -> Conversation:
    """Either side ends the conversation; the thread notes when, and stays as the transcript."""
    conversation = Conversation.objects.select_for_update().select_related("thread").get(pk=conversation.pk)
    if conversation.status == ConversationStatus.CLOSED:
        return conversation
    if actor.is_payer_staff and conversation.status == ConversationStatus.WAITING:
        raise PermissionDenied("Take the conversation first.")
    _check_party(conversation, actor)
    now = timezone.now()
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = now
    conversation.save(update_fields=["status", "closed_at"])
    who = "the team" if actor.is_payer_staff else "you"
    mailbox_services.system_message_post(
        thread=conversation.thread,
        body=f"The live chat was closed by {who} at {timezone.localtime(now).strftime('%I:%M %p').lstrip('0')}.",
        notify=False,
    )
    if conversation.staff_id is not None:
        # The closing line is no news for the team: the analyst was on the conversation.
        mailbox_services.thread_mark_read(thread=conversation.thread, user=conversation.staff)
    record(
        action=AuditAction.CHAT_CLOSED,
        actor=actor,
        target=conversation.thread,
        organization=conversation.organization,
        details={"conversation": str(conversation.uuid), "by": "staff" if actor.is_payer_staff else "provider"},
    )
    return conversation


def chat_refusal_record(*, user: User, reason: str) -> None:
    """A refused line (too large, too many, too long) is audited: nothing of it is saved."""
    record(action=AuditAction.CHAT_REFUSED, actor=user, target=user, details={"reason": reason})


@transaction.atomic
def offline_message_leave(*, provider: User, body: str, request=None):
    """No analyst online: the message becomes a Mailbox thread to the payer team, with the usual
    "new secure message" notice, answered like any other."""
    organization = chat_organization(user=provider)
    if organization is None:
        raise PermissionDenied("Live chat needs the Message Box.")
    return mailbox_services.thread_start_with_payer(
        sender=provider,
        subject="Message left in the live chat",
        body=body,
        organization=organization,
        request=request,
    )
