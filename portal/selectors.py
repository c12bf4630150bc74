"""Reads for the two dashboards, in a fixed number of queries whatever the data size.

Every count is one aggregate query (``COUNT`` or ``COUNT ... GROUP BY``), never a loop over rows;
each links to the list that shows the same rows, filtered the same way.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from accounts.access import (
    account_managers_by_organization,
    active_manager_exists,
    levels_by_organization,
    provider_ids_in_scope,
)
from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    ProviderIdentifier,
    Registration,
    RegistrationStatus,
    User,
    UserKind,
    UserStatus,
)
from accounts.selectors import managed_status_counts, managed_users
from audit.models import AuditEvent

# An Add Facility request still open after this many days is overdue on the Control Panel home.
# It must be one of the Requests list's "Age" choices, so the card links to exactly those rows.
REQUEST_OVERDUE_DAYS = 3
CHART_WEEKS = 12


def inactivity_days() -> tuple[int, int]:
    """(warning day, disabling day) of the nightly inactivity job: one source for every page."""
    from core import policy

    return policy.inactivity_warn_days(), policy.inactivity_disable_days()


# --- provider dashboard ----------------------------------------------------------------------------


def provider_dashboard(*, user: User, levels_anywhere: set[str]) -> dict:
    """The provider's home: organizations and levels, then their work. ``levels_anywhere`` is the
    request's cached set (``accounts.decorators.request_levels``), so it costs no query here."""
    from access_requests.models import RequestStatus
    from access_requests.selectors import requests_of

    levels = levels_by_organization(user=user)
    organizations = Organization.objects.filter(pk__in=levels.keys()).order_by("name") if levels else []
    order = list(AccessLevel)
    is_manager = AccessLevel.MANAGE_ACCOUNT in levels_anywhere
    has_message_box = AccessLevel.MESSAGE_BOX in levels_anywhere

    requests = list(requests_of(user=user).order_by("-created_at", "-id")[:5])
    open_request_count = requests_of(user=user).filter(status=RequestStatus.OPEN).count()

    context = {
        "organizations": [
            {
                "organization": organization,
                "levels": [level.label for level in order if level.value in levels[organization.pk]],
            }
            for organization in organizations
        ],
        "scope_count": provider_ids_in_scope(user=user).count(),
        "recent_events": AuditEvent.objects.filter(actor=user)
        .select_related("organization")
        .order_by("-occurred_at", "-id")[:5],
        "recent_requests": requests,
        "open_request_count": open_request_count,
        "unread_count": None,
        "is_manager": is_manager,
        "quick_actions": quick_actions(levels_anywhere=levels_anywhere),
    }
    if has_message_box:
        from mailbox.selectors import unread_count

        context["unread_count"] = unread_count(user=user)
    if is_manager:
        context.update(manager_counts(manager=user))
    return context


def quick_actions(*, levels_anywhere: set[str]) -> list[dict]:
    """The buttons on the dashboard, each shown only with the level its page needs."""
    actions = [{"label": "Add Facility", "url_name": "access_requests:add_facility"}]
    needs = [
        (AccessLevel.MESSAGE_BOX, "New message", "mailbox:compose"),
        (AccessLevel.CLAIMS, "Claims", "claims:list"),
        (AccessLevel.ELIGIBILITY, "Eligibility", "claims:eligibility"),
        (AccessLevel.MANAGE_ACCOUNT, "User Management", "accounts:user_management"),
        (AccessLevel.MANAGE_ACCOUNT, "Invite a user", "accounts:invite"),
    ]
    actions += [{"label": label, "url_name": name} for level, label, name in needs if level in levels_anywhere]
    return actions


def manager_counts(*, manager: User, now=None) -> dict:
    """An account manager's counts across their TINs: three queries."""
    from access_reviews.selectors import tasks_for_manager

    now = now or timezone.now()
    warn_days, disable_days = inactivity_days()
    statuses = managed_status_counts(manager=manager)
    near_inactivity = (
        managed_users(manager=manager)
        .filter(status=UserStatus.ACTIVE)
        .annotate(reference=Coalesce("last_login", "status_changed_at"))
        .filter(reference__lte=now - timedelta(days=warn_days))
        .count()
    )
    return {
        "pending_verification_count": statuses.get(UserStatus.VERIFICATION_PENDING, 0),
        "near_inactivity_count": near_inactivity,
        "inactivity_warn_days": warn_days,
        "inactivity_disable_days": disable_days,
        "review_tasks": list(tasks_for_manager(manager=manager)[:5]),
    }


@dataclass(frozen=True)
class OrganizationContacts:
    """Who a user without access levels asks, for one of their organizations."""

    organization: Organization
    managers: list[User]


def access_contacts(*, user: User) -> list[OrganizationContacts]:
    """For a user holding no access level: each organization they belong to (or registered
    under) with its active account managers. Two queries; an empty manager list means the plan's
    Provider Services is the one to call."""
    if not user.is_authenticated or user.is_payer_staff:
        return []
    member_of = Membership.objects.filter(user=user, organization=OuterRef("pk"))
    registered_under = Registration.objects.filter(
        user=user, organization=OuterRef("pk"), status=RegistrationStatus.PENDING
    )
    organizations = list(
        Organization.objects.filter(Q(Exists(member_of)) | Q(Exists(registered_under))).order_by("name")
    )
    managers = account_managers_by_organization(organization_ids=[o.pk for o in organizations]) if organizations else {}
    return [
        OrganizationContacts(organization=o, managers=[m for m in managers.get(o.pk, []) if m.pk != user.pk])
        for o in organizations
    ]


# --- Control Panel home ----------------------------------------------------------------------------


def payer_dashboard(*, today: date | None = None) -> dict:
    """The payer team's work, each count one aggregate query; the weekly chart two more."""
    from access_requests.models import AccessRequest, RequestStatus
    from access_reviews.models import ReviewTask, TaskStatus
    from mailbox.models import Thread, ThreadKind

    now = timezone.now()
    today = today or timezone.localdate(now)
    status_counts = dict(
        User.objects.filter(kind=UserKind.PROVIDER).values_list("status").annotate(n=Count("id")).order_by()
    )
    requests = AccessRequest.objects.filter(status=RequestStatus.OPEN).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(created_at__lte=now - timedelta(days=REQUEST_OVERDUE_DAYS))),
    )
    threads = Thread.objects.filter(kind=ThreadKind.PAYER).aggregate(
        unread=Count("id", filter=Q(payer_unread=True)),
        unassigned=Count("id", filter=Q(assigned_to__isnull=True)),
    )
    organizations = Organization.objects.aggregate(
        total=Count("id"),
        unverified=Count("id", filter=Q(tin_verified=False)),
    )
    return {
        "status_counts": [(status.value, status.label, status_counts.get(status.value, 0)) for status in UserStatus],
        "organization_count": organizations["total"],
        "unverified_tin_count": organizations["unverified"],
        "no_manager_count": Organization.objects.filter(~active_manager_exists()).count(),
        "provider_id_count": ProviderIdentifier.objects.count(),
        "open_request_count": requests["open"],
        "overdue_request_count": requests["overdue"],
        "overdue_days": REQUEST_OVERDUE_DAYS,
        "unread_thread_count": threads["unread"],
        "unassigned_thread_count": threads["unassigned"],
        "waiting_registration_count": Registration.objects.filter(
            status=RegistrationStatus.PENDING, routed_to_payer=True
        ).count(),
        "late_review_count": ReviewTask.objects.filter(
            status=TaskStatus.OPEN, campaign__closed_at__isnull=True, campaign__due_on__lt=today
        ).count(),
        "chart": weekly_requests(today=today),
        "recent_events": AuditEvent.objects.select_related("organization").order_by("-occurred_at", "-id")[:10],
    }


def weekly_requests(*, today: date, weeks: int = CHART_WEEKS) -> list[dict]:
    """Add Facility requests received and decided per week (Monday to Sunday, in the portal's
    time zone), oldest week first, the current week last. Two ``GROUP BY`` queries."""
    from access_requests.models import AccessRequest

    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = timezone.make_aware(datetime.combine(mondays[0], time.min))

    def per_week(field: str) -> dict[date, int]:
        rows = (
            AccessRequest.objects.filter(**{f"{field}__gte": since})
            .annotate(week=TruncWeek(field, output_field=DateField()))
            .values("week")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {row["week"]: row["n"] for row in rows}

    received, decided = per_week("created_at"), per_week("decided_at")
    return [
        {"week": monday, "received": received.get(monday, 0), "decided": decided.get(monday, 0)} for monday in mondays
    ]
