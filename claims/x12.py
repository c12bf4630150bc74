"""X12 5010 835 (health care claim payment/advice) with pyx12: a builder that writes valid
segments from data, the validation report, and the reader that turns a file into payments.

pyx12 is used (rather than x12sdk) because it ships the 005010X221A1 implementation guide map and
validates a file against it (segment order, loops, element codes, SE/GE/IEA counts), reporting
each problem with its segment and line; its X12Reader also reads the segments we then map.
"""

import datetime
import decimal
import io
import json
import logging
from dataclasses import dataclass, field

import pyx12.error_handler
import pyx12.errors
import pyx12.params
import pyx12.x12file
import pyx12.x12n_document

SEGMENT_TERMINATOR = "~"
ELEMENT_SEPARATOR = "*"
COMPONENT_SEPARATOR = ":"
CENTS = decimal.Decimal("0.01")

# pyx12 logs every problem it finds; the report carries them, the log need not.
logging.getLogger("pyx12").addHandler(logging.NullHandler())
logging.getLogger("pyx12").propagate = False


# --- data -----------------------------------------------------------------------------------------


@dataclass
class Adjustment:
    group: str  # CO, PR, OA, PI, CR
    reason: str  # CARC
    amount: decimal.Decimal


@dataclass
class Service:
    procedure_code: str
    charge: decimal.Decimal
    paid: decimal.Decimal
    modifiers: list[str] = field(default_factory=list)
    units: decimal.Decimal = decimal.Decimal("1")
    service_date: datetime.date | None = None
    allowed: decimal.Decimal | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)
    line: int = 0  # the segment's line in the file, when read


@dataclass
class ClaimPaid:
    claim_number: str  # CLP01, the provider's claim identifier; CLP07 repeats the payer's
    status_code: str
    charge: decimal.Decimal
    paid: decimal.Decimal
    patient_responsibility: decimal.Decimal = decimal.Decimal("0")
    member_last_name: str = ""
    member_first_name: str = ""
    member_id: str = ""
    service_date: datetime.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    line: int = 0


@dataclass
class Payment:
    trace_number: str
    amount: decimal.Decimal
    payment_date: datetime.date
    payer_name: str
    payer_id: str
    payee_name: str
    payee_tin: str
    method: str = "ACH"  # BPR04: ACH, CHK, BOP, FWT, NON
    claims: list[ClaimPaid] = field(default_factory=list)
    segments: str = ""  # ST..SE as read
    envelope: tuple[str, str] = ("", "")  # the ISA and GS segments around it, as read
    line: int = 0


# --- the builder ----------------------------------------------------------------------------------


def _money(value: decimal.Decimal) -> str:
    text = f"{decimal.Decimal(value).quantize(CENTS):f}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def _seg(*elements: str) -> str:
    # Trailing empty elements are not written (X12 syntax).
    values = list(elements)
    while values and values[-1] == "":
        values.pop()
    return ELEMENT_SEPARATOR.join(values)


def _transaction(payment: Payment, control: str) -> list[str]:
    day = payment.payment_date.strftime("%Y%m%d")
    payer_tax_id = "1" + payment.payer_id.rjust(9, "0")[-9:]
    if payment.method == "CHK":
        bpr = _seg("BPR", "I", _money(payment.amount), "C", "CHK", "", "", "", "", "", "", "", "", "", "", "", day)
    else:
        bpr = _seg(
            "BPR", "I", _money(payment.amount), "C", payment.method, "CCP", "01", "011000015", "DA", "1234567890",
            payer_tax_id, "", "01", "011000028", "DA", "9876543210", day,
        )  # fmt: skip
    segments = [
        _seg("ST", "835", control),
        bpr,
        _seg("TRN", "1", payment.trace_number, payer_tax_id),
        _seg("DTM", "405", day),
        _seg("N1", "PR", payment.payer_name[:60]),
        _seg("N3", "PO BOX 1000"),
        _seg("N4", "SPRINGFIELD", "IL", "62701"),
        _seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100"),
        _seg("N1", "PE", payment.payee_name[:60], "FI", payment.payee_tin),
    ]
    for number, claim in enumerate(payment.claims, start=1):
        segments.append(_seg("LX", str(number)))
        segments.append(
            _seg(
                "CLP",
                claim.claim_number,
                claim.status_code,
                _money(claim.charge),
                _money(claim.paid),
                _money(claim.patient_responsibility),
                "12",
                claim.claim_number,
            )  # fmt: skip
        )
        segments += _cas(claim.adjustments)
        segments.append(
            _seg(
                "NM1",
                "QC",
                "1",
                claim.member_last_name[:60],
                claim.member_first_name[:35],
                "",
                "",
                "",
                "MI",
                claim.member_id,
            )  # fmt: skip
        )
        if claim.service_date:
            segments.append(_seg("DTM", "232", claim.service_date.strftime("%Y%m%d")))
        for service in claim.services:
            procedure = COMPONENT_SEPARATOR.join(["HC", service.procedure_code, *service.modifiers])
            segments.append(
                _seg("SVC", procedure, _money(service.charge), _money(service.paid), "", _money(service.units))
            )
            if service.service_date:
                segments.append(_seg("DTM", "472", service.service_date.strftime("%Y%m%d")))
            segments += _cas(service.adjustments)
            if service.allowed is not None:
                segments.append(_seg("AMT", "B6", _money(service.allowed)))
            segments += [_seg("LQ", "HE", code) for code in service.remark_codes]
    segments.append(_seg("SE", str(len(segments) + 1), control))
    return segments


def _cas(adjustments: list[Adjustment]) -> list[str]:
    """One CAS per group, up to six reasons each (the guide's limit); more start another CAS."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    segments = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            elements = ["CAS", group]
            for item in items[start : start + 6]:
                elements += [item.reason, _money(item.amount), ""]
            segments.append(_seg(*elements))
    return segments


def interchange(
    *,
    functional_id: str,
    guide: str,
    transactions: list[list[str]],
    sender: str,
    receiver: str,
    control_number: int,
    created: datetime.datetime,
) -> str:
    """Transaction sets (each its ST..SE segments) in one interchange: ISA/GS before, GE/IEA after,
    one segment a line. ``functional_id`` is GS01 (HP for an 835, HC for an 837) and ``guide`` the
    implementation guide of GS08."""
    isa_control = f"{control_number:09d}"
    segments = [
        _seg(
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            sender.ljust(15)[:15],
            "ZZ",
            receiver.ljust(15)[:15],
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            "^",
            "00501",
            isa_control,
            "0",
            "P",
            COMPONENT_SEPARATOR,
        ),  # fmt: skip
        _seg(
            "GS",
            functional_id,
            sender,
            receiver,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            str(control_number),
            "X",
            guide,
        ),  # fmt: skip
    ]
    for transaction in transactions:
        segments += transaction
    segments += [_seg("GE", str(len(transactions)), str(control_number)), _seg("IEA", "1", isa_control)]
    return "".join(f"{segment}{SEGMENT_TERMINATOR}\n" for segment in segments)


def build_835(
    *,
    payments: list[Payment],
    sender: str = "DEMOHEALTHPLAN",
    receiver: str = "PROVIDER",
    control_number: int = 1,
    created: datetime.datetime | None = None,
) -> str:
    """A complete interchange (ISA/GS, one ST..SE per payment, GE/IEA), one segment a line."""
    return interchange(
        functional_id="HP",
        guide="005010X221A1",
        transactions=[_transaction(payment, f"{number:04d}") for number, payment in enumerate(payments, start=1)],
        sender=sender,
        receiver=receiver,
        control_number=control_number,
        created=created or datetime.datetime(2026, 12, 1, 9, 0),
    )


def wrap_transaction(payment_segments: str, envelope: tuple[str, str]) -> str:
    """One stored ST..SE set inside its original ISA/GS, closed with GE/IEA counting one set."""
    isa, gs = envelope
    isa_elements = isa.split(ELEMENT_SEPARATOR)
    gs_elements = gs.split(ELEMENT_SEPARATOR)
    closing = [_seg("GE", "1", gs_elements[6]), _seg("IEA", "1", isa_elements[13])]
    lines = [isa, gs, *payment_segments.splitlines(), *closing]
    return "".join(f"{line.rstrip(SEGMENT_TERMINATOR)}{SEGMENT_TERMINATOR}\n" for line in lines if line)


# --- validation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int | None
    segment: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, segment {self.segment}: {self.message}" if self.segment else f"{where}: {self.message}"


def _problems_of(node: dict, segment: str, found: list[Problem]) -> None:
    for error in node.get("errors", []):
        found.append(Problem(node.get("cur_line"), node.get("seg_id") or segment, error["err_str"]))
    for element in node.get("elements", []):
        for error in element.get("errors", []):
            value = f" ({error['err_val']!r})" if error.get("err_val") else ""
            found.append(
                Problem(
                    node.get("cur_line"),
                    f"{node.get('seg_id')}{element.get('ele_pos') or ''}",
                    f"{error['err_str']}{value}",
                )  # fmt: skip
            )


def validate(text: str) -> list[Problem]:
    """Every problem pyx12 finds against the 5010 835 guide, in file order; empty when valid."""
    if not text.lstrip().startswith("ISA"):
        return [Problem(1, "ISA", "The file does not start with an ISA segment: it is not an X12 interchange.")]
    report = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), None, None, fd_json=report)
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        return [Problem(None, "", f"Not a readable X12 file: {exc}")]
    found: list[Problem] = []
    if report.getvalue():
        document = json.loads(report.getvalue())
        for isa in document.get("interchanges", []):
            _problems_of(isa, "ISA", found)
            for gs in isa.get("groups", []):
                _problems_of(gs, "GS", found)
                for st in gs.get("transactions", []):
                    _problems_of(st, "ST", found)
                    for segment in st.get("segments", []):
                        _problems_of(segment, segment.get("seg_id") or "", found)
    if not valid and not found:
        found.append(Problem(None, "", "The file is not a valid X12 5010 835."))
    return found


# --- the reader -----------------------------------------------------------------------------------


class ReadError(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _amount(value: str | None, line: int, segment: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(value or "0").quantize(CENTS)
    except decimal.InvalidOperation:
        raise ReadError(Problem(line, segment, f"{value!r} is not an amount"))


def _day(value: str | None, line: int, segment: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y%m%d").date()
    except ValueError:
        raise ReadError(Problem(line, segment, f"{value!r} is not a date (CCYYMMDD)"))


def _adjustments(seg, line: int) -> list[Adjustment]:
    group = seg.get_value("CAS01")
    found = []
    for start in (2, 5, 8, 11, 14, 17):
        reason = seg.get_value(f"CAS{start:02d}")
        if reason:
            found.append(Adjustment(group, reason, _amount(seg.get_value(f"CAS{start + 1:02d}"), line, "CAS")))
    return found


def read_835(text: str) -> list[Payment]:
    """The payments of a file that ``validate`` found valid, with each one's own ST..SE text."""
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    payments: list[Payment] = []
    payment: Payment | None = None
    claim: ClaimPaid | None = None
    service: Service | None = None
    isa = gs = ""
    kept: list[str] = []
    for seg in reader:
        seg_id = seg.get_seg_id()
        line = reader.get_cur_line()
        raw = seg.format(SEGMENT_TERMINATOR, ELEMENT_SEPARATOR, COMPONENT_SEPARATOR)
        if seg_id == "ISA":
            isa = raw.rstrip(SEGMENT_TERMINATOR)
        elif seg_id == "GS":
            gs = raw.rstrip(SEGMENT_TERMINATOR)
        elif seg_id == "ST":
            payment = Payment("", decimal.Decimal("0"), datetime.date.min, "", "", "", "", line=line)
            payment.envelope = (isa, gs)
            payments.append(payment)
            claim = service = None
            kept = []
        if payment is not None:
            kept.append(raw)
        if payment is None:
            continue
        if seg_id == "BPR":
            payment.amount = _amount(seg.get_value("BPR02"), line, "BPR")
            payment.method = seg.get_value("BPR04") or ""
            payment.payment_date = _day(seg.get_value("BPR16"), line, "BPR")
        elif seg_id == "TRN":
            payment.trace_number = seg.get_value("TRN02") or ""
            payment.payer_id = seg.get_value("TRN03") or ""
        elif seg_id == "N1" and seg.get_value("N101") == "PR":
            payment.payer_name = seg.get_value("N102") or ""
        elif seg_id == "N1" and seg.get_value("N101") == "PE":
            payment.payee_name = seg.get_value("N102") or ""
            if seg.get_value("N103") == "FI":
                payment.payee_tin = seg.get_value("N104") or ""
        elif seg_id == "REF" and seg.get_value("REF01") == "TJ" and claim is None:
            payment.payee_tin = seg.get_value("REF02") or ""
        elif seg_id == "CLP":
            claim = ClaimPaid(
                claim_number=seg.get_value("CLP07") or seg.get_value("CLP01") or "",
                status_code=seg.get_value("CLP02") or "",
                charge=_amount(seg.get_value("CLP03"), line, "CLP"),
                paid=_amount(seg.get_value("CLP04"), line, "CLP"),
                patient_responsibility=_amount(seg.get_value("CLP05"), line, "CLP"),
                line=line,
            )
            payment.claims.append(claim)
            service = None
        elif seg_id == "NM1" and claim is not None and seg.get_value("NM101") == "QC":
            claim.member_last_name = seg.get_value("NM103") or ""
            claim.member_first_name = seg.get_value("NM104") or ""
            claim.member_id = seg.get_value("NM109") or ""
        elif seg_id == "DTM" and claim is not None and service is None and seg.get_value("DTM01") == "232":
            claim.service_date = _day(seg.get_value("DTM02"), line, "DTM")
        elif seg_id == "SVC" and claim is not None:
            composite = seg.get("SVC01")
            parts = [composite[i].get_value() for i in range(len(composite))] if composite is not None else []
            service = Service(
                procedure_code=parts[1] if len(parts) > 1 else "",
                modifiers=[part for part in parts[2:6] if part],
                charge=_amount(seg.get_value("SVC02"), line, "SVC"),
                paid=_amount(seg.get_value("SVC03"), line, "SVC"),
                units=_amount(seg.get_value("SVC05") or "1", line, "SVC"),
                line=line,
            )
            claim.services.append(service)
        elif seg_id == "DTM" and service is not None and seg.get_value("DTM01") in ("472", "150"):
            service.service_date = _day(seg.get_value("DTM02"), line, "DTM")
        elif seg_id == "CAS" and service is not None:
            service.adjustments += _adjustments(seg, line)
        elif seg_id == "CAS" and claim is not None:
            claim.adjustments += _adjustments(seg, line)
        elif seg_id == "AMT" and service is not None and seg.get_value("AMT01") == "B6":
            service.allowed = _amount(seg.get_value("AMT02"), line, "AMT")
        elif seg_id == "LQ" and service is not None and seg.get_value("LQ01") == "HE":
            service.remark_codes.append(seg.get_value("LQ02") or "")
        elif seg_id in ("PLB", "SE"):
            claim = service = None
        if seg_id == "SE":
            payment.segments = "\n".join(kept)
            payment = None
    return payments
