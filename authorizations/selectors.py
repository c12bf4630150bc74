"""Reads of prior authorizations: the provider's requests (through the one access rule), the plan's
queue, the review screen's context, the answer to "is an authorization needed?" and the public
metrics. Lists are one query each (keyset-paginated by the views)."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access import ProviderReach, provider_reach
from accounts.models import AccessLevel, ProviderIdentifier, User
from authorizations.models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    AuthorizationRequest,
    AuthorizationService,
    Event,
    RequestStatus,
    ServiceLine,
    Urgency,
)
from claims.models import Coverage, Member


def authorizations_visible_to(*, user: User) -> QuerySet[AuthorizationRequest]:
    """Requests of the provider IDs in the user's scope whose TIN granted Authorizations. One query."""
    return AuthorizationRequest.objects.restrict(user, AccessLevel.AUTHORIZATIONS).select_related(
        "member", "requesting_provider__organization"
    )


def drafts_of(*, user: User) -> QuerySet[AuthorizationRequest]:
    """The user's own drafts (a draft may not name a provider ID yet); once it does, only while the
    user may still use that ID for Authorizations."""
    visible = AuthorizationRequest.objects.restrict(user, AccessLevel.AUTHORIZATIONS).values("pk")
    return (
        AuthorizationRequest.objects.filter(created_by=user, status=RequestStatus.DRAFT)
        .filter(Q(requesting_provider__isnull=True) | Q(pk__in=visible))
        .select_related("member", "requesting_provider__organization")
    )


def authorization_provider_ids(*, user: User) -> QuerySet[ProviderIdentifier]:
    """The provider IDs a user may request for (the choices of the providers step). One query."""
    return ProviderIdentifier.objects.restrict(user, AccessLevel.AUTHORIZATIONS).order_by("kind", "value")


def authorizations_reach(*, user: User) -> ProviderReach:
    """The provider IDs whose requests the user may see, read once for the list: the choices of
    its provider ID filter and the keys the list is restricted by. One query."""
    return provider_reach(user, AccessLevel.AUTHORIZATIONS)


def authorizations_search(
    *,
    user: User,
    reach: ProviderReach | None = None,
    status: str = "",
    member_id: str = "",
    provider_id_value: str = "",
    reference: str = "",
    created_from: datetime.date | None = None,
    created_to: datetime.date | None = None,
) -> QuerySet[AuthorizationRequest]:
    """The provider list, narrowed by its filters (empty filters are ignored). Drafts of others are
    not shown: a draft is its author's until submitted. The rows are ``restrict``'s, filtered by
    the user's provider IDs (``reach``, read here when not given), so the list walks an index."""
    requests = (
        AuthorizationRequest.objects.restrict_listed(user, AccessLevel.AUTHORIZATIONS, reach=reach)
        .select_related("member", "requesting_provider__organization")
        .filter(~Q(status=RequestStatus.DRAFT) | Q(created_by=user))
    )
    if status:
        requests = requests.filter(status=status)
    if member_id:
        requests = requests.filter(member__member_id=member_id.strip().upper())
    if provider_id_value:
        requests = requests.filter(requesting_provider__value=provider_id_value)
    if reference:
        requests = requests.filter(reference=reference.strip().upper())
    if created_from:
        requests = requests.filter(created_at__date__gte=created_from)
    if created_to:
        requests = requests.filter(created_at__date__lte=created_to)
    return requests


def with_detail(requests: QuerySet[AuthorizationRequest]) -> QuerySet[AuthorizationRequest]:
    """What the detail and review pages show: lines with their reasons, diagnoses, attachments,
    the timeline and the member's coverage spans (five more queries, whatever the sizes)."""
    return requests.select_related(
        "member", "requesting_provider__organization", "assigned_to", "appeal_of"
    ).prefetch_related(
        Prefetch("lines", queryset=ServiceLine.objects.select_related("denial_reason").order_by("line_number")),
        "diagnoses",
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
        Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id")),
        Prefetch("member__coverages", queryset=Coverage.objects.order_by("-coverage_start")),
        Prefetch("appeals", queryset=AuthorizationRequest.objects.order_by("created_at", "id")),
    )


def queue(*, status: str = "", urgency: str = "", mine_for: User | None = None) -> QuerySet[AuthorizationRequest]:
    """The plan's queue: open requests, soonest due first. One query."""
    requests = AuthorizationRequest.objects.filter(status__in=[status] if status else OPEN_STATUSES)
    if urgency:
        requests = requests.filter(urgency=urgency)
    if mine_for is not None:
        requests = requests.filter(assigned_to=mine_for)
    return requests.select_related("member", "requesting_provider", "assigned_to", "appeal_of")


def overdue(*, now: datetime.datetime | None = None, limit: int = 20) -> list[AuthorizationRequest]:
    """Open requests past their due time, most overdue first (the Control Panel home). One query."""
    now = now or timezone.now()
    return list(
        AuthorizationRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .select_related("member")
        .order_by("due_at", "id")[:limit]
    )


def other_requests_for_member(*, authorization: AuthorizationRequest, limit: int = 20) -> list[AuthorizationRequest]:
    """The same provider ID's other submitted requests for the same member (the review screen)."""
    return list(
        AuthorizationRequest.objects.filter(
            member_id=authorization.member_id, requesting_provider_id=authorization.requesting_provider_id
        )
        .exclude(pk=authorization.pk)
        .exclude(status=RequestStatus.DRAFT)
        .order_by("-created_at", "-id")[:limit]
    )


# --- is an authorization needed? -------------------------------------------------------------------


@dataclass(frozen=True)
class NeedAnswer:
    code: str
    service: AuthorizationService | None
    needed: bool

    @property
    def known(self) -> bool:
        return self.service is not None


def authorization_needed(
    *, codes: list[str], category: str = "", member: Member | None = None, on: datetime.date | None = None
) -> list[NeedAnswer]:
    """For each code, whether the plan's table asks for a request (for this category and, with a
    member, the plans covering them on the day). One query (two with a member)."""
    cleaned = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
    services = {s.code: s for s in AuthorizationService.objects.filter(code__in=cleaned)}
    plans = [""]
    if member is not None:
        day = on or timezone.localdate()
        plans = [span.plan_code for span in member.coverages.all() if span.covers(day)] or [""]
    answers = []
    for code in cleaned:
        service = services.get(code)
        needed = service is not None and any(service.applies_to(category=category, plan_code=p) for p in plans)
        answers.append(NeedAnswer(code=code, service=service, needed=needed))
    return answers


def public_services() -> QuerySet[AuthorizationService]:
    return AuthorizationService.objects.filter(requires_authorization=True).order_by("code")


# --- public metrics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrgencyFigures:
    urgency: str
    received: int
    decided: int
    approved: int
    denied: int
    approved_after_extension: int
    extended: int
    mean_hours: float | None
    median_hours: float | None

    def share(self, count: int, of: int | None = None) -> float | None:
        whole = self.decided if of is None else of
        return round(100 * count / whole, 1) if whole else None

    @property
    def approved_share(self) -> float | None:
        return self.share(self.approved)

    @property
    def denied_share(self) -> float | None:
        return self.share(self.denied)

    @property
    def approved_after_extension_share(self) -> float | None:
        return self.share(self.approved_after_extension, self.extended)


@dataclass(frozen=True)
class Metrics:
    year: int
    standard: UrgencyFigures
    expedited: UrgencyFigures
    appeals_decided: int
    approved_after_appeal: int

    @property
    def approved_after_appeal_share(self) -> float | None:
        return round(100 * self.approved_after_appeal / self.appeals_decided, 1) if self.appeals_decided else None

    def rows(self) -> list[tuple[str, str]]:
        """(figure, value) pairs, as the page and the CSV give them."""

        def pct(value):
            return "" if value is None else f"{value:.1f}"

        def hours(value):
            return "" if value is None else f"{value:.1f}"

        rows = [("year", str(self.year))]
        for figures in (self.standard, self.expedited):
            u = figures.urgency
            rows += [
                (f"{u}_requests_received", str(figures.received)),
                (f"{u}_requests_decided", str(figures.decided)),
                (f"{u}_approved_percent", pct(figures.approved_share)),
                (f"{u}_denied_percent", pct(figures.denied_share)),
                (f"{u}_average_hours_to_decision", hours(figures.mean_hours)),
                (f"{u}_median_hours_to_decision", hours(figures.median_hours)),
            ]
            if u == Urgency.STANDARD:
                rows.append(("standard_approved_after_extension_percent", pct(figures.approved_after_extension_share)))
        rows.append(("approved_after_appeal_percent", pct(self.approved_after_appeal_share)))
        return rows


APPROVED = (RequestStatus.APPROVED, RequestStatus.PARTIALLY_APPROVED)


def _figures(urgency: str, year: int) -> UrgencyFigures:
    received = AuthorizationRequest.objects.filter(urgency=urgency, received_at__year=year).exclude(
        status=RequestStatus.DRAFT
    )
    decided = list(
        received.filter(status__in=DECIDED_STATUSES).values_list("status", "received_at", "decided_at", "extended_at")
    )
    hours = [(decided_at - received_at).total_seconds() / 3600 for _, received_at, decided_at, _ in decided]
    extended = [status for status, _, _, extended_at in decided if extended_at is not None]
    return UrgencyFigures(
        urgency=urgency,
        received=received.count(),
        decided=len(decided),
        approved=sum(1 for status, *_ in decided if status in APPROVED),
        denied=sum(1 for status, *_ in decided if status == RequestStatus.DENIED),
        approved_after_extension=sum(1 for status in extended if status in APPROVED),
        extended=len(extended),
        mean_hours=statistics.fmean(hours) if hours else None,
        median_hours=statistics.median(hours) if hours else None,
    )


def metrics_for_year(*, year: int) -> Metrics:
    """The figures CMS-0057-F asks plans to publish, for requests received in ``year``: a request
    counts as approved when at least one line was approved (as asked or modified), denied when every
    line was denied; times run from receipt to decision. Withdrawn requests count as received only."""
    appeals = AuthorizationRequest.objects.filter(
        appeal_of__isnull=False, received_at__year=year, status__in=DECIDED_STATUSES
    )
    return Metrics(
        year=year,
        standard=_figures(Urgency.STANDARD, year),
        expedited=_figures(Urgency.EXPEDITED, year),
        appeals_decided=appeals.count(),
        approved_after_appeal=appeals.filter(status__in=APPROVED).count(),
    )
