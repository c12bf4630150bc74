"""Writes of service lines and their adjudication: the CARC/RARC code tables loaded from CSV, and
the lines extract of the claim system (``claim_lines_import``), which goes with the claims extract.

The lines extract streams in batches like the claims extract: each batch resolves its claims in
one query, upserts its lines by (claim, line number) and replaces those lines' adjustments. A bad
row is reported as "line N: reason" and skipped; a line whose claim is unknown is a bad row.
"""

import decimal
import re
from collections.abc import Callable, Iterable

from django.db import transaction

from claims.models import (
    REASON_CODE_REGEX,
    AdjustmentGroup,
    Claim,
    ClaimLine,
    LineAdjustment,
    ReasonCode,
    ReasonCodeKind,
)
from claims.services import (
    DEFAULT_BATCH_SIZE,
    CsvImportError,
    ImportResult,
    _amount,
    _date,
    _import_csv,
    _reject,
    _Row,
    _shape_problem,
    _text,
)
from core import normalize

REASON_CODE_COLUMNS = ("kind", "code", "description")
LINE_COLUMNS = (
    "claim_number",
    "line_number",
    "procedure_code",
    "modifiers",
    "units",
    "service_date",
    "billed_amount",
    "allowed_amount",
    "paid_amount",
    "deductible",
    "coinsurance",
    "copay",
    "remark_codes",
    "adjustments",
    "note",
)
LINE_UPDATE_FIELDS = [name for name in LINE_COLUMNS if name not in ("claim_number", "line_number", "adjustments")]
# CPT (five digits, or four and a letter for category II/III codes) or HCPCS level II (a letter, four digits).
PROCEDURE_CODE = re.compile(r"^(?:[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
# "CO-45:20.00": group, reason code, amount; several separated by ";".
ADJUSTMENT = re.compile(r"^(?P<group>[A-Z]{2})-(?P<code>[A-Z0-9]{1,5}):(?P<amount>-?[0-9]+(?:\.[0-9]{1,2})?)$")
MAX_LINES_PER_CLAIM = 999
_CODE = re.compile(REASON_CODE_REGEX)


class ReasonCodeImportError(CsvImportError):
    """A code table cannot be loaded at all."""


class ClaimLineImportError(CsvImportError):
    """A lines extract cannot be imported at all."""


def _parse_reason_code(line: int, csv_row: dict) -> _Row:
    if problem := _shape_problem(csv_row):
        return _Row(line, problems=[problem])
    raw = {name.strip(): value.strip() for name, value in csv_row.items()}
    problems: list[str] = []
    kind = raw["kind"].lower()
    if kind not in ReasonCodeKind.values:
        problems.append(f"kind {raw['kind']!r} is not one of {', '.join(ReasonCodeKind.values)}")
    code = raw["code"].upper()
    if not _CODE.match(code):
        problems.append(f"code {raw['code']!r} is not a reason or remark code (1 to 5 letters and digits)")
    description = _text(raw, "description", problems, max_length=500)
    if problems:
        return _Row(line, problems=problems)
    return _Row(line, values={"kind": kind, "code": code, "description": description})


@transaction.atomic
def reason_codes_load(*, lines: Iterable[str], on_error: Callable[[str], None] | None = None) -> ImportResult:
    """Upserts CARC and RARC descriptions from a CSV of ``REASON_CODE_COLUMNS`` by (kind, code).
    Codes missing from the file are kept: an adjustment of an old claim still finds its words.
    Raises ``ReasonCodeImportError`` on a wrong header or an unreadable file."""

    def flush(batch: list[_Row], result: ImportResult) -> None:
        codes = {}
        for row in batch:
            if row.problems:
                _reject(row, result, on_error)
                continue
            codes[(row.values["kind"], row.values["code"])] = ReasonCode(**row.values)
            result.upserted += 1
        if codes:
            ReasonCode.objects.bulk_create(
                list(codes.values()),
                update_conflicts=True,
                unique_fields=["kind", "code"],
                update_fields=["description", "updated_at"],
            )

    return _import_csv(
        lines=lines,
        columns=REASON_CODE_COLUMNS,
        error=ReasonCodeImportError,
        parse=_parse_reason_code,
        flush=flush,
        batch_size=DEFAULT_BATCH_SIZE,
        on_batch=None,
    )


def known_codes() -> dict[str, set[str]]:
    """{kind: {code}} of the loaded code tables. One query."""
    known: dict[str, set[str]] = {kind: set() for kind in ReasonCodeKind.values}
    for kind, code in ReasonCode.objects.values_list("kind", "code"):
        known[kind].add(code)
    return known


def parse_adjustments(text: str, problems: list[str], carcs: set[str]) -> list[tuple[str, str, decimal.Decimal]]:
    """ "CO-45:20.00;PR-1:10" as [(group, code, amount)]; what does not parse goes to ``problems``."""
    found = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        match = ADJUSTMENT.match(part.upper())
        if match is None:
            problems.append(f"adjustment {part!r} is not GROUP-CODE:AMOUNT (like CO-45:20.00)")
            continue
        group, code = match["group"], match["code"]
        if group not in AdjustmentGroup.values:
            problems.append(f"adjustment {part!r}: group {group} is not one of {', '.join(AdjustmentGroup.values)}")
        elif code not in carcs:
            problems.append(f"adjustment {part!r}: {code} is not a known claim adjustment reason code")
        else:
            found.append((group, code, decimal.Decimal(match["amount"]).quantize(decimal.Decimal("0.01"))))
    return found


def _parse_line(line: int, csv_row: dict, known: dict[str, set[str]]) -> _Row:
    if problem := _shape_problem(csv_row):
        return _Row(line, problems=[problem])
    raw = {name.strip(): value.strip() for name, value in csv_row.items()}
    problems: list[str] = []
    claim_number = normalize.claim_number(_text(raw, "claim_number", problems, max_length=20))
    line_number = None
    if raw["line_number"].isdigit() and 1 <= int(raw["line_number"]) <= MAX_LINES_PER_CLAIM:
        line_number = int(raw["line_number"])
    else:
        problems.append(f"line_number {raw['line_number']!r} is not a number from 1 to {MAX_LINES_PER_CLAIM}")
    code = raw["procedure_code"].upper()
    if not PROCEDURE_CODE.match(code):
        problems.append(f"procedure_code {raw['procedure_code']!r} is not a CPT or HCPCS code")
    modifiers = [m.strip().upper() for m in raw["modifiers"].split(",") if m.strip()]
    if len(modifiers) > 4 or not all(MODIFIER.match(m) for m in modifiers):
        problems.append(f"modifiers {raw['modifiers']!r} must be up to four two-character modifiers")
    units = None
    try:
        units = decimal.Decimal(raw["units"])
        if not units.is_finite() or units <= 0 or units > 99999 or units.as_tuple().exponent < -2:
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        problems.append(f"units {raw['units']!r} is not a positive number")
    values = {
        "claim_number": claim_number,
        "line_number": line_number,
        "procedure_code": code,
        "modifiers": ",".join(modifiers),
        "units": units,
        "service_date": _date(raw, "service_date", problems),
        "billed_amount": _amount(raw, "billed_amount", problems),
        "allowed_amount": _amount(raw, "allowed_amount", problems),
        "paid_amount": _amount(raw, "paid_amount", problems),
        "deductible": _amount({**raw, "deductible": raw["deductible"] or "0"}, "deductible", problems),
        "coinsurance": _amount({**raw, "coinsurance": raw["coinsurance"] or "0"}, "coinsurance", problems),
        "copay": _amount({**raw, "copay": raw["copay"] or "0"}, "copay", problems),
        "note": _text(raw, "note", problems, max_length=500, required=False),
    }
    remarks = [r.strip().upper() for r in raw["remark_codes"].split(",") if r.strip()]
    unknown = [r for r in remarks if r not in known[ReasonCodeKind.RARC]]
    if unknown:
        problems.append(f"remark_codes: {', '.join(unknown)} not a known remark code")
    values["remark_codes"] = ",".join(remarks)
    if len(values["remark_codes"]) > 60:
        problems.append("remark_codes are longer than 60 characters")
    adjustments = parse_adjustments(raw["adjustments"], problems, known[ReasonCodeKind.CARC])
    if problems:
        return _Row(line, problems=problems)
    return _Row(line, values={**values, "adjustments": adjustments})


def _flush_lines(batch: list[_Row], result: ImportResult, on_error: Callable[[str], None] | None) -> None:
    numbers = {row.values["claim_number"] for row in batch if row.values}
    claim_pks = dict(Claim.objects.filter(claim_number__in=numbers).values_list("claim_number", "pk"))
    lines: dict[tuple[int, int], tuple[ClaimLine, list]] = {}
    for row in batch:
        if row.values is not None and row.values["claim_number"] not in claim_pks:
            row.problems.append(f"unknown claim {row.values['claim_number']}")
        if row.problems:
            _reject(row, result, on_error)
            continue
        values = dict(row.values)
        claim_pk = claim_pks[values.pop("claim_number")]
        adjustments = values.pop("adjustments")
        lines[(claim_pk, values["line_number"])] = (ClaimLine(claim_id=claim_pk, **values), adjustments)
        result.upserted += 1
    if not lines:
        return
    with transaction.atomic():
        ClaimLine.objects.bulk_create(
            [line for line, _adjustments in lines.values()],
            update_conflicts=True,
            unique_fields=["claim", "line_number"],
            update_fields=LINE_UPDATE_FIELDS,
        )
        # Not every database returns the keys of upserted rows: read them back in one query.
        pks = {
            (claim_id, number): pk
            for pk, claim_id, number in ClaimLine.objects.filter(claim_id__in={key[0] for key in lines}).values_list(
                "pk", "claim_id", "line_number"
            )
        }
        line_pks = [pks[key] for key in lines]
        LineAdjustment.objects.filter(line_id__in=line_pks).delete()
        LineAdjustment.objects.bulk_create(
            [
                LineAdjustment(line_id=pks[key], group_code=group, reason_code=code, amount=amount)
                for key, (_line, adjustments) in lines.items()
                for group, code, amount in adjustments
            ]
        )


def claim_lines_import(
    *,
    lines: Iterable[str],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_error: Callable[[str], None] | None = None,
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Upserts service lines by (claim number, line number) from a CSV of ``LINE_COLUMNS``, each
    with its adjustments ("CO-45:20.00;PR-1:10.00", which replace the line's earlier ones) and
    remark codes ("N130,M15"). Reason and remark codes must be in the loaded code tables. Import
    the claims first: a line of an unknown claim is rejected. Raises ``ClaimLineImportError`` on a
    wrong header or an unreadable file."""
    known = known_codes()
    return _import_csv(
        lines=lines,
        columns=LINE_COLUMNS,
        error=ClaimLineImportError,
        parse=lambda line, csv_row: _parse_line(line, csv_row, known),
        flush=lambda batch, result: _flush_lines(batch, result, on_error),
        batch_size=batch_size,
        on_batch=on_batch,
    )
