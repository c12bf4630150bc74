"""Reads of access reviews, restricted to what the user may see."""

from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access_reviews.models import ReviewCampaign, ReviewDecision, ReviewTask, TaskStatus
from access_reviews.services import task_members
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    OrganizationUserObjectPermission,
    ProviderIdentifierUserObjectPermission,
    User,
)
from accounts.selectors import managed_organizations


def tasks_for_manager(*, manager: User, open_only: bool = True) -> QuerySet[ReviewTask]:
    """Review tasks of the organizations the user manages (the base of every lookup: others → 404)."""
    tasks = ReviewTask.objects.filter(
        organization__in=managed_organizations(manager=manager).values("pk"), campaign__closed_at__isnull=True
    ).select_related("campaign", "organization")
    if open_only:
        tasks = tasks.filter(status=TaskStatus.OPEN)
    return tasks.order_by("campaign__due_on", "organization__name")


def review_rows(*, task: ReviewTask) -> list[dict]:
    """Every user to review with status, last login, levels and scope in this TIN. Four queries."""
    members = list(task_members(task))
    ids = [u.pk for u in members]
    levels = defaultdict(list)
    for user_id, codename in OrganizationUserObjectPermission.objects.filter(
        user_id__in=ids, content_object=task.organization, permission__codename__startswith="level_"
    ).values_list("user_id", "permission__codename"):
        levels[user_id].append(codename)
    scope = defaultdict(list)
    for user_id, value in ProviderIdentifierUserObjectPermission.objects.filter(
        user_id__in=ids, permission__codename=SCOPE_PERMISSION, content_object__organization=task.organization
    ).values_list("user_id", "content_object__value"):
        scope[user_id].append(value)
    decisions = {d.user_id: d for d in ReviewDecision.objects.filter(task=task)}
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
