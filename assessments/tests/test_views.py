"""The Assessments pages and the Control Panel list: who may open them, the flow, and their cost."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus
from assessments.services import assessment_start, assessment_submit
from audit.models import AuditAction, AuditEvent
from claims.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST = reverse("assessments:list")
MEMBER = reverse("assessments:member")
START = reverse("assessments:start")
CP_LIST = reverse("control_panel:assessments")
CP_EXPORT = reverse("control_panel:assessments_export")


def audit_record_queries() -> int:
    return 3 if connection.vendor == "postgresql" else 2


def today():
    return timezone.localdate()


NOP_POST = {
    "lmp": "",
    "first-visit": "",
    "gravida": "2",
    "para": "1",
    "multiple": "false",
    "high-risk": "no",
    "case-management": "true",
}


def nop_post(**changes):
    data = dict(NOP_POST)
    data["lmp"] = (today() - datetime.timedelta(days=70)).isoformat()
    data["first-visit"] = (today() - datetime.timedelta(days=1)).isoformat()
    data.update(changes)
    return data


@pytest.fixture
def draft(nurse, member, npi, forms_loaded):
    return assessment_start(actor=nurse, member=member, provider_identifier=npi, code="NOP")


@pytest.fixture
def submitted(nurse, draft):
    from assessments.tests.test_services import nop_answers

    return assessment_submit(actor=nurse, assessment=draft, answers=nop_answers())


def detail(assessment):
    return reverse("assessments:detail", args=[assessment.uuid])


def look_up(client, member):
    return client.post(MEMBER, {"member_id": member.member_id, "date_of_birth": member.date_of_birth.isoformat()})


# --- who may open the pages -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "member", "detail", "print", "cp_list", "cp_export", "cp_detail"])
def test_anonymous_is_sent_to_login(client, submitted, name):
    url = {
        "list": LIST,
        "member": MEMBER,
        "detail": detail(submitted),
        "print": reverse("assessments:print", args=[submitted.uuid]),
        "cp_list": CP_LIST,
        "cp_export": CP_EXPORT,
        "cp_detail": reverse("control_panel:assessment", args=[submitted.uuid]),
    }[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_wrong_methods_are_refused(client, login_as, nurse, submitted, payer_staff):
    login_as(nurse)
    assert client.post(LIST).status_code == 405
    assert client.get(START).status_code == 405
    assert client.post(reverse("assessments:print", args=[submitted.uuid])).status_code == 405
    login_as(payer_staff)
    assert client.post(CP_LIST).status_code == 405


def test_without_the_level_the_pages_are_refused_and_hidden(client, login_as, biller, draft):
    login_as(biller)
    for url in (LIST, MEMBER, detail(draft)):
        assert client.get(url).status_code == 403
    assert "Assessments" not in [item["label"] for item in client.get("/").context["nav_items"]]


def test_the_nav_shows_assessments_with_the_level(client, login_as, nurse):
    login_as(nurse)
    assert "Assessments" in [item["label"] for item in client.get("/").context["nav_items"]]


def test_an_outsider_gets_404(client, login_as, outsider, submitted, draft):
    login_as(outsider)
    assert client.get(detail(draft)).status_code == 404
    assert client.post(detail(draft), nop_post(action="submit")).status_code == 404
    assert client.get(reverse("assessments:print", args=[submitted.uuid])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_VIEWED, actor=outsider).exists()


def test_provider_users_cannot_open_the_control_panel_list(client, login_as, nurse):
    login_as(nurse)
    assert client.get(CP_LIST).status_code == 403
    assert client.get(CP_EXPORT).status_code == 403


# --- the flow ---------------------------------------------------------------------------------------


def test_find_a_member_start_and_submit_an_nop(client, login_as, nurse, member, npi, forms_loaded, settings):
    settings.NOP_TIMELY_DAYS = 5
    login_as(nurse)
    response = look_up(client, member)
    assert response.status_code == 200 and response.context["member"] == member
    assert b"Marge Simpson" in response.content
    response = client.post(START, {"member": str(member.uuid), "form": "NOP", "provider_identifier": str(npi.uuid)})
    assessment = Assessment.objects.get()
    assert response["Location"] == detail(assessment)

    page = client.get(detail(assessment))
    assert page.status_code == 200
    # the conditional section is in the page but hidden, its inputs disabled
    assert b'data-enable-question="high-risk"' in page.content
    assert b'name="risk-factor" value="diabetes" class="usa-checkbox__input" disabled' in page.content

    # choosing "yes" and saving shows the conditional section (without any script)
    response = client.post(detail(assessment), nop_post(**{"high-risk": "yes", "action": "save"}))
    assert response.status_code == 302
    page = client.get(detail(assessment))
    assert b'value="diabetes" class="usa-checkbox__input" id' in page.content

    # submitting without the now-required risk factor comes back with the error and saves nothing
    response = client.post(detail(assessment), nop_post(**{"high-risk": "yes", "action": "submit"}))
    assert response.status_code == 400
    assert "Answer this question." in response.context["form"].errors["risk-factor"]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT

    data = nop_post(**{"high-risk": "yes", "action": "submit", "risk-notes": "Gestational diabetes in 2022"})
    data["risk-factor"] = ["diabetes", "prior-preterm"]
    response = client.post(detail(assessment), data)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.filed_on_time is True

    page = client.get(detail(assessment))
    assert b"On time" in page.content and b"Gestational diabetes in 2022" in page.content
    assert b"Estimated delivery date" in page.content
    pdf = client.get(reverse("assessments:print", args=[assessment.uuid]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    views = AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_VIEWED, actor=nurse)
    assert {event.details["view"] for event in views} == {"draft", "page", "pdf"}
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_SUBMITTED).count() == 1


def test_a_wrong_birth_date_finds_nothing_and_is_audited(client, login_as, nurse, member, forms_loaded):
    login_as(nurse)
    response = client.post(MEMBER, {"member_id": member.member_id, "date_of_birth": "1991-01-01"})
    assert response.context["member"] is None and b"No match" in response.content
    event = AuditEvent.objects.get(action=AuditAction.ASSESSMENT_MEMBER_LOOKUP)
    assert event.details == {"member_id": member.member_id, "result": "no match"}


def test_starting_needs_a_member_looked_up_in_this_session(client, login_as, nurse, member, npi, forms_loaded):
    login_as(nurse)
    response = client.post(START, {"member": str(member.uuid), "form": "NOP", "provider_identifier": str(npi.uuid)})
    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_a_submitted_assessment_refuses_changes(client, login_as, nurse, submitted):
    login_as(nurse)
    before = dict(submitted.response)
    response = client.post(detail(submitted), nop_post(gravida="5", action="save"))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.response == before


def test_an_answer_out_of_range_comes_back_with_errors(client, login_as, nurse, draft):
    login_as(nurse)
    response = client.post(detail(draft), nop_post(gravida="40", para="x", action="save"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["gravida"] == ["Enter a value from 1 to 20."]
    assert "para" in form.errors
    assert b"Nothing was saved" in response.content


def test_the_list_per_provider_id(client, login_as, nurse, submitted, draft, npi):
    login_as(nurse)
    response = client.get(LIST, {"provider_id": npi.value, "status": "submitted"})
    assert [a.uuid for a in response.context["page"]] == [submitted.uuid]


# --- Control Panel ----------------------------------------------------------------------------------


def test_control_panel_filters_and_views(client, login_as, payer_staff, submitted, org, settings):
    login_as(payer_staff)
    response = client.get(CP_LIST, {"form": "NOP", "status": "submitted", "tin": org.tin, "late": "on_time"})
    assert [a.uuid for a in response.context["page"]] == [submitted.uuid]
    response = client.get(CP_LIST, {"late": "late"})
    assert list(response.context["page"]) == []
    response = client.get(CP_LIST, {"tin": "12"})
    assert response.context["page"] is None and "tin" in response.context["form"].errors
    page = client.get(reverse("control_panel:assessment", args=[submitted.uuid]))
    assert page.status_code == 200 and b"read-only" in page.content
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_VIEWED, actor=payer_staff).exists()


def test_control_panel_export(client, login_as, payer_staff, submitted):
    login_as(payer_staff)
    response = client.get(CP_EXPORT, {"form": "NOP"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "assessment" and rows[1][0] == str(submitted.uuid) and rows[1][-1] == "yes"
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENTS_EXPORTED).exists()


# --- query counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 60])
def test_list_query_count_does_not_grow(client, login_as, nurse, npi, forms_loaded, count, django_assert_num_queries):
    for _ in range(count):
        assessment_start(actor=nurse, member=MemberFactory(), provider_identifier=npi, code="HRA")
    login_as(nurse)
    client.get(LIST)
    # 1. session 2. user 3. TOTP device 4. access levels held anywhere
    # 5. the provider IDs the user may file for (the filter's choices)
    # 6. one page of assessments with form, member, provider ID and organization joined
    # 7. the Message Box menu item: without the level, whether an enrollment right opens it
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert len(response.context["page"]) == min(count, 50)


@pytest.mark.parametrize("count", [5, 60])
def test_control_panel_list_query_count_does_not_grow(
    client, login_as, nurse, payer_staff, npi, forms_loaded, count, django_assert_num_queries
):
    for _ in range(count):
        assessment_start(actor=nurse, member=MemberFactory(), provider_identifier=npi, code="HRA")
    login_as(payer_staff)
    client.get(CP_LIST)
    # 1. session 2. user 3. TOTP device
    # 4. one page of assessments with form, member, provider ID and organization joined
    # 5. the access levels held anywhere (the navigation asks; payer staff hold none)
    # 6. the unread Mailbox count of the navigation badge
    with django_assert_num_queries(6):
        response = client.get(CP_LIST)
    assert len(response.context["page"]) == min(count, 50)


def test_detail_query_count(client, login_as, nurse, submitted, django_assert_num_queries):
    login_as(nurse)
    client.get(LIST)
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the assessment with form, member, provider ID and organization joined, EXISTS on scope and level
    # 6.-7. the ASSESSMENT_VIEWED audit event (tail hash and INSERT; PostgreSQL: an advisory lock first)
    # 8. the Message Box menu item: without the level, whether an enrollment right opens it
    with django_assert_num_queries(6 + audit_record_queries()):
        assert client.get(detail(submitted)).status_code == 200
