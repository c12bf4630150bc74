"""Access reviews: opening, deciding, progress, reminders and the grace period."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access_reviews.models import Decision, ReviewDecision, TaskStatus
from access_reviews.services import (
    campaign_open,
    review_decide,
    review_due_processing,
    review_keep_many,
    task_members,
    task_open_members,
)
from accounts.access import user_levels
from accounts.models import AccessLevel, Membership, User, UserStatus
from audit.models import AuditAction, AuditEvent
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def campaign(payer_staff, manager, biller, org):
    return campaign_open(actor=payer_staff, name="Q1 review", due_on=TOMORROW, organizations=[org])


def test_open_creates_one_task_per_tin_and_emails_managers(campaign, manager, org):
    task = campaign.tasks.get()
    assert task.organization == org and task.member_count == 2  # manager and biller
    assert OutboundEmail.objects.filter(to=manager.email, template="review_task").count() == 1


def test_only_payer_staff_open_reviews(manager):
    with pytest.raises(PermissionDenied):
        campaign_open(actor=manager, name="x", due_on=TOMORROW)


def test_due_date_must_be_in_the_future(payer_staff):
    with pytest.raises(ValidationError):
        campaign_open(actor=payer_staff, name="x", due_on=timezone.localdate())


def test_keep_change_remove_and_progress(campaign, manager, biller, org, payer_staff):
    task = campaign.tasks.get()
    review_decide(actor=manager, task=task, user=biller, decision=Decision.CHANGE, levels=[AccessLevel.CLAIMS])
    assert user_levels(user=biller, organization=org) == {AccessLevel.CLAIMS}
    task.refresh_from_db()
    assert task.decided_count == 1 and task.status == TaskStatus.OPEN
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # the manager's own row waits for the plan
    review_decide(actor=payer_staff, task=task, user=manager, decision=Decision.KEEP)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED and task.percent_done == 100
    assert AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED).count() == 2
    with pytest.raises(ValidationError, match="already reviewed"):
        review_decide(actor=manager, task=task, user=biller, decision=Decision.KEEP)


def test_remove_takes_access_away_at_once(campaign, manager, biller, org):
    task = campaign.tasks.get()
    review_decide(actor=manager, task=task, user=biller, decision=Decision.REMOVE)
    assert not Membership.objects.filter(user=biller, organization=org).exists()
    assert user_levels(user=biller, organization=org) == set()


def test_outsider_cannot_decide(campaign, outsider, biller):
    with pytest.raises(PermissionDenied):
        review_decide(actor=outsider, task=campaign.tasks.get(), user=biller, decision=Decision.REMOVE)


def test_last_manager_cannot_be_removed_in_a_review(campaign, manager, payer_staff):
    with pytest.raises(ValidationError, match="your own access"):
        review_decide(actor=manager, task=campaign.tasks.get(), user=manager, decision=Decision.REMOVE)
    with pytest.raises(ValidationError, match="last active account manager"):
        review_decide(actor=payer_staff, task=campaign.tasks.get(), user=manager, decision=Decision.REMOVE)


def test_bulk_keep(campaign, manager, biller):
    task = campaign.tasks.get()
    assert review_keep_many(actor=manager, task=task, users=[biller]) == 1
    assert ReviewDecision.objects.filter(task=task).count() == 1


def test_bulk_keep_with_oneself_in_it_keeps_nobody(campaign, manager, biller):
    task = campaign.tasks.get()
    with pytest.raises(ValidationError, match="your own access"):
        review_keep_many(actor=manager, task=task, users=[biller, manager])
    assert not ReviewDecision.objects.filter(task=task).exists()


@pytest.mark.parametrize("decision", [Decision.KEEP, Decision.CHANGE, Decision.REMOVE])
def test_nobody_reviews_their_own_access(campaign, manager, decision):
    task = campaign.tasks.get()
    with pytest.raises(ValidationError, match="your own access"):
        review_decide(actor=manager, task=task, user=manager, decision=decision, levels=[AccessLevel.CLAIMS])
    assert not ReviewDecision.objects.filter(task=task).exists()
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=manager, organization=task.organization)


def test_progress_counts_removed_users_as_reviewed_not_gone(payer_staff, manager, biller, no_level_user, org):
    """3 users to review: 1 kept, 1 removed, 1 open is "2 of 3", not "2 of 2 (100 %)"."""
    Membership.objects.get_or_create(user=no_level_user, organization=org)
    task = campaign_open(actor=payer_staff, name="Q2", due_on=TOMORROW, organizations=[org]).tasks.get()
    assert task.member_count == 3  # manager, biller, no_level_user
    review_decide(actor=manager, task=task, user=no_level_user, decision=Decision.KEEP)
    review_decide(actor=manager, task=task, user=biller, decision=Decision.REMOVE)
    task.refresh_from_db()
    assert (task.decided_count, task.member_count, task.percent_done) == (2, 3, 67)
    assert task.status == TaskStatus.OPEN and task.completed_at is None
    # The removed user is still one of the review's users, with their decision.
    assert biller in task_members(task) and biller not in task_open_members(task)
    assert list(task_open_members(task)) == [manager]


def test_a_second_manager_reviews_the_first(payer_staff, manager, biller, org):
    from conftest import make_provider

    second = make_provider("second@example.test", org, [AccessLevel.MANAGE_ACCOUNT])
    task = campaign_open(actor=payer_staff, name="Q3", due_on=TOMORROW, organizations=[org]).tasks.get()
    review_decide(actor=second, task=task, user=manager, decision=Decision.KEEP)
    review_decide(actor=manager, task=task, user=second, decision=Decision.KEEP)
    assert ReviewDecision.objects.filter(task=task, decided_by=second, user=manager).exists()


def test_reminders_once_a_day_and_unreviewed_users_disabled_after_grace(payer_staff, manager, biller, org):
    campaign = campaign_open(
        actor=payer_staff, name="Strict", due_on=TOMORROW, organizations=[org], grace_days=3, disable_unreviewed=True
    )
    due = TOMORROW
    counts = review_due_processing(today=due)
    assert counts["reminded"] == 1
    assert review_due_processing(today=due)["reminded"] == 0  # once a day
    counts = review_due_processing(today=due + datetime.timedelta(days=3))
    assert counts["closed"] == 1
    assert User.objects.get(pk=biller.pk).status == UserStatus.DISABLED
    # The last account manager stays, whatever the campaign says.
    assert User.objects.get(pk=manager.pk).status == UserStatus.ACTIVE
    campaign.refresh_from_db()
    assert campaign.closed_at is not None


def test_quarterly_repeat(payer_staff, manager, org):
    campaign = campaign_open(
        actor=payer_staff, name="Quarterly", due_on=TOMORROW, organizations=[org], grace_days=0, repeat_quarterly=True
    )
    counts = review_due_processing(today=TOMORROW)
    assert counts["repeated"] == 1
    from access_reviews.models import ReviewCampaign

    following = ReviewCampaign.objects.exclude(pk=campaign.pk).get()
    assert following.repeat_quarterly and following.due_on > TOMORROW
    assert review_due_processing(today=TOMORROW)["repeated"] == 0


def test_beat_runs_the_review_job_daily(settings):
    from access_reviews.tasks import reviews_daily

    entry = settings.CELERY_BEAT_SCHEDULE["access-reviews-daily"]
    assert entry["task"] == reviews_daily.name
    assert reviews_daily() == {"reminded": 0, "disabled": 0, "repeated": 0, "closed": 0}
