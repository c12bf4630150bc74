"""Demo claims for ``seed_demo``: a few hundred deterministic claims under the demo NPIs.

The same seed, the same claim numbers and a fixed calendar make every run produce the same rows,
so running it again upserts them in place. The rows go through ``claims_import``, the path real
extracts take.
"""

import csv
import datetime
import io
import random
from decimal import Decimal

from accounts.models import ProviderIdentifier, ProviderIdKind
from claims.models import ClaimStatus
from claims.services import COLUMNS, ImportResult, claims_import

SEED = 2026
# The last day a demo claim can be received on: fixed, so the data does not drift with the clock.
LAST_RECEIVED = datetime.date(2026, 11, 27)
# (NPI, number of claims, first claim number); blocks of numbers never overlap.
DEMO_BLOCKS = [
    ("1234567893", 140, 100),
    ("1245319599", 60, 300),
    ("1987654328", 90, 500),
    ("1456789019", 70, 700),
]
MEMBERS = [
    ("M100200301", "Homer Simpson"),
    ("M100200302", "Marge Simpson"),
    ("M100200303", "Bart Simpson"),
    ("M100200304", "Lisa Simpson"),
    ("M100200305", "Maggie Simpson"),
    ("M100200306", "Ned Flanders"),
    ("M100200307", "Rod Flanders"),
    ("M100200308", "Moe Szyslak"),
    ("M100200309", "Barney Gumble"),
    ("M100200310", "Edna Krabappel"),
    ("M100200311", "Milhouse Van Houten"),
    ("M100200312", "Ralph Wiggum"),
    ("M100200313", "Waylon Smithers"),
    ("M100200314", "Lenny Leonard"),
    ("M100200315", "Carl Carlson"),
    ("M100200316", "Patty Bouvier"),
    ("M100200317", "Selma Bouvier"),
    ("M100200318", "Agnes Skinner"),
    ("M100200319", "Otto Mann"),
    ("M100200320", "Cletus Spuckler"),
]
STATUS_WEIGHTS = [
    (ClaimStatus.PAID, 50),
    (ClaimStatus.DENIED, 14),
    (ClaimStatus.ADJUSTED, 10),
    (ClaimStatus.IN_PROCESS, 16),
    (ClaimStatus.RECEIVED, 10),
]
DENIAL_REASONS = [
    "CO-16: Claim lacks information needed for adjudication",
    "CO-18: Exact duplicate claim",
    "CO-29: The time limit for filing has expired",
    "CO-50: Not deemed a medical necessity",
    "CO-97: Included in the payment for another service",
    "CO-27: Expenses incurred after coverage terminated",
]


def _rows(rng: random.Random, npi: str, count: int, first_number: int):
    statuses = [status for status, _weight in STATUS_WEIGHTS]
    weights = [weight for _status, weight in STATUS_WEIGHTS]
    for offset in range(count):
        member_id, member_name = rng.choice(MEMBERS)
        received = LAST_RECEIVED - datetime.timedelta(days=rng.randint(0, 360))
        service_to = received - datetime.timedelta(days=rng.randint(1, 45))
        service_from = service_to - datetime.timedelta(days=rng.choice([0, 0, 0, 1, 2, 4]))
        billed = Decimal(rng.randint(4_000, 450_000)) / 100
        status = rng.choices(statuses, weights)[0]
        allowed = paid = Decimal("0.00")
        paid_date = check_number = denial_reason = ""
        if status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED):
            allowed = (billed * Decimal(rng.randint(55, 95)) / 100).quantize(Decimal("0.01"))
            paid = (allowed * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.01"))
            if status == ClaimStatus.ADJUSTED:
                paid = (paid * Decimal("0.8")).quantize(Decimal("0.01"))
            paid_date = (received + datetime.timedelta(days=rng.randint(7, 30))).isoformat()
            check_number = rng.choice(["EFT", "CHK"]) + str(rng.randint(10_000_000, 99_999_999))
        elif status == ClaimStatus.DENIED:
            denial_reason = rng.choice(DENIAL_REASONS)
        yield {
            "claim_number": f"C2026{first_number + offset:06d}",
            "provider_id_kind": ProviderIdKind.NPI.value,
            "provider_id_value": npi,
            "member_id": member_id,
            "member_name": member_name,
            "service_date_from": service_from.isoformat(),
            "service_date_to": service_to.isoformat(),
            "billed_amount": f"{billed:.2f}",
            "allowed_amount": f"{allowed:.2f}",
            "paid_amount": f"{paid:.2f}",
            "status": status.value,
            "received_date": received.isoformat(),
            "paid_date": paid_date,
            "check_number": check_number,
            "denial_reason": denial_reason,
        }


def seed_demo_claims() -> ImportResult:
    """Upsert the demo claims of every demo NPI that exists (the others are skipped). Idempotent."""
    present = set(
        ProviderIdentifier.objects.filter(
            kind=ProviderIdKind.NPI, value__in=[npi for npi, _count, _first in DEMO_BLOCKS]
        ).values_list("value", flat=True)
    )
    rng = random.Random(SEED)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for npi, count, first_number in DEMO_BLOCKS:
        # Every block draws from the generator, present or not, so each NPI always gets the same claims.
        for row in _rows(rng, npi, count, first_number):
            if npi in present:
                writer.writerow(row)
    buffer.seek(0)
    result = claims_import(lines=buffer)
    if result.rejected:
        raise RuntimeError(f"Demo claims were rejected: {result.errors[:5]}")
    return result
