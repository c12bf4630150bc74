"""Reads of the Control Panel's organization page and Users list (payer staff see every organization).

Each function costs a fixed number of queries, whatever the size of the organization.
"""

from collections import defaultdict
from dataclasses import dataclass

from access_requests.models import AccessRequest
from access_requests.selectors import payer_requests
from accounts.access import account_managers, levels_of_users
from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    ProviderIdentifier,
    User,
)
from audit.models import AuditEvent
from portal.pagination import KeysetPage, keyset_page

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
