"""Claims keyed in the portal: saving the checked form as a draft, submitting it into the claim
tables as received, and its 837P. Every write is audited in its transaction; the provider ID is
checked with ``user_may`` at each step (a user's scope may change between saving and submitting)."""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import user_may
from accounts.models import AccessLevel, ProviderIdentifier, User
from audit.models import AuditAction
from audit.services import record
from claims.models import Claim, ClaimDraft, ClaimDraftStatus, ClaimLine, ClaimStatus, Member
from claims.x12 import Problem
from claims.x12_837 import Line, ProfessionalClaim, build_837p, validate_837p

# Claims keyed in the portal are numbered P + the day received + six random digits.
CLAIM_NUMBER_PREFIX = "P"


class SubmissionError(Exception):
    pass


def _check_may(user: User, provider: ProviderIdentifier) -> None:
    if not user_may(user=user, level=AccessLevel.CLAIMS, provider_identifier=provider):
        raise PermissionDenied("You may not bill under this provider ID.")


def _payload(checked: dict) -> dict:
    member: Member = checked["member"]
    rendering = checked["rendering_provider"]
    return {
        "rendering_provider": rendering.value if rendering else "",
        "member_birth_date": member.date_of_birth.isoformat(),
        "member_first_name": member.first_name,
        "member_last_name": member.last_name,
        "patient_account": checked["patient_account"],
        "note": checked["note"],
        "diagnoses": checked["diagnoses"],
        "lines": checked["lines"],
    }


@transaction.atomic
def claim_draft_save(*, actor: User, checked: dict, draft: ClaimDraft | None = None, request=None) -> ClaimDraft:
    """Save the checked claim (see ``claims.submit_forms.check_claim``) as a new draft or over
    ``draft``, which must still be a draft."""
    provider: ProviderIdentifier = checked["billing_provider"]
    _check_may(actor, provider)
    if draft is None:
        draft = ClaimDraft(created_by=actor)
    else:
        draft = ClaimDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.status != ClaimDraftStatus.DRAFT:
            raise SubmissionError("This claim was submitted already: it can no longer be changed.")
    draft.billing_provider = provider
    draft.member_id = checked["member"].member_id
    draft.data = _payload(checked)
    draft.save()
    record(
        action=AuditAction.CLAIM_DRAFT_SAVED,
        actor=actor,
        target=draft,
        organization=provider.organization,
        details={"member_id": draft.member_id, "lines": len(draft.data["lines"]), "npi": provider.value},
        request=request,
    )
    return draft


def _new_claim_number(today: datetime.date) -> str:
    return f"{CLAIM_NUMBER_PREFIX}{today:%y%m%d}{secrets.randbelow(10**6):06d}"


@transaction.atomic
def claim_draft_submit(*, actor: User, draft: ClaimDraft, request=None) -> Claim:
    """The draft as a received claim with its lines; the draft is kept, linked to the claim."""
    draft = ClaimDraft.objects.select_for_update().select_related("billing_provider__organization").get(pk=draft.pk)
    if draft.status != ClaimDraftStatus.DRAFT:
        raise SubmissionError("This claim was submitted already.")
    provider = draft.billing_provider
    _check_may(actor, provider)
    data = draft.data
    today = timezone.localdate()
    lines = data["lines"]
    starts = [datetime.date.fromisoformat(line["date_from"]) for line in lines]
    ends = [datetime.date.fromisoformat(line["date_to"]) for line in lines]
    billed = sum((Decimal(line["charge"]) for line in lines), Decimal("0"))
    claim = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    claim_number=_new_claim_number(today),
                    provider_identifier=provider,
                    member_id=draft.member_id,
                    member_name=f"{data['member_first_name']} {data['member_last_name']}",
                    service_date_from=min(starts),
                    service_date_to=max(ends),
                    billed_amount=billed,
                    allowed_amount=0,
                    paid_amount=0,
                    status=ClaimStatus.RECEIVED,
                    received_date=today,
                    diagnosis_codes=data["diagnoses"],
                )
            break
        except IntegrityError:
            continue
    if claim is None:
        raise SubmissionError("No free claim number was found; submit again.")
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            line_number=number,
            procedure_code=line["procedure_code"],
            modifiers=",".join(line["modifiers"]),
            units=Decimal(line["units"]),
            service_date=datetime.date.fromisoformat(line["date_from"]),
            billed_amount=Decimal(line["charge"]),
            allowed_amount=0,
            paid_amount=0,
        )
        for number, line in enumerate(lines, start=1)
    )
    draft.claim = claim
    draft.status = ClaimDraftStatus.SUBMITTED
    draft.save(update_fields=["claim", "status", "updated_at"])
    record(
        action=AuditAction.CLAIM_SUBMITTED,
        actor=actor,
        target=claim,
        organization=provider.organization,
        details={"claim_number": claim.claim_number, "member_id": claim.member_id, "lines": len(lines)},
        request=request,
    )
    return claim


def professional_claim(draft: ClaimDraft) -> ProfessionalClaim:
    """The draft (submitted or not) as the 837P builder's data."""
    data = draft.data
    organization = draft.billing_provider.organization
    return ProfessionalClaim(
        claim_id=(draft.claim.claim_number if draft.claim_id else data["patient_account"] or "DRAFT")[:20],
        billing_name=organization.name.upper(),
        billing_npi=draft.billing_provider.value,
        billing_tin=organization.tin,
        billing_address=organization.address_line1,
        billing_city=organization.city,
        billing_state=organization.state,
        billing_postal_code=organization.postal_code,
        member_id=draft.member_id,
        member_last_name=data["member_last_name"].upper(),
        member_first_name=data["member_first_name"].upper(),
        member_birth_date=datetime.date.fromisoformat(data["member_birth_date"]),
        place_of_service=data["lines"][0]["place_of_service"],
        diagnoses=data["diagnoses"],
        rendering_npi=data["rendering_provider"],
        note=data["note"],
        lines=[
            Line(
                procedure_code=line["procedure_code"],
                charge=Decimal(line["charge"]),
                units=Decimal(line["units"]),
                date_from=datetime.date.fromisoformat(line["date_from"]),
                date_to=datetime.date.fromisoformat(line["date_to"]),
                place_of_service=line["place_of_service"],
                pointers=line["pointers"],
                modifiers=line["modifiers"],
            )
            for line in data["lines"]
        ],
    )


def claim_837p(draft: ClaimDraft) -> tuple[str, list[Problem]]:
    """The draft's 837P interchange and what pyx12 found wrong with it (empty: valid)."""
    stamp = timezone.localtime(draft.updated_at).replace(tzinfo=None)
    text = build_837p(claim=professional_claim(draft), control_number=draft.pk, created=stamp)
    return text, validate_837p(text)
