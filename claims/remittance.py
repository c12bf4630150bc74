"""The remittance import: an X12 5010 835 file becomes payments (``Remittance``), their claims
(``ClaimPayment``), services (``ServicePayment``) and adjustments, matched to the claims and
their service lines.

All or nothing: the file is validated by pyx12 against the 835 guide, then every payment is
checked (payee TIN known, each claim known and billed under that TIN); any problem and nothing is
saved, with a report of segment and line numbers. A payment whose trace number is already in is
skipped, so importing the same file again changes nothing.
"""

from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import Organization
from audit.models import AuditAction
from audit.services import record
from claims import x12
from claims.models import (
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimPayment,
    PaymentAdjustment,
    PaymentMethod,
    Remittance,
    ServicePayment,
)
from core import normalize


class RemittanceImportError(Exception):
    """The file cannot be imported; ``problems`` says where and why."""

    def __init__(self, problems: list[x12.Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class RemittanceResult:
    imported: list[str] = field(default_factory=list)  # trace numbers
    skipped: list[str] = field(default_factory=list)  # trace numbers already in
    claims: int = 0

    def __str__(self) -> str:
        return f"{len(self.imported)} payments imported ({self.claims} claims), {len(self.skipped)} already imported"


def _match_lines(service_list: list[x12.Service], lines: list[ClaimLine]) -> list[ClaimLine | None]:
    """Each service's claim line: the first not yet matched with the same code and modifiers, else
    the first with the same code."""
    free = list(lines)
    matched: list[ClaimLine | None] = []
    for service in service_list:
        modifiers = ",".join(service.modifiers)
        line = next(
            (ln for ln in free if ln.procedure_code == service.procedure_code and ln.modifiers == modifiers), None
        )
        line = line or next((ln for ln in free if ln.procedure_code == service.procedure_code), None)
        if line is not None:
            free.remove(line)
        matched.append(line)
    return matched


def _check(payments: list[x12.Payment]) -> tuple[dict[str, Organization], dict[str, Claim], list[x12.Problem]]:
    problems: list[x12.Problem] = []
    tins = {normalize.tin(p.payee_tin) for p in payments}
    organizations = {org.tin: org for org in Organization.objects.filter(tin__in=tins)}
    numbers = {normalize.claim_number(c.claim_number) for p in payments for c in p.claims}
    claims = {
        claim.claim_number: claim
        for claim in Claim.objects.filter(claim_number__in=numbers)
        .select_related("provider_identifier__organization")
        .prefetch_related("lines")
    }
    for payment in payments:
        tin = normalize.tin(payment.payee_tin)
        if not payment.trace_number:
            problems.append(x12.Problem(payment.line, "TRN", "the payment has no trace number (TRN02)"))
        if payment.method not in PaymentMethod.values:
            problems.append(x12.Problem(payment.line, "BPR", f"payment method {payment.method!r} is not known"))
        if not tin:
            problems.append(x12.Problem(payment.line, "N1", "the payee has no TIN (N1*PE*...*FI or REF*TJ)"))
        elif tin not in organizations:
            problems.append(x12.Problem(payment.line, "N1", f"payee TIN {tin} is not an organization in the portal"))
        for paid in payment.claims:
            claim = claims.get(normalize.claim_number(paid.claim_number))
            if claim is None:
                problems.append(x12.Problem(paid.line, "CLP", f"claim {paid.claim_number} is not in the claim tables"))
            elif claim.provider_identifier.organization.tin != tin:
                problems.append(
                    x12.Problem(paid.line, "CLP", f"claim {paid.claim_number} was not billed under payee TIN {tin}")
                )
            groups = [a.group for a in paid.adjustments] + [a.group for s in paid.services for a in s.adjustments]
            for group in groups:
                if group not in AdjustmentGroup.values:
                    problems.append(x12.Problem(paid.line, "CAS", f"adjustment group {group} is not known"))
    return organizations, claims, problems


@transaction.atomic
def remittance_import(*, text: str, source_name: str = "", actor=None) -> RemittanceResult:
    """Imports every payment of an 835 file, or nothing (``RemittanceImportError`` with the
    problems found). Payments already imported (same trace number) are skipped."""
    problems = x12.validate(text)
    if problems:
        raise RemittanceImportError(problems)
    try:
        payments = x12.read_835(text)
    except x12.ReadError as exc:
        raise RemittanceImportError([exc.problem])
    if not payments:
        raise RemittanceImportError([x12.Problem(None, "ST", "the file holds no 835 transaction set")])
    organizations, claims, problems = _check(payments)
    if problems:
        raise RemittanceImportError(problems)
    result = RemittanceResult()
    known = set(
        Remittance.objects.filter(trace_number__in=[p.trace_number for p in payments]).values_list(
            "trace_number", flat=True
        )
    )
    for payment in payments:
        if payment.trace_number in known:
            result.skipped.append(payment.trace_number)
            continue
        known.add(payment.trace_number)
        organization = organizations[normalize.tin(payment.payee_tin)]
        remittance = Remittance.objects.create(
            trace_number=payment.trace_number,
            payment_method=payment.method,
            payment_date=payment.payment_date,
            amount=payment.amount,
            claim_count=len(payment.claims),
            payer_name=payment.payer_name,
            payer_id=payment.payer_id,
            payee_name=payment.payee_name,
            payee_tin=organization.tin,
            organization=organization,
            segments=payment.segments,
            envelope="\n".join(payment.envelope),
            source_name=source_name[:200],
        )
        for paid in payment.claims:
            claim = claims[normalize.claim_number(paid.claim_number)]
            claim_payment = ClaimPayment.objects.create(
                remittance=remittance,
                claim=claim,
                status_code=paid.status_code,
                charge_amount=paid.charge,
                paid_amount=paid.paid,
                patient_responsibility=paid.patient_responsibility,
                payer_claim_number=paid.claim_number,
            )
            PaymentAdjustment.objects.bulk_create(
                PaymentAdjustment(
                    claim_payment=claim_payment, group_code=a.group, reason_code=a.reason, amount=a.amount
                )
                for a in paid.adjustments
            )
            lines = sorted(claim.lines.all(), key=lambda ln: ln.line_number)
            for service, line in zip(paid.services, _match_lines(paid.services, lines), strict=True):
                service_payment = ServicePayment.objects.create(
                    claim_payment=claim_payment,
                    line=line,
                    procedure_code=service.procedure_code[:5],
                    modifiers=",".join(service.modifiers)[:11],
                    charge_amount=service.charge,
                    paid_amount=service.paid,
                    allowed_amount=service.allowed,
                    units=service.units,
                    service_date=service.service_date,
                    remark_codes=",".join(service.remark_codes)[:60],
                )
                PaymentAdjustment.objects.bulk_create(
                    PaymentAdjustment(
                        claim_payment=claim_payment,
                        service=service_payment,
                        group_code=a.group,
                        reason_code=a.reason,
                        amount=a.amount,
                    )
                    for a in service.adjustments
                )
            result.claims += 1
        record(
            action=AuditAction.REMITTANCE_IMPORTED,
            actor=actor,
            target=remittance,
            organization=organization,
            details={"trace_number": remittance.trace_number, "claims": len(payment.claims), "source": source_name},
        )
        result.imported.append(payment.trace_number)
    return result
