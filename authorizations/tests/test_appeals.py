"""Appealing a denied prior authorization: the rules (what is copied, the clock, who may, what is
refused), the page (outsider 404, no level 403, not denied refused), the queue, the review, both
timelines, and the public metric "approved after appeal"."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from authorizations import services
from authorizations.models import AuthorizationRequest, EventKind, LineDecision, RequestStatus, Urgency
from authorizations.selectors import metrics_for_year
from authorizations.tests.conftest import pdf_upload
from mailbox.models import Message

pytestmark = pytest.mark.django_db

DENY_SECOND = {
    1: services.LineChoice(decision=LineDecision.APPROVED),
    2: services.LineChoice(decision=LineDecision.DENIED, reason_code="MN01", note="Try home exercise first."),
}


@pytest.fixture
def partly_denied(submitted, analyst):
    authorization = submitted(urgency=Urgency.EXPEDITED)
    services.authorization_decide(analyst=analyst, authorization=authorization, choices=DENY_SECOND)
    return AuthorizationRequest.objects.get(pk=authorization.pk)


# --- rules -----------------------------------------------------------------------------------------


def test_an_appeal_is_a_new_request_for_the_denied_lines_on_the_same_clock(partly_denied, requester):
    before = timezone.now()
    appeal = services.authorization_appeal(
        actor=requester, authorization=partly_denied, reason="Six weeks of home exercise failed.", files=[pdf_upload()]
    )
    assert appeal.appeal_of == partly_denied and appeal.pk != partly_denied.pk
    assert appeal.status == RequestStatus.SUBMITTED and appeal.reference.startswith("PA-")
    assert (appeal.member_id, appeal.requesting_provider_id, appeal.servicing_npi, appeal.urgency) == (
        partly_denied.member_id,
        partly_denied.requesting_provider_id,
        partly_denied.servicing_npi,
        Urgency.EXPEDITED,
    )
    assert [d.code for d in appeal.diagnoses.all()] == [d.code for d in partly_denied.diagnoses.all()]
    denied = partly_denied.lines.get(decision=LineDecision.DENIED)
    (line,) = appeal.lines.all()
    assert (line.line_number, line.code, line.units, line.decision) == (1, denied.code, denied.units, "pending")
    assert appeal.received_at >= before and appeal.due_at == appeal.received_at + datetime.timedelta(hours=72)
    assert appeal.attachments.count() == 1
    text = appeal.events.get(kind=EventKind.APPEAL_SUBMITTED).text
    assert partly_denied.reference in text and "home exercise failed" in text and "notes.pdf" in text
    assert appeal.reference in partly_denied.events.get(kind=EventKind.APPEALED).text
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_APPEALED, target_id=str(appeal.uuid)).exists()
    assert "received your appeal" in Message.objects.filter(thread__participants__user=requester).latest("id").body


def test_an_appeal_needs_a_reason_and_saves_nothing_without(partly_denied, requester):
    with pytest.raises(ValidationError, match="reason"):
        services.authorization_appeal(actor=requester, authorization=partly_denied, reason="  ")
    assert not AuthorizationRequest.objects.filter(appeal_of=partly_denied).exists()


def test_only_a_decision_with_a_denied_line_is_appealed_and_only_once(submitted, analyst, requester, partly_denied):
    open_one = submitted(codes=("E0601",))
    with pytest.raises(ValidationError, match="Only a decided request"):
        services.authorization_appeal(actor=requester, authorization=open_one, reason="Why not")
    services.authorization_decide(
        analyst=analyst, authorization=open_one, choices={1: services.LineChoice(decision=LineDecision.APPROVED)}
    )
    with pytest.raises(ValidationError, match="nothing to appeal"):
        services.authorization_appeal(actor=requester, authorization=open_one, reason="Why not")
    services.authorization_appeal(actor=requester, authorization=partly_denied, reason="First")
    with pytest.raises(ValidationError, match="already appealed"):
        services.authorization_appeal(actor=requester, authorization=partly_denied, reason="Second")


def test_a_withdrawn_appeal_may_be_made_again(partly_denied, requester):
    first = services.authorization_appeal(actor=requester, authorization=partly_denied, reason="First")
    services.authorization_withdraw(actor=requester, authorization=first)
    second = services.authorization_appeal(actor=requester, authorization=partly_denied, reason="Second")
    assert second.appeal_of == partly_denied


def test_payer_staff_and_users_without_the_level_do_not_appeal(partly_denied, analyst, biller, outsider):
    for user in (analyst, biller, outsider):
        with pytest.raises(PermissionDenied):
            services.authorization_appeal(actor=user, authorization=partly_denied, reason="No")
    assert not AuthorizationRequest.objects.filter(appeal_of=partly_denied).exists()


def test_the_public_metrics_count_approvals_after_appeal(partly_denied, requester, analyst):
    appeal = services.authorization_appeal(actor=requester, authorization=partly_denied, reason="Records attached")
    metrics = metrics_for_year(year=timezone.now().year)
    assert metrics.appeals_decided == 0 and metrics.approved_after_appeal_share is None
    services.authorization_decide(
        analyst=analyst, authorization=appeal, choices={1: services.LineChoice(decision=LineDecision.APPROVED)}
    )
    metrics = metrics_for_year(year=timezone.now().year)
    assert (metrics.appeals_decided, metrics.approved_after_appeal, metrics.approved_after_appeal_share) == (
        1,
        1,
        100.0,
    )


# --- pages -----------------------------------------------------------------------------------------


def test_anonymous_goes_to_login_and_put_is_405(client, partly_denied, requester, login_as):
    url = reverse("authorizations:appeal", args=[partly_denied.uuid])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    login_as(requester)
    assert client.put(url).status_code == 405


def test_outsider_404_and_no_level_403(client, partly_denied, outsider, biller, login_as):
    url = reverse("authorizations:appeal", args=[partly_denied.uuid])
    login_as(outsider)
    assert client.get(url).status_code == 404 and client.post(url, {"reason": "x"}).status_code == 404
    client.logout()
    login_as(biller)
    assert client.get(url).status_code == 403 and client.post(url, {"reason": "x"}).status_code == 403
    assert not AuthorizationRequest.objects.filter(appeal_of=partly_denied).exists()


def test_the_detail_offers_the_appeal_only_when_a_line_was_denied(
    client, partly_denied, submitted, requester, login_as
):
    login_as(requester)
    appeal_url = reverse("authorizations:appeal", args=[partly_denied.uuid])
    assert appeal_url.encode() in client.get(reverse("authorizations:detail", args=[partly_denied.uuid])).content
    open_one = submitted(codes=("E0601",))
    detail = client.get(reverse("authorizations:detail", args=[open_one.uuid])).content
    assert b"Appeal this decision" not in detail
    page = client.get(reverse("authorizations:appeal", args=[open_one.uuid]))
    assert page.status_code == 200 and b"Only a decided request can be appealed" in page.content
    client.post(reverse("authorizations:appeal", args=[open_one.uuid]), {"reason": "x"})
    assert not AuthorizationRequest.objects.filter(appeal_of=open_one).exists()


def test_appeal_through_the_page_then_queue_review_and_both_timelines(
    client, partly_denied, requester, analyst, login_as
):
    login_as(requester)
    url = reverse("authorizations:appeal", args=[partly_denied.uuid])
    page = client.get(url)
    assert page.status_code == 200 and b"MN01" in page.content and b"Try home exercise first." in page.content
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and b"Give the reason for the appeal." in empty.content
    response = client.post(url, {"reason": "Physical therapy <b>failed</b>", "files": [pdf_upload("pt.pdf")]})
    appeal = AuthorizationRequest.objects.get(appeal_of=partly_denied)
    assert response.status_code == 302 and response["Location"] == reverse("authorizations:detail", args=[appeal.uuid])
    detail = client.get(response["Location"]).content.decode()
    assert f"Appeal of {partly_denied.reference}" in detail and "&lt;b&gt;failed&lt;/b&gt;" in detail
    original = client.get(reverse("authorizations:detail", args=[partly_denied.uuid])).content.decode()
    assert "Decision appealed" in original and appeal.reference in original and "Appeal this decision" not in original
    client.logout()
    login_as(analyst)
    queue = client.get(reverse("control_panel:authorizations")).content.decode()
    assert appeal.reference in queue and f"Appeal of {partly_denied.reference}" in queue
    review = client.get(reverse("control_panel:authorization", args=[appeal.uuid])).content.decode()
    assert "An appeal of" in review and str(partly_denied.uuid) in review and "Appeal submitted" in review
