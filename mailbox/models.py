"""Secure messages: threads, participants and messages.

A thread is between one provider login and the payer team, between members of one organization,
or a system notification to one user. Provider users see a thread only as its participants; the
payer team sees every payer thread. Email never carries message text: only "you have a new
message" and a link.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from accounts.access import RestrictedQuerySet
from accounts.models import AccessLevel

MESSAGE_MAX_LENGTH = 5000
SUBJECT_MAX_LENGTH = 200


class ThreadKind(models.TextChoices):
    PAYER = "payer", "With the payer team"
    ORGANIZATION = "organization", "Within an organization"
    SYSTEM = "system", "System notification"


class ThreadQuerySet(RestrictedQuerySet):
    def restrict(self, user, level=AccessLevel.MESSAGE_BOX):
        """Threads the provider user takes part in; a colleague thread also needs ``level`` on its
        organization now (someone removed from a TIN no longer reads its internal conversations)."""
        taking_part = Participant.objects.filter(thread=OuterRef("pk"), user=user)
        return self.filter(Exists(taking_part)).filter(~Q(kind=ThreadKind.ORGANIZATION) | self.holds_level(user, level))


class Thread(models.Model):
    """A conversation: its subject, who it is with, and the payer team's handling of it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=ThreadKind.choices)
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="threads"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    # The payer team's shared inbox: unread until an analyst opens it, optionally taken by one.
    payer_unread = models.BooleanField(default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_threads"
    )

    objects = ThreadQuerySet.as_manager()
    access_organization_path = "organization"

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-last_message_at", "-id"], name="thread_kind_recent_idx"),
            models.Index(
                fields=["-last_message_at", "-id"],
                condition=Q(kind="payer", payer_unread=True),
                name="thread_payer_unread_idx",
            ),
            models.Index(fields=["assigned_to", "-last_message_at"], name="thread_assigned_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ThreadKind.values), name="thread_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ThreadKind.ORGANIZATION) | Q(organization__isnull=False),
                name="thread_organization_kind_has_organization",
            ),
            models.CheckConstraint(
                condition=Q(kind=ThreadKind.PAYER) | Q(payer_unread=False, assigned_to__isnull=True),
                name="thread_payer_fields_only_on_payer_threads",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def with_label(self) -> str:
        """Who the thread is with, as the inbox's "With" column says it."""
        if self.kind == ThreadKind.PAYER:
            return f"{settings.PAYER_NAME} team"
        if self.kind == ThreadKind.SYSTEM:
            return "System notification"
        return f"{self.organization.name} colleagues"


class ParticipantQuerySet(RestrictedQuerySet):
    def restrict(self, user, level=AccessLevel.MESSAGE_BOX):
        """The user's own places in threads, with the colleague-thread rule of ``Thread.objects.restrict``."""
        return self.filter(user=user).filter(~Q(thread__kind=ThreadKind.ORGANIZATION) | self.holds_level(user, level))


class Participant(models.Model):
    """A provider user's place in a thread: their read and archive state."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations")
    unread = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    # A copy of the thread's time, so the inbox is one index range scan.
    last_message_at = models.DateTimeField(default=timezone.now)

    objects = ParticipantQuerySet.as_manager()
    access_organization_path = "thread__organization"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="participant_unique")]
        indexes = [
            models.Index(fields=["user", "archived", "-last_message_at", "-id"], name="participant_inbox_idx"),
            models.Index(fields=["user"], condition=Q(unread=True, archived=False), name="participant_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.thread_id}"


class Message(models.Model):
    """One message of a thread: plain text, from a user, the payer team, or the system."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    # None: a system notification.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="sent_messages"
    )
    from_payer = models.BooleanField(default=False, help_text="Sent by payer staff for the payer team.")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at", "id"], name="message_thread_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MESSAGE_MAX_LENGTH), name="message_body_max_length"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="message_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Message {self.uuid} in {self.thread_id}"

    @property
    def is_system(self) -> bool:
        return self.sender_id is None
