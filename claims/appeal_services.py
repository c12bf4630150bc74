"""Writes of claim appeals: a provider submits an appeal or reconsideration with documents; payer
staff take it and decide it; the provider is told in the Message Box and can download the
decision letter. Every step is audited in its transaction."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLevel, User
from audit.models import AuditAction
from audit.services import record
from claims.models import (
    APPEAL_DECISION_MAX_LENGTH,
    APPEAL_NOTE_MAX_LENGTH,
    APPEAL_OUTCOMES,
    Appeal,
    AppealDocument,
    AppealKind,
    AppealReason,
    AppealStatus,
    Claim,
)
from core.uploads import check_total, check_upload, store_upload
from mailbox.services import system_notify


class AppealError(ValidationError):
    """The appeal cannot be saved or decided as asked; the message says why."""


def appeal_due_on(*, kind: str, start: datetime.date) -> datetime.date:
    days = settings.APPEAL_DUE_DAYS if kind == AppealKind.APPEAL else settings.RECONSIDERATION_DUE_DAYS
    return start + datetime.timedelta(days=days)


def appeal_submit(*, actor: User, claim: Claim, kind: str, reason: str, note: str, files: list, request=None) -> Appeal:
    """Files an appeal of ``claim`` (which the caller fetched through the Claims access rule) with
    its documents, each checked by core.uploads; refuses a second open appeal of the claim."""
    note = (note or "").strip()
    problems = {}
    if kind not in AppealKind.values:
        problems["kind"] = "Choose a reconsideration or an appeal."
    if reason not in AppealReason.values:
        problems["reason"] = "Choose the reason for the appeal."
    if not note:
        problems["note"] = "Explain why the decision should change."
    elif len(note) > APPEAL_NOTE_MAX_LENGTH:
        problems["note"] = f"The note may be up to {APPEAL_NOTE_MAX_LENGTH:,} characters."
    checked = []
    if len(files) > settings.APPEAL_MAX_FILES:
        problems["files"] = f"Attach up to {settings.APPEAL_MAX_FILES} files."
    else:
        try:
            checked = [check_upload(f) for f in files]
            check_total([c.size for c in checked], max_total=settings.APPEAL_MAX_TOTAL_BYTES)
        except ValidationError as error:
            problems["files"] = error.messages[0]
    if problems:
        raise AppealError(problems)
    with transaction.atomic():
        # Re-checked inside the transaction: the claim is still the user's to appeal.
        if not Claim.objects.restrict(actor, AccessLevel.CLAIMS).filter(pk=claim.pk).exists():
            raise AppealError({"__all__": "This claim is no longer yours to appeal."})
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    claim=claim,
                    kind=kind,
                    reason=reason,
                    note=note,
                    submitted_by=actor,
                    due_on=appeal_due_on(kind=kind, start=timezone.localdate()),
                )
        except IntegrityError:
            raise AppealError({"__all__": "This claim already has an open appeal or reconsideration."})
        for item in checked:
            AppealDocument.objects.create(
                appeal=appeal,
                storage_name=store_upload(item, folder="appeals"),
                original_name=item.original_name[:200],
                content_type=item.content_type,
                size=item.size,
            )
        record(
            action=AuditAction.APPEAL_SUBMITTED,
            actor=actor,
            target=appeal,
            organization=claim.provider_identifier.organization,
            details={"claim_number": claim.claim_number, "kind": kind, "reason": reason, "documents": len(checked)},
            request=request,
        )
    return appeal


@transaction.atomic
def appeal_take(*, actor: User, appeal: Appeal, request=None) -> Appeal:
    """Payer staff take an open appeal to review it (taking it again from a colleague is allowed)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not appeal.is_open:
        raise AppealError("This appeal is already decided.")
    appeal.status = AppealStatus.IN_REVIEW
    appeal.taken_by = actor
    appeal.save(update_fields=["status", "taken_by"])
    record(
        action=AuditAction.APPEAL_TAKEN,
        actor=actor,
        target=appeal,
        details={"claim_number": appeal.claim.claim_number},
        request=request,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, actor: User, appeal: Appeal, outcome: str, reason: str, request=None) -> Appeal:
    """Payer staff decide an appeal they took: upheld, overturned or partly, with a reason. The
    provider who filed it gets a Message Box notice (no PHI in the email it triggers)."""
    reason = (reason or "").strip()
    problems = {}
    if outcome not in APPEAL_OUTCOMES:
        problems["outcome"] = "Choose upheld, overturned or partly overturned."
    if not reason:
        problems["reason"] = "Give the reason for the decision: the provider reads it in the letter."
    elif len(reason) > APPEAL_DECISION_MAX_LENGTH:
        problems["reason"] = f"The reason may be up to {APPEAL_DECISION_MAX_LENGTH:,} characters."
    if problems:
        raise AppealError(problems)
    appeal = (
        Appeal.objects.select_for_update().select_related("claim__provider_identifier__organization").get(pk=appeal.pk)
    )
    if appeal.status != AppealStatus.IN_REVIEW:
        raise AppealError(
            "Take the appeal before deciding it." if appeal.is_open else "This appeal is already decided."
        )
    appeal.status = outcome
    appeal.decision_reason = reason
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    organization = appeal.claim.provider_identifier.organization
    record(
        action=AuditAction.APPEAL_DECIDED,
        actor=actor,
        target=appeal,
        organization=organization,
        details={"claim_number": appeal.claim.claim_number, "outcome": outcome},
        request=request,
    )
    link = reverse("claims:detail", args=[appeal.claim.claim_number])
    system_notify(
        user=appeal.submitted_by,
        organization=organization,
        subject=f"Your {appeal.get_kind_display().lower()} of claim {appeal.claim.claim_number} is decided",
        body=(
            f"The {appeal.get_kind_display().lower()} of claim {appeal.claim.claim_number} is decided: "
            f"{appeal.get_status_display()}.\n\nThe decision letter (PDF) is on the claim's page: {link}"
        ),
    )
    return appeal
