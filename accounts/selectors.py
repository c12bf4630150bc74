"""Reads about users for their own and their managers' pages: the users a manager manages, their
counts, failed sign-ins. Who may see what is ``accounts.access``. Each answers in a constant
number of queries, whatever the data size."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.access import ManagedOrganizations, managed_by, managed_organizations
from accounts.models import MemberStatusCount, Organization, User, UserStatus

# --- User Management (account managers) ------------------------------------------------------------


def managed_users(
    *,
    manager: User,
    organization: Organization | None = None,
    q: str = "",
    status: str = "",
    managed: ManagedOrganizations | None = None,
) -> QuerySet[User]:
    """Members of the manager's organizations (or of one of them), searched by name or email
    (``managed``: see ``accounts.access.managed_by``)."""
    users = managed_by(manager=manager, organization=organization, managed=managed)
    q = (q or "").strip()
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    if status:
        users = users.filter(status=status)
    return users


def managed_status_counts(
    *, manager: User, organization: Organization | None = None, managed: ManagedOrganizations | None = None
) -> dict[str, int]:
    """Users per status in the manager's organizations (or in the one given). One query.

    With ``managed`` (see ``accounts.access.managed_by``) and a single organization in view, the
    counts are read from ``MemberStatusCount``, which the database keeps: a few rows, whatever the
    TIN's size. Across several organizations a user who belongs to two of them is one user, so the
    members themselves are counted."""
    if managed is not None:
        if managed.manager_id != manager.pk:
            raise ValueError("managed_status_counts: those are another manager's organizations")
        ids = [o.pk for o in managed if organization is None or o.pk == organization.pk]
        if not ids:
            return {}
        if len(ids) == 1:
            rows = MemberStatusCount.objects.filter(organization_id=ids[0], members__gt=0)
            return dict(rows.values_list("status", "members"))
    rows = (
        managed_users(manager=manager, organization=organization, managed=managed)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def shared_organizations(*, manager: User, user: User) -> list[Organization]:
    """Organizations the manager manages and the user belongs to. One query."""
    from accounts.models import Membership

    members = Membership.objects.filter(user=user, organization=OuterRef("pk"))
    return list(managed_organizations(manager=manager).filter(Exists(members)))


# --- failed sign-ins -------------------------------------------------------------------------------


def login_lock_until(*, email: str, ip_address: str | None):
    """When the sign-in throttle's lock of ``email`` from this client ends, or None if not locked."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    cooloff = settings.AXES_COOLOFF_TIME
    attempt = (
        AccessAttempt.objects.filter(
            username=email,
            ip_address=ip_address,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gt=timezone.now() - cooloff,
        )
        .order_by("-attempt_time")
        .first()
    )
    return attempt.attempt_time + cooloff if attempt else None


@dataclass(frozen=True)
class FailedLogins:
    """Recent failed sign-ins of one account, for the people who manage it."""

    count: int
    window_hours: int
    last_at: object | None
    last_ip: str | None
    locked_until: object | None  # the latest running lock for one client
    locked_ip: str | None
    status_locked: bool


def failed_logins_summary(*, user: User) -> FailedLogins:
    """Failed sign-ins in the last LOGIN_LOCKED_WINDOW_HOURS (from the audit trail) and the
    running client locks (django-axes). Three queries, whatever the numbers."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    from audit.models import AuditAction, AuditEvent

    now = timezone.now()
    hours = settings.LOGIN_LOCKED_WINDOW_HOURS
    failures = AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, actor_email=user.email, occurred_at__gt=now - timedelta(hours=hours)
    )
    count = failures.count()
    last = failures.order_by("-occurred_at").values("occurred_at", "ip_address").first() if count else None
    cooloff = settings.AXES_COOLOFF_TIME
    lock = (
        AccessAttempt.objects.filter(
            username=user.email, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gt=now - cooloff
        )
        .order_by("-attempt_time")
        .values("attempt_time", "ip_address")
        .first()
    )
    return FailedLogins(
        count=count,
        window_hours=hours,
        last_at=last["occurred_at"] if last else None,
        last_ip=last["ip_address"] if last else None,
        locked_until=lock["attempt_time"] + cooloff if lock else None,
        locked_ip=lock["ip_address"] if lock else None,
        status_locked=user.status == UserStatus.LOCKED,
    )
