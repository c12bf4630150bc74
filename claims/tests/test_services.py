"""The claims import: good rows upserted, bad rows reported by line, the header checked, batches."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Claim, ClaimStatus
from claims.services import COLUMNS, ClaimImportError, claims_import
from claims.tests import csv_helpers
from claims.tests.csv_helpers import command_run, csv_file
from devdata.claims import seed_demo_claims

pytestmark = pytest.mark.django_db

GOOD = {
    "claim_number": "C2026000123",
    "provider_id_kind": "npi",
    "provider_id_value": "1234567893",
    "member_id": "M100200301",
    "member_name": "Homer Simpson",
    "service_date_from": "2026-03-02",
    "service_date_to": "2026-03-04",
    "billed_amount": "1250.00",
    "allowed_amount": "980.40",
    "paid_amount": "784.32",
    "status": "paid",
    "received_date": "2026-03-10",
    "paid_date": "2026-03-24",
    "check_number": "EFT55501234",
    "denial_reason": "",
}


def csv_text(rows, columns=COLUMNS) -> str:
    return csv_helpers.csv_text(rows, columns)


def run(rows, **kwargs):
    return claims_import(lines=io.StringIO(csv_text(rows)), **kwargs)


def test_good_file_is_upserted(npi, other_npi):
    second = {**GOOD, "claim_number": "C2026000124", "provider_id_value": other_npi.value, "status": "DENIED"}
    second.update(paid_amount="0", allowed_amount="0", paid_date="", check_number="", denial_reason="CO-16")
    result = run([GOOD, second])
    assert (result.rows_read, result.upserted, result.rejected, result.errors) == (2, 2, 0, [])
    claim = Claim.objects.get(claim_number="C2026000123")
    assert claim.provider_identifier == npi
    assert claim.service_date_from == datetime.date(2026, 3, 2)
    assert claim.paid_amount == Decimal("784.32")
    assert claim.status == ClaimStatus.PAID and claim.check_number == "EFT55501234"
    denied = Claim.objects.get(claim_number="C2026000124")
    assert denied.status == ClaimStatus.DENIED and denied.paid_date is None
    assert denied.provider_identifier == other_npi and denied.denial_reason == "CO-16"


def test_reimport_is_idempotent_and_updates_in_place(npi):
    run([GOOD])
    first = Claim.objects.get()
    result = run([GOOD])
    assert result.upserted == 1
    again = Claim.objects.get()
    assert (again.pk, again.uuid) == (first.pk, first.uuid)
    assert again.paid_amount == first.paid_amount

    run([{**GOOD, "status": "adjusted", "paid_amount": "500.00"}])
    changed = Claim.objects.get()
    assert changed.pk == first.pk and changed.uuid == first.uuid
    assert (changed.status, changed.paid_amount) == (ClaimStatus.ADJUSTED, Decimal("500.00"))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"provider_id_value": "1999999999"}, "unknown provider ID npi 1999999999"),
        ({"provider_id_kind": "vendor"}, "unknown provider ID vendor 1234567893"),
        ({"provider_id_kind": "badge"}, "provider_id_kind 'badge' is not one of"),
        ({"service_date_from": "03/02/2026"}, "service_date_from '03/02/2026' is not a date"),
        ({"received_date": "2026-02-30"}, "received_date '2026-02-30' is not a date"),
        ({"received_date": ""}, "received_date is empty"),
        ({"paid_date": "soon"}, "paid_date 'soon' is not a date"),
        ({"billed_amount": "12,50"}, "billed_amount '12,50' is not an amount"),
        ({"allowed_amount": "1.005"}, "allowed_amount '1.005' is not an amount in dollars and cents"),
        ({"paid_amount": "NaN"}, "paid_amount 'NaN' is not an amount in dollars and cents"),
        ({"paid_amount": "-5.00"}, "paid_amount '-5.00' is negative"),
        ({"billed_amount": "10000000000.00"}, "billed_amount '10000000000.00' is too large"),
        ({"status": "lost"}, "unknown status 'lost'"),
        (
            {"service_date_to": "2026-03-01"},
            "service_date_to 2026-03-01 is before service_date_from 2026-03-02",
        ),
        ({"claim_number": "C/123"}, "claim_number 'C/123' may hold only letters, digits and dashes"),
        ({"claim_number": ""}, "claim_number is empty"),
        ({"member_id": "M" * 31}, "member_id is longer than 30 characters"),
    ],
)
def test_each_bad_row_is_reported_with_its_line(npi, change, reason):
    rows = [
        {**GOOD, "claim_number": "C1"},
        {**GOOD, "claim_number": "C2", **change},
        {**GOOD, "claim_number": "C3"},
    ]
    result = run(rows)
    assert result.rows_read == 3 and result.upserted == 2 and result.rejected == 1
    assert len(result.errors) == 1
    assert result.errors[0].startswith("line 3: "), result.errors
    assert reason in result.errors[0]
    assert set(Claim.objects.values_list("claim_number", flat=True)) == {"C1", "C3"}


def test_all_problems_of_a_row_on_one_line_and_lines_count_from_the_header(npi):
    text = csv_text([GOOD]) + "\n" + csv_text([{**GOOD, "status": "x", "paid_amount": "-1"}]).split("\n", 1)[1]
    result = claims_import(lines=io.StringIO(text))
    # line 1 header, line 2 good, line 3 blank (skipped, still counted), line 4 bad
    assert result.errors == [
        "line 4: paid_amount '-1' is negative; unknown status 'x' (use one of received, in_process, "
        "paid, denied, adjusted, pending, suspended)"
    ]


def test_rows_with_too_many_or_too_few_values_are_rejected(npi):
    lines = csv_text([GOOD]).splitlines(keepends=True)
    extra = lines[1].rstrip("\r\n") + ",surplus\r\n"
    short = ",".join(lines[1].split(",")[:5]) + "\r\n"
    result = claims_import(lines=[lines[0], extra, short, lines[1]])
    assert result.errors == ["line 2: 1 more values than columns", "line 3: fewer values than columns"]
    assert result.upserted == 1


def test_the_later_of_two_rows_with_one_claim_number_wins(npi):
    result = run([GOOD, {**GOOD, "paid_amount": "1.00"}])
    assert result.upserted == 2
    assert Claim.objects.get().paid_amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([c for c in COLUMNS if c != "status"], "missing columns: status"),
        ([*COLUMNS, "notes"], "unknown columns: 'notes'"),
        ([*COLUMNS, "status"], "repeated columns: status"),
    ],
)
def test_wrong_header_fails_naming_the_columns(npi, columns, message):
    with pytest.raises(ClaimImportError, match=message):
        claims_import(lines=io.StringIO(csv_text([GOOD], columns=columns)))
    assert not Claim.objects.exists()


def test_empty_file_fails():
    with pytest.raises(ClaimImportError, match="empty"):
        claims_import(lines=[])


def test_unreadable_csv_stops_the_import_naming_the_line(npi):
    huge = {**GOOD, "claim_number": "C2", "denial_reason": "x" * 200_000}  # past csv's field size limit
    with pytest.raises(ClaimImportError, match=r"^after line 2: unreadable CSV"):
        claims_import(lines=io.StringIO(csv_text([GOOD, huge])), batch_size=1)
    assert Claim.objects.count() == 1  # the batch before it is kept


def test_column_order_and_byte_order_mark_do_not_matter(npi):
    text = "\ufeff" + csv_text([GOOD], columns=list(reversed(COLUMNS)))
    assert claims_import(lines=io.StringIO(text)).upserted == 1


def test_a_large_file_is_imported_in_batches(npi, other_npi, monkeypatch):
    """20,000 rows stream through in batches of 1,000: 20 upserts, provider IDs looked up once."""
    batch_sizes = []
    flush = services._flush

    def recording_flush(batch, *args):
        batch_sizes.append(len(batch))
        return flush(batch, *args)

    monkeypatch.setattr(services, "_flush", recording_flush)

    def lines():
        """A generator: the file is never a list in memory, and the import must not need it to be."""
        yield ",".join(COLUMNS) + "\n"
        for n in range(20_000):
            row = {**GOOD, "claim_number": f"B{n:07d}"}
            if n % 2:
                row["provider_id_value"] = other_npi.value
            if n == 12_345:
                row["status"] = "lost"
            yield ",".join(row[c] for c in COLUMNS) + "\n"

    totals = []
    with CaptureQueriesContext(connection) as queries:
        result = claims_import(lines=lines(), on_batch=lambda running: totals.append(running.rows_read))
    assert (result.rows_read, result.upserted, result.rejected) == (20_000, 19_999, 1)
    assert result.errors == [
        "line 12347: unknown status 'lost' (use one of received, in_process, paid, denied, adjusted, "
        "pending, suspended)"
    ]
    assert batch_sizes == [1000] * 20
    assert totals == list(range(1000, 20_001, 1000))
    sql = [query["sql"] for query in queries.captured_queries]
    # one upsert per batch (SQLite splits each into several statements: it takes 999 parameters,
    # and a claim row has 20 of them, so 49 claims a statement and 21 statements a batch)
    assert 20 <= sum(s.startswith('INSERT INTO "claims_claim"') for s in sql) <= 20 * 21
    # both NPIs are resolved with the first batch, then come from the cache
    assert sum('FROM "accounts_provideridentifier"' in s for s in sql) == 1
    assert Claim.objects.count() == 19_999

    again = claims_import(lines=lines())
    assert again.upserted == 19_999
    assert Claim.objects.count() == 19_999


def test_errors_kept_in_the_result_are_capped_but_all_are_counted(npi, monkeypatch):
    monkeypatch.setattr(services, "KEPT_ERRORS", 3)
    seen = []
    result = run([{**GOOD, "claim_number": f"C{n}", "status": "x"} for n in range(5)], on_error=seen.append)
    assert result.rejected == 5 and len(result.errors) == 3 and len(seen) == 5


# --- the command -----------------------------------------------------------------------------------


def test_command_imports_and_reports(npi, tmp_path):
    path = csv_file(tmp_path, [GOOD, {**GOOD, "claim_number": "C9", "billed_amount": "-3"}], COLUMNS)
    out, err = command_run("import_claims", path)
    assert "Rows read: 2. Upserted: 1. Rejected: 1." in out
    assert "line 3: billed_amount '-3' is negative" in err
    assert Claim.objects.count() == 1


def test_command_fails_on_a_wrong_header(npi, tmp_path):
    path = csv_file(tmp_path, [GOOD], [c for c in COLUMNS if c != "member_id"])
    with pytest.raises(CommandError, match="missing columns: member_id"):
        command_run("import_claims", path)


def test_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        command_run("import_claims", tmp_path / "nope.csv")


def test_command_fails_on_a_file_that_is_not_utf8(npi, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(csv_text([GOOD]).encode() + b"C7,npi,1234567893,M1,Jos\xe9\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        command_run("import_claims", path)


def test_command_exit_status(npi, tmp_path):
    """From the shell, a CommandError exits with its returncode; rejected rows alone raise nothing."""
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("claim_number\nC1\n")
    with pytest.raises(CommandError) as failure:
        command_run("import_claims", bad_header)
    assert failure.value.returncode == 1

    some_bad = csv_file(tmp_path, [GOOD, {**GOOD, "claim_number": "C9", "status": "x"}], COLUMNS, "some_bad.csv")
    command_run("import_claims", some_bad)
    assert Claim.objects.count() == 1


# --- the demo ---------------------------------------------------------------------------------------


def test_demo_claims_are_deterministic_and_idempotent(org, npi, other_npi):
    from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory

    ProviderIdentifierFactory(organization=org, value="1245319599")
    ProviderIdentifierFactory(organization=OrganizationFactory(), value="1456789019")
    first = seed_demo_claims()
    assert first.rejected == 0 and first.upserted >= 200
    snapshot = list(Claim.objects.order_by("claim_number").values_list("claim_number", "paid_amount", "status"))
    assert seed_demo_claims().upserted == first.upserted
    assert Claim.objects.count() == first.upserted
    assert list(Claim.objects.order_by("claim_number").values_list("claim_number", "paid_amount", "status")) == snapshot
    assert Claim.objects.filter(provider_identifier__value="1245319599").count() >= 40
    # The pending and suspended claims of the status inquiry come from their own demo rows.
    from devdata.claim_status import seed_demo_status_claims

    assert len(seed_demo_status_claims()) == 2 and len(seed_demo_status_claims()) == 2
    assert Claim.objects.count() == first.upserted + 2
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert not Claim.objects.filter(status=ClaimStatus.DENIED, denial_reason="").exists()
    assert not Claim.objects.filter(status=ClaimStatus.PAID, check_number="").exists()
