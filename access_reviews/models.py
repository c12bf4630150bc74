"""Access review campaigns: one task per organization (TIN), one decision per user of it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReviewCampaign(models.Model):
    """A round of access reviews opened by payer staff, with a due date and what happens after it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=14)
    disable_unreviewed = models.BooleanField(
        default=False, help_text="After the grace period, users nobody reviewed are disabled."
    )
    repeat_quarterly = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(grace_days__lte=90), name="campaign_grace_at_most_90")]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"


class ReviewTask(models.Model):
    """One organization's part of a campaign, done by its account managers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="tasks")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="review_tasks")
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    member_count = models.PositiveIntegerField(default=0)
    decided_count = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization"], name="review_task_unique"),
            models.CheckConstraint(
                condition=Q(decided_count__lte=models.F("member_count")), name="review_task_progress"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="review_task_org_status_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.organization}"

    @property
    def percent_done(self) -> int:
        return 100 if not self.member_count else round(100 * self.decided_count / self.member_count)


class Decision(models.TextChoices):
    KEEP = "keep", "Keep"
    CHANGE = "change", "Change"
    REMOVE = "remove", "Remove"


class ReviewDecision(models.Model):
    """What an account manager decided for one user of the organization."""

    task = models.ForeignKey(ReviewTask, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="review_decision_unique"),
            models.CheckConstraint(condition=Q(decision__in=Decision.values), name="review_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.user_id}"

    @property
    def outcome(self) -> str:
        """The decision as what happened: "Kept", "Levels changed", "Removed"."""
        return {Decision.KEEP: "Kept", Decision.CHANGE: "Levels changed", Decision.REMOVE: "Removed"}[self.decision]
