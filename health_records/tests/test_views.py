"""The Health Records pages: who may open them, attribution and opt-out, audit, and their cost."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from claims.tests.factories import ClaimFactory, MemberFactory
from health_records.models import RecordOptOut
from health_records.services import bundle_import, care_gaps_refresh

pytestmark = pytest.mark.django_db

INDEX = reverse("health_records:index")
GAPS = reverse("health_records:care_gaps")
EXPORT = reverse("health_records:care_gaps_export")
CP = reverse("control_panel:health_records")


def audit_record_queries() -> int:
    return 3 if connection.vendor == "postgresql" else 2


@pytest.fixture
def imported(homer, homer_bundle, rules, attributed):
    bundle_import(data=homer_bundle, source="homer.json")
    return homer


def record_url(member, section=None):
    if section:
        return reverse("health_records:record_section", args=[member.uuid, section])
    return reverse("health_records:record", args=[member.uuid])


def test_anonymous_is_sent_to_login(client, imported):
    for url in (INDEX, GAPS, EXPORT, record_url(imported), CP):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_wrong_methods(client, login_as, clinician, imported, payer_staff):
    login_as(clinician)
    assert client.post(GAPS).status_code == 405
    assert client.post(record_url(imported)).status_code == 405
    login_as(payer_staff)
    assert client.get(reverse("control_panel:health_records_opt_out", args=[imported.uuid])).status_code == 405


def test_without_the_level(client, login_as, biller, imported):
    login_as(biller)
    for url in (INDEX, GAPS, record_url(imported)):
        assert client.get(url).status_code == 403
    assert "Health Records" not in [item["label"] for item in client.get("/").context["nav_items"]]


def test_the_record_by_section_is_audited(client, login_as, clinician, imported):
    login_as(clinician)
    assert "Health Records" in [item["label"] for item in client.get("/").context["nav_items"]]
    page = client.get(record_url(imported))
    assert page.status_code == 200
    assert b"Diabetes care: HbA1c test" in page.content and b"metformin 500 MG" in page.content
    for section, text in [
        ("visits", imported.member_id),
        ("medications", "lisinopril"),
        ("immunizations", "Influenza"),
        ("labs", "Cholesterol"),
    ]:
        response = client.get(record_url(imported, section))
        assert response.status_code == 200 and text.encode() in response.content, section
    events = AuditEvent.objects.filter(action=AuditAction.HEALTH_RECORD_VIEWED, actor=clinician)
    assert sorted(e.details["section"] for e in events) == sorted(
        ["care-gaps", "visits", "medications", "immunizations", "labs"]
    )
    assert all(e.details["member_id"] == imported.member_id for e in events)
    assert client.get(record_url(imported, "nonsense")).status_code == 404


def test_lookup_opens_the_record(client, login_as, clinician, imported):
    login_as(clinician)
    response = client.post(INDEX, {"member_id": imported.member_id, "date_of_birth": "1956-05-12"})
    assert response["Location"] == record_url(imported)
    response = client.post(INDEX, {"member_id": imported.member_id, "date_of_birth": "1956-05-13"})
    assert response.status_code == 200 and response.context["no_match"]


@pytest.mark.parametrize("why", ["unattributed", "opted_out", "other_tin"])
def test_not_available_shows_no_data_and_is_audited(client, login_as, clinician, imported, outsider, why):
    user = clinician
    member = imported
    if why == "unattributed":
        member = MemberFactory()
    elif why == "opted_out":
        RecordOptOut.objects.create(member=imported)
    else:
        user = outsider
    login_as(user)
    response = client.get(record_url(member, "medications"))
    assert response.status_code == 404
    assert b"This health record is not available" in response.content
    assert b"metformin" not in response.content and b"lisinopril" not in response.content
    event = AuditEvent.objects.get(action=AuditAction.HEALTH_RECORD_REFUSED, actor=user)
    assert event.details == {"member_id": member.member_id, "section": "medications"}


def test_lookup_of_an_opted_out_member_is_not_available(client, login_as, clinician, imported):
    RecordOptOut.objects.create(member=imported)
    login_as(clinician)
    response = client.post(INDEX, {"member_id": imported.member_id, "date_of_birth": "1956-05-12"})
    assert response.status_code == 404 and b"not available" in response.content


def test_care_gap_list_sort_and_export(client, login_as, clinician, imported, npi):
    marge = MemberFactory(
        member_id="M100200302", first_name="Marge", last_name="Bouvier", date_of_birth=datetime.date(1956, 10, 1)
    )
    ClaimFactory(
        provider_identifier=npi,
        member_id=marge.member_id,
        service_date_from=datetime.date.today(),
        service_date_to=datetime.date.today(),
        received_date=datetime.date.today(),
    )
    from health_records.models import ClinicalPatient

    ClinicalPatient.objects.create(member=marge, gender="female")
    care_gaps_refresh()
    login_as(clinician)
    response = client.get(GAPS, {"sort": "member"})
    assert [g.member.member_id for g in response.context["page"]] == ["M100200301", "M100200302"]
    response = client.get(GAPS, {"sort": "member_name"})
    assert [g.member.member_id for g in response.context["page"]] == ["M100200302", "M100200301"]
    response = client.get(GAPS, {"measure": "breast-cancer-screening"})
    assert [g.member.member_id for g in response.context["page"]] == ["M100200302"]
    export = client.get(EXPORT, {"sort": "member"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][0] == "measure" and [r[1] for r in rows[1:]] == ["M100200301", "M100200302"]
    assert AuditEvent.objects.filter(action=AuditAction.CARE_GAPS_EXPORTED).exists()
    # an opted-out member leaves the list
    RecordOptOut.objects.create(member=marge)
    response = client.get(GAPS)
    assert [g.member.member_id for g in response.context["page"]] == ["M100200301"]


def test_control_panel_shows_and_sets_the_opt_out(client, login_as, payer_staff, imported, clinician):
    login_as(payer_staff)
    page = client.get(CP, {"member_id": imported.member_id})
    assert b"Shared" in page.content and b"Diabetes care" in page.content
    response = client.post(reverse("control_panel:health_records_opt_out", args=[imported.uuid]), {"opted_out": "yes"})
    assert response.status_code == 302
    assert RecordOptOut.objects.filter(member=imported).exists()
    assert b"Opted out" in client.get(CP, {"member_id": imported.member_id}).content
    assert AuditEvent.objects.filter(action=AuditAction.HEALTH_RECORD_OPT_OUT_SET).count() == 1
    login_as(clinician)
    assert client.get(CP).status_code == 403


@pytest.mark.parametrize("count", [3, 60])
def test_care_gap_list_query_count_does_not_grow(
    client, login_as, clinician, npi, rules, count, django_assert_num_queries
):
    from health_records.models import ClinicalPatient

    today = datetime.date.today()
    for _ in range(count):
        member = MemberFactory(date_of_birth=datetime.date(1960, 1, 1))
        ClinicalPatient.objects.create(member=member, gender="female")
        ClaimFactory(
            provider_identifier=npi,
            member_id=member.member_id,
            service_date_from=today,
            service_date_to=today,
            received_date=today,
        )
    care_gaps_refresh()
    login_as(clinician)
    client.get(GAPS)
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the provider IDs (filter choices) 6. the active rules (measure choices)
    # 7.-8. the CARE_GAPS_VIEWED audit event (PostgreSQL: an advisory lock first)
    # 9. one page of gaps with member and rule joined, EXISTS on attribution (restricted claims) and opt-out
    # 10. the Message Box menu item: without the level, whether an enrollment right opens it
    with django_assert_num_queries(8 + audit_record_queries()):
        response = client.get(GAPS)
    assert len(response.context["page"]) == min(count, 50)


def test_record_query_count(client, login_as, clinician, imported, django_assert_num_queries):
    login_as(clinician)
    client.get(record_url(imported))
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the member, EXISTS on attribution and opt-out
    # 6.-7. the HEALTH_RECORD_VIEWED audit event (PostgreSQL: an advisory lock first)
    # 8. the section's rows (care gaps with their rule)
    # 9. the Message Box menu item: without the level, whether an enrollment right opens it
    with django_assert_num_queries(7 + audit_record_queries()):
        assert client.get(record_url(imported)).status_code == 200


def _visit(member, npi, number, days_ago, codes, diagnoses):
    from claims.models import ClaimLine

    day = datetime.date.today() - datetime.timedelta(days=days_ago)
    claim = ClaimFactory(
        provider_identifier=npi,
        member_id=member.member_id,
        claim_number=number,
        service_date_from=day,
        service_date_to=day,
        received_date=day,
        diagnosis_codes=diagnoses,
    )
    for line_number, code in enumerate(codes, 1):
        ClaimLine.objects.create(
            claim=claim, line_number=line_number, procedure_code=code, units=1, service_date=day,
            billed_amount=100, allowed_amount=80, paid_amount=80,
        )  # fmt: skip
    return claim


def test_visits_show_their_type_and_diagnoses(client, login_as, clinician, imported, npi):
    _visit(imported, npi, "C2026000901", 5, ["36415", "99214"], ["E11.9", "I10"])
    _visit(imported, npi, "C2026000902", 10, ["99283", "99213"], ["J06.9"])
    _visit(imported, npi, "C2026000903", 15, ["99223"], [])
    _visit(imported, npi, "C2026000904", 20, ["80053"], [])
    login_as(clinician)
    response = client.get(record_url(imported, "visits"))
    rows = {visit.claim.claim_number: visit for visit in response.context["rows"]}
    assert rows["C2026000901"].type == "Office visit"
    assert rows["C2026000902"].type == "Emergency"  # the emergency visit outranks the office follow-up
    assert rows["C2026000903"].type == "Inpatient"
    assert rows["C2026000904"].type == "Other services"
    assert [(d.code, d.description) for d in rows["C2026000901"].diagnoses] == [
        ("E11.9", "Type 2 diabetes mellitus without complications"),
        ("I10", "Essential (primary) hypertension"),
    ]
    assert b'data-label="Type">Emergency</td>' in response.content
    assert b"<strong>J06.9</strong> Acute upper respiratory infection, unspecified" in response.content
    assert b"None on the claim" in response.content


@pytest.mark.parametrize("count", [2, 40])
def test_visits_query_count(client, login_as, clinician, imported, npi, count, django_assert_num_queries):
    for index in range(count):
        _visit(imported, npi, f"C2026001{index:03d}", index + 2, ["99213", "36415"], ["I10"])
    login_as(clinician)
    client.get(record_url(imported, "visits"))
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the member, EXISTS on attribution and opt-out
    # 6.-7. the HEALTH_RECORD_VIEWED audit event (PostgreSQL: an advisory lock first)
    # 8. the claims with their provider ID 9. their lines' procedure codes
    # 10. the Message Box menu item: without the level, whether an enrollment right opens it
    with django_assert_num_queries(8 + audit_record_queries()):
        assert client.get(record_url(imported, "visits")).status_code == 200
