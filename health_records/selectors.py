"""Reads of Health Records. Attribution is the access rule: a member's record opens to a user with
Health Records for a provider ID that billed a claim for the member, or requested a prior
authorization for them, in the last 24 months, unless the member opted out."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import AccessLevel, ProviderIdentifier, User
from authorizations.models import AuthorizationRequest
from claims.diagnoses import Diagnosis
from claims.models import Claim, ClaimLine, Member
from health_records.models import CareGap, Immunization, LabResult, Medication, RecordOptOut
from health_records.rules import months_before
from health_records.visits import visit_type

ATTRIBUTION_MONTHS = 24


def attribution_start(today: datetime.date | None = None) -> datetime.date:
    return months_before(today or timezone.localdate(), ATTRIBUTION_MONTHS)


def _attribution(user: User, provider_id_value: str = "") -> Q:
    """The condition "under a provider ID the user may use with Health Records, a claim of the
    member has a service date in the last 24 months, or a prior authorization for the member was
    received in them"."""
    start = attribution_start()
    claims = Claim.objects.restrict(user, AccessLevel.HEALTH_RECORDS).filter(
        member_id=OuterRef("member_id"), service_date_from__gte=start
    )
    requests = AuthorizationRequest.objects.restrict(user, AccessLevel.HEALTH_RECORDS).filter(
        member=OuterRef("pk"), received_at__date__gte=start
    )
    if provider_id_value:
        claims = claims.filter(provider_identifier__value=provider_id_value)
        requests = requests.filter(requesting_provider__value=provider_id_value)
    return Q(Exists(claims)) | Q(Exists(requests))


def opted_out() -> Exists:
    return Exists(RecordOptOut.objects.filter(member=OuterRef("pk")))


def attributed_members(*, user: User, provider_id_value: str = "") -> QuerySet[Member]:
    """The members whose record the user may open: attributed and not opted out. One query."""
    if not user.is_authenticated or user.is_payer_staff:
        return Member.objects.none()
    return Member.objects.filter(_attribution(user, provider_id_value)).exclude(opted_out())


def member_by_lookup(*, user: User, member_id: str, date_of_birth: datetime.date) -> Member | None:
    """The member with this ID and birth date, for a user holding Health Records anywhere. One query."""
    return (
        Member.objects.restrict(user, AccessLevel.HEALTH_RECORDS)
        .filter(member_id=member_id, date_of_birth=date_of_birth)
        .first()
    )


def health_record_provider_ids(*, user: User) -> QuerySet[ProviderIdentifier]:
    return ProviderIdentifier.objects.restrict(user, AccessLevel.HEALTH_RECORDS).order_by("kind", "value")


@dataclass(frozen=True)
class Visit:
    claim: Claim
    type: str
    diagnoses: list[Diagnosis]


def visits(member: Member) -> QuerySet[Claim]:
    """The member's claims as visits, newest first, with the provider ID joined and the lines'
    procedure codes prefetched. Two queries."""
    return (
        Claim.objects.filter(member_id=member.member_id)
        .select_related("provider_identifier")
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.only("claim_id", "procedure_code").order_by("line_number"))
        )
        .order_by("-service_date_from", "-id")
    )


def visit_rows(member: Member, limit: int = 200) -> list[Visit]:
    """The newest ``limit`` visits with their type (from the lines' codes) and diagnoses."""
    return [
        Visit(claim, visit_type([line.procedure_code for line in claim.lines.all()]), claim.diagnoses)
        for claim in visits(member)[:limit]
    ]


def section_rows(member: Member, section: str):
    if section == "visits":
        return visit_rows(member)
    if section == "medications":
        return Medication.objects.filter(member=member)
    if section == "immunizations":
        return Immunization.objects.filter(member=member)
    if section == "labs":
        return LabResult.objects.filter(member=member)
    return CareGap.objects.filter(member=member).select_related("rule")


def care_gaps_for(*, user: User, provider_id_value: str = "", measure: str = "") -> QuerySet[CareGap]:
    """Open care gaps of the user's attributed members, with member and rule joined. One query."""
    gaps = CareGap.objects.filter(member__in=attributed_members(user=user, provider_id_value=provider_id_value))
    if measure:
        gaps = gaps.filter(rule__code=measure)
    return gaps.select_related("member", "rule")
