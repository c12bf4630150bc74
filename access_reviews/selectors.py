"""Reads of access reviews, restricted to what the user may see."""

from collections import defaultdict

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from access_reviews.models import ReviewCampaign, ReviewDecision, ReviewTask, TaskStatus
from access_reviews.services import task_members
from accounts.access import level_grants, levels_of_users, managed_organizations, scope_values_of_users
from accounts.models import AccessLevel, User


def tasks_for_manager(*, manager: User, open_only: bool = True) -> QuerySet[ReviewTask]:
    """Review tasks of the organizations the user manages (the base of every lookup: others → 404)."""
    tasks = ReviewTask.objects.filter(
        organization__in=managed_organizations(manager=manager).values("pk"), campaign__closed_at__isnull=True
    ).select_related("campaign", "organization")
    if open_only:
        tasks = tasks.filter(status=TaskStatus.OPEN)
    return tasks.order_by("campaign__due_on", "organization__name")


def review_rows(*, task: ReviewTask) -> list[dict]:
    """Every user of the review (removed ones included) with status, last login, levels, scope in
    this TIN and the decision taken, with who took it. Four queries."""
    members = list(task_members(task))
    ids = [u.pk for u in members]
    levels = levels_of_users(organization=task.organization, user_ids=ids)
    scope = scope_values_of_users(organization=task.organization, user_ids=ids)
    decisions = {d.user_id: d for d in ReviewDecision.objects.filter(task=task).select_related("decided_by")}
    return [
        {
            "user": user,
            "levels": [level for level in AccessLevel if level.value in levels[user.pk]],
            "scope": sorted(scope[user.pk]),
            "decision": decisions.get(user.pk),
        }
        for user in members
    ]


def campaigns_with_progress() -> QuerySet[ReviewCampaign]:
    today = timezone.localdate()
    return ReviewCampaign.objects.annotate(
        task_count=Count("tasks"),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.COMPLETED)),
        late_count=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN) & Q(due_on__lt=today)),
    ).select_related("created_by")


def campaign_tasks(*, campaign: ReviewCampaign) -> QuerySet[ReviewTask]:
    return campaign.tasks.select_related("organization").order_by("status", "organization__name")


def plan_review_rows(*, campaign: ReviewCampaign) -> list[dict]:
    """The account managers only the plan can review: nobody reviews their own access, so the
    sole active account manager of a TIN in an open task, not yet decided, is the payer's to
    review. Two queries, whatever the number of TINs."""
    if campaign.closed_at is not None:
        return []
    grants = (
        level_grants(level=AccessLevel.MANAGE_ACCOUNT, active_only=True)
        .filter(
            content_object__review_tasks__campaign=campaign,
            content_object__review_tasks__status=TaskStatus.OPEN,
        )
        .annotate(task_id=F("content_object__review_tasks__id"), task_uuid=F("content_object__review_tasks__uuid"))
        .select_related("user", "content_object")
        .order_by("content_object__name", "content_object_id")
    )
    by_task = defaultdict(list)
    for grant in grants:
        by_task[grant.task_id].append(grant)
    sole = [grants_of_task[0] for grants_of_task in by_task.values() if len(grants_of_task) == 1]
    if not sole:
        return []
    decided = set(
        ReviewDecision.objects.filter(
            task_id__in=[g.task_id for g in sole], user_id__in=[g.user_id for g in sole]
        ).values_list("task_id", "user_id")
    )
    return [
        {"task_uuid": g.task_uuid, "organization": g.content_object, "user": g.user}
        for g in sole
        if (g.task_id, g.user_id) not in decided
    ]
