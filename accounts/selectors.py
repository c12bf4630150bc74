"""Reads of who may see what. Each answers in a constant number of queries, whatever the data size."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    Organization,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    User,
    UserStatus,
)
from portal import policy

LEVEL_CODENAMES = frozenset(AccessLevel.values)


def _level_grants(*, user: User, levels: list[str] | None = None) -> QuerySet:
    grants = OrganizationUserObjectPermission.objects.filter(
        user=user, permission__codename__in=levels or LEVEL_CODENAMES
    )
    return grants


def organizations_for_user(*, user: User, level: str | None = None) -> QuerySet[Organization]:
    """Organizations where the user holds ``level`` (or any level). One query."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    grants = _level_grants(user=user, levels=[level] if level else None).filter(content_object=OuterRef("pk"))
    return Organization.objects.filter(Exists(grants))


def levels_by_organization(*, user: User) -> dict[int, set[str]]:
    """Organization id → the access levels the user holds there. One query."""
    result: dict[int, set[str]] = defaultdict(set)
    if not user.is_authenticated or not user.is_active:
        return {}
    rows = _level_grants(user=user).values_list("content_object_id", "permission__codename")
    for organization_id, codename in rows:
        result[organization_id].add(codename)
    return dict(result)


def levels_held_anywhere(*, user: User) -> set[str]:
    """Every access level the user holds on at least one organization. One query."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(_level_grants(user=user).values_list("permission__codename", flat=True).distinct())


def user_levels(*, user: User, organization: Organization) -> set[str]:
    """The user's access levels on one organization. One query."""
    return set(
        _level_grants(user=user).filter(content_object=organization).values_list("permission__codename", flat=True)
    )


def _scope_grants(*, user: User) -> QuerySet:
    return ProviderIdentifierUserObjectPermission.objects.filter(user=user, permission__codename=SCOPE_PERMISSION)


def provider_ids_in_scope(*, user: User) -> QuerySet[ProviderIdentifier]:
    """The provider IDs the user may act for, with their organization. One query."""
    if not user.is_authenticated or not user.is_active:
        return ProviderIdentifier.objects.none()
    grants = _scope_grants(user=user).filter(content_object=OuterRef("pk"))
    return ProviderIdentifier.objects.filter(Exists(grants)).select_related("organization")


def user_may(*, user: User, level: str, provider_identifier: ProviderIdentifier) -> bool:
    """Whether the user may use ``level`` for this provider ID: it must be in the user's scope
    and the user must hold the level on the ID's organization. One query."""
    if not user.is_authenticated or not user.is_active or level not in LEVEL_CODENAMES:
        return False
    in_scope = _scope_grants(user=user).filter(content_object=OuterRef("pk"))
    holds_level = _level_grants(user=user, levels=[level]).filter(content_object=OuterRef("organization_id"))
    return (
        ProviderIdentifier.objects.filter(pk=provider_identifier.pk)
        .filter(Exists(in_scope), Exists(holds_level))
        .exists()
    )


def account_managers(*, organization: Organization, active_only: bool = True) -> QuerySet[User]:
    """The users holding Manage Account on the organization. One query."""
    grants = OrganizationUserObjectPermission.objects.filter(
        content_object=organization,
        permission__codename=AccessLevel.MANAGE_ACCOUNT,
        user=OuterRef("pk"),
    )
    users = User.objects.filter(Exists(grants))
    if active_only:
        users = users.filter(status=UserStatus.ACTIVE)
    return users.order_by("full_name")


def account_managers_by_organization(*, organization_ids) -> dict[int, list[User]]:
    """Active account managers of each organization, for "who controls my access?". One query."""
    grants = (
        OrganizationUserObjectPermission.objects.filter(
            content_object_id__in=list(organization_ids),
            permission__codename=AccessLevel.MANAGE_ACCOUNT,
            user__status=UserStatus.ACTIVE,
        )
        .select_related("user")
        .order_by("user__full_name")
    )
    result: dict[int, list[User]] = defaultdict(list)
    for grant in grants:
        result[grant.content_object_id].append(grant.user)
    return dict(result)


# --- User Management (account managers) ------------------------------------------------------------


def managed_organizations(*, manager: User) -> QuerySet[Organization]:
    """The organizations where the user is an account manager. One query."""
    return organizations_for_user(user=manager, level=AccessLevel.MANAGE_ACCOUNT).order_by("name")


def managed_users(
    *, manager: User, organization: Organization | None = None, q: str = "", status: str = ""
) -> QuerySet[User]:
    """Members of the manager's organizations (or of one of them), searched by name or email."""
    from accounts.models import Membership

    organizations = managed_organizations(manager=manager).values("pk")
    members = Membership.objects.filter(user=OuterRef("pk"), organization__in=organizations)
    if organization is not None:
        members = members.filter(organization=organization)
    users = User.objects.filter(Exists(members), kind="provider")
    q = (q or "").strip()
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    if status:
        users = users.filter(status=status)
    return users


def managed_status_counts(*, manager: User, organization: Organization | None = None) -> dict[str, int]:
    """Users per status in the manager's organizations. One query."""
    rows = (
        managed_users(manager=manager, organization=organization)
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


def manager_work_queue(*, manager: User, now=None) -> dict:
    """The account manager's to-do list across their TINs: invitations about to expire, users about
    to be disabled for inactivity, open access reviews. A fixed number of queries."""
    from datetime import timedelta

    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from accounts.models import LinkPurpose, RegistrationLink

    now = now or timezone.now()
    members = managed_users(manager=manager)
    expiring = (
        RegistrationLink.objects.filter(
            user__in=members.filter(status=UserStatus.UNVERIFIED),
            purpose=LinkPurpose.INVITATION,
            used_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=2),
        )
        .select_related("user", "organization")
        .order_by("expires_at")[:20]
    )
    inactive = (
        members.filter(status=UserStatus.ACTIVE)
        .annotate(reference=Coalesce("last_login", "status_changed_at"))
        .filter(reference__lte=now - timedelta(days=policy.inactivity_warn_days()))
        .order_by("reference")[:20]
    )
    from access_reviews.selectors import tasks_for_manager

    return {
        "expiring_invitations": list(expiring),
        "inactive_users": list(inactive),
        "review_tasks": list(tasks_for_manager(manager=manager)[:20]),
    }


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
