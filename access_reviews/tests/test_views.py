"""Access review pages: payer opens; managers review only their TINs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access_reviews.models import ReviewDecision
from access_reviews.services import campaign_open
from accounts.models import AccessLevel, Membership

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


@pytest.fixture
def task3(payer_staff, manager, biller, no_level_user, org):
    Membership.objects.get_or_create(user=no_level_user, organization=org)
    return campaign_open(actor=payer_staff, name="Q2", due_on=TOMORROW, organizations=[org]).tasks.get()


def _decide(client, task, user, decision, **extra):
    return client.post(
        reverse("access_reviews:decide", args=[task.uuid]), {"user": str(user.uuid), "decision": decision, **extra}
    )


def test_remove_asks_first_and_changes_nothing_until_confirmed(client, login_as, manager, biller, org, task):
    login_as(manager)
    response = _decide(client, task, biller, "remove")
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Remove {biller.full_name} from {org.name}?" in content
    assert 'name="decision" value="remove"' in content and 'name="confirmed" value="yes"' in content
    assert Membership.objects.filter(user=biller, organization=org).exists()
    assert not ReviewDecision.objects.filter(task=task).exists()
    assert _decide(client, task, biller, "remove", confirmed="yes").status_code == 302
    assert not Membership.objects.filter(user=biller, organization=org).exists()


def test_removed_user_stays_listed_with_the_decision_and_progress_counts_them(
    client, login_as, manager, biller, no_level_user, task3
):
    login_as(manager)
    _decide(client, task3, no_level_user, "keep")
    _decide(client, task3, biller, "remove", confirmed="yes")
    response = client.get(reverse("access_reviews:task", args=[task3.uuid]))
    content = response.content.decode()
    assert "Progress: 2 of 3 users reviewed (67%)" in content
    row = next(r for r in response.context["rows"] if r["user"] == biller)
    assert row["decision"].outcome == "Removed" and row["decision"].decided_by == manager
    assert biller.email in content and f"by {manager.full_name}" in content
    # Not actionable any more: no Keep or Remove button for them, and a forged POST is refused.
    assert f'Remove<span class="usa-sr-only"> {biller.full_name}' not in content
    response = _decide(client, task3, biller, "keep")
    assert ReviewDecision.objects.filter(task=task3).count() == 2


def test_campaign_page_shows_the_same_progress(client, login_as, payer_staff, manager, biller, no_level_user, task3):
    login_as(manager)
    _decide(client, task3, no_level_user, "keep")
    _decide(client, task3, biller, "remove", confirmed="yes")
    client.logout()
    login_as(payer_staff)
    content = client.get(reverse("control_panel:review", args=[task3.campaign.uuid])).content.decode()
    assert "2 of 3 users reviewed (67%)" in content


def test_own_row_is_not_actionable_and_self_keep_is_refused(client, login_as, manager, task):
    login_as(manager)
    content = client.get(reverse("access_reviews:task", args=[task.uuid])).content.decode()
    assert f'Keep<span class="usa-sr-only"> {manager.full_name}' not in content
    assert f'value="{manager.uuid}" id="sel-' not in content
    assert "Reviewed by the plan" in content
    response = client.post(
        reverse("access_reviews:decide", args=[task.uuid]),
        {"user": str(manager.uuid), "decision": "keep"},
        follow=True,
    )
    assert "You cannot review your own access" in response.content.decode()
    response = client.post(reverse("access_reviews:keep_many", args=[task.uuid]), {"users": [str(manager.uuid)]})
    assert not ReviewDecision.objects.filter(task=task).exists()


def test_with_a_second_manager_the_own_row_says_so(client, login_as, manager, org, task):
    from conftest import make_provider

    make_provider("second@example.test", org, [AccessLevel.MANAGE_ACCOUNT])
    login_as(manager)
    content = client.get(reverse("access_reviews:task", args=[task.uuid])).content.decode()
    assert "Reviewed by another account manager" in content and "yours is reviewed by Second" in content


def test_the_plan_keeps_the_only_manager_from_the_campaign_page(client, login_as, payer_staff, manager, task):
    login_as(payer_staff)
    page = client.get(reverse("control_panel:review", args=[task.campaign.uuid]))
    assert [row["user"] for row in page.context["plan_rows"]] == [manager]
    assert "Account managers for the plan to review (1)" in page.content.decode()
    url = reverse("control_panel:review_keep", args=[task.campaign.uuid, task.uuid])
    assert client.get(url).status_code == 405
    assert client.post(url, {"user": str(manager.uuid)}).status_code == 302
    decision = ReviewDecision.objects.get(task=task, user=manager)
    assert decision.decision == "keep" and decision.decided_by == payer_staff
    page = client.get(reverse("control_panel:review", args=[task.campaign.uuid]))
    assert page.context["plan_rows"] == []


def test_plan_keep_is_refused_to_others_and_404_outside_the_campaign(
    client, login_as, payer_staff, manager, outsider, task, other_org
):
    url = reverse("control_panel:review_keep", args=[task.campaign.uuid, task.uuid])
    assert client.post(url, {"user": str(manager.uuid)}).status_code == 302  # anonymous: to login
    assert not ReviewDecision.objects.exists()
    login_as(manager)
    assert client.post(url, {"user": str(manager.uuid)}).status_code == 403
    client.logout()
    login_as(payer_staff)
    other = campaign_open(actor=payer_staff, name="Other", due_on=TOMORROW, organizations=[other_org])
    wrong = reverse("control_panel:review_keep", args=[other.uuid, task.uuid])
    assert client.post(wrong, {"user": str(manager.uuid)}).status_code == 404
    response = client.post(url, {"user": str(outsider.uuid)}, follow=True)
    assert b"still to be reviewed" in response.content
    assert not ReviewDecision.objects.exists()


def test_bulk_keep_button_only_while_someone_else_is_open(client, login_as, manager, biller, task):
    login_as(manager)
    url = reverse("access_reviews:task", args=[task.uuid])
    assert "Keep the selected users" in client.get(url).content.decode()
    _decide(client, task, biller, "keep")
    assert "Keep the selected users" not in client.get(url).content.decode()


def test_campaign_page_query_count_does_not_grow_with_tins(
    client, login_as, payer_staff, manager, org, django_assert_num_queries
):
    from accounts.tests.factories import OrganizationFactory
    from conftest import make_provider

    def campaign_with(n):
        organizations = [org]
        for i in range(n):
            other = OrganizationFactory(tin=f"5{n:03d}{i:05d}")
            make_provider(f"m{n}-{i}@example.test", other, [AccessLevel.MANAGE_ACCOUNT])
            organizations.append(other)
        return campaign_open(actor=payer_staff, name=f"Size {n}", due_on=TOMORROW, organizations=organizations)

    login_as(payer_staff)
    small, large = campaign_with(2), campaign_with(30)
    client.get(reverse("control_panel:review", args=[small.uuid]))
    # session, user, OTP device, campaign with its counts, its tasks, managers of its open tasks,
    # decisions of the sole managers, Mailbox unread badge, levels (none for staff)
    with django_assert_num_queries(9):
        page = client.get(reverse("control_panel:review", args=[small.uuid]))
    assert len(page.context["plan_rows"]) == 3
    with django_assert_num_queries(9):
        page = client.get(reverse("control_panel:review", args=[large.uuid]))
    assert len(page.context["plan_rows"]) == 31
