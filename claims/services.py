"""Writes of claims: the import from the claim system's CSV extract.

``claims_import`` streams the file in batches, so memory stays flat whatever its length: each
batch resolves its provider IDs in one query and upserts its good rows in one statement keyed by
the claim number, so importing the same file twice leaves the same rows. A bad row is reported as
"line N: reason" and skipped; the good rows around it are kept.
"""

import csv
import datetime
import decimal
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from accounts.models import ProviderIdentifier, ProviderIdKind
from claims.models import CLAIM_NUMBER_REGEX, Claim, ClaimStatus

COLUMNS = (
    "claim_number",
    "provider_id_kind",
    "provider_id_value",
    "member_id",
    "member_name",
    "service_date_from",
    "service_date_to",
    "billed_amount",
    "allowed_amount",
    "paid_amount",
    "status",
    "received_date",
    "paid_date",
    "check_number",
    "denial_reason",
)
# Everything the claim system owns; the uuid and primary key of an existing row are kept.
UPDATE_FIELDS = [
    "provider_identifier",
    "member_id",
    "member_name",
    "service_date_from",
    "service_date_to",
    "billed_amount",
    "allowed_amount",
    "paid_amount",
    "status",
    "received_date",
    "paid_date",
    "check_number",
    "denial_reason",
    "updated_at",
]
DEFAULT_BATCH_SIZE = 1000
# The result keeps this many messages; every one still goes to ``on_error``.
KEPT_ERRORS = 1000
# Provider IDs resolved so far, kept across batches; cleared past this size to keep memory flat.
PROVIDER_CACHE_LIMIT = 50_000
MAX_AMOUNT = decimal.Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
_CLAIM_NUMBER = re.compile(CLAIM_NUMBER_REGEX)


class ClaimImportError(Exception):
    """The file cannot be imported at all (wrong header, unreadable CSV); nothing more is read."""


@dataclass
class ImportResult:
    rows_read: int = 0
    upserted: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)  # the first KEPT_ERRORS "line N: reason"

    def __str__(self) -> str:
        return f"{self.rows_read} rows read, {self.upserted} upserted, {self.rejected} rejected"


@dataclass
class _Row:
    """One parsed data row: either the claim's values or the reasons it was refused."""

    line: int
    values: dict | None = None
    problems: list[str] = field(default_factory=list)


def _check_header(fieldnames: list[str] | None) -> None:
    if not fieldnames:
        raise ClaimImportError(f"The file is empty: the first line must be the header {', '.join(COLUMNS)}.")
    names = [name.strip() for name in fieldnames]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(repr(name) for name in unknown)}")
    if repeated:
        problems.append(f"repeated columns: {', '.join(repeated)}")
    if problems:
        raise ClaimImportError(f"Wrong header ({'; '.join(problems)}). Expected exactly: {', '.join(COLUMNS)}.")


def _date(raw: dict, name: str, problems: list[str], *, required: bool = True) -> datetime.date | None:
    text = raw[name]
    if not text:
        if required:
            problems.append(f"{name} is empty")
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} {text!r} is not a date (use YYYY-MM-DD)")
        return None


def _amount(raw: dict, name: str, problems: list[str]) -> decimal.Decimal | None:
    text = raw[name]
    try:
        amount = decimal.Decimal(text)
    except decimal.InvalidOperation:
        problems.append(f"{name} {text!r} is not an amount (use digits and a dot, like 125.50)")
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        problems.append(f"{name} {text!r} is not an amount in dollars and cents")
    elif amount < 0:
        problems.append(f"{name} {text!r} is negative")
    elif amount > MAX_AMOUNT:
        problems.append(f"{name} {text!r} is too large")
    else:
        return amount.quantize(decimal.Decimal("0.01"))
    return None


def _text(raw: dict, name: str, problems: list[str], *, max_length: int, required: bool = True) -> str:
    text = raw[name]
    if required and not text:
        problems.append(f"{name} is empty")
    elif len(text) > max_length:
        problems.append(f"{name} is longer than {max_length} characters")
    return text


def _status(raw: dict, problems: list[str]) -> str:
    status = raw["status"].lower()
    if status not in ClaimStatus.values:
        problems.append(f"unknown status {raw['status']!r} (use one of {', '.join(ClaimStatus.values)})")
    return status


def _parse(line: int, record: dict) -> _Row:
    if None in record:  # csv.DictReader puts surplus values under the key None
        return _Row(line, problems=[f"{len(record[None])} more values than columns"])
    if any(value is None for value in record.values()):
        return _Row(line, problems=["fewer values than columns"])
    raw = {name.strip(): value.strip() for name, value in record.items()}
    problems: list[str] = []  # in the order of the columns
    claim_number = _text(raw, "claim_number", problems, max_length=20)
    if claim_number and not _CLAIM_NUMBER.match(claim_number):
        problems.append(f"claim_number {claim_number!r} may hold only letters, digits and dashes")
    kind = raw["provider_id_kind"].lower()
    if kind not in ProviderIdKind.values:
        problems.append(
            f"provider_id_kind {raw['provider_id_kind']!r} is not one of {', '.join(ProviderIdKind.values)}"
        )
    provider_id_value = _text(raw, "provider_id_value", problems, max_length=20)
    values = {
        "claim_number": claim_number,
        "member_id": _text(raw, "member_id", problems, max_length=30),
        "member_name": _text(raw, "member_name", problems, max_length=200),
        "service_date_from": _date(raw, "service_date_from", problems),
        "service_date_to": _date(raw, "service_date_to", problems),
        "billed_amount": _amount(raw, "billed_amount", problems),
        "allowed_amount": _amount(raw, "allowed_amount", problems),
        "paid_amount": _amount(raw, "paid_amount", problems),
        "status": _status(raw, problems),
        "received_date": _date(raw, "received_date", problems),
        "paid_date": _date(raw, "paid_date", problems, required=False),
        "check_number": _text(raw, "check_number", problems, max_length=30, required=False),
        "denial_reason": _text(raw, "denial_reason", problems, max_length=200, required=False),
    }
    start, end = values["service_date_from"], values["service_date_to"]
    if start and end and end < start:
        problems.append(f"service_date_to {end} is before service_date_from {start}")
    if problems:
        return _Row(line, problems=problems)
    return _Row(line, values={**values, "provider_key": (kind, provider_id_value)})


def _resolve_provider_ids(keys: set[tuple[str, str]], cache: dict[tuple[str, str], int | None]) -> None:
    """Adds the primary key (or None when unknown) of every (kind, value) not yet in ``cache``."""
    wanted = keys - cache.keys()
    if not wanted:
        return
    if len(cache) + len(wanted) > PROVIDER_CACHE_LIMIT:
        cache.clear()
        wanted = keys
    by_kind: dict[str, list[str]] = {}
    for kind, value in wanted:
        by_kind.setdefault(kind, []).append(value)
    # One condition per kind (at most four), not one per ID: a long OR chain is slow to plan and
    # SQLite refuses expressions deeper than 1,000.
    condition = Q()
    for kind, values in by_kind.items():
        condition |= Q(kind=kind, value__in=values)
    found = {
        (kind, value): pk
        for pk, kind, value in ProviderIdentifier.objects.filter(condition).values_list("pk", "kind", "value")
    }
    for key in wanted:
        cache[key] = found.get(key)


def _flush(
    batch: list[_Row],
    cache: dict[tuple[str, str], int | None],
    result: ImportResult,
    on_error: Callable[[str], None] | None,
) -> None:
    _resolve_provider_ids({row.values["provider_key"] for row in batch if row.values}, cache)
    claims: dict[str, Claim] = {}
    for row in batch:
        if row.values is not None and cache[row.values["provider_key"]] is None:
            kind, value = row.values["provider_key"]
            row.problems.append(f"unknown provider ID {kind} {value}")
        if row.problems:
            message = f"line {row.line}: {'; '.join(row.problems)}"
            result.rejected += 1
            if len(result.errors) < KEPT_ERRORS:
                result.errors.append(message)
            if on_error is not None:
                on_error(message)
            continue
        values = dict(row.values)
        provider_key = values.pop("provider_key")
        # A claim number repeated inside one batch: the later line wins, as it would across batches
        # (PostgreSQL refuses to upsert the same key twice in one statement).
        claims[values["claim_number"]] = Claim(provider_identifier_id=cache[provider_key], **values)
        result.upserted += 1
    if claims:
        with transaction.atomic():
            Claim.objects.bulk_create(
                list(claims.values()),
                update_conflicts=True,
                unique_fields=["claim_number"],
                update_fields=UPDATE_FIELDS,
            )


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    return f"unreadable CSV ({exc})"


def claims_import(
    *,
    lines: Iterable[str],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_error: Callable[[str], None] | None = None,
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Upserts the claims of a CSV extract (header row, then one claim per row) by claim number.

    ``lines`` is any iterable of text lines: an open file (``newline=""``) is read as it goes,
    never loaded whole. Each batch of ``batch_size`` rows commits on its own, so a file that
    fails half-way keeps its first batches; running it again converges. Raises
    ``ClaimImportError`` when the header is not exactly ``COLUMNS`` or the CSV is unreadable.
    ``on_error`` receives each "line N: reason" as it is found; ``on_batch`` the running totals
    after each committed batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    reader = csv.DictReader(lines)
    try:
        fieldnames = reader.fieldnames
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ClaimImportError(f"line 1: {_unreadable(exc)}")
    if fieldnames:
        # A byte-order mark left by a spreadsheet program is not part of the first column's name.
        reader.fieldnames = [fieldnames[0].lstrip("\ufeff"), *fieldnames[1:]]
    _check_header(reader.fieldnames)
    result = ImportResult()
    cache: dict[tuple[str, str], int | None] = {}
    batch: list[_Row] = []
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            # Rows after an unreadable one cannot be trusted to start where they seem to: stop.
            # Only "after the last line read" is certain: the decoder reads ahead of the parser.
            raise ClaimImportError(
                f"after line {reader.line_num}: {_unreadable(exc)}; stopped, keeping {result} from the batches before"
            )
        result.rows_read += 1
        batch.append(_parse(reader.line_num, record))
        if len(batch) >= batch_size:
            _flush(batch, cache, result, on_error)
            batch = []
            if on_batch is not None:
                on_batch(result)
    if batch:
        _flush(batch, cache, result, on_error)
        if on_batch is not None:
            on_batch(result)
    return result
