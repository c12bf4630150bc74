"""The Control Panel pages: only payer staff; the queue by due time; take, information, extension
and the per-line decision; a second analyst told it was already decided; the overdue list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from authorizations import services
from authorizations.models import AuthorizationRequest, LineDecision, RequestStatus, Urgency

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_analyst(client, analyst, login_as):
    login_as(analyst)
    return client


def decision_post(**lines):
    data = {}
    for number, (decision, reason) in lines.items():
        data[f"{number}-decision"] = decision
        data[f"{number}-reason_code"] = reason
    return data


def test_providers_get_403_and_anonymous_login(client, requester, login_as, submitted):
    authorization = submitted()
    url = reverse("control_panel:authorization", args=[authorization.uuid])
    assert client.get(url).status_code == 302
    login_as(requester)
    assert client.get(url).status_code == 403
    assert client.get(reverse("control_panel:authorizations")).status_code == 403


def test_queue_orders_by_due_time_with_time_left(as_analyst, submitted):
    standard = submitted(codes=("72148",))
    expedited = submitted(urgency=Urgency.EXPEDITED, codes=("E0601",))
    content = as_analyst.get(reverse("control_panel:authorizations")).content.decode()
    assert content.index(expedited.reference) < content.index(standard.reference)
    assert "portal-due--ok" in content and "left" in content
    AuthorizationRequest.objects.filter(pk=standard.pk).update(due_at=timezone.now() - datetime.timedelta(hours=3))
    content = as_analyst.get(reverse("control_panel:authorizations")).content.decode()
    assert "Overdue by 3 hours" in content or "Overdue by 2 hours" in content
    assert "Overdue prior authorizations" in as_analyst.get(reverse("control_panel:home")).content.decode()


def test_review_take_information_extension_and_decision(as_analyst, submitted, analyst):
    authorization = submitted()
    url = reverse("control_panel:authorization", args=[authorization.uuid])
    page = as_analyst.get(url).content.decode()
    assert "Coverage on the service dates" in page and "Demo Health Plan PPO" in page
    as_analyst.post(reverse("control_panel:authorization_take", args=[authorization.uuid]))
    authorization.refresh_from_db()
    assert authorization.assigned_to == analyst and authorization.status == RequestStatus.IN_REVIEW
    response = as_analyst.post(
        reverse("control_panel:authorization_extend", args=[authorization.uuid]), {"days": "20", "reason": "Records"}
    )
    assert response.status_code == 200 and b"less than or equal to 14" in response.content
    as_analyst.post(
        reverse("control_panel:authorization_extend", args=[authorization.uuid]), {"days": "3", "reason": "Records"}
    )
    response = as_analyst.post(
        reverse("control_panel:authorization_information", args=[authorization.uuid]),
        {"needed": "PT notes", "deadline": timezone.localdate().isoformat()},
    )
    authorization.refresh_from_db()
    assert response.status_code == 302 and authorization.status == RequestStatus.INFO_REQUESTED
    # A denial without a reason comes back with the error next to the reason.
    response = as_analyst.post(url, decision_post(line1=("approved", ""), line2=("denied", "")))
    assert response.status_code == 200 and b"A denied line needs a coded reason" in response.content
    response = as_analyst.post(url, decision_post(line1=("approved", ""), line2=("denied", "MN01")))
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.PARTIALLY_APPROVED and authorization.letter_name
    assert as_analyst.get(reverse("control_panel:authorization_letter", args=[authorization.uuid]))["Content-Type"] == (
        "application/pdf"
    )


def test_a_second_analyst_is_told(client, as_analyst, submitted, second_analyst, login_as):
    authorization = submitted()
    url = reverse("control_panel:authorization", args=[authorization.uuid])
    services.authorization_decide(
        analyst=second_analyst,
        authorization=authorization,
        choices={n: services.LineChoice(decision=LineDecision.APPROVED) for n in (1, 2)},
    )
    response = as_analyst.post(url, decision_post(line1=("denied", "MN01"), line2=("denied", "MN01")), follow=True)
    content = response.content.decode()
    assert "was already approved by" in content, [ln for ln in content.splitlines() if "alert" in ln]
    assert set(authorization.lines.values_list("decision", flat=True)) == {LineDecision.APPROVED}


def test_attachment_view_is_audited(as_analyst, submitted):
    from audit.models import AuditAction, AuditEvent

    authorization = submitted()
    attachment = authorization.attachments.get()
    url = reverse("control_panel:authorization_attachment", args=[authorization.uuid, attachment.uuid])
    assert as_analyst.get(url).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_ATTACHMENT_VIEWED).exists()


def test_drafts_are_not_in_the_control_panel(as_analyst, make_draft):
    draft = make_draft()
    assert as_analyst.get(reverse("control_panel:authorization", args=[draft.uuid])).status_code == 404
