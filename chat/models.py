"""Live chat conversations: a provider user and the payer analyst who took it, over one thread.

The lines themselves are the thread's messages (mailbox.Message): the Message Box and the Mailbox
show the transcript with their own escaping and access rules.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.access import RestrictedQuerySet
from accounts.models import AccessLevel


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the team"
    ACTIVE = "active", "In progress"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (ConversationStatus.WAITING, ConversationStatus.ACTIVE)


class ConversationQuerySet(RestrictedQuerySet):
    def restrict(self, user, level=AccessLevel.MESSAGE_BOX):
        """The provider user's own conversations, as their threads with the payer team: theirs
        alone, so they stay theirs after leaving the TIN (the thread stays in their Message Box)."""
        if not user.is_authenticated or not user.is_active or user.is_payer_staff:
            return self.none()
        return self.filter(provider=user)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Conversation(models.Model):
    """One live chat: who asked, for which organization, its thread, and who answers it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chats")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="chats")
    thread = models.OneToOneField("mailbox.Thread", on_delete=models.PROTECT, related_name="chat")
    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.WAITING)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="chats_answered"
    )
    created_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ConversationQuerySet.as_manager()
    access_organization_path = "organization"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="chat_status_created_idx"),
            models.Index(fields=["staff", "status"], name="chat_staff_status_idx"),
            # The Control Panel's "recently closed" by this analyst: the newest ten, read in order.
            models.Index(fields=["staff", "status", "-closed_at", "-id"], name="chat_staff_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ConversationStatus.values), name="chat_status_valid"),
            # One open conversation per provider user: a second tab resumes it instead.
            models.UniqueConstraint(
                fields=["provider"], condition=Q(status__in=["waiting", "active"]), name="chat_one_open_per_provider"
            ),
            models.CheckConstraint(
                condition=Q(status="waiting") | Q(staff__isnull=False) | Q(status="closed"),
                name="chat_active_has_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"Live chat {self.uuid}"
