"""Demo claims for the claim status inquiry: one pending and one suspended claim under the demo
NPI 1234567893, billed for demo members whose birth dates ``devdata.claims`` fixes, so a biller can
ask their status (Claims → Claim status) with the facts below."""

import datetime
from decimal import Decimal

from accounts.models import ProviderIdentifier, ProviderIdKind
from claims.models import Claim, ClaimLine, ClaimStatus

# (claim number, member ID, member name, service date, procedure, billed, status, received)
STATUS_CLAIMS = [
    (
        "C2026900001",
        "M100200301",
        "Homer Simpson",
        datetime.date(2026, 11, 20),
        "99214",
        Decimal("245.00"),
        ClaimStatus.PENDING,
        datetime.date(2026, 11, 24),
    ),
    (
        "C2026900002",
        "M100200302",
        "Marge Simpson",
        datetime.date(2026, 11, 18),
        "97110",
        Decimal("612.50"),
        ClaimStatus.SUSPENDED,
        datetime.date(2026, 11, 21),
    ),
]


def seed_demo_status_claims() -> list[Claim]:
    """Upserts the claims of ``STATUS_CLAIMS`` (skipped when the demo NPI does not exist). Idempotent."""
    npi = ProviderIdentifier.objects.filter(kind=ProviderIdKind.NPI, value="1234567893").first()
    if npi is None:
        return []
    claims = []
    for number, member_id, name, day, procedure, billed, status, received in STATUS_CLAIMS:
        claim, _created = Claim.objects.update_or_create(
            claim_number=number,
            defaults={
                "provider_identifier": npi,
                "member_id": member_id,
                "member_name": name,
                "service_date_from": day,
                "service_date_to": day,
                "billed_amount": billed,
                "allowed_amount": Decimal("0"),
                "paid_amount": Decimal("0"),
                "status": status,
                "received_date": received,
                "paid_date": None,
                "check_number": "",
                "denial_reason": "",
            },
        )
        ClaimLine.objects.update_or_create(
            claim=claim,
            line_number=1,
            defaults={
                "procedure_code": procedure,
                "units": Decimal("1"),
                "service_date": day,
                "billed_amount": billed,
                "allowed_amount": Decimal("0"),
                "paid_amount": Decimal("0"),
            },
        )
        claims.append(claim)
    return claims
