"""Reads of claims, restricted to what the user may see, and of members for the eligibility lookup.
Each answers in one query (the member, with its coverage spans, in two)."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.access import ProviderReach, provider_reach
from accounts.models import AccessLevel, User
from claims.models import (
    APPEAL_OPEN,
    Appeal,
    Claim,
    ClaimLine,
    ClaimPayment,
    Coverage,
    Member,
    PaymentAdjustment,
    ReasonCode,
    ReasonCodeKind,
    Remittance,
    ServicePayment,
)


def claims_visible_to(*, user: User) -> QuerySet[Claim]:
    """Claims of the provider IDs in the user's scope whose organization granted the user Claims,
    with the provider ID and organization joined. One query."""
    return Claim.objects.restrict(user, AccessLevel.CLAIMS).select_related("provider_identifier__organization")


def claims_reach(*, user: User) -> ProviderReach:
    """The provider IDs whose claims the user may see, read once for a Claims page: the choices of
    its provider ID filter and the keys its list is restricted by. One query."""
    return provider_reach(user, AccessLevel.CLAIMS)


def claims_search(
    *,
    user: User,
    reach: ProviderReach | None = None,
    provider_id_value: str = "",
    status: str = "",
    service_from: datetime.date | None = None,
    service_to: datetime.date | None = None,
    member_id: str = "",
    claim_number: str = "",
) -> QuerySet[Claim]:
    """The user's visible claims narrowed by the Claims list filters; empty filters are ignored.

    The service dates select claims whose service period overlaps [service_from, service_to].
    The rows are ``restrict``'s, filtered by the user's provider IDs (``reach``, read here when
    not given): each sort of a long list then walks an index.
    """
    claims = Claim.objects.restrict_listed(user, AccessLevel.CLAIMS, reach=reach).select_related(
        "provider_identifier__organization"
    )
    if provider_id_value:
        claims = claims.filter(provider_identifier__value=provider_id_value)
    if status:
        claims = claims.filter(status=status)
    if service_from:
        claims = claims.filter(service_date_to__gte=service_from)
    if service_to:
        claims = claims.filter(service_date_from__lte=service_to)
    if member_id:
        claims = claims.filter(member_id=member_id)
    if claim_number:
        claims = claims.filter(claim_number=claim_number)
    return claims


def member_for_eligibility(*, member_id: str, date_of_birth: datetime.date, user: User | None = None) -> Member | None:
    """The member with exactly this member ID and birth date, with every coverage span (newest
    first), or None. A wrong birth date finds nothing, like an unknown ID: one query either way,
    then one more for the spans of a member found. With ``user``, only for a user holding
    Eligibility (on any organization: the birth date is the proof, not the TIN)."""
    spans = Prefetch("coverages", queryset=Coverage.objects.order_by("-coverage_start", "plan_code"))
    members = Member.objects.all() if user is None else Member.objects.restrict(user, AccessLevel.ELIGIBILITY)
    return members.filter(member_id=member_id, date_of_birth=date_of_birth).prefetch_related(spans).first()


# --- service lines, code tables and remittance ---------------------------------------------------------


def claim_lines(*, claim: Claim) -> list:
    """The claim's service lines in order, each with its adjustments. Two queries."""
    return list(ClaimLine.objects.filter(claim=claim).prefetch_related("adjustments").order_by("line_number"))


def reason_code_words(*, carcs: set[str], rarcs: set[str]) -> dict[tuple[str, str], str]:
    """{(kind, code): description} of the codes asked for. One query, none when nothing is asked."""

    if not carcs and not rarcs:
        return {}
    condition = Q(kind=ReasonCodeKind.CARC, code__in=carcs) | Q(kind=ReasonCodeKind.RARC, code__in=rarcs)
    return {
        (kind, code): text
        for kind, code, text in ReasonCode.objects.filter(condition).values_list("kind", "code", "description")
    }


def remittances_visible_to(*, user: User, reach: ProviderReach | None = None) -> QuerySet:
    """Payments to a TIN where the user holds Claims that pay at least one claim in the user's
    scope. One query (and one for ``reach`` when not given): each payment's claim count is stored
    with it (the whole payment's, like its amount), so no payment's claims are counted here."""

    visible = _claim_payments_in_reach(user, reach).filter(remittance=OuterRef("pk"))
    return Remittance.objects.restrict(user, AccessLevel.CLAIMS).filter(Exists(visible)).select_related("organization")


def _claim_payments_in_reach(user: User, reach: ProviderReach | None) -> QuerySet:
    """Claim payments of the claims the user may see, by the list of the user's provider IDs: the
    planner then starts from the payment's own rows (an index on the remittance) and not from
    every claim of those provider IDs (seconds at a million claims)."""
    if reach is None:
        reach = claims_reach(user=user)
    return ClaimPayment.objects.restrict_listed(user, AccessLevel.CLAIMS, reach=reach)


def remittance_claims(*, user: User, remittance, reach: ProviderReach | None = None) -> QuerySet:
    """The payment's claims the user may see, in the payment's order, with their services and
    adjustments (three queries for any slice of it)."""

    return (
        _claim_payments_in_reach(user, reach)
        .filter(remittance=remittance)
        .select_related("claim")
        .prefetch_related(
            Prefetch("adjustments", queryset=PaymentAdjustment.objects.order_by("id")),
            Prefetch("services", queryset=ServicePayment.objects.select_related("line").order_by("id")),
        )
        .order_by("id")
    )


def remittance_claims_in_reach(*, user: User, remittance, reach: ProviderReach | None = None) -> int:
    """How many of the payment's claims the user may see. One query over this payment's claims."""
    return _claim_payments_in_reach(user, reach).filter(remittance=remittance).count()


def remittance_hides_claims(*, user: User, remittance, reach: ProviderReach | None = None) -> bool:
    """Whether the payment pays claims outside the user's reach (then its 835 is not the user's to
    download whole). One query."""
    return remittance_claims_in_reach(user=user, remittance=remittance, reach=reach) < remittance.claim_count


def claim_payments(*, claim: Claim) -> list:
    """The payments of a claim the user already may see, newest first. One query."""
    return list(
        ClaimPayment.objects.filter(claim=claim)
        .select_related("remittance")
        .order_by("-remittance__payment_date", "-id")
    )


# --- appeals -------------------------------------------------------------------------------------------


def appeals_visible_to(*, user: User) -> QuerySet:
    """Appeals of the claims the user may see, with the claim and its TIN joined. One query."""
    return Appeal.objects.restrict(user, AccessLevel.CLAIMS).select_related("claim__provider_identifier__organization")


def claim_appeals(*, claim: Claim) -> list:
    """A claim the user may see: its appeals, newest first, with their documents. Two queries
    (one when it has none)."""
    return list(Appeal.objects.filter(claim=claim).prefetch_related("documents").order_by("-submitted_at", "-id"))


def claim_open_appeal(*, claim: Claim):
    """The claim's open appeal or reconsideration, or None. One query."""
    return Appeal.objects.filter(claim=claim, status__in=APPEAL_OPEN).first()


def appeals_queue(*, decided: bool | None) -> QuerySet:
    """Payer staff's queue: the open appeals (``decided=False``), the decided ones (True), or all
    (None), with claim, TIN, filer and reviewer joined. One query."""
    appeals = Appeal.objects.select_related(
        "claim__provider_identifier__organization", "submitted_by", "taken_by", "decided_by"
    )
    if decided is None:
        return appeals
    return appeals.exclude(status__in=APPEAL_OPEN) if decided else appeals.filter(status__in=APPEAL_OPEN)
