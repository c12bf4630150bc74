"""Demo health records for ``seed_demo``: the care-gap rules, the shipped FHIR bundles (Homer and
Marge Simpson, Ned Flanders, Edna Krabappel), Ned's opt-out, and Edna's screening mammogram claim
at Springfield Family Clinic, so the breast-cancer screening measure shows one woman with the gap
(Marge: no mammogram claim) and one without (Edna). Idempotent."""

import csv
import io

from django.core.management import call_command

from accounts.models import ProviderIdentifier, ProviderIdKind
from claims.models import Member
from health_records.models import RecordOptOut

OPTED_OUT_MEMBER = "M100200306"  # Ned Flanders asked the plan not to share his record
MAMMOGRAM_NPI = "1234567893"
# Not a C2026 number: the demo service lines of seed_demo_lines are generated only for those.
MAMMOGRAM_CLAIM = {
    "claim_number": "C2025900001",
    "provider_id_kind": ProviderIdKind.NPI.value,
    "provider_id_value": MAMMOGRAM_NPI,
    "member_id": "M100200310",
    "member_name": "Edna Krabappel",
    "service_date_from": "2026-03-10",
    "service_date_to": "2026-03-10",
    "billed_amount": "240.00",
    "allowed_amount": "180.00",
    "paid_amount": "180.00",
    "status": "paid",
    "received_date": "2026-03-16",
    "paid_date": "2026-03-30",
    "check_number": "EFT20260330",
    "denial_reason": "",
    "diagnosis_codes": "Z12.31",
}
MAMMOGRAM_LINE = {
    "claim_number": "C2025900001",
    "line_number": "1",
    "procedure_code": "77067",
    "modifiers": "",
    "units": "1",
    "service_date": "2026-03-10",
    "billed_amount": "240.00",
    "allowed_amount": "180.00",
    "paid_amount": "180.00",
    "deductible": "0.00",
    "coinsurance": "0.00",
    "copay": "0.00",
    "remark_codes": "",
    "adjustments": "CO-45:60.00",
    "note": "",
}


def _csv(rows: list[dict], columns) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


def seed_demo_mammogram_claim() -> None:
    """Edna Krabappel's screening mammogram (CPT 77067, ICD-10-CM Z12.31), when the clinic's NPI
    and Edna exist."""
    from claims.line_services import LINE_COLUMNS, claim_lines_import
    from claims.services import COLUMNS, OPTIONAL_COLUMNS, claims_import

    if not (
        ProviderIdentifier.objects.filter(kind=ProviderIdKind.NPI, value=MAMMOGRAM_NPI).exists()
        and Member.objects.filter(member_id=MAMMOGRAM_CLAIM["member_id"]).exists()
    ):
        return
    result = claims_import(lines=_csv([MAMMOGRAM_CLAIM], [*COLUMNS, *OPTIONAL_COLUMNS]))
    lines = claim_lines_import(lines=_csv([MAMMOGRAM_LINE], LINE_COLUMNS))
    if result.rejected or lines.rejected:
        raise RuntimeError(f"The demo mammogram claim was rejected: {result.errors + lines.errors}")


def seed_demo_health_records() -> None:
    seed_demo_mammogram_claim()
    call_command("health_records_care_gaps", verbosity=0)
    call_command("health_records_import", verbosity=0)
    member = Member.objects.filter(member_id=OPTED_OUT_MEMBER).first()
    if member is not None:
        RecordOptOut.objects.get_or_create(member=member)
