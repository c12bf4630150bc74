"""The claim status inquiry (the question of an X12 276, answered as a 277 would): member ID, birth
date, service date and billed amount find one claim of the user's provider IDs, answered with its
status category in words. Throttled like Eligibility and audited."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from accounts.models import AccessLevel
from audit.models import AuditAction
from audit.services import record
from claims.models import Claim, ClaimStatus, Member
from claims.services import ThrottleLimit, ThrottleRefusal, _limit
from core import ratelimit


@dataclass(frozen=True)
class StatusCategory:
    """A claim status category code of the 277 (X12 code list 507) with the plan's words."""

    code: str
    label: str
    words: str


CATEGORIES = {
    "A1": StatusCategory("A1", "Acknowledged: received", "We have received the claim; it has not been checked yet."),
    "A2": StatusCategory(
        "A2", "Accepted into adjudication", "The claim passed the front-end checks and is waiting to be adjudicated."
    ),
    "P1": StatusCategory("P1", "Pending: in process", "The claim is being adjudicated; no decision has been made."),
    "P2": StatusCategory(
        "P2",
        "Pending: payer review",
        "The claim is suspended for review by the plan (medical or payment review); no action is needed from you yet.",
    ),
    "F1": StatusCategory("F1", "Finalized: payment", "The claim is final and paid in full or in part; see the claim."),
    "F2": StatusCategory("F2", "Finalized: denial", "The claim is final and denied; see the claim for the reason."),
}

# Each status the claim system reports, as a 277 category.
STATUS_CATEGORY = {
    ClaimStatus.RECEIVED: "A1",
    ClaimStatus.IN_PROCESS: "A2",
    ClaimStatus.PENDING: "P1",
    ClaimStatus.SUSPENDED: "P2",
    ClaimStatus.PAID: "F1",
    ClaimStatus.ADJUSTED: "F1",
    ClaimStatus.DENIED: "F2",
}

CLAIM_STATUS_LIMITS = (
    _limit("minute", "claim-status-minute"),
    _limit("day", "claim-status-day"),
)


def category_of(status: str) -> StatusCategory:
    return CATEGORIES[STATUS_CATEGORY[ClaimStatus(status)]]


def claim_status_throttle_hit(*, user) -> ThrottleRefusal | None:
    """Counts one inquiry of ``user`` against ``CLAIM_STATUS_LIMITS``; the longer limits are checked
    first and counted last, so a refused inquiry uses up nothing (as ``eligibility_throttle_hit``)."""
    key = f"user:{user.pk}"
    *longer, first = reversed(CLAIM_STATUS_LIMITS)
    limit: ThrottleLimit
    for limit in longer:
        if refusal := ratelimit.check(f"claim-status-{limit.name}", key, r=limit.as_rate()):
            return ThrottleRefusal(limit=limit, retry_after=refusal.retry_after, when=refusal.when())
    if refusal := ratelimit.hit(f"claim-status-{first.name}", key, r=first.as_rate()):
        return ThrottleRefusal(limit=first, retry_after=refusal.retry_after, when=refusal.when())
    for limit in longer:
        ratelimit.hit(f"claim-status-{limit.name}", key, r=limit.as_rate())
    return None


class InquiryOutcome(models.TextChoices):
    FOUND = "found", "Found"
    NO_MATCH = "no match", "No match"
    THROTTLED = "throttled", "Too many inquiries"


@dataclass(frozen=True)
class InquiryResult:
    outcome: InquiryOutcome
    claim: Claim | None = None
    category: StatusCategory | None = None
    refusal: ThrottleRefusal | None = None


def find_claim(
    *, user, member_id: str, date_of_birth: datetime.date, service_date: datetime.date, billed_amount: Decimal
):
    """The newest claim of ``user``'s provider IDs for this member (ID and birth date both matching
    one member), a service span holding ``service_date`` and this billed amount; None otherwise.
    One query: the birth date is checked in a subquery on the members."""
    members = Member.objects.filter(member_id=member_id, date_of_birth=date_of_birth).values("member_id")
    return (
        Claim.objects.restrict(user, AccessLevel.CLAIMS)
        .filter(
            member_id__in=members,
            service_date_from__lte=service_date,
            service_date_to__gte=service_date,
            billed_amount=billed_amount,
        )
        .select_related("provider_identifier__organization")
        .order_by("-received_date", "-id")
        .first()
    )


# No transaction of its own: the audit row is the only write.
def claim_status_inquire(
    *,
    actor,
    member_id: str,
    date_of_birth: datetime.date,
    service_date: datetime.date,
    billed_amount: Decimal,
    request=None,
) -> InquiryResult:
    """The status of one claim, counted by the throttle and audited.

    An unknown member, a wrong birth date, a claim of another TIN and no such claim all give the
    same NO_MATCH. The audit row holds the member ID, the day, the amount and the result, never a
    name or a birth date.
    """
    details = {"member_id": member_id, "service_date": service_date.isoformat(), "billed_amount": str(billed_amount)}
    refusal = claim_status_throttle_hit(user=actor)
    if refusal is not None:
        record(
            action=AuditAction.CLAIM_STATUS_THROTTLED,
            actor=actor,
            details={**details, "limit": f"{refusal.limit.max_lookups} per {refusal.limit.name}"},
            request=request,
        )
        return InquiryResult(InquiryOutcome.THROTTLED, refusal=refusal)
    claim = find_claim(
        user=actor,
        member_id=member_id,
        date_of_birth=date_of_birth,
        service_date=service_date,
        billed_amount=billed_amount,
    )
    if claim is None:
        result = InquiryResult(InquiryOutcome.NO_MATCH)
    else:
        result = InquiryResult(InquiryOutcome.FOUND, claim=claim, category=category_of(claim.status))
    record(
        action=AuditAction.CLAIM_STATUS_INQUIRED,
        actor=actor,
        target=claim,
        organization=claim.provider_identifier.organization if claim else None,
        details={
            **details,
            "result": result.outcome.value,
            **({"claim_number": claim.claim_number, "category": result.category.code} if claim else {}),
        },
        request=request,
    )
    return result
