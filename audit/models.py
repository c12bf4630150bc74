"""The append-only audit trail: one row for every login and every change of who may see what."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    SESSION_EXPIRED = "session_expired", "Session expired"
    MFA_ENROLLED = "mfa_enrolled", "Enrolled MFA"
    MFA_VERIFIED = "mfa_verified", "Passed MFA"
    MFA_FAILED = "mfa_failed", "Failed MFA"
    MFA_BACKUP_CODE_USED = "mfa_backup_code_used", "Used an MFA backup code"
    PASSWORD_CHANGED = "password_changed", "Changed password"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Requested a password reset"
    PASSWORD_RESET_COMPLETED = "password_reset_completed", "Completed a password reset"
    STATUS_CHANGED = "status_changed", "Changed user status"
    USER_CREATED = "user_created", "Created user"
    LEVELS_CHANGED = "levels_changed", "Changed access levels"
    SCOPE_ADDED = "scope_added", "Added provider IDs to scope"
    SCOPE_REMOVED = "scope_removed", "Removed provider IDs from scope"
    ORGANIZATION_CREATED = "organization_created", "Created organization"
    PROVIDER_ID_CREATED = "provider_id_created", "Created provider ID"
    ADMIN_CHANGED = "admin_changed", "Changed in the admin"
    MESSAGE_SENT = "message_sent", "Sent a secure message"
    THREAD_ASSIGNED = "thread_assigned", "Took a Mailbox thread"
    THREAD_ARCHIVED = "thread_archived", "Archived a thread"
    REQUEST_CREATED = "request_created", "Sent an Add Facility request"
    REQUEST_DECIDED = "request_decided", "Decided an Add Facility request"
    PASSWORD_RESET_SENT = "password_reset_sent", "Sent a password reset email"


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk edits: the trail is written once and never changed."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One audited fact: who did what to which object, for which organization, from where, when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # A copy of the actor's or attempted login's email, kept as it was at the time.
    actor_email = models.CharField(max_length=254, blank=True)
    # Values of AuditAction; no `choices=` so that a new kind of event needs no migration.
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["organization", "-occurred_at"], name="audit_org_time_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_email or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def get_action_display(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action
