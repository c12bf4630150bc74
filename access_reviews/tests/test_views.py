"""Access review pages: payer opens; managers review only their TINs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access_reviews.services import campaign_open

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def task(payer_staff, manager, biller, org):
    return campaign_open(actor=payer_staff, name="Q1", due_on=TOMORROW, organizations=[org]).tasks.get()


def test_payer_opens_a_review_through_the_page(client, login_as, payer_staff, org, manager):
    login_as(payer_staff)
    url = reverse("control_panel:reviews")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "", "due_on": "2000-01-01", "grace_days": "14"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(url, {"name": "Yearly", "due_on": TOMORROW.isoformat(), "grace_days": "14", "tins": org.tin})
    assert response.status_code == 302
    page = client.get(response.url)
    assert b"Springfield Family Clinic" in page.content


def test_providers_cannot_open_reviews(client, login_as, manager):
    login_as(manager)
    assert client.get(reverse("control_panel:reviews")).status_code == 403


def test_manager_reviews_own_tin_outsider_gets_404(client, login_as, manager, outsider, biller, task):
    login_as(outsider)
    assert client.get(reverse("access_reviews:task", args=[task.uuid])).status_code == 404
    response = client.post(
        reverse("access_reviews:decide", args=[task.uuid]), {"user": str(biller.uuid), "decision": "remove"}
    )
    assert response.status_code == 404
    client.logout()
    login_as(manager)
    page = client.get(reverse("access_reviews:task", args=[task.uuid]))
    assert page.status_code == 200 and biller.email.encode() in page.content
    client.post(reverse("access_reviews:decide", args=[task.uuid]), {"user": str(biller.uuid), "decision": "keep"})
    task.refresh_from_db()
    assert task.decided_count == 1


def test_forged_user_of_another_tin_is_refused(client, login_as, manager, outsider, task):
    login_as(manager)
    response = client.post(
        reverse("access_reviews:decide", args=[task.uuid]),
        {"user": str(outsider.uuid), "decision": "remove"},
        follow=True,
    )
    assert b"Choose a user of this organization" in response.content
    outsider.refresh_from_db()
    assert outsider.status == "active"


def test_work_queue_on_user_management(client, login_as, manager, task):
    login_as(manager)
    content = client.get(reverse("accounts:user_management")).content.decode()
    assert "Your work queue" in content and "Review TIN 123456789" in content
