"""The email outbox: every email the portal sends is a row first, sent after the commit by a worker."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailState(models.TextChoices):
    """Where an email is: waiting (and retried), delivered to the mail server, or given up on."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundEmail(models.Model):
    """An email waiting to be sent, sent, or failed. Claimed by one worker with a conditional UPDATE."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    to = models.EmailField(max_length=254)
    template = models.CharField(max_length=60, blank=True)
    # Set for emails that must go out at most once per event (e.g. one inactivity warning a day).
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    subject = models.CharField(max_length=200)
    # Blanked OUTBOX_BODY_RETENTION_HOURS after sending (outbox.services.outbox_bodies_expire).
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a worker takes the row; a claim older than CLAIM_TIMEOUT is taken again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # Set when the mail server refused the email for good (5xx) or OUTBOX_MAX_ATTEMPTS ran out:
    # final, the sweep leaves the row, until payer staff retry it from the Control Panel.
    failed_at = models.DateTimeField(null=True, blank=True)
    # Set when a claim was taken over after CLAIM_TIMEOUT: the worker that held it died, perhaps
    # after the mail server had accepted the email, so the recipient may get it twice.
    possible_duplicate = models.BooleanField(default=False)

    class Meta:
        # The table kept its name when the outbox became its own app.
        db_table = "mailbox_outboundemail"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_due_idx",
            ),
            # The Control Panel's list of emails that need a look: failed ones, possible doubles.
            models.Index(
                fields=["-created_at"],
                condition=Q(failed_at__isnull=False) | Q(possible_duplicate=True),
                name="outbox_attention_idx",
            ),
            # The hourly retention job finds sent rows that still hold a body.
            models.Index(fields=["sent_at"], condition=~Q(body=""), name="outbox_body_kept_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(to=""), name="outbox_to_not_empty"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True), name="outbox_sent_or_failed"
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "failed" if self.failed_at else f"pending ({self.attempts} attempts)"
        return f"{self.to}: {self.subject} [{state}]"

    @property
    def state(self) -> str:
        if self.sent_at:
            return EmailState.SENT
        if self.failed_at:
            return EmailState.FAILED
        return EmailState.PENDING

    def get_state_display(self) -> str:
        return EmailState(self.state).label
