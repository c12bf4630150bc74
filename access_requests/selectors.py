"""Reads of access requests, restricted to what the user may see."""

from datetime import timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from access_requests.models import AccessRequest, AccessRequestItem, RequestStatus
from accounts.models import User
from mailbox.models import Thread, ThreadKind
from mailbox.selectors import with_last_message


def requests_of(*, user: User) -> QuerySet[AccessRequest]:
    """The requester's own requests: the base of every provider-side lookup (others → 404)."""
    return (
        AccessRequest.objects.filter(requester=user)
        .select_related("thread", "organization", "decided_by")
        .annotate(item_count=_item_count())
    )


def _item_count():
    """Items per request as a correlated subquery: no GROUP BY over the whole list."""
    return Subquery(
        AccessRequestItem.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


AGE_CHOICES = {"1": 1, "3": 3, "7": 7, "30": 30}


def payer_requests(
    *,
    status: str = "",
    older_than_days: str = "",
    assigned_to: User | None = None,
    unassigned: bool = False,
    tin: str = "",
) -> QuerySet[AccessRequest]:
    """All requests for payer staff, oldest open first."""
    requests = AccessRequest.objects.select_related(
        "requester", "organization", "thread", "thread__assigned_to", "decided_by"
    ).annotate(
        item_count=_item_count(),
        is_closed=Case(When(status=RequestStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    if older_than_days in AGE_CHOICES:
        requests = requests.filter(created_at__lte=timezone.now() - timedelta(days=AGE_CHOICES[older_than_days]))
    if assigned_to is not None:
        requests = requests.filter(thread__assigned_to=assigned_to)
    elif unassigned:
        requests = requests.filter(thread__assigned_to__isnull=True)
    if tin:
        item_tin = AccessRequestItem.objects.filter(request=OuterRef("pk"), kind="tin", value=tin)
        requests = requests.filter(Q(organization__tin=tin) | Exists(item_tin))
    return requests


def open_request_count() -> int:
    return AccessRequest.objects.filter(status=RequestStatus.OPEN).count()


# --- the payer team's Mailbox, where requests are decided --------------------------------------


def payer_threads(
    *, analyst: User, unread: bool = False, open_requests: bool = False, mine: bool = False, unassigned: bool = False
):
    """The payer team's shared inbox, with filters; newest first."""
    threads = Thread.objects.filter(kind=ThreadKind.PAYER).select_related("created_by", "organization", "assigned_to")
    if unread:
        threads = threads.filter(payer_unread=True)
    if mine:
        threads = threads.filter(assigned_to=analyst)
    if unassigned:
        threads = threads.filter(assigned_to__isnull=True)
    open_request = AccessRequest.objects.filter(thread=OuterRef("pk"), status=RequestStatus.OPEN)
    threads = threads.annotate(has_open_request=Exists(open_request))
    if open_requests:
        threads = threads.filter(has_open_request=True)
    return with_last_message(threads)
