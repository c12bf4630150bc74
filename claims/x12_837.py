"""X12 5010 837P (health care claim: professional, 005010X222A1) for a claim keyed in the portal,
written segment by segment like the 835 builder in ``claims.x12`` and validated with pyx12 against
the implementation guide map it ships before the file is offered for download."""

import datetime
import decimal
from dataclasses import dataclass, field

from claims.x12 import COMPONENT_SEPARATOR, Problem, _money, _seg, interchange, validate

IMPLEMENTATION_GUIDE = "005010X222A1"


@dataclass
class Line:
    procedure_code: str
    charge: decimal.Decimal
    units: decimal.Decimal
    date_from: datetime.date
    date_to: datetime.date
    place_of_service: str
    pointers: list[int]  # 1-based positions in the claim's diagnoses
    modifiers: list[str] = field(default_factory=list)


@dataclass
class ProfessionalClaim:
    claim_id: str  # CLM01: the provider's claim number
    billing_name: str
    billing_npi: str
    billing_tin: str
    billing_address: str
    billing_city: str
    billing_state: str
    billing_postal_code: str
    member_id: str
    member_last_name: str
    member_first_name: str
    member_birth_date: datetime.date
    place_of_service: str
    diagnoses: list[str]  # dotted ICD-10-CM, the principal first
    lines: list[Line]
    rendering_npi: str = ""
    rendering_last_name: str = ""
    rendering_first_name: str = ""
    payer_name: str = "DEMO HEALTH PLAN"
    payer_id: str = "DEMOHP"
    note: str = ""


def _d8(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _postal(code: str) -> str:
    digits = "".join(ch for ch in code if ch.isdigit())
    return digits if len(digits) in (5, 9) else "000000000"


def _units(value: decimal.Decimal) -> str:
    text = f"{decimal.Decimal(value).normalize():f}"
    return text


def _transaction(claim: ProfessionalClaim, control: str, created: datetime.datetime) -> list[str]:
    total = sum((line.charge for line in claim.lines), decimal.Decimal("0"))
    segments = [
        _seg("ST", "837", control, IMPLEMENTATION_GUIDE),
        _seg("BHT", "0019", "00", claim.claim_id, created.strftime("%Y%m%d"), created.strftime("%H%M"), "CH"),
        # 1000A submitter, 1000B receiver
        _seg("NM1", "41", "2", claim.billing_name[:60], "", "", "", "", "46", claim.billing_tin),
        _seg("PER", "IC", "BILLING OFFICE", "TE", "8005550100"),
        _seg("NM1", "40", "2", claim.payer_name[:60], "", "", "", "", "46", claim.payer_id),
        # 2000A billing provider
        # fmt: off
        _seg("HL", "1", "", "20", "1"),
        _seg("NM1", "85", "2", claim.billing_name[:60], "", "", "", "", "XX", claim.billing_npi),
        _seg("N3", (claim.billing_address or "ADDRESS UNKNOWN")[:55]),
        _seg(
            "N4",
            (claim.billing_city or "UNKNOWN")[:30],
            claim.billing_state or "IL",
            _postal(claim.billing_postal_code),
        ),  # noqa: E501
        _seg("REF", "EI", claim.billing_tin),
        # fmt: on
        # 2000B subscriber (the member is the patient)
        _seg("HL", "2", "1", "22", "0"),
        _seg("SBR", "P", "18", "", "", "", "", "", "", "CI"),
        _seg(
            "NM1",
            "IL",
            "1",
            claim.member_last_name[:60],
            claim.member_first_name[:35],
            "",
            "",
            "",
            "MI",
            claim.member_id,
        ),  # fmt: skip
        _seg("DMG", "D8", _d8(claim.member_birth_date), "U"),
        _seg("NM1", "PR", "2", claim.payer_name[:60], "", "", "", "", "PI", claim.payer_id),
        # 2300 claim
        _seg(
            "CLM",
            claim.claim_id,
            _money(total),
            "",
            "",
            COMPONENT_SEPARATOR.join([claim.place_of_service, "B", "1"]),
            "Y",
            "A",
            "Y",
            "Y",
        ),  # fmt: skip
    ]
    if claim.note:
        segments.append(_seg("NTE", "ADD", claim.note[:80]))
    codes = [code.replace(".", "") for code in claim.diagnoses]
    hi = ["HI"] + [COMPONENT_SEPARATOR.join(["ABK" if i == 0 else "ABF", code]) for i, code in enumerate(codes)]
    segments.append(_seg(*hi))
    if claim.rendering_npi:
        segments.append(
            _seg(
                "NM1",
                "82",
                "1" if claim.rendering_last_name else "2",
                (claim.rendering_last_name or claim.billing_name)[:60],
                claim.rendering_first_name[:35],
                "",
                "",
                "",
                "XX",
                claim.rendering_npi,
            )  # fmt: skip
        )
    for number, line in enumerate(claim.lines, start=1):
        procedure = COMPONENT_SEPARATOR.join(["HC", line.procedure_code, *line.modifiers])
        pointers = COMPONENT_SEPARATOR.join(str(p) for p in line.pointers)
        place = line.place_of_service if line.place_of_service != claim.place_of_service else ""
        segments.append(_seg("LX", str(number)))
        segments.append(_seg("SV1", procedure, _money(line.charge), "UN", _units(line.units), place, "", pointers))
        if line.date_to != line.date_from:
            segments.append(_seg("DTP", "472", "RD8", f"{_d8(line.date_from)}-{_d8(line.date_to)}"))
        else:
            segments.append(_seg("DTP", "472", "D8", _d8(line.date_from)))
    segments.append(_seg("SE", str(len(segments) + 1), control))
    return segments


def build_837p(
    *,
    claim: ProfessionalClaim,
    sender: str = "PORTAL",
    receiver: str = "DEMOHEALTHPLAN",
    control_number: int = 1,
    created: datetime.datetime | None = None,
) -> str:
    """A complete interchange (ISA/GS, one ST..SE for the claim, GE/IEA), one segment a line."""
    created = created or datetime.datetime(2026, 12, 1, 9, 0)
    return interchange(
        functional_id="HC",
        guide=IMPLEMENTATION_GUIDE,
        transactions=[_transaction(claim, "0001", created)],
        sender=sender,
        receiver=receiver,
        control_number=control_number,
        created=created,
    )


def validate_837p(text: str) -> list[Problem]:
    """Every problem pyx12 finds against the 005010X222A1 guide; empty when valid."""
    return validate(text)
