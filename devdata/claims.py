"""Demo claims and members for ``seed_demo``: a few hundred deterministic claims under the demo
NPIs, and the members they were billed for, with their coverage.

The same seed, the same claim numbers and a fixed calendar make every run produce the same rows,
so running it again upserts them in place. The rows go through ``claims_import`` and
``members_import``, the paths real extracts take.
"""

import csv
import datetime
import io
import random
from decimal import Decimal
from pathlib import Path

from accounts.models import ProviderIdentifier, ProviderIdKind
from claims.models import ClaimStatus, CoverageStatus
from claims.services import COLUMNS, MEMBER_COLUMNS, OPTIONAL_COLUMNS, ImportResult, claims_import, members_import

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
# Birth dates of the members above, fixed so the demo lookups in seed_demo_members always work.
BIRTH_DATES = {
    "M100200301": "1956-05-12",
    "M100200302": "1956-10-01",
    "M100200303": "2012-04-01",
    "M100200304": "2014-05-09",
    "M100200305": "2024-01-14",
    "M100200306": "1959-03-27",
    "M100200307": "2015-07-18",
    "M100200308": "1960-11-24",
    "M100200309": "1961-08-12",
    "M100200310": "1968-02-21",
    "M100200311": "2012-09-30",
    "M100200312": "2016-06-03",
    "M100200313": "1962-12-05",
    "M100200314": "1970-04-16",
    "M100200315": "1970-10-28",
    "M100200316": "1953-07-07",
    "M100200317": "1953-07-07",
    "M100200318": "1935-01-19",
    "M100200319": "1975-08-02",
    "M100200320": "1971-03-09",
}
PLANS = {
    "PPO100": "Demo Health Plan PPO",
    "HMO200": "Demo Health Plan HMO",
    "DEN300": "Demo Dental",
}
# Every member has the PPO from 2024 on, open-ended, unless listed here: (plan, start, end, status).
COVERAGE_EXCEPTIONS = {
    # a plan change: HMO until the end of 2025, then the PPO
    "M100200303": [
        ("HMO200", "2022-01-01", "2025-12-31", CoverageStatus.TERMINATED),
        ("PPO100", "2026-01-01", "", CoverageStatus.ACTIVE),
    ],
    # two plans at once: medical and dental
    "M100200304": [
        ("PPO100", "2024-01-01", "", CoverageStatus.ACTIVE),
        ("DEN300", "2025-01-01", "", CoverageStatus.ACTIVE),
    ],
    # terminated in mid-2026
    "M100200308": [("HMO200", "2023-01-01", "2026-06-30", CoverageStatus.TERMINATED)],
    # enrollment not confirmed yet
    "M100200319": [("PPO100", "2026-12-01", "", CoverageStatus.PENDING)],
    # a gap: the HMO ended with 2025, the PPO starts in 2027
    "M100200320": [
        ("HMO200", "2024-01-01", "2025-12-31", CoverageStatus.TERMINATED),
        ("PPO100", "2027-01-01", "", CoverageStatus.ACTIVE),
    ],
}
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

# ICD-10-CM codes of the demo claims: a member's own first (the principal), then one of the pool,
# drawn from a generator of the claim number's own so the other columns stay as they were.
MEMBER_DIAGNOSES = {
    "M100200301": ["E11.9", "I10"],  # Homer: type 2 diabetes, hypertension
    "M100200302": ["Z00.00"],  # Marge: the yearly check-up
    "M100200306": ["E11.9"],  # Ned: type 2 diabetes
    "M100200308": ["F17.210"],  # Moe: nicotine dependence, cigarettes
}
DIAGNOSIS_POOL = ["J06.9", "M54.50", "R51.9", "Z00.00", "K21.9", "J02.9", "E78.5", "R10.9"]


def _diagnoses(claim_number: str, member_id: str) -> str:
    rng = random.Random(f"{SEED}-dx-{claim_number}")
    codes = list(MEMBER_DIAGNOSES.get(member_id, [])) or [rng.choice(DIAGNOSIS_POOL)]
    if rng.random() < 0.4:
        extra = rng.choice(DIAGNOSIS_POOL)
        if extra not in codes:
            codes.append(extra)
    return ";".join(codes)


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
        claim_number = f"C2026{first_number + offset:06d}"
        yield {
            "claim_number": claim_number,
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
            "diagnosis_codes": _diagnoses(claim_number, member_id),
        }


def seed_demo_members() -> ImportResult:
    """Upsert the members of the demo claims with their coverage. Idempotent; no date depends on
    the clock.

    Lookups to try on the Eligibility page (any other birth date answers "No match"):

    - M100200301, born 05/12/1956, service 03/02/2026: covered, Demo Health Plan PPO (PPO100),
      01/01/2024 with no end date.
    - M100200308, born 11/24/1960, service 09/15/2026: not covered, the HMO (HMO200) ended
      06/30/2026 (a service on 03/02/2026 is covered).
    - M100200320, born 03/09/1971, service 12/15/2026: not covered, the PPO begins 01/01/2027
      (the HMO ended 12/31/2025); a service on or after 01/01/2027 is covered.
    - M100200304, born 05/09/2014, any day since 01/01/2025: covered under two plans, PPO100 and
      DEN300.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MEMBER_COLUMNS)
    writer.writeheader()
    for member_id, name in MEMBERS:
        first_name, last_name = name.split(" ", 1)
        spans = COVERAGE_EXCEPTIONS.get(member_id, [("PPO100", "2024-01-01", "", CoverageStatus.ACTIVE)])
        for plan_code, start, end, status in spans:
            writer.writerow(
                {
                    "member_id": member_id,
                    "first_name": first_name,
                    "last_name": last_name,
                    "date_of_birth": BIRTH_DATES[member_id],
                    "plan_code": plan_code,
                    "plan_name": PLANS[plan_code],
                    "coverage_start": start,
                    "coverage_end": end,
                    "coverage_status": status.value,
                }
            )
    buffer.seek(0)
    result = members_import(lines=buffer)
    if result.rejected:
        raise RuntimeError(f"Demo members were rejected: {result.errors[:5]}")
    return result


def seed_demo_claims() -> ImportResult:
    """Upsert the demo members (``seed_demo_members``) and the demo claims of every demo NPI that
    exists (the others are skipped). Idempotent. Returns the result of the claims import."""
    seed_demo_members()
    present = set(
        ProviderIdentifier.objects.filter(
            kind=ProviderIdKind.NPI, value__in=[npi for npi, _count, _first in DEMO_BLOCKS]
        ).values_list("value", flat=True)
    )
    rng = random.Random(SEED)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*COLUMNS, *OPTIONAL_COLUMNS])
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
    seed_demo_lines()
    if ProviderIdentifier.objects.filter(value="1234567893").exists():
        seed_demo_remittance()
    return result


# --- service lines, code tables and the demo remittance ---------------------------------------------

LINES_SEED = 2027
# Procedures of an office practice: (code, modifiers, share of the claim's charge).
PROCEDURES = [
    ("99213", "", "office visit, established patient"),
    ("99214", "25", "office visit, established patient, separate service"),
    ("36415", "", "drawing blood"),
    ("80053", "", "metabolic panel"),
    ("97110", "GP", "therapeutic exercise"),
    ("J1100", "", "dexamethasone injection"),
]
DEMO_REMITTANCE = Path(__file__).resolve().parent / "data" / "demo_remittance.835"
DEMO_TRACE = "EFT2026120100001"
DENIED_NOTE = "Denied as billed; see the reason and remark codes."


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` amounts of whole cents that add up to it exactly."""
    cents = int(total * 100)
    shares = [cents // parts] * parts
    shares[0] += cents - sum(shares)
    return [Decimal(share) / 100 for share in shares]


def _line_rows(claim) -> list[dict]:
    rng = random.Random(f"{LINES_SEED}-{claim.claim_number}")
    count = rng.choice([1, 1, 2, 2, 3])
    picked = rng.sample(PROCEDURES, count)
    billed = _split(claim.billed_amount, count)
    allowed = _split(claim.allowed_amount, count)
    paid = _split(claim.paid_amount, count)
    rows = []
    for number, ((code, modifiers, _words), b, a, p) in enumerate(zip(picked, billed, allowed, paid, strict=True), 1):
        deductible = coinsurance = copay = Decimal("0.00")
        adjustments, remarks = [], []
        if claim.status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED):
            owed = a - p
            copay = min(owed, Decimal("25.00")) if code.startswith("992") else Decimal("0.00")
            coinsurance = owed - copay
            if b > a:
                adjustments.append(f"CO-45:{b - a:.2f}")
            if coinsurance:
                adjustments.append(f"PR-2:{coinsurance:.2f}")
            if copay:
                adjustments.append(f"PR-3:{copay:.2f}")
            if claim.status == ClaimStatus.ADJUSTED:
                remarks.append("N432")
        elif claim.status == ClaimStatus.DENIED:
            code_word = claim.denial_reason[3:5].rstrip(":")
            adjustments.append(f"CO-{code_word}:{b:.2f}")
            remarks.append("MA01")
            a = p = Decimal("0.00")
        else:
            a = p = Decimal("0.00")
        rows.append(
            {
                "claim_number": claim.claim_number,
                "line_number": number,
                "procedure_code": code,
                "modifiers": modifiers,
                "units": "1",
                "service_date": claim.service_date_from.isoformat(),
                "billed_amount": f"{b:.2f}",
                "allowed_amount": f"{a:.2f}",
                "paid_amount": f"{p:.2f}",
                "deductible": f"{deductible:.2f}",
                "coinsurance": f"{coinsurance:.2f}",
                "copay": f"{copay:.2f}",
                "remark_codes": ",".join(remarks),
                "adjustments": ";".join(adjustments),
                "note": DENIED_NOTE if claim.status == ClaimStatus.DENIED else "",
            }
        )
    return rows


def seed_demo_lines() -> ImportResult:
    """The CARC/RARC demo table, then service lines for every demo claim, built from the claim's
    own amounts so lines add up to the claim. Idempotent."""
    from claims.line_services import LINE_COLUMNS, claim_lines_import, reason_codes_load
    from claims.management.commands.load_reason_codes import DEMO_FILE
    from claims.models import Claim

    with open(DEMO_FILE, newline="", encoding="utf-8") as handle:
        codes = reason_codes_load(lines=handle)
    if codes.rejected:
        raise RuntimeError(f"Demo reason codes were rejected: {codes.errors[:5]}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LINE_COLUMNS)
    writer.writeheader()
    for claim in Claim.objects.filter(claim_number__startswith="C2026").order_by("claim_number").iterator():
        for row in _line_rows(claim):
            writer.writerow(row)
    buffer.seek(0)
    result = claim_lines_import(lines=buffer)
    if result.rejected:
        raise RuntimeError(f"Demo lines were rejected: {result.errors[:5]}")
    return result


def demo_remittance_text() -> str:
    """The demo 835: one EFT to Springfield Family Clinic paying its first paid, adjusted and denied
    demo claims of NPI 1234567893, line by line, built with claims.x12 from the seeded rows."""
    from claims import x12
    from claims.models import Claim

    claims = list(
        Claim.objects.filter(provider_identifier__value="1234567893", claim_number__startswith="C2026")
        .exclude(status__in=[ClaimStatus.RECEIVED, ClaimStatus.IN_PROCESS])
        .prefetch_related("lines__adjustments")
        .order_by("claim_number")[:6]
    )
    paid = []
    for claim in claims:
        first, _space, last = claim.member_name.partition(" ")
        services = [
            x12.Service(
                procedure_code=line.procedure_code,
                modifiers=line.modifier_list,
                charge=line.billed_amount,
                paid=line.paid_amount,
                units=line.units,
                service_date=line.service_date,
                allowed=line.allowed_amount if claim.status != ClaimStatus.DENIED else None,
                adjustments=[x12.Adjustment(a.group_code, a.reason_code, a.amount) for a in line.adjustments.all()],
                remark_codes=line.remark_code_list,
            )
            for line in claim.lines.all()
        ]
        paid.append(
            x12.ClaimPaid(
                claim_number=claim.claim_number,
                status_code="4" if claim.status == ClaimStatus.DENIED else "1",
                charge=claim.billed_amount,
                paid=claim.paid_amount,
                patient_responsibility=sum((line.member_responsibility for line in claim.lines.all()), Decimal("0")),
                member_last_name=last.upper(),
                member_first_name=first.upper(),
                member_id=claim.member_id,
                service_date=claim.service_date_from,
                services=services,
            )
        )
    payment = x12.Payment(
        trace_number=DEMO_TRACE,
        amount=sum((c.paid for c in paid), Decimal("0")),
        payment_date=datetime.date(2026, 12, 1),
        payer_name="DEMO HEALTH PLAN",
        payer_id="999888777",
        payee_name="SPRINGFIELD FAMILY CLINIC",
        payee_tin="123456789",
        claims=paid,
    )
    return x12.build_835(payments=[payment])


def seed_demo_remittance():
    """Imports the committed demo 835 (``DEMO_REMITTANCE``), as ``import_remittance`` would; a
    second run skips its trace number."""
    from claims.remittance import remittance_import

    return remittance_import(text=DEMO_REMITTANCE.read_text(encoding="ascii"), source_name=DEMO_REMITTANCE.name)
