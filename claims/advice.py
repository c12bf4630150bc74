"""The remittance advice as a printable PDF (core.pdf): the payment, then each claim it pays with
its service lines and adjustments in words."""

from claims.models import AdjustmentGroup
from claims.selectors import reason_code_words
from core.pdf import Heading, Paragraph, Table, render_pdf


def _money(value) -> str:
    return f"${value:,.2f}" if value is not None else ""


def remittance_advice_pdf(*, remittance, claim_payments: list) -> bytes:
    """The advice of ``remittance`` for the claims listed (those the reader may see)."""
    words = reason_code_words(
        carcs={a.reason_code for c in claim_payments for a in c.adjustments.all()},
        rarcs={code for c in claim_payments for s in c.services.all() for code in s.remark_codes.split(",") if code},
    )
    blocks = [
        Paragraph(
            f"{remittance.get_payment_method_display()} {remittance.trace_number} of {_money(remittance.amount)} "
            f"on {remittance.payment_date:%m/%d/%Y} from {remittance.payer_name} "
            f"to {remittance.payee_name} (TIN {remittance.payee_tin})."
        ),
        Table(
            header=["Claim", "Member", "Status", "Billed", "Paid", "Member owes"],
            rows=[
                [
                    c.claim.claim_number,
                    c.claim.member_name,
                    c.status_words,
                    _money(c.charge_amount),
                    _money(c.paid_amount),
                    _money(c.patient_responsibility),
                ]
                for c in claim_payments
            ],
        ),
    ]
    used: dict[str, str] = {}
    for c in claim_payments:
        blocks.append(Heading(f"Claim {c.claim.claim_number}"))
        adjustments = list(c.adjustments.all())
        blocks.append(
            Table(
                header=["Service", "Billed", "Allowed", "Paid", "Adjustments", "Remarks"],
                rows=[
                    [
                        " ".join([s.procedure_code, *[m for m in s.modifiers.split(",") if m]]),
                        _money(s.charge_amount),
                        _money(s.allowed_amount),
                        _money(s.paid_amount),
                        "; ".join(
                            f"{a.group_code}-{a.reason_code} {_money(a.amount)}"
                            for a in adjustments
                            if a.service_id == s.pk
                        ),
                        s.remark_codes.replace(",", ", "),
                    ]
                    for s in c.services.all()
                ],
            )
        )
        for a in adjustments:
            group = AdjustmentGroup(a.group_code).label if a.group_code in AdjustmentGroup.values else a.group_code
            used[f"{a.group_code}-{a.reason_code}"] = f"{group}: {words.get(('carc', a.reason_code), 'no description')}"
        for s in c.services.all():
            for code in filter(None, s.remark_codes.split(",")):
                used[code] = words.get(("rarc", code), "no description")
    if used:
        blocks.append(Heading("What the codes mean"))
        blocks.append(Table(header=["Code", "Meaning"], rows=[[code, text] for code, text in sorted(used.items())]))
    return render_pdf(
        title="Remittance advice",
        blocks=blocks,
        footer=f"{remittance.payer_name} · payment {remittance.trace_number}",
    )


def appeal_letter_pdf(*, appeal) -> bytes:
    """The decision letter of a decided appeal: what was asked, what was decided and why."""
    claim = appeal.claim
    kind = appeal.get_kind_display().lower()
    blocks = [
        Paragraph(
            f"To {claim.provider_identifier.organization.name} (TIN {claim.provider_identifier.organization.tin})."
        ),
        Heading(f"Claim {claim.claim_number}"),
        Table(
            header=["Member", "Service dates", "Billed", "Paid"],
            rows=[
                [
                    f"{claim.member_name} ({claim.member_id})",
                    f"{claim.service_date_from:%m/%d/%Y} – {claim.service_date_to:%m/%d/%Y}",
                    _money(claim.billed_amount),
                    _money(claim.paid_amount),
                ]
            ],
        ),
        Heading("What you asked"),
        Paragraph(f"A {kind}, submitted {appeal.submitted_at:%m/%d/%Y}: {appeal.get_reason_display()}."),
        Paragraph(appeal.note),
        Heading(f"Decision: {appeal.get_status_display()}"),
        Paragraph(f"Decided {appeal.decided_at:%m/%d/%Y}."),
        Paragraph(appeal.decision_reason),
    ]
    return render_pdf(
        title=f"Decision on your {kind}",
        blocks=blocks,
        footer="Demo Health Plan · Provider Services 1-800-555-0100",
    )
