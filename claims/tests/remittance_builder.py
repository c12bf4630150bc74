"""Builds 835 test files from the rows a test made (never typed by hand): one payment paying the
given claims line by line, through claims.x12.build_835."""

import datetime
from decimal import Decimal

from claims import x12


def payment_for(claims, *, trace="EFT0000001", tin=None, method="ACH") -> x12.Payment:
    paid = []
    for claim in claims:
        lines = list(claim.lines.all())
        paid.append(
            x12.ClaimPaid(
                claim_number=claim.claim_number,
                status_code="1",
                charge=claim.billed_amount,
                paid=claim.paid_amount,
                member_last_name="MEMBER",
                member_first_name="TEST",
                member_id=claim.member_id,
                service_date=claim.service_date_from,
                services=[
                    x12.Service(
                        procedure_code=line.procedure_code,
                        modifiers=line.modifier_list,
                        charge=line.billed_amount,
                        paid=line.paid_amount,
                        allowed=line.allowed_amount,
                        service_date=line.service_date,
                        adjustments=[
                            x12.Adjustment(a.group_code, a.reason_code, a.amount) for a in line.adjustments.all()
                        ],
                        remark_codes=line.remark_code_list,
                    )
                    for line in lines
                ],
            )
        )
    return x12.Payment(
        trace_number=trace,
        amount=sum((c.paid for c in paid), Decimal("0")),
        payment_date=datetime.date(2026, 12, 1),
        payer_name="TEST PLAN",
        payer_id="999888777",
        payee_name="TEST PAYEE",
        payee_tin=tin or claims[0].provider_identifier.organization.tin,
        method=method,
        claims=paid,
    )


def file_for(claims, **kwargs) -> str:
    return x12.build_835(payments=[payment_for(claims, **kwargs)])
