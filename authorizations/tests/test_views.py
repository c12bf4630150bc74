"""The provider pages: who may open them, the steps of a new request through the client, the list,
the detail, the letter and attachment downloads, sending information and withdrawing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLevel
from audit.models import AuditAction, AuditEvent
from authorizations import services
from authorizations.models import AuthorizationRequest, LineDecision, RequestStatus, Urgency
from authorizations.tests.conftest import pdf_upload
from conftest import make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_requester(client, requester, login_as):
    login_as(requester)
    return client


def test_anonymous_goes_to_login(client, submitted):
    authorization = submitted()
    for url in (reverse("authorizations:list"), reverse("authorizations:detail", args=[authorization.uuid])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_without_the_level_403_and_no_menu_item(client, biller, login_as):
    login_as(biller)
    assert client.get(reverse("authorizations:list")).status_code == 403
    assert client.get(reverse("authorizations:needed")).status_code == 403
    assert b'href="/authorizations/"' not in client.get(reverse("portal:dashboard")).content


def test_menu_item_with_the_level(as_requester):
    assert b'href="/authorizations/"' in as_requester.get(reverse("portal:dashboard")).content


def test_outsider_gets_404_on_every_object_url(client, outsider, login_as, submitted):
    authorization = submitted()
    attachment = authorization.attachments.get()
    login_as(outsider)
    urls = [
        reverse("authorizations:detail", args=[authorization.uuid]),
        reverse("authorizations:letter", args=[authorization.uuid]),
        reverse("authorizations:information", args=[authorization.uuid]),
        reverse("authorizations:attachment", args=[authorization.uuid, attachment.uuid]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("authorizations:withdraw", args=[authorization.uuid])).status_code == 404


def test_others_drafts_are_404(client, outsider, manager, login_as, make_draft):
    draft = make_draft()
    login_as(manager)  # same TIN, not the author
    assert client.get(reverse("authorizations:draft_step", args=[draft.uuid, "review"])).status_code == 404
    assert (
        client.post(reverse("authorizations:draft_delete", args=[draft.uuid]), {"confirmed": "yes"}).status_code == 404
    )


def test_wrong_method_is_405(as_requester, submitted):
    authorization = submitted()
    assert as_requester.post(reverse("authorizations:list")).status_code == 405
    assert as_requester.get(reverse("authorizations:withdraw", args=[authorization.uuid])).status_code == 405


def test_the_whole_request_in_steps(as_requester, member, npi, tables):
    day = timezone.localdate() + datetime.timedelta(days=5)
    response = as_requester.post(
        reverse("authorizations:new"),
        {
            "member_id": member.member_id,
            "date_of_birth": member.date_of_birth.isoformat(),
            "planned_service_date": day.isoformat(),
        },
    )
    draft = AuthorizationRequest.objects.get()
    assert response["Location"] == reverse("authorizations:draft_step", args=[draft.uuid, "providers"])
    step = lambda name: reverse("authorizations:draft_step", args=[draft.uuid, name])  # noqa: E731
    # A later step than reached sends back to the step to fill in.
    assert as_requester.get(step("review"))["Location"] == step("providers")
    response = as_requester.post(
        step("providers"),
        {
            "requesting_provider": str(npi.uuid),
            "servicing_npi": "1234567893",
            "servicing_name": "Springfield General",
            "request_type": "initial",
            "category": "outpatient",
            "urgency": "expedited",
            "expedited_attested": "on",
            "place_of_service": "22",
        },
    )
    assert response["Location"] == step("diagnoses")
    response = as_requester.post(step("diagnoses"), {"code_1": "E11"})
    assert response.status_code == 200 and b"is a category, not a billable code" in response.content
    assert as_requester.post(step("diagnoses"), {"code_1": "M54.50"})["Location"] == step("services")
    lines = {"lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0"}
    for index, code in enumerate(["72148", "97110", ""]):
        lines.update(
            {
                f"lines-{index}-code": code,
                f"lines-{index}-units": "2" if code else "",
                f"lines-{index}-date_from": day.isoformat() if code else "",
                f"lines-{index}-date_to": day.isoformat() if code else "",
            }
        )
    bad = {**lines, "lines-1-code": "12345"}
    response = as_requester.post(step("services"), bad)
    assert response.status_code == 200 and b"12345 is not a CPT/HCPCS code" in response.content
    assert as_requester.post(step("services"), lines)["Location"] == step("attachments")
    response = as_requester.post(step("attachments"), {"action": "upload", "files": [pdf_upload()]})
    assert response["Location"] == step("attachments") and draft.attachments.count() == 1
    assert as_requester.post(step("attachments"), {"action": "continue"})["Location"] == step("review")
    review = as_requester.get(step("review"))
    assert review.status_code == 200 and b"Covered on" in review.content
    response = as_requester.post(step("review"), {})
    draft.refresh_from_db()
    assert response["Location"] == reverse("authorizations:detail", args=[draft.uuid])
    assert draft.status == RequestStatus.SUBMITTED and draft.urgency == Urgency.EXPEDITED


def test_needed_page(as_requester, tables, member):
    response = as_requester.get(
        reverse("authorizations:needed"),
        {
            "codes": "72148, 99213 ZZZZZ",
            "member_id": member.member_id,
            "date_of_birth": member.date_of_birth.isoformat(),
        },
    )
    content = response.content.decode()
    assert "Needed" in content and "Not needed" in content and "Not a code the plan knows" in content


def test_list_filters_and_due_time(as_requester, submitted):
    authorization = submitted(urgency=Urgency.EXPEDITED)
    response = as_requester.get(reverse("authorizations:list"), {"status": "submitted"})
    assert authorization.reference in response.content.decode() and b"left" in response.content
    response = as_requester.get(reverse("authorizations:list"), {"status": "denied"})
    assert authorization.reference not in response.content.decode()


def test_detail_letter_and_attachment(as_requester, submitted, analyst):
    authorization = submitted()
    services.authorization_decide(
        analyst=analyst,
        authorization=authorization,
        choices={
            1: services.LineChoice(decision=LineDecision.APPROVED),
            2: services.LineChoice(decision=LineDecision.DENIED, reason_code="ALT01"),
        },
    )
    content = as_requester.get(reverse("authorizations:detail", args=[authorization.uuid])).content.decode()
    assert "ALT01" in content and "Download the decision letter" in content and "Certification number" in content
    letter = as_requester.get(reverse("authorizations:letter", args=[authorization.uuid]))
    assert letter["Content-Type"] == "application/pdf"
    attachment = authorization.attachments.get()
    download = as_requester.get(reverse("authorizations:attachment", args=[authorization.uuid, attachment.uuid]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_ATTACHMENT_VIEWED).count() == 1


def test_send_information_with_a_file(as_requester, submitted, analyst):
    authorization = submitted()
    services.information_request(
        analyst=analyst, authorization=authorization, needed="The MRI report", deadline=timezone.localdate()
    )
    url = reverse("authorizations:information", args=[authorization.uuid])
    assert b"The MRI report" in as_requester.get(url).content
    fake = pdf_upload("scan.pdf")
    fake.file.write(b"")
    response = as_requester.post(url, {"text": "Attached", "files": [pdf_upload("mri.pdf")]})
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.IN_REVIEW and authorization.attachments.count() == 2


def test_withdraw_asks_first(as_requester, submitted):
    authorization = submitted()
    url = reverse("authorizations:withdraw", args=[authorization.uuid])
    response = as_requester.post(url, {"reason": "Cancelled"})
    assert response.status_code == 200 and b"Withdraw the request" in response.content
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.SUBMITTED
    as_requester.post(url, {"reason": "Cancelled", "confirmed": "yes"})
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.WITHDRAWN


def test_a_forged_provider_id_of_another_tin_is_refused(as_requester, make_draft, other_npi):
    draft = make_draft()
    response = as_requester.post(
        reverse("authorizations:draft_step", args=[draft.uuid, "providers"]),
        {
            "requesting_provider": str(other_npi.uuid),
            "servicing_npi": "1234567893",
            "servicing_name": "X",
            "request_type": "initial",
            "category": "dme",
            "urgency": "standard",
            "place_of_service": "12",
        },
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content


def test_same_tin_user_with_the_level_sees_submitted_not_drafts(client, org, npi, login_as, make_draft, submitted):
    draft = make_draft()
    authorization = submitted(codes=("E0601",))
    colleague = make_provider("colleague@example.test", org, [AccessLevel.AUTHORIZATIONS], [npi])
    login_as(colleague)
    content = client.get(reverse("authorizations:list")).content.decode()
    assert authorization.reference in content and draft.reference not in content


def test_public_metrics_and_services_need_no_login(client, submitted, analyst):
    authorization = submitted(urgency=Urgency.EXPEDITED)
    services.authorization_decide(
        analyst=analyst,
        authorization=authorization,
        choices={n: services.LineChoice(decision=LineDecision.APPROVED) for n in (1, 2)},
    )
    year = timezone.now().year
    content = client.get(reverse("prior_authorization:metrics"), {"year": year}).content.decode()
    assert f"Prior authorization metrics, {year}" in content
    assert 'Expedited requests approved (%)</th><td data-label="Value">100.0' in content
    assert client.get(reverse("prior_authorization:metrics"), {"year": "abc"}).status_code == 200
    listing = client.get(reverse("prior_authorization:services")).content.decode()
    assert "E0601" in listing and "Durable medical equipment" in listing and "99213" not in listing
