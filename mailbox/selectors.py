"""Reads of the Message Box and the Mailbox, restricted to what the user may see."""

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.access import level_grants, organizations_for_user
from accounts.models import AccessLevel, User
from mailbox.models import Message, Participant, Thread, ThreadKind


def inbox(*, user: User, archived: bool = False, unread: bool = False) -> QuerySet[Participant]:
    """The user's threads, newest first, with the thread and its organization joined in.

    A colleague thread stays visible only while the user holds Message Box on its organization:
    someone removed from a TIN (or whose Message Box there was unticked) no longer reads its
    internal conversations, even if they use the Message Box for another TIN.
    """
    rows = (
        Participant.objects.restrict(user, AccessLevel.MESSAGE_BOX)
        .filter(archived=archived)
        .select_related("thread", "thread__organization", "thread__created_by")
    )
    if unread:
        rows = rows.filter(unread=True)
    return with_last_message(rows, "thread_id")


def unread_count(*, user: User) -> int:
    return Participant.objects.filter(user=user, unread=True, archived=False).count()


def threads_for_participant(*, user: User) -> QuerySet[Thread]:
    """Threads the provider user takes part in: the base of every thread lookup (others → 404).
    Colleague threads need Message Box on their organization now, as in ``inbox``."""
    return Thread.objects.restrict(user, AccessLevel.MESSAGE_BOX)


def thread_messages(*, thread: Thread) -> QuerySet[Message]:
    return thread.messages.select_related("sender").order_by("created_at", "id")


def thread_participants(*, thread: Thread) -> QuerySet[Participant]:
    return thread.participants.select_related("user").order_by("user__full_name")


def message_box_recipients(*, user: User) -> list[tuple[User, object]]:
    """Colleagues the user may write to: active users holding Message Box on an organization where
    the user holds it too. Returns (colleague, shared organization) pairs. Two queries."""
    organizations = list(organizations_for_user(user=user, level=AccessLevel.MESSAGE_BOX).order_by("name"))
    if not organizations:
        return []
    grants = (
        level_grants(level=AccessLevel.MESSAGE_BOX, active_only=True)
        .filter(content_object__in=organizations)
        .exclude(user=user)
        .select_related("user", "content_object")
        .order_by("content_object__name", "user__full_name")
    )
    seen, result = set(), []
    for grant in grants:
        if grant.user_id not in seen:
            seen.add(grant.user_id)
            result.append((grant.user, grant.content_object))
    return result


def payer_unread_count() -> int:
    return Thread.objects.filter(kind=ThreadKind.PAYER, payer_unread=True).count()


def with_last_message(queryset: QuerySet, thread_ref: str = "pk") -> QuerySet:
    """Annotate each row with its thread's latest message (text and sender), as subqueries
    served by the (thread, created_at, id) index: no extra query per row."""
    latest = Message.objects.filter(thread=OuterRef(thread_ref)).order_by("-created_at", "-id")
    return queryset.annotate(
        last_body=Subquery(latest.values("body")[:1]),
        last_sender_name=Subquery(latest.values("sender__full_name")[:1]),
        last_from_payer=Subquery(latest.values("from_payer")[:1]),
    )
