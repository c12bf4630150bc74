"""Service lines, the code tables and the 835 import: the rules and the bad input."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditAction, AuditEvent
from claims import x12
from claims.line_services import (
    LINE_COLUMNS,
    ClaimLineImportError,
    claim_lines_import,
    reason_codes_load,
)
from claims.management.commands.load_reason_codes import DEMO_FILE
from claims.models import ClaimLine, ClaimPayment, LineAdjustment, PaymentAdjustment, ReasonCode, Remittance
from claims.remittance import RemittanceImportError, remittance_import
from claims.tests.factories import ClaimFactory
from claims.tests.remittance_builder import file_for

pytestmark = pytest.mark.django_db

HEADER = ",".join(LINE_COLUMNS)


@pytest.fixture
def codes(db):
    with open(DEMO_FILE, newline="", encoding="utf-8") as handle:
        reason_codes_load(lines=handle)


def lines_csv(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n")


GOOD = "{n},1,99213,25,1,2026-03-02,200.00,150.00,120.00,0,5.00,25.00,N130,CO-45:50.00;PR-2:5.00;PR-3:25.00,"


@pytest.fixture
def claim(npi):
    return ClaimFactory(
        provider_identifier=npi,
        claim_number="C2026000123",
        billed_amount=Decimal("200.00"),
        allowed_amount=Decimal("150.00"),
        paid_amount=Decimal("120.00"),
    )


def test_demo_code_table_loads_a_few_dozen_published_codes(db):
    with open(DEMO_FILE, newline="", encoding="utf-8") as handle:
        result = reason_codes_load(lines=handle)
    assert result.rejected == 0, result.errors
    assert ReasonCode.objects.filter(kind="carc").count() == 28
    assert ReasonCode.objects.filter(kind="rarc").count() == 20
    assert ReasonCode.objects.get(kind="carc", code="45").description.startswith("The charge is above")


def test_code_table_rejects_bad_rows_and_upserts_the_rest(db):
    result = reason_codes_load(lines=io.StringIO("kind,code,description\ncarc,45,Fee schedule\nxyz,1,Bad\ncarc,,x\n"))
    assert result.upserted == 1 and result.rejected == 2
    assert "kind 'xyz'" in result.errors[0]
    reason_codes_load(lines=io.StringIO("kind,code,description\ncarc,45,Above the fee schedule\n"))
    assert ReasonCode.objects.get(code="45").description == "Above the fee schedule"


def test_lines_import_upserts_lines_with_adjustments(codes, claim):
    result = claim_lines_import(lines=lines_csv(GOOD.format(n="c2026000123")))
    assert (result.upserted, result.rejected) == (1, 0)
    line = ClaimLine.objects.get(claim=claim)
    assert (line.procedure_code, line.modifier_list, line.remark_code_list) == ("99213", ["25"], ["N130"])
    assert line.member_responsibility == Decimal("30.00")
    assert [(a.group_code, a.reason_code, a.amount) for a in line.adjustments.all()] == [
        ("CO", "45", Decimal("50.00")),
        ("PR", "2", Decimal("5.00")),
        ("PR", "3", Decimal("25.00")),
    ]
    # the same file again: the same rows, adjustments replaced, not added
    claim_lines_import(lines=lines_csv(GOOD.format(n="C2026000123")))
    assert ClaimLine.objects.count() == 1 and LineAdjustment.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.format(n="C2026000999"), "unknown claim C2026000999"),
        (GOOD.format(n="C2026000123").replace("99213", "9921"), "not a CPT or HCPCS code"),
        (GOOD.format(n="C2026000123").replace("CO-45", "XX-45"), "group XX is not one of"),
        (GOOD.format(n="C2026000123").replace("CO-45", "CO-999"), "999 is not a known claim adjustment reason code"),
        (GOOD.format(n="C2026000123").replace("N130", "N999"), "N999 not a known remark code"),
        (GOOD.format(n="C2026000123").replace("200.00", "=1+1"), "billed_amount '=1+1' is not an amount"),
        (GOOD.format(n="C2026000123").replace(",1,99213", ",0,99213"), "line_number '0'"),
        (GOOD.format(n="C2026000123").replace(",25,1,", ",25,-1,"), "units '-1'"),
    ],
)
def test_lines_import_rejects_a_bad_code_and_saves_nothing_of_that_row(codes, claim, row, message):
    result = claim_lines_import(lines=lines_csv(row))
    assert result.rejected == 1 and result.upserted == 0
    assert message in result.errors[0] and result.errors[0].startswith("line 2:")
    assert not ClaimLine.objects.exists()


def test_lines_import_refuses_a_wrong_header(db):
    with pytest.raises(ClaimLineImportError, match="missing columns"):
        claim_lines_import(lines=io.StringIO("claim_number,line_number\n"))


# --- the 835 ---------------------------------------------------------------------------------------


@pytest.fixture
def claim_with_lines(codes, claim):
    claim_lines_import(lines=lines_csv(GOOD.format(n=claim.claim_number)))
    return claim


def test_the_builder_writes_files_the_validator_accepts(claim_with_lines):
    text = file_for([claim_with_lines])
    assert x12.validate(text) == []


def test_import_matches_claims_and_lines_and_is_idempotent(claim_with_lines, django_capture_on_commit_callbacks):
    text = file_for([claim_with_lines], trace="EFT555")
    result = remittance_import(text=text, source_name="test.835")
    assert result.imported == ["EFT555"] and result.claims == 1
    remittance = Remittance.objects.get()
    assert (remittance.amount, remittance.payee_tin, remittance.organization) == (
        Decimal("120.00"),
        "123456789",
        claim_with_lines.provider_identifier.organization,
    )
    claim_payment = ClaimPayment.objects.get()
    assert claim_payment.claim == claim_with_lines
    service = claim_payment.services.get()
    assert service.line == claim_with_lines.lines.get()
    assert (service.allowed_amount, service.remark_codes) == (Decimal("150.00"), "N130")
    assert PaymentAdjustment.objects.filter(service=service).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.REMITTANCE_IMPORTED).count() == 1
    # the same file again changes nothing
    again = remittance_import(text=text)
    assert again.imported == [] and again.skipped == ["EFT555"]
    assert (Remittance.objects.count(), ClaimPayment.objects.count(), PaymentAdjustment.objects.count()) == (1, 1, 3)


def _refused(text: str) -> list[str]:
    with pytest.raises(RemittanceImportError) as caught:
        remittance_import(text=text)
    assert not Remittance.objects.exists() and not ClaimPayment.objects.exists()
    return [str(problem) for problem in caught.value.problems]


def test_a_truncated_file_is_reported_and_nothing_imported(claim_with_lines):
    text = file_for([claim_with_lines])
    problems = _refused(text[: text.index("SVC")])
    assert any("segment ST" in p and "Transaction Set Trailer" in p for p in problems)
    assert any(p.startswith("line 1, segment ISA") for p in problems)


def test_a_wrong_segment_count_is_reported_with_its_line(claim_with_lines):
    text = file_for([claim_with_lines])
    se = next(line for line in text.splitlines() if line.startswith("SE*"))
    count = int(se.split("*")[1])
    line_number = text.splitlines().index(se) + 1
    problems = _refused(text.replace(se, se.replace(f"SE*{count}*", f"SE*{count + 3}*")))
    assert any(f"line {line_number}" in p and "SE count" in p for p in problems)


def test_an_unknown_payee_tin_is_refused(claim_with_lines):
    problems = _refused(file_for([claim_with_lines], tin="555555555"))
    assert any("payee TIN 555555555 is not an organization" in p and "segment N1" in p for p in problems)


def test_a_claim_of_another_tin_is_refused(claim_with_lines, other_org, other_npi):
    forged = ClaimFactory(provider_identifier=other_npi, claim_number="C2026000777")
    problems = _refused(file_for([claim_with_lines, forged]))
    assert any("claim C2026000777 was not billed under payee TIN 123456789" in p for p in problems)


def test_an_unknown_claim_is_refused(claim_with_lines):
    text = file_for([claim_with_lines]).replace("C2026000123", "C2026000124")
    problems = _refused(text)
    assert any("claim C2026000124 is not in the claim tables" in p and "segment CLP" in p for p in problems)


def test_not_x12_at_all_is_refused(db):
    assert _refused("hello") == [
        "line 1, segment ISA: The file does not start with an ISA segment: it is not an X12 interchange."
    ]


def test_the_command_imports_and_reports(claim_with_lines, tmp_path):
    path = tmp_path / "good.835"
    path.write_text(file_for([claim_with_lines]), encoding="ascii")
    out = io.StringIO()
    call_command("import_remittance", str(path), stdout=out)
    assert "1 payments imported (1 claims)" in out.getvalue()
    call_command("import_remittance", str(path), stdout=out)
    assert "1 already imported" in out.getvalue()
    bad = tmp_path / "bad.835"
    bad.write_text(file_for([claim_with_lines], trace="EFT2")[:400], encoding="ascii")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_remittance", str(bad), stderr=err)
    assert "segment ST" in err.getvalue()
    assert Remittance.objects.count() == 1


def test_the_wrapped_download_of_one_payment_validates(claim_with_lines):
    remittance_import(text=file_for([claim_with_lines]))
    remittance = Remittance.objects.get()
    isa, _nl, gs = remittance.envelope.partition("\n")
    assert x12.validate(x12.wrap_transaction(remittance.segments, (isa, gs))) == []


def test_the_committed_demo_file_is_a_valid_835():
    from devdata.claims import DEMO_REMITTANCE

    assert x12.validate(DEMO_REMITTANCE.read_text(encoding="ascii")) == []
