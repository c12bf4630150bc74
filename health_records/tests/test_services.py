"""The rules of Health Records: FHIR bundle import (all or nothing), care-gap rules, attribution."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from claims.tests.factories import ClaimFactory, MemberFactory
from health_records.models import BundleImport, CareGap, CareGapRule, ClinicalPatient, LabResult, Medication
from health_records.rules import Facts, age_in_months, evaluate, months_before
from health_records.selectors import attributed_members
from health_records.services import BundleInvalid, bundle_import, care_gaps_refresh, record_opt_out_set

pytestmark = pytest.mark.django_db


def test_a_good_bundle_imports_and_opens_its_gaps(homer, homer_bundle, rules):
    bundle = bundle_import(data=homer_bundle, source="homer.json")
    assert bundle.resources == 6
    assert ClinicalPatient.objects.get(member=homer).gender == "male"
    assert Medication.objects.filter(member=homer).count() == 2
    assert LabResult.objects.get(member=homer, code="4548-4").value == "8.1"
    gap = CareGap.objects.get(member=homer)
    assert gap.rule.code == "diabetes-hba1c" and "metformin" in gap.evidence and "06/20/2025" in gap.evidence
    # The same bundle again changes nothing.
    assert bundle_import(data=homer_bundle, source="homer.json") == bundle
    assert BundleImport.objects.count() == 1


@pytest.mark.parametrize(
    "change, index, words",
    [
        (lambda b: b["entry"][4]["resource"].update(effectiveDateTime="June 2025"), 4, "effectiveDateTime"),
        (lambda b: b["entry"][1]["resource"].update(status=42), 1, "status"),
        (lambda b: b["entry"][3]["resource"].pop("vaccineCode"), 3, "vaccineCode"),
        (lambda b: b["entry"][2]["resource"]["subject"].update(reference="Patient/someone-else"), 2, "not about"),
        (
            lambda b: b["entry"].append(
                {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/homer"}}}
            ),
            6,
            "not imported",
        ),
        (lambda b: b["entry"][0]["resource"]["identifier"][0].update(value="M999"), 0, "known member"),
    ],
)
def test_a_bad_resource_refuses_the_whole_bundle(homer, homer_bundle, rules, change, index, words):
    change(homer_bundle)
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(data=homer_bundle, source="bad.json")
    assert any(p.index == index and words in p.message for p in caught.value.problems), caught.value.problems
    assert not BundleImport.objects.exists() and not Medication.objects.exists()
    assert not ClinicalPatient.objects.exists()


def test_the_command_reports_the_index_and_fails(homer, homer_bundle, rules, tmp_path, capsys):
    import json

    homer_bundle["entry"][5]["resource"]["effectiveDateTime"] = "yesterday"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(homer_bundle))
    with pytest.raises(CommandError):
        call_command("health_records_import", str(path))
    err = capsys.readouterr().err
    assert "entry 5" in err and "nothing imported" in err
    assert not LabResult.objects.exists()


def test_the_shipped_bundles_import(db, rules):
    for member_id in ("M100200301", "M100200302", "M100200306", "M100200310"):
        MemberFactory(member_id=member_id)
    call_command("health_records_import", verbosity=0)
    assert BundleImport.objects.count() == 4


# --- rules ------------------------------------------------------------------------------------------

TODAY = datetime.date(2026, 12, 2)


def facts(born, gender="unknown", meds=None, observations=(), shots=()):
    return Facts(born, gender, meds or {}, list(observations), list(shots))


def rule(code):
    return CareGapRule.objects.get(code=code)


def test_dates_of_the_rules():
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(TODAY, 27) == datetime.date(2024, 9, 2)
    assert age_in_months(datetime.date(2025, 1, 3), TODAY) == 22


def test_mammogram_rule_reads_claims(rules):
    assert rule("breast-cancer-screening").kind == "claim_missing"
    woman = facts(datetime.date(1960, 1, 1), "female")
    assert "no mammogram claim is on record" in evaluate(rule("breast-cancer-screening"), woman, TODAY)
    screened = Facts(datetime.date(1960, 1, 1), "female", {}, [], [], [("77067", datetime.date(2025, 1, 1), "C1")])
    assert evaluate(rule("breast-cancer-screening"), screened, TODAY) is None
    # a mammogram Observation no longer closes the gap, and neither does an older claim or another code
    late = Facts(
        datetime.date(1960, 1, 1),
        "female",
        {},
        [("24606-6", datetime.date(2025, 1, 1))],
        [],
        [("G0202", datetime.date(2024, 5, 14), "C2024000777"), ("99213", datetime.date(2026, 11, 1), "C2")],
    )
    assert evaluate(rule("breast-cancer-screening"), late, TODAY) == (
        "Member is a woman aged 50 to 74; no mammogram claim since 09/02/2024: "
        "the last was claim C2024000777 on 05/14/2024."
    )
    assert evaluate(rule("breast-cancer-screening"), facts(datetime.date(1960, 1, 1), "male"), TODAY) is None
    assert evaluate(rule("breast-cancer-screening"), facts(datetime.date(1940, 1, 1), "female"), TODAY) is None


def test_diabetes_rule_needs_a_diabetes_medication(rules):
    assert evaluate(rule("diabetes-hba1c"), facts(datetime.date(1960, 1, 1)), TODAY) is None
    diabetic = facts(datetime.date(1960, 1, 1), meds={"860975": "metformin"})
    assert "no HbA1c result is on record" in evaluate(rule("diabetes-hba1c"), diabetic, TODAY)
    tested = facts(
        datetime.date(1960, 1, 1), meds={"860975": "metformin"}, observations=[("4548-4", datetime.date(2026, 6, 1))]
    )
    assert evaluate(rule("diabetes-hba1c"), tested, TODAY) is None


def test_childhood_immunizations(rules):
    baby = facts(datetime.date(2025, 10, 1), shots=[("08", datetime.date(2025, 10, 2))])  # 14 months
    evidence = evaluate(rule("childhood-immunizations"), baby, TODAY)
    assert "Hepatitis B 1 of 3 doses" in evidence and "DTaP 0 of 3" in evidence and "MMR" not in evidence
    assert evaluate(rule("childhood-immunizations"), facts(datetime.date(2020, 1, 1)), TODAY) is None


def test_refresh_replaces_the_gaps(homer, homer_bundle, rules):
    bundle_import(data=homer_bundle, source="homer.json")
    LabResult.objects.create(
        member=homer,
        resource_id="new",
        code_system="http://loinc.org",
        code="4548-4",
        display="HbA1c",
        effective_on=datetime.date.today(),
        bundle=BundleImport.objects.get(),
    )
    assert care_gaps_refresh() == 0
    assert not CareGap.objects.exists()


# --- attribution ------------------------------------------------------------------------------------


def test_attribution_by_claims_in_24_months(clinician, homer, npi, other_npi, payer_staff):
    old = datetime.date.today() - datetime.timedelta(days=800)
    ClaimFactory(
        provider_identifier=npi,
        member_id=homer.member_id,
        service_date_from=old,
        service_date_to=old,
        received_date=old,
    )
    assert list(attributed_members(user=clinician)) == []
    recent = datetime.date.today() - datetime.timedelta(days=10)
    ClaimFactory(
        provider_identifier=other_npi,
        member_id=homer.member_id,
        service_date_from=recent,
        service_date_to=recent,
        received_date=recent,
    )
    assert list(attributed_members(user=clinician)) == []  # another TIN's claim
    ClaimFactory(
        provider_identifier=npi,
        member_id=homer.member_id,
        service_date_from=recent,
        service_date_to=recent,
        received_date=recent,
    )
    assert list(attributed_members(user=clinician)) == [homer]
    assert list(attributed_members(user=payer_staff)) == []


def test_an_opted_out_member_is_attributed_to_nobody(clinician, homer, attributed, payer_staff):
    record_opt_out_set(actor=payer_staff, member=homer, opted_out=True)
    assert list(attributed_members(user=clinician)) == []
    record_opt_out_set(actor=payer_staff, member=homer, opted_out=False)
    assert list(attributed_members(user=clinician)) == [homer]


def test_the_refresh_reads_mammogram_claim_lines(rules, npi):
    from claims.models import ClaimLine

    marge = MemberFactory(member_id="M100200302", date_of_birth=datetime.date(1956, 10, 1))
    ClinicalPatient.objects.create(member=marge, gender="female")
    today = datetime.date.today()
    care_gaps_refresh()
    gap = CareGap.objects.get(member=marge)
    assert gap.rule.code == "breast-cancer-screening" and "no mammogram claim is on record" in gap.evidence
    old_day = months_before(today, 30)
    old = ClaimFactory(provider_identifier=npi, member_id=marge.member_id, claim_number="C2024000001")
    ClaimLine.objects.create(
        claim=old, line_number=1, procedure_code="77067", units=1, service_date=old_day,
        billed_amount=200, allowed_amount=150, paid_amount=150,
    )  # fmt: skip
    care_gaps_refresh()
    assert f"the last was claim C2024000001 on {old_day:%m/%d/%Y}" in CareGap.objects.get(member=marge).evidence
    recent = ClaimFactory(provider_identifier=npi, member_id=marge.member_id, claim_number="C2026000001")
    ClaimLine.objects.create(
        claim=recent, line_number=1, procedure_code="77067", units=1, service_date=today,
        billed_amount=200, allowed_amount=150, paid_amount=150,
    )  # fmt: skip
    assert care_gaps_refresh() == 0
    assert not CareGap.objects.filter(member=marge).exists()


def test_a_claim_rule_needs_procedure_codes_and_a_lookback():
    from health_records.rules import RuleError, validate_parameters

    with pytest.raises(RuleError, match="procedure_codes"):
        validate_parameters("claim_missing", {"population": {}, "lookback_months": 27})
    with pytest.raises(RuleError, match="lookback_months"):
        validate_parameters("claim_missing", {"population": {}, "procedure_codes": ["77067"]})
