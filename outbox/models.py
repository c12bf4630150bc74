"""The email outbox: every email the portal sends is a row first, sent after the commit by a worker."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEmail(models.Model):
    """An email waiting to be sent, or sent. Claimed by one worker with a conditional UPDATE."""

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

    class Meta:
        # The table kept its name when the outbox became its own app.
        db_table = "mailbox_outboundemail"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="outbox_unsent_idx",
            ),
            # The hourly retention job finds sent rows that still hold a body.
            models.Index(fields=["sent_at"], condition=~Q(body=""), name="outbox_body_kept_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(to=""), name="outbox_to_not_empty"),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else f"pending ({self.attempts} attempts)"
        return f"{self.to}: {self.subject} [{state}]"
