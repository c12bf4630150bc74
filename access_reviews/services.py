"""Opening review campaigns, deciding, and what the due date brings (reminders, the grace period)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from access_reviews.models import Decision, ReviewCampaign, ReviewDecision, ReviewTask, TaskStatus
from accounts.access import account_managers
from accounts.models import Membership, Organization, User, UserStatus
from accounts.services.users import sessions_end
from audit.models import AuditAction
from audit.services import record
from outbox.services import email_enqueue_template
from user_management.services import users as user_actions


def _task_url(task: ReviewTask) -> str:
    return settings.SITE_URL + reverse("access_reviews:task", args=[task.uuid])


@transaction.atomic
def campaign_open(
    *,
    actor: User,
    name: str,
    due_on,
    organizations: list[Organization] | None = None,
    grace_days: int = 14,
    disable_unreviewed: bool = False,
    repeat_quarterly: bool = False,
    request=None,
) -> ReviewCampaign:
    """Open a campaign for the chosen organizations (None: every organization with members)."""
    if not actor.is_payer_staff:
        raise PermissionDenied("Only payer staff open access reviews.")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Name the review."})
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": "Choose a due date after today."})
    campaign = ReviewCampaign.objects.create(
        name=name,
        created_by=actor,
        due_on=due_on,
        grace_days=grace_days,
        disable_unreviewed=disable_unreviewed,
        repeat_quarterly=repeat_quarterly,
    )
    chosen = Organization.objects.filter(memberships__isnull=False).distinct()
    if organizations is not None:
        chosen = chosen.filter(pk__in=[o.pk for o in organizations])
    tasks = []
    for organization in chosen:
        members = Membership.objects.filter(organization=organization).exclude(user__status=UserStatus.DISABLED).count()
        tasks.append(ReviewTask(campaign=campaign, organization=organization, member_count=members))
    ReviewTask.objects.bulk_create(tasks)
    for task in ReviewTask.objects.filter(campaign=campaign).select_related("organization"):
        for manager in account_managers(organization=task.organization):
            email_enqueue_template(
                to=manager.email,
                template="review_task",
                context={"manager": manager, "task": task, "campaign": campaign, "url": _task_url(task)},
                idempotency_key=f"review-task:{task.pk}:{manager.pk}",
            )
    record(
        action=AuditAction.REVIEW_OPENED,
        actor=actor,
        target=campaign,
        details={"name": name, "due_on": due_on.isoformat(), "organizations": len(tasks)},
        request=request,
    )
    return campaign


def task_members(task: ReviewTask):
    """Everyone the review covers: the organization's users who are not disabled, plus every user
    already decided in it. A removed user keeps their row (and counts as reviewed) instead of
    dropping out of the list and the count."""
    member = Membership.objects.filter(organization=task.organization, user=OuterRef("pk"))
    decided = ReviewDecision.objects.filter(task=task, user=OuterRef("pk"))
    return User.objects.filter((Exists(member) & ~Q(status=UserStatus.DISABLED)) | Exists(decided)).order_by(
        "full_name", "id"
    )


def task_open_members(task: ReviewTask):
    """The users still waiting for a decision."""
    decided = ReviewDecision.objects.filter(task=task, user=OuterRef("pk"))
    return task_members(task).exclude(Exists(decided))


def _refresh_progress(task: ReviewTask) -> None:
    decided = ReviewDecision.objects.filter(task=task).count()
    members = task_members(task).count()
    done = decided >= members
    ReviewTask.objects.filter(pk=task.pk).update(
        decided_count=decided,
        member_count=members,
        status=TaskStatus.COMPLETED if done else TaskStatus.OPEN,
        completed_at=timezone.now() if done else None,
    )


SELF_REVIEW_REFUSED = (
    "You cannot review your own access: another account manager of this TIN reviews it, or the plan when there is none."
)


@transaction.atomic
def review_decide(
    *, actor: User, task: ReviewTask, user: User, decision: str, levels=None, request=None
) -> ReviewDecision:
    """Keep, change (to ``levels``) or remove one user's access to the task's organization."""
    if decision not in Decision.values:
        raise ValidationError("Choose Keep, Change or Remove.")
    organization = task.organization
    if not user_actions.manages(actor, organization):
        raise PermissionDenied("You do not manage this organization.")
    if user.pk == actor.pk:
        # Keeping one's own access would certify it without a second pair of eyes.
        raise ValidationError(SELF_REVIEW_REFUSED)
    if task.campaign.closed_at is not None:
        raise ValidationError("This review is closed.")
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(f"{user.full_name} is not a user of this organization.")
    if ReviewDecision.objects.filter(task=task, user=user).exists():
        raise ValidationError(f"{user.full_name} was already reviewed.")
    comment = f"Access review: {task.campaign.name}"
    if decision == Decision.REMOVE:
        user_actions.user_remove_from_organization(
            actor=actor, user=user, organization=organization, comment=comment[:200], request=request
        )
    elif decision == Decision.CHANGE:
        user_actions.manager_levels_set(
            actor=actor,
            user=user,
            organization=organization,
            levels=levels or [],
            comment=comment[:200],
            request=request,
        )
    result = ReviewDecision.objects.create(task=task, user=user, decision=decision, decided_by=actor)
    record(
        action=AuditAction.REVIEW_DECIDED,
        actor=actor,
        target=user,
        organization=organization,
        details={"campaign": task.campaign.name, "decision": decision, "levels": sorted(levels or [])},
        request=request,
    )
    _refresh_progress(task)
    return result


@transaction.atomic
def review_keep_many(*, actor: User, task: ReviewTask, users: list[User], request=None) -> int:
    """Bulk Keep: each decision is its own audited service call; all or nothing."""
    if any(user.pk == actor.pk for user in users):
        raise ValidationError(SELF_REVIEW_REFUSED)
    kept = 0
    for user in users:
        if not ReviewDecision.objects.filter(task=task, user=user).exists():
            review_decide(actor=actor, task=task, user=user, decision=Decision.KEEP, request=request)
            kept += 1
    return kept


def review_due_processing(*, today=None) -> dict[str, int]:
    """Daily: reminders from the due date, the grace period's end, and the next quarterly round."""
    today = today or timezone.localdate()
    counts = {"reminded": 0, "disabled": 0, "repeated": 0, "closed": 0}
    open_tasks = ReviewTask.objects.filter(
        status=TaskStatus.OPEN, campaign__closed_at__isnull=True, campaign__due_on__lte=today
    ).select_related("organization", "campaign")
    for task in open_tasks:
        for manager in account_managers(organization=task.organization):
            sent = email_enqueue_template(
                to=manager.email,
                template="review_reminder",
                context={"manager": manager, "task": task, "campaign": task.campaign, "url": _task_url(task)},
                idempotency_key=f"review-reminder:{task.pk}:{manager.pk}:{today.isoformat()}",
            )
            counts["reminded"] += sent is not None
        ReviewTask.objects.filter(pk=task.pk).update(reminded_on=today)
    for campaign in ReviewCampaign.objects.filter(closed_at__isnull=True):
        if campaign.due_on + timedelta(days=campaign.grace_days) > today:
            continue
        with transaction.atomic():
            if campaign.disable_unreviewed:
                counts["disabled"] += _disable_unreviewed(campaign)
            ReviewCampaign.objects.filter(pk=campaign.pk).update(closed_at=timezone.now())
            counts["closed"] += 1
            if campaign.repeat_quarterly:
                ReviewCampaign.objects.filter(pk=campaign.pk).update(repeat_quarterly=False)
                _repeat(campaign)
                counts["repeated"] += 1
    return counts


def _disable_unreviewed(campaign: ReviewCampaign) -> int:
    disabled = 0
    for task in campaign.tasks.filter(status=TaskStatus.OPEN).select_related("organization"):
        reviewed = ReviewDecision.objects.filter(task=task).values("user")
        for user in task_members(task).exclude(pk__in=reviewed):
            try:
                user_actions.last_manager_guard(user, task.organization, "disable them")
            except ValidationError:
                continue  # never leave a TIN without an account manager
            user_status = User.objects.filter(
                pk=user.pk, status__in=[UserStatus.ACTIVE, UserStatus.LOCKED, UserStatus.UNVERIFIED]
            )
            if sessions_end(
                users=user_status,
                status=UserStatus.DISABLED,
                status_reason=f"Not reviewed in {campaign.name}"[:200],
                status_changed_at=timezone.now(),
            ):
                disabled += 1
                record(
                    action=AuditAction.REVIEW_UNREVIEWED_DISABLED,
                    actor=None,
                    target=user,
                    organization=task.organization,
                    details={"campaign": campaign.name},
                )
    return disabled


def _repeat(campaign: ReviewCampaign) -> ReviewCampaign:
    organizations = [task.organization for task in campaign.tasks.select_related("organization")]
    return campaign_open(
        actor=campaign.created_by,
        name=f"{campaign.name} (next quarter)"[:120],
        due_on=max(campaign.due_on + timedelta(days=91), timezone.localdate() + timedelta(days=14)),
        organizations=organizations,
        grace_days=campaign.grace_days,
        disable_unreviewed=campaign.disable_unreviewed,
        repeat_quarterly=True,
    )
