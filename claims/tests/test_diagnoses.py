"""Claim-level ICD-10-CM diagnosis codes: the optional import column, checked as billable codes
with simple_icd_10_cm, and shown on the claim page."""

import io

import pytest

from claims.diagnoses import MAX_DIAGNOSES, describe, parse_codes
from claims.models import Claim
from claims.services import COLUMNS, OPTIONAL_COLUMNS, ClaimImportError, claims_import
from claims.tests import csv_helpers
from claims.tests.test_services import GOOD

pytestmark = pytest.mark.django_db

WITH_DIAGNOSES = (*COLUMNS, *OPTIONAL_COLUMNS)


def run(rows, columns=WITH_DIAGNOSES):
    return claims_import(lines=io.StringIO(csv_helpers.csv_text(rows, columns)))


def test_codes_are_read_with_or_without_the_dot_in_any_case():
    assert parse_codes("e119; I10;;E11.9") == (["E11.9", "I10"], [])
    assert parse_codes("S72001A") == (["S72.001A"], [])
    assert parse_codes("") == ([], [])


def test_a_category_or_an_unknown_code_is_refused():
    codes, problems = parse_codes("E11;ZZ9.9;I10")
    assert codes == ["I10"]
    assert problems == [
        "diagnosis code 'E11' is not a billable ICD-10-CM code",
        "diagnosis code 'ZZ9.9' is not a billable ICD-10-CM code",
    ]
    twelve_plus_one = ";".join(["I10", "E11.9", "J06.9", "R51.9", "Z00.00", "K21.9", "J02.9"])
    twelve_plus_one += ";" + ";".join(["E78.5", "R10.9", "M54.50", "F17.210", "Z12.31", "N39.0"])
    assert parse_codes(twelve_plus_one)[1] == [f"more than {MAX_DIAGNOSES} diagnosis codes"]


def test_descriptions_come_from_the_code_set():
    described = describe(["E11.9", "Z12.31"])
    assert [(d.code, d.description) for d in described] == [
        ("E11.9", "Type 2 diabetes mellitus without complications"),
        ("Z12.31", "Encounter for screening mammogram for malignant neoplasm of breast"),
    ]
    assert describe([]) == []


def test_the_import_stores_the_codes(npi):
    result = run([{**GOOD, "diagnosis_codes": "e11.9;I10"}])
    assert (result.upserted, result.rejected) == (1, 0)
    assert Claim.objects.get().diagnosis_codes == ["E11.9", "I10"]


def test_a_bad_code_rejects_the_row_and_saves_nothing(npi):
    second = {**GOOD, "claim_number": "C2026000124", "diagnosis_codes": "I10"}
    result = run([{**GOOD, "diagnosis_codes": "I10;E11"}, second])
    assert (result.upserted, result.rejected) == (1, 1)
    assert result.errors == ["line 2: diagnosis code 'E11' is not a billable ICD-10-CM code"]
    assert list(Claim.objects.values_list("claim_number", "diagnosis_codes")) == [("C2026000124", ["I10"])]


def test_a_file_without_the_column_keeps_the_stored_codes(npi):
    run([{**GOOD, "diagnosis_codes": "I10"}])
    result = run([{**GOOD, "member_name": "Homer J. Simpson"}], columns=COLUMNS)
    assert result.upserted == 1
    claim = Claim.objects.get()
    assert claim.member_name == "Homer J. Simpson" and claim.diagnosis_codes == ["I10"]
    # a file with the column, left empty, clears them
    run([{**GOOD, "diagnosis_codes": ""}])
    assert Claim.objects.get().diagnosis_codes == []


def test_an_unknown_column_still_names_the_optional_one(npi):
    with pytest.raises(ClaimImportError, match=r"unknown columns: 'diagnoses'.*optionally diagnosis_codes"):
        run([GOOD], columns=(*COLUMNS, "diagnoses"))


def test_the_claim_page_shows_the_codes_with_their_descriptions(client, login_as, biller, npi):
    from django.urls import reverse

    run([{**GOOD, "diagnosis_codes": "E11.9;I10"}])
    login_as(biller)
    page = client.get(reverse("claims:detail", args=["C2026000123"]))
    assert page.status_code == 200
    assert b"Diagnoses (ICD-10-CM)" in page.content
    assert b"E11.9</strong> Type 2 diabetes mellitus without complications" in page.content
    assert b"I10</strong> Essential (primary) hypertension" in page.content
