"""Reads of the live chat: who may chat, the queue, a conversation and its lines."""

from django.db.models import QuerySet

from accounts.access import levels_held_anywhere, organizations_for_user
from accounts.models import AccessLevel, Organization, User
from chat.models import Conversation, ConversationStatus
from mailbox.models import Message


def may_chat(*, user: User, levels: set[str] | None = None) -> bool:
    """Provider users with the Message Box chat (the chat is a Message Box thread); payer staff answer."""
    if not user.is_authenticated or not user.is_active or user.is_payer_staff:
        return False
    if levels is None:
        levels = levels_held_anywhere(user=user)
    return AccessLevel.MESSAGE_BOX in levels


def may_answer(*, user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_payer_staff


def chat_organization(*, user: User) -> Organization | None:
    """The organization a provider's conversation is filed under: the first (by name) where they
    hold the Message Box, as for a message to the payer team."""
    return organizations_for_user(user=user, level=AccessLevel.MESSAGE_BOX).order_by("name").first()


def provider_open_conversation(*, user: User) -> Conversation | None:
    return Conversation.objects.restrict(user).open().select_related("thread", "staff").first()


def waiting_queue() -> QuerySet[Conversation]:
    """Waiting conversations, oldest first, with who asked and for which TIN."""
    return (
        Conversation.objects.filter(status=ConversationStatus.WAITING)
        .select_related("provider", "organization", "thread")
        .order_by("created_at", "id")
    )


def staff_conversations(*, staff: User) -> QuerySet[Conversation]:
    """The analyst's conversations in progress."""
    return (
        Conversation.objects.filter(staff=staff, status=ConversationStatus.ACTIVE)
        .select_related("provider", "organization", "thread")
        .order_by("taken_at", "id")
    )


def open_conversation(*, conversation_uuid) -> Conversation | None:
    """An open conversation by its id, for payer staff (the services check who may act on it)."""
    return (
        Conversation.objects.open()
        .filter(uuid=conversation_uuid)
        .select_related("provider", "organization", "thread")
        .first()
    )


def recent_closed(*, staff: User, limit: int = 10) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(staff=staff, status=ConversationStatus.CLOSED)
        .select_related("provider", "organization", "thread")
        .order_by("-closed_at", "-id")[:limit]
    )


def conversation_lines(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.thread.messages.select_related("sender").order_by("created_at", "id")


def lines_of(*, conversations: list[Conversation]) -> dict[int, list[Message]]:
    """Each conversation's lines, oldest first, for a page that shows several: one query."""
    lines: dict[int, list[Message]] = {conversation.pk: [] for conversation in conversations}
    by_thread = {conversation.thread_id: conversation.pk for conversation in conversations}
    if by_thread:
        messages = (
            Message.objects.filter(thread_id__in=list(by_thread))
            .select_related("sender")
            .order_by("thread_id", "created_at", "id")
        )
        for message in messages:
            lines[by_thread[message.thread_id]].append(message)
    return lines
