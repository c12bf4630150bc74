"""Corrected claims: a replacement (frequency code 7, the changed lines) or a void (frequency code 8,
with a reason) of a claim, submitted as a new claim row linked to the original and received like any
claim. The original stays as it was; its page says "Replaced by ..." or "Voided"."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record
from claims.models import Claim, ClaimLine, ClaimStatus, FrequencyCode
from mailbox.services import system_notify

VOID_REASON_MAX_LENGTH = 500
CLAIM_NUMBER_MAX_LENGTH = Claim._meta.get_field("claim_number").max_length


class CorrectionError(Exception):
    """A correction that cannot be submitted; the message says why, in words for the page."""


@dataclass(frozen=True)
class LineChange:
    """What a replacement says for one line of the original, by its line number."""

    line_number: int
    units: Decimal
    billed_amount: Decimal
    service_date: datetime.date


def correction_blocker(claim: Claim) -> str:
    """Why ``claim`` cannot be corrected, or "" when it can."""
    if claim.frequency_code == FrequencyCode.VOID:
        return "This claim is a void; a void cannot be corrected."
    later = list(claim.corrections.all())
    if any(c.frequency_code == FrequencyCode.VOID for c in later):
        return "This claim has already been voided."
    if later:
        return f"This claim has already been replaced by {later[-1].claim_number}; correct that claim instead."
    return ""


def _correction_number(claim: Claim, letter: str) -> str:
    """The original's number with a suffix: C100-R1, then C100-R2 for a correction of the correction."""
    root = claim
    while root.replaces_id is not None:
        root = root.replaces
    taken = Claim.objects.filter(claim_number__startswith=f"{root.claim_number}-").count()
    number = f"{root.claim_number}-{letter}{taken + 1}"
    if len(number) > CLAIM_NUMBER_MAX_LENGTH:
        raise CorrectionError("This claim number is too long to carry a correction suffix; call Provider Services.")
    return number


def _new_claim(claim: Claim, *, number: str, frequency: str, **changes) -> Claim:
    return Claim.objects.create(
        claim_number=number,
        provider_identifier_id=claim.provider_identifier_id,
        member_id=claim.member_id,
        member_name=claim.member_name,
        service_date_from=changes.get("service_date_from", claim.service_date_from),
        service_date_to=changes.get("service_date_to", claim.service_date_to),
        billed_amount=changes.get("billed_amount", claim.billed_amount),
        allowed_amount=Decimal("0"),
        paid_amount=Decimal("0"),
        status=ClaimStatus.RECEIVED,
        received_date=timezone.localdate(),
        diagnosis_codes=claim.diagnosis_codes,
        frequency_code=frequency,
        replaces=claim,
        void_reason=changes.get("void_reason", ""),
    )


def _copy_lines(new: Claim, lines: list[ClaimLine], changes: dict[int, LineChange]) -> None:
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=new,
            line_number=line.line_number,
            procedure_code=line.procedure_code,
            modifiers=line.modifiers,
            units=changes[line.line_number].units if line.line_number in changes else line.units,
            service_date=changes[line.line_number].service_date if line.line_number in changes else line.service_date,
            billed_amount=(
                changes[line.line_number].billed_amount if line.line_number in changes else line.billed_amount
            ),
            allowed_amount=Decimal("0"),
            paid_amount=Decimal("0"),
        )
        for line in lines
    )


def _lock(claim: Claim) -> Claim:
    """The claim locked for the correction, so two submissions cannot both pass the checks."""
    return Claim.objects.select_for_update().select_related("provider_identifier__organization").get(pk=claim.pk)


def _finish(*, actor, original: Claim, new: Claim, request, details: dict) -> None:
    record(
        action=AuditAction.CLAIM_CORRECTED,
        actor=actor,
        target=new,
        organization=original.provider_identifier.organization,
        details={"claim_number": original.claim_number, "correction": new.claim_number, **details},
        request=request,
    )
    kind = "void" if new.frequency_code == FrequencyCode.VOID else "replacement"
    system_notify(
        user=actor,
        subject=f"Corrected claim {new.claim_number} received",
        body=(
            f"Your {kind} of claim {original.claim_number} was received as claim {new.claim_number} "
            f"on {new.received_date:%m/%d/%Y}. It is processed like any new claim.\n\n"
            f"{reverse('claims:detail', args=[new.claim_number])}"
        ),
        organization=original.provider_identifier.organization,
    )


@transaction.atomic
def claim_replace(
    *,
    actor,
    claim: Claim,
    lines: list[LineChange],
    billed_amount: Decimal | None = None,
    request=None,
) -> Claim:
    """Submits a replacement (frequency code 7) of ``claim`` with the lines as given; the claim's
    billed amount and service dates follow the lines (``billed_amount`` is used for a claim
    without lines). Nothing changed is refused."""
    claim = _lock(claim)
    if blocker := correction_blocker(claim):
        raise CorrectionError(blocker)
    originals = list(claim.lines.order_by("line_number"))
    by_number = {line.line_number: line for line in originals}
    changes = {change.line_number: change for change in lines if change.line_number in by_number}
    changed = {
        n: c
        for n, c in changes.items()
        if (c.units, c.billed_amount, c.service_date)
        != (by_number[n].units, by_number[n].billed_amount, by_number[n].service_date)
    }
    if originals:
        if not changed:
            raise CorrectionError("Nothing was changed: change at least one line's units, charge or date.")
        for change in changed.values():
            if change.units <= 0:
                raise CorrectionError(f"Line {change.line_number}: units must be more than zero.")
            if change.billed_amount < 0:
                raise CorrectionError(f"Line {change.line_number}: the charge must not be negative.")
        final = {n: changes.get(n) or line for n, line in by_number.items()}
        dates = [item.service_date for item in final.values()]
        fields = {
            "billed_amount": sum((item.billed_amount for item in final.values()), start=Decimal("0")),
            "service_date_from": min(dates),
            "service_date_to": max(dates),
        }
    else:
        if billed_amount is None or billed_amount == claim.billed_amount:
            raise CorrectionError("Nothing was changed: change the billed amount.")
        if billed_amount < 0:
            raise CorrectionError("The billed amount must not be negative.")
        fields = {"billed_amount": billed_amount}
    new = _new_claim(claim, number=_correction_number(claim, "R"), frequency=FrequencyCode.REPLACEMENT, **fields)
    _copy_lines(new, originals, changes)
    _finish(
        actor=actor,
        original=claim,
        new=new,
        request=request,
        details={"frequency_code": FrequencyCode.REPLACEMENT.value, "lines_changed": sorted(changed)},
    )
    return new


@transaction.atomic
def claim_void(*, actor, claim: Claim, reason: str, request=None) -> Claim:
    """Submits a void (frequency code 8) of ``claim`` with the reason given."""
    reason = reason.strip()
    if not reason:
        raise CorrectionError("Say why the claim is voided.")
    if len(reason) > VOID_REASON_MAX_LENGTH:
        raise CorrectionError(f"The reason must be at most {VOID_REASON_MAX_LENGTH} characters.")
    claim = _lock(claim)
    if blocker := correction_blocker(claim):
        raise CorrectionError(blocker)
    new = _new_claim(claim, number=_correction_number(claim, "V"), frequency=FrequencyCode.VOID, void_reason=reason)
    _copy_lines(new, list(claim.lines.order_by("line_number")), {})
    _finish(
        actor=actor,
        original=claim,
        new=new,
        request=request,
        details={"frequency_code": FrequencyCode.VOID.value},
    )
    return new
