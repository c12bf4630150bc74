"""Reads of the Control Panel's organization page and Users list (payer staff see every organization).

Each function costs a fixed number of queries, whatever the size of the organization.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from access_requests.models import AccessRequest
from access_requests.selectors import payer_requests
from accounts.access import (
    ManagedOrganizations,
    account_managers,
    levels_of_users,
    managed_organization_list,
    manager_audit_scope,
)
from accounts.models import (
    AccessLevel,
    LinkPurpose,
    Membership,
    Organization,
    ProviderIdentifier,
    RegistrationLink,
    User,
    UserKind,
    UserStatus,
)
from accounts.selectors import managed_users
from audit.models import AuditEvent
from core import policy
from core.pagination import KeysetPage, keyset_page
from user_management import work_queue

PROVIDER_ID_CAP = 50
REQUEST_CAP = 20
EVENT_CAP = 10


@dataclass
class OrganizationOverview:
    """What the organization page shows, each list with its full count."""

    members: KeysetPage  # rows: Membership with .user, .levels (AccessLevel list), .is_manager
    member_count: int
    managers: list[User]
    provider_ids: list[ProviderIdentifier]
    provider_id_count: int
    access_requests: list[AccessRequest]
    access_request_count: int
    events: list[AuditEvent]
    event_count: int


def organization_members(*, organization: Organization, after: str | None) -> KeysetPage:
    """One page of the organization's users by name, each with its levels in this TIN. Two queries."""
    page = keyset_page(
        Membership.objects.filter(organization=organization).select_related("user"),
        order=("user__full_name", "id"),
        after=after,
    )
    levels = levels_of_users(organization=organization, user_ids=[m.user_id for m in page.rows])
    for membership in page.rows:
        membership.levels = [level for level in AccessLevel if level.value in levels[membership.user_id]]
        membership.is_manager = AccessLevel.MANAGE_ACCOUNT in levels[membership.user_id]
    return page


def organization_overview(*, organization: Organization, after: str | None = None) -> OrganizationOverview:
    """Users (a keyset page), active account managers, provider IDs, access requests and recent
    audit events of one organization. Ten queries."""
    requests = payer_requests(tin=organization.tin)
    events = AuditEvent.objects.filter(organization=organization)
    provider_ids = ProviderIdentifier.objects.filter(organization=organization)
    return OrganizationOverview(
        members=organization_members(organization=organization, after=after),
        member_count=Membership.objects.filter(organization=organization).count(),
        managers=list(account_managers(organization=organization)),
        provider_ids=list(provider_ids.order_by("kind", "value")[:PROVIDER_ID_CAP]),
        provider_id_count=provider_ids.count(),
        access_requests=list(requests.order_by("-created_at", "-id")[:REQUEST_CAP]),
        access_request_count=requests.order_by().count(),
        events=list(events.select_related("organization").order_by("-occurred_at", "-id")[:EVENT_CAP]),
        event_count=events.count(),
    )


def with_organizations(users: list[User]) -> list[User]:
    """Attach each user's organizations (``user.organizations_list``), by name. One query for the page."""
    memberships = Membership.objects.filter(user__in=users).select_related("organization")
    by_user = defaultdict(list)
    for membership in memberships.order_by("organization__name", "organization_id"):
        by_user[membership.user_id].append(membership.organization)
    for user in users:
        user.organizations_list = by_user[user.pk]
    return users


def audit_events_for_manager(*, user: User) -> QuerySet[AuditEvent]:
    """The events an account manager may read, with their organization.

    Let M be the organizations (TINs) where ``user`` holds Manage Account. An event is visible
    exactly when

    (a) its organization is in M, or
    (b) it names no organization and its target is a user who currently holds any access level
        on an organization in M (that user's logins, MFA, password and status changes, and so on).

    An event about such a user that names another organization stays hidden: it is that
    organization's business. An inactive user, or one holding Manage Account nowhere, sees nothing.

    Two queries: the scope (``manager_audit_scope``, run now) and the events (lazy), whose
    condition holds the scope as literal lists. With the scope as subqueries instead, PostgreSQL
    cannot estimate how many events match and always walks the time index, filtering: for a TIN
    with few events that reads the whole table (45 ms at 200,000 events, growing with the table).
    With literal lists it picks a bitmap OR of the (organization) and (target type, target id)
    indexes for a small TIN and the time index for a big one (under 3 ms either way; see
    bench/audit_bench.py).
    """
    organization_ids, member_uuids = manager_audit_scope(user=user)
    if not organization_ids:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(organization_id__in=organization_ids)
        | Q(organization__isnull=True, target_type="user", target_id__in=member_uuids)
    ).select_related("organization")


# --- the account manager's work queue ----------------------------------------------------------


def manager_work_queue(*, manager: User, now=None, managed: ManagedOrganizations | None = None) -> dict:
    """The account manager's to-do list across their TINs: invitations about to expire, users about
    to be disabled for inactivity, and what other modules add (open access reviews). A fixed
    number of queries, and none reads every member of a TIN: the invitations are found from the
    open ones of the manager's TINs (an index on organization and expiry), the inactive users in
    the order of an index on their last sign-in (``managed``: see ``accounts.access.managed_by``)."""
    now = now or timezone.now()
    if managed is None:
        managed = managed_organization_list(manager=manager)
    still_invited = Membership.objects.filter(user=OuterRef("user"), organization=OuterRef("organization"))
    expiring = (
        RegistrationLink.objects.filter(
            organization_id__in=[o.pk for o in managed],
            purpose=LinkPurpose.INVITATION,
            used_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=2),
            user__status=UserStatus.UNVERIFIED,
            user__kind=UserKind.PROVIDER,
        )
        .filter(Exists(still_invited))
        .select_related("user", "organization")
        .order_by("expires_at", "id")[:20]
    )
    members = managed_users(manager=manager, managed=managed)
    inactive = (
        members.filter(status=UserStatus.ACTIVE)
        .annotate(reference=Coalesce("last_login", "status_changed_at"))
        .filter(reference__lte=now - timedelta(days=policy.inactivity_warn_days()))
        .order_by("reference", "id")[:20]
    )
    return {
        "expiring_invitations": list(expiring),
        "inactive_users": list(inactive),
        **work_queue.contributions(manager=manager),
    }
