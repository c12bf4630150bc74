"""Writes of the claims app: the imports of the claim and eligibility systems' CSV extracts, and
the eligibility lookup with its throttle and audit row.

Both imports stream the file in batches (``_import_csv``), so memory stays flat whatever its
length. ``claims_import`` resolves each batch's provider IDs in one query and upserts its good
rows in one statement keyed by the claim number; ``members_import`` upserts each batch's members
by member ID and their coverage spans by (member, plan code, start date). Importing the same file
twice leaves the same rows. A bad row is reported as "line N: reason" and skipped; the good rows
around it are kept.
"""

import csv
import datetime
import decimal
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ProviderIdentifier, ProviderIdKind
from audit.models import AuditAction
from audit.services import record
from claims import diagnoses
from claims.models import (
    CLAIM_NUMBER_REGEX,
    MEMBER_ID_REGEX,
    Claim,
    ClaimStatus,
    Coverage,
    CoverageStatus,
    Member,
)
from claims.selectors import member_for_eligibility
from core import normalize, ratelimit

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
# Columns a claims extract may add after COLUMNS: the claim's ICD-10-CM codes, separated by ";".
# A file without it leaves the diagnoses already stored as they are.
OPTIONAL_COLUMNS = ("diagnosis_codes",)
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
# The members extract: one row per coverage span, the member's own columns repeated on each.
MEMBER_COLUMNS = (
    "member_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "plan_code",
    "plan_name",
    "coverage_start",
    "coverage_end",
    "coverage_status",
)
MEMBER_UPDATE_FIELDS = ["first_name", "last_name", "date_of_birth", "updated_at"]
COVERAGE_UPDATE_FIELDS = ["plan_name", "coverage_end", "status", "updated_at"]
DEFAULT_BATCH_SIZE = 1000
# The result keeps this many messages; every one still goes to ``on_error``.
KEPT_ERRORS = 1000
# Provider IDs resolved so far, kept across batches; cleared past this size to keep memory flat.
PROVIDER_CACHE_LIMIT = 50_000
MAX_AMOUNT = decimal.Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
_CLAIM_NUMBER = re.compile(CLAIM_NUMBER_REGEX)
_MEMBER_ID = re.compile(MEMBER_ID_REGEX)


class CsvImportError(Exception):
    """The file cannot be imported at all (wrong header, unreadable CSV); nothing more is read."""


class ClaimImportError(CsvImportError):
    """A claims extract cannot be imported at all."""


class MemberImportError(CsvImportError):
    """A members extract cannot be imported at all."""


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


def _check_header(
    fieldnames: list[str] | None,
    columns: tuple[str, ...],
    error: type[CsvImportError],
    optional: tuple[str, ...] = (),
) -> None:
    if not fieldnames:
        raise error(f"The file is empty: the first line must be the header {', '.join(columns)}.")
    names = [name.strip() for name in fieldnames]
    missing = [name for name in columns if name not in names]
    unknown = [name for name in names if name not in columns and name not in optional]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(repr(name) for name in unknown)}")
    if repeated:
        problems.append(f"repeated columns: {', '.join(repeated)}")
    if problems:
        also = f" (and optionally {', '.join(optional)})" if optional else ""
        raise error(f"Wrong header ({'; '.join(problems)}). Expected exactly: {', '.join(columns)}{also}.")


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


def _shape_problem(csv_row: dict) -> str | None:
    if None in csv_row:  # csv.DictReader puts surplus values under the key None
        return f"{len(csv_row[None])} more values than columns"
    if any(value is None for value in csv_row.values()):
        return "fewer values than columns"
    return None


def _reject(row: _Row, result: ImportResult, on_error: Callable[[str], None] | None) -> None:
    message = f"line {row.line}: {'; '.join(row.problems)}"
    result.rejected += 1
    if len(result.errors) < KEPT_ERRORS:
        result.errors.append(message)
    if on_error is not None:
        on_error(message)


def _parse(line: int, csv_row: dict) -> _Row:
    if problem := _shape_problem(csv_row):
        return _Row(line, problems=[problem])
    raw = {name.strip(): value.strip() for name, value in csv_row.items()}
    problems: list[str] = []  # in the order of the columns
    claim_number = _text(raw, "claim_number", problems, max_length=20)
    if claim_number and not _CLAIM_NUMBER.match(claim_number):
        problems.append(f"claim_number {claim_number!r} may hold only letters, digits and dashes")
    claim_number = normalize.claim_number(claim_number)
    kind = raw["provider_id_kind"].lower()
    if kind not in ProviderIdKind.values:
        problems.append(
            f"provider_id_kind {raw['provider_id_kind']!r} is not one of {', '.join(ProviderIdKind.values)}"
        )
    provider_id_value = _text(raw, "provider_id_value", problems, max_length=20)
    if kind in (ProviderIdKind.NPI, ProviderIdKind.TIN):
        provider_id_value = normalize.digits(provider_id_value)
    values = {
        "claim_number": claim_number,
        "member_id": normalize.member_id(_text(raw, "member_id", problems, max_length=30)),
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
    if "diagnosis_codes" in raw:
        text = _text(raw, "diagnosis_codes", problems, max_length=200, required=False)
        codes, diagnosis_problems = diagnoses.parse_codes(text) if len(text) <= 200 else ([], [])
        problems.extend(diagnosis_problems)
        values["diagnosis_codes"] = codes
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
    with_diagnoses = False
    for row in batch:
        if row.values is not None and cache[row.values["provider_key"]] is None:
            kind, value = row.values["provider_key"]
            row.problems.append(f"unknown provider ID {kind} {value}")
        if row.problems:
            _reject(row, result, on_error)
            continue
        values = dict(row.values)
        provider_key = values.pop("provider_key")
        with_diagnoses = with_diagnoses or "diagnosis_codes" in values
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
                update_fields=[*UPDATE_FIELDS, "diagnosis_codes"] if with_diagnoses else UPDATE_FIELDS,
            )


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    return f"unreadable CSV ({exc})"


def _import_csv(
    *,
    lines: Iterable[str],
    columns: tuple[str, ...],
    error: type[CsvImportError],
    optional_columns: tuple[str, ...] = (),
    parse: Callable[[int, dict], _Row],
    flush: Callable[[list[_Row], ImportResult], None],
    batch_size: int,
    on_batch: Callable[[ImportResult], None] | None,
) -> ImportResult:
    """Reads ``lines`` as CSV with exactly ``columns``, parses each row and hands ``flush`` one batch
    of ``batch_size`` parsed rows at a time (each flush commits on its own)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    reader = csv.DictReader(lines)
    try:
        fieldnames = reader.fieldnames
    except (csv.Error, UnicodeDecodeError) as exc:
        raise error(f"line 1: {_unreadable(exc)}")
    if fieldnames:
        # A byte-order mark left by a spreadsheet program is not part of the first column's name.
        reader.fieldnames = [fieldnames[0].lstrip("\ufeff"), *fieldnames[1:]]
    _check_header(reader.fieldnames, columns, error, optional_columns)
    result = ImportResult()
    batch: list[_Row] = []
    while True:
        try:
            csv_row = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            # Rows after an unreadable one cannot be trusted to start where they seem to: stop.
            # Only "after the last line read" is certain: the decoder reads ahead of the parser.
            raise error(
                f"after line {reader.line_num}: {_unreadable(exc)}; stopped, keeping {result} from the batches before"
            )
        result.rows_read += 1
        batch.append(parse(reader.line_num, csv_row))
        if len(batch) >= batch_size:
            flush(batch, result)
            batch = []
            if on_batch is not None:
                on_batch(result)
    if batch:
        flush(batch, result)
        if on_batch is not None:
            on_batch(result)
    return result


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
    ``ClaimImportError`` when the header is not exactly ``COLUMNS`` (``OPTIONAL_COLUMNS`` may be
    added) or the CSV is unreadable.
    ``on_error`` receives each "line N: reason" as it is found; ``on_batch`` the running totals
    after each committed batch.
    """
    provider_cache: dict[tuple[str, str], int | None] = {}
    return _import_csv(
        lines=lines,
        columns=COLUMNS,
        optional_columns=OPTIONAL_COLUMNS,
        error=ClaimImportError,
        parse=_parse,
        # Looked up at each call, not bound here, so a test can wrap _flush.
        flush=lambda batch, result: _flush(batch, provider_cache, result, on_error),
        batch_size=batch_size,
        on_batch=on_batch,
    )


# --- members and their coverage ---------------------------------------------------------------------


def _parse_member(line: int, csv_row: dict) -> _Row:
    if problem := _shape_problem(csv_row):
        return _Row(line, problems=[problem])
    raw = {name.strip(): value.strip() for name, value in csv_row.items()}
    problems: list[str] = []  # in the order of the columns
    member_id = _text(raw, "member_id", problems, max_length=30)
    if member_id and len(member_id) <= 30 and not _MEMBER_ID.match(member_id):
        problems.append(f"member_id {member_id!r} may hold only letters, digits and dashes")
    member_id = normalize.member_id(member_id)
    values = {
        "member_id": member_id,
        "first_name": _text(raw, "first_name", problems, max_length=100),
        "last_name": _text(raw, "last_name", problems, max_length=100),
        "date_of_birth": _date(raw, "date_of_birth", problems),
        "plan_code": _text(raw, "plan_code", problems, max_length=20),
        "plan_name": _text(raw, "plan_name", problems, max_length=200),
        "coverage_start": _date(raw, "coverage_start", problems),
        "coverage_end": _date(raw, "coverage_end", problems, required=False),
        "status": raw["coverage_status"].lower(),
    }
    if values["status"] not in CoverageStatus.values:
        problems.append(
            f"unknown coverage_status {raw['coverage_status']!r} (use one of {', '.join(CoverageStatus.values)})"
        )
    birth, start, end = values["date_of_birth"], values["coverage_start"], values["coverage_end"]
    if birth and birth > timezone.localdate():
        problems.append(f"date_of_birth {birth} is in the future")
    if start and end and end < start:
        problems.append(f"coverage_end {end} is before coverage_start {start}")
    if values["status"] == CoverageStatus.TERMINATED and not raw["coverage_end"]:
        problems.append("a terminated coverage needs a coverage_end")
    if problems:
        return _Row(line, problems=problems)
    return _Row(line, values=values)


def _flush_members(batch: list[_Row], result: ImportResult, on_error: Callable[[str], None] | None) -> None:
    members: dict[str, Member] = {}
    spans: dict[tuple[str, str, datetime.date], dict] = {}
    for row in batch:
        if row.problems:
            _reject(row, result, on_error)
            continue
        values = row.values
        # A member or span repeated inside one batch: the later line wins, as it would across
        # batches (PostgreSQL refuses to upsert the same key twice in one statement).
        members[values["member_id"]] = Member(
            member_id=values["member_id"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            date_of_birth=values["date_of_birth"],
        )
        spans[(values["member_id"], values["plan_code"], values["coverage_start"])] = values
        result.upserted += 1
    if not members:
        return
    with transaction.atomic():
        Member.objects.bulk_create(
            list(members.values()),
            update_conflicts=True,
            unique_fields=["member_id"],
            update_fields=MEMBER_UPDATE_FIELDS,
        )
        # Not every database returns the keys of upserted rows: read them back in one query.
        pks = dict(Member.objects.filter(member_id__in=list(members)).values_list("member_id", "pk"))
        Coverage.objects.bulk_create(
            [
                Coverage(
                    member_id=pks[member_id],
                    plan_code=plan_code,
                    plan_name=values["plan_name"],
                    coverage_start=start,
                    coverage_end=values["coverage_end"],
                    status=values["status"],
                )
                for (member_id, plan_code, start), values in spans.items()
            ],
            update_conflicts=True,
            unique_fields=["member", "plan_code", "coverage_start"],
            update_fields=COVERAGE_UPDATE_FIELDS,
        )


def members_import(
    *,
    lines: Iterable[str],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_error: Callable[[str], None] | None = None,
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Upserts members by member ID and their coverage spans by (member, plan code, start date)
    from a CSV extract of the eligibility system: header row ``MEMBER_COLUMNS``, then one row per
    coverage span.

    Streams and commits in batches exactly like ``claims_import``, with the same reporting; a
    member's name and birth date come from the last row that names them. Spans missing from a later
    file are left as they were: the extract is expected to carry every span it changes.
    Raises ``MemberImportError`` on a wrong header or an unreadable CSV.
    """
    return _import_csv(
        lines=lines,
        columns=MEMBER_COLUMNS,
        error=MemberImportError,
        parse=_parse_member,
        flush=lambda batch, result: _flush_members(batch, result, on_error),
        batch_size=batch_size,
        on_batch=on_batch,
    )


# --- eligibility ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleLimit:
    name: str
    seconds: int
    max_lookups: int
    setting: str = ""  # the key in settings.RATE_LIMITS it comes from

    def as_rate(self) -> ratelimit.Rate:
        return ratelimit.Rate(limit=self.max_lookups, seconds=self.seconds)

    @property
    def span_words(self) -> str:
        """The window as the page says it: "a minute", "an hour", "a day", "in 5 minutes"."""
        size, unit = next(
            (size, unit)
            for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
            if self.seconds % size == 0
        )
        count = self.seconds // size
        if count == 1:
            return f"{'an' if unit == 'hour' else 'a'} {unit}"
        return f"in {count} {unit}s"


def _limit(name: str, key: str) -> ThrottleLimit:
    limit, seconds = settings.RATE_LIMITS[key]
    return ThrottleLimit(name, seconds, limit, key)


# Enough for a front desk checking in patients, too few to guess birth dates or walk member IDs.
# Sliding windows (core.ratelimit): by default (RATE_ELIGIBILITY_MINUTE, RATE_ELIGIBILITY_DAY) no
# span of a minute ever holds more than 30 answers, and no span of 24 hours more than 300, whatever
# the clock says.
ELIGIBILITY_LIMITS = (
    _limit("minute", "eligibility-minute"),
    _limit("day", "eligibility-day"),
)


@dataclass(frozen=True)
class ThrottleRefusal:
    limit: ThrottleLimit
    retry_after: int  # seconds until one more lookup would pass
    when: str = ""  # "after 10:42 AM (in 3 minutes)"

    @property
    def retry_after_minutes(self) -> int:
        return -(-self.retry_after // 60)


def eligibility_throttle_hit(*, user) -> ThrottleRefusal | None:
    """Counts one eligibility lookup of ``user`` against ``ELIGIBILITY_LIMITS`` (sliding windows in
    the shared cache); returns the refusal when a limit is passed.

    A refused lookup is counted against no limit. The counts are as shared as the cache: site-wide
    with Redis (CACHE_URL, required in production).
    """
    key = f"user:{user.pk}"
    *longer, first = reversed(ELIGIBILITY_LIMITS)
    # The longer limits are checked first and counted last, so a lookup refused by the minute
    # limit never uses up the day's allowance.
    for limit in longer:
        if refusal := ratelimit.check(f"eligibility-{limit.name}", key, r=limit.as_rate()):
            return ThrottleRefusal(limit=limit, retry_after=refusal.retry_after, when=refusal.when())
    if refusal := ratelimit.hit(f"eligibility-{first.name}", key, r=first.as_rate()):
        return ThrottleRefusal(limit=first, retry_after=refusal.retry_after, when=refusal.when())
    for limit in longer:
        ratelimit.hit(f"eligibility-{limit.name}", key, r=limit.as_rate())
    return None


class EligibilityOutcome(models.TextChoices):
    # The values are what the audit trail records as the result.
    COVERED = "covered", "Covered"
    NOT_COVERED = "not covered", "Not covered"
    NO_MATCH = "no match", "No match"
    THROTTLED = "throttled", "Too many lookups"


@dataclass(frozen=True)
class EligibilityResult:
    outcome: EligibilityOutcome
    date_of_service: datetime.date
    member: Member | None = None
    covering: list[Coverage] = field(default_factory=list)  # the spans that cover the day
    spans: list[Coverage] = field(default_factory=list)  # all the member's spans, newest first
    refusal: ThrottleRefusal | None = None


# No transaction of its own: the audit row is the only write, and record() opens one when needed.
def eligibility_check(
    *,
    actor,
    member_id: str,
    date_of_birth: datetime.date,
    date_of_service: datetime.date,
    request=None,
) -> EligibilityResult:
    """Whether a member is covered on ``date_of_service``, counted by the throttle and audited.

    The member ID and birth date must both match one member; an unknown ID and a wrong birth date
    give the same NO_MATCH. Any user who may use the page may ask about any member: the birth date
    is the proof. The audit row holds the member ID, the day and the result, never a name or a
    birth date; it names no organization, as the question is not asked for one TIN.
    """
    details = {"member_id": member_id, "date_of_service": date_of_service.isoformat()}
    refusal = eligibility_throttle_hit(user=actor)
    if refusal is not None:
        record(
            action=AuditAction.ELIGIBILITY_THROTTLED,
            actor=actor,
            details={**details, "limit": f"{refusal.limit.max_lookups} per {refusal.limit.name}"},
            request=request,
        )
        return EligibilityResult(EligibilityOutcome.THROTTLED, date_of_service, refusal=refusal)
    member = member_for_eligibility(member_id=member_id, date_of_birth=date_of_birth, user=actor)
    if member is None:
        result = EligibilityResult(EligibilityOutcome.NO_MATCH, date_of_service)
    else:
        spans = list(member.coverages.all())
        covering = [span for span in spans if span.covers(date_of_service)]
        outcome = EligibilityOutcome.COVERED if covering else EligibilityOutcome.NOT_COVERED
        result = EligibilityResult(outcome, date_of_service, member=member, covering=covering, spans=spans)
    record(
        action=AuditAction.ELIGIBILITY_CHECKED,
        actor=actor,
        target=member,
        details={**details, "result": result.outcome.value},
        request=request,
    )
    return result
