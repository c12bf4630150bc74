"""The members import: members and coverage spans upserted, bad rows reported by line, the header
checked, batches; the command; the demo members."""

import datetime
import io

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Coverage, CoverageStatus, Member
from claims.services import MEMBER_COLUMNS, EligibilityOutcome, MemberImportError, eligibility_check, members_import
from claims.tests import csv_helpers
from claims.tests.csv_helpers import command_run, csv_file
from devdata.claims import seed_demo_members

pytestmark = pytest.mark.django_db

D = datetime.date
GOOD = {
    "member_id": "M100200301",
    "first_name": "Homer",
    "last_name": "Simpson",
    "date_of_birth": "1956-05-12",
    "plan_code": "PPO100",
    "plan_name": "Demo Health Plan PPO",
    "coverage_start": "2024-01-01",
    "coverage_end": "",
    "coverage_status": "active",
}
ENDED = {
    **GOOD,
    "plan_code": "HMO200",
    "plan_name": "Demo Health Plan HMO",
    "coverage_start": "2020-01-01",
    "coverage_end": "2023-12-31",
    "coverage_status": "TERMINATED",
}


def csv_text(rows, columns=MEMBER_COLUMNS) -> str:
    return csv_helpers.csv_text(rows, columns)


def run(rows, **kwargs):
    return members_import(lines=io.StringIO(csv_text(rows)), **kwargs)


def spans():
    return list(
        Coverage.objects.order_by("member__member_id", "coverage_start").values_list(
            "member__member_id", "plan_code", "coverage_start", "coverage_end", "status"
        )
    )


def test_good_file_is_upserted(db):
    marge = {**GOOD, "member_id": "M100200302", "first_name": "Marge", "date_of_birth": "1956-10-01"}
    result = run([GOOD, ENDED, marge])
    assert (result.rows_read, result.upserted, result.rejected, result.errors) == (3, 3, 0, [])
    homer = Member.objects.get(member_id="M100200301")
    assert (homer.full_name, homer.date_of_birth) == ("Homer Simpson", D(1956, 5, 12))
    assert Member.objects.count() == 2
    assert spans() == [
        ("M100200301", "HMO200", D(2020, 1, 1), D(2023, 12, 31), CoverageStatus.TERMINATED),
        ("M100200301", "PPO100", D(2024, 1, 1), None, CoverageStatus.ACTIVE),
        ("M100200302", "PPO100", D(2024, 1, 1), None, CoverageStatus.ACTIVE),
    ]


def test_reimport_is_idempotent_and_updates_in_place(db):
    run([GOOD, ENDED])
    member, coverage = Member.objects.get(), Coverage.objects.get(plan_code="PPO100")
    before = spans()
    assert run([GOOD, ENDED]).upserted == 2
    assert spans() == before
    assert Member.objects.get().uuid == member.uuid and Coverage.objects.count() == 2

    # a new name, and the PPO span (same member, plan and start) now terminated
    run([{**GOOD, "last_name": "Simpson-Bouvier", "coverage_end": "2026-06-30", "coverage_status": "terminated"}])
    changed = Coverage.objects.get(plan_code="PPO100")
    assert (changed.pk, changed.uuid) == (coverage.pk, coverage.uuid)
    assert (changed.coverage_end, changed.status) == (D(2026, 6, 30), CoverageStatus.TERMINATED)
    assert Member.objects.get().last_name == "Simpson-Bouvier"
    # a span with another start date is another span; spans missing from the file stay
    run([{**GOOD, "coverage_start": "2027-01-01"}])
    assert Coverage.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"member_id": ""}, "member_id is empty"),
        ({"member_id": "M 1"}, "member_id 'M 1' may hold only letters, digits and dashes"),
        ({"member_id": "<script>"}, "member_id '<script>' may hold only letters, digits and dashes"),
        ({"member_id": "M" * 31}, "member_id is longer than 30 characters"),
        ({"first_name": ""}, "first_name is empty"),
        ({"last_name": "x" * 101}, "last_name is longer than 100 characters"),
        ({"date_of_birth": "05/12/1956"}, "date_of_birth '05/12/1956' is not a date"),
        ({"date_of_birth": ""}, "date_of_birth is empty"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth 2999-01-01 is in the future"),
        ({"plan_code": ""}, "plan_code is empty"),
        ({"plan_code": "P" * 21}, "plan_code is longer than 20 characters"),
        ({"plan_name": ""}, "plan_name is empty"),
        ({"coverage_start": "2024-02-30"}, "coverage_start '2024-02-30' is not a date"),
        ({"coverage_end": "soon"}, "coverage_end 'soon' is not a date"),
        ({"coverage_end": "2023-12-31"}, "coverage_end 2023-12-31 is before coverage_start 2024-01-01"),
        ({"coverage_status": "lapsed"}, "unknown coverage_status 'lapsed' (use one of active, terminated, pending)"),
        ({"coverage_status": "terminated"}, "a terminated coverage needs a coverage_end"),
    ],
)
def test_each_bad_row_is_reported_with_its_line(db, change, reason):
    rows = [
        {**GOOD, "member_id": "M1"},
        {**GOOD, "member_id": "M2", **change},
        {**GOOD, "member_id": "M3"},
    ]
    result = run(rows)
    assert result.rows_read == 3 and result.upserted == 2 and result.rejected == 1
    assert len(result.errors) == 1
    assert result.errors[0].startswith("line 3: "), result.errors
    assert reason in result.errors[0]
    assert set(Member.objects.values_list("member_id", flat=True)) == {"M1", "M3"}
    assert Coverage.objects.count() == 2


def test_all_problems_of_a_row_on_one_line(db):
    result = run([GOOD, {**GOOD, "first_name": "", "coverage_status": "x", "coverage_end": "2000-01-01"}])
    assert result.errors == [
        "line 3: first_name is empty; unknown coverage_status 'x' (use one of active, terminated, pending); "
        "coverage_end 2000-01-01 is before coverage_start 2024-01-01"
    ]


def test_rows_with_too_many_or_too_few_values_are_rejected(db):
    lines = csv_text([GOOD]).splitlines(keepends=True)
    extra = lines[1].rstrip("\r\n") + ",surplus\r\n"
    short = ",".join(lines[1].split(",")[:5]) + "\r\n"
    result = members_import(lines=[lines[0], extra, short, lines[1]])
    assert result.errors == ["line 2: 1 more values than columns", "line 3: fewer values than columns"]
    assert result.upserted == 1


def test_the_later_row_of_a_member_or_span_wins(db):
    result = run([GOOD, {**GOOD, "first_name": "Max", "plan_name": "Renamed PPO"}])
    assert result.upserted == 2
    assert Member.objects.get().first_name == "Max"
    assert Coverage.objects.get().plan_name == "Renamed PPO"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([c for c in MEMBER_COLUMNS if c != "coverage_end"], "missing columns: coverage_end"),
        ([*MEMBER_COLUMNS, "ssn"], "unknown columns: 'ssn'"),
        ([*MEMBER_COLUMNS, "plan_code"], "repeated columns: plan_code"),
    ],
)
def test_wrong_header_fails_naming_the_columns(db, columns, message):
    with pytest.raises(MemberImportError, match=message):
        members_import(lines=io.StringIO(csv_text([GOOD], columns=columns)))
    assert not Member.objects.exists()


def test_a_claims_extract_is_refused(db):
    from claims.services import COLUMNS

    with pytest.raises(MemberImportError, match="Wrong header"):
        members_import(lines=io.StringIO(",".join(COLUMNS) + "\n"))


def test_empty_file_fails(db):
    with pytest.raises(MemberImportError, match="empty"):
        members_import(lines=[])


def test_column_order_and_byte_order_mark_do_not_matter(db):
    text = "\ufeff" + csv_text([GOOD], columns=list(reversed(MEMBER_COLUMNS)))
    assert members_import(lines=io.StringIO(text)).upserted == 1


def test_a_large_file_is_imported_in_batches(db, monkeypatch):
    """3,000 spans of 1,500 members in batches of 1,000: each batch one member upsert, one read of
    their keys, one span upsert."""
    batch_sizes = []
    flush = services._flush_members

    def recording_flush(batch, *args):
        batch_sizes.append(len(batch))
        return flush(batch, *args)

    monkeypatch.setattr(services, "_flush_members", recording_flush)

    def lines():
        yield ",".join(MEMBER_COLUMNS) + "\n"
        for n in range(3_000):
            row = {**GOOD, "member_id": f"M{n // 2:07d}"}
            if n % 2:
                row.update(plan_code="DEN300", plan_name="Demo Dental")
            if n == 1_234:
                row["coverage_status"] = "lapsed"
            yield ",".join(row[c] for c in MEMBER_COLUMNS) + "\n"

    with CaptureQueriesContext(connection) as queries:
        result = members_import(lines=lines())
    assert (result.rows_read, result.upserted, result.rejected) == (3_000, 2_999, 1)
    assert result.errors[0].startswith("line 1236: unknown coverage_status 'lapsed'")
    assert batch_sizes == [1000] * 3
    sql = [query["sql"] for query in queries.captured_queries]
    # SQLite splits each upsert into several statements: it takes 999 parameters
    assert 3 <= sum(s.startswith('INSERT INTO "claims_member"') for s in sql) <= 3 * 10
    assert sum(s.startswith('SELECT "claims_member"."member_id"') for s in sql) == 3
    assert Member.objects.count() == 1_500 and Coverage.objects.count() == 2_999

    assert members_import(lines=lines()).upserted == 2_999
    assert (Member.objects.count(), Coverage.objects.count()) == (1_500, 2_999)


# --- the command -----------------------------------------------------------------------------------


def test_command_imports_and_reports(db, tmp_path):
    path = csv_file(tmp_path, [GOOD, {**GOOD, "member_id": "M9", "coverage_start": "someday"}], MEMBER_COLUMNS)
    out, err = command_run("import_members", path)
    assert "Rows read: 2. Upserted: 1. Rejected: 1." in out
    assert "line 3: coverage_start 'someday' is not a date (use YYYY-MM-DD)" in err
    assert Member.objects.count() == 1


def test_command_fails_on_a_wrong_header(db, tmp_path):
    path = csv_file(tmp_path, [GOOD], [c for c in MEMBER_COLUMNS if c != "date_of_birth"])
    with pytest.raises(CommandError, match="missing columns: date_of_birth") as failure:
        command_run("import_members", path)
    assert failure.value.returncode == 1
    assert not Member.objects.exists()


def test_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        command_run("import_members", tmp_path / "nope.csv")


def test_command_fails_on_a_file_that_is_not_utf8(db, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_text([GOOD]).encode() + b"M7,Jos\xe9,Rivera\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        command_run("import_members", path)


def test_command_refuses_a_batch_size_below_one(db, tmp_path):
    path = csv_file(tmp_path, [GOOD], MEMBER_COLUMNS)
    with pytest.raises(CommandError, match="at least 1"):
        command_run("import_members", path, "--batch-size", "0")


# --- the demo ---------------------------------------------------------------------------------------


def test_demo_members_are_deterministic_and_idempotent(db):
    first = seed_demo_members()
    assert first.rejected == 0 and Member.objects.count() == 20
    snapshot = spans()
    assert seed_demo_members().upserted == first.upserted
    assert spans() == snapshot
    assert {status for *_rest, status in snapshot} == set(CoverageStatus.values)


@pytest.mark.parametrize(
    ("member_id", "born", "day", "outcome", "plans"),
    [
        ("M100200301", D(1956, 5, 12), D(2026, 3, 2), EligibilityOutcome.COVERED, ["PPO100"]),
        ("M100200308", D(1960, 11, 24), D(2026, 9, 15), EligibilityOutcome.NOT_COVERED, []),
        ("M100200308", D(1960, 11, 24), D(2026, 3, 2), EligibilityOutcome.COVERED, ["HMO200"]),
        ("M100200320", D(1971, 3, 9), D(2026, 12, 15), EligibilityOutcome.NOT_COVERED, []),
        ("M100200320", D(1971, 3, 9), D(2027, 1, 1), EligibilityOutcome.COVERED, ["PPO100"]),
        ("M100200304", D(2014, 5, 9), D(2026, 3, 2), EligibilityOutcome.COVERED, ["DEN300", "PPO100"]),
        ("M100200301", D(1956, 5, 13), D(2026, 3, 2), EligibilityOutcome.NO_MATCH, []),
    ],
)
def test_the_documented_demo_lookups(biller, member_id, born, day, outcome, plans):
    """The lookups listed in seed_demo_members' docstring (and the README) answer as documented."""
    seed_demo_members()
    result = eligibility_check(actor=biller, member_id=member_id, date_of_birth=born, date_of_service=day)
    assert result.outcome == outcome
    assert [span.plan_code for span in result.covering] == plans


def test_demo_claims_seed_the_demo_members(org, npi):
    from devdata.claims import seed_demo_claims

    seed_demo_claims()
    claim_members = set(npi.claims.values_list("member_id", flat=True))
    assert claim_members and claim_members <= set(Member.objects.values_list("member_id", flat=True))
