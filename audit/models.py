"""The append-only audit trail: one row for every login and every change of who may see what.

Each event carries the SHA-256 of its own content and of the previous event's hash, so the rows
form a chain: an edited, inserted or deleted row breaks it, and ``manage.py audit_verify`` says
where. The ORM refuses edits here; on PostgreSQL a trigger refuses them in the database too.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The prev_hash of the first event: there is nothing before it.
GENESIS_HASH = "0" * 64
SHA256_HEX = r"^[0-9a-f]{64}$"


class AuditAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    SESSION_EXPIRED = "session_expired", "Session expired"
    MFA_ENROLLED = "mfa_enrolled", "Enrolled MFA"
    MFA_VERIFIED = "mfa_verified", "Passed MFA"
    MFA_FAILED = "mfa_failed", "Failed MFA"
    MFA_BACKUP_CODE_USED = "mfa_backup_code_used", "Used an MFA backup code"
    PASSKEY_ADDED = "passkey_added", "Added a passkey"
    PASSKEY_REMOVED = "passkey_removed", "Removed a passkey"
    PASSWORD_CHANGED = "password_changed", "Changed password"
    PROFILE_UPDATED = "profile_updated", "Updated their profile"
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
    REGISTRATION_SUBMITTED = "registration_submitted", "Registered"
    REGISTRATION_DUPLICATE = "registration_duplicate", "Tried to register an existing email"
    REGISTRATION_APPROVED = "registration_approved", "Approved a registration"
    REGISTRATION_REJECTED = "registration_rejected", "Rejected a registration"
    REGISTRATION_EMAIL_SENT = "registration_email_sent", "Sent a registration email"
    EMAIL_RETRIED = "email_retried", "Retried a failed email"
    REGISTRATION_COMPLETED = "registration_completed", "Completed registration"
    INVITATION_SENT = "invitation_sent", "Invited a user"
    INVITATION_REVOKED = "invitation_revoked", "Revoked an invitation"
    ORGANIZATION_VERIFIED = "organization_verified", "Verified a TIN"
    MEMBERSHIP_REMOVED = "membership_removed", "Removed a user from an organization"
    MEMBERSHIP_END_SET = "membership_end_set", "Set an end date on a user's access"
    REVIEW_OPENED = "review_opened", "Opened an access review"
    REVIEW_DECIDED = "review_decided", "Decided in an access review"
    REVIEW_UNREVIEWED_DISABLED = "review_unreviewed_disabled", "Disabled a user nobody reviewed"
    CLAIM_VIEWED = "claim_viewed", "Viewed a claim"
    CLAIMS_EXPORTED = "claims_exported", "Exported a list of claims"
    REMITTANCE_IMPORTED = "remittance_imported", "Imported a remittance (835) payment"
    REMITTANCE_VIEWED = "remittance_viewed", "Viewed a remittance payment"
    REMITTANCE_LIST_VIEWED = "remittance_list_viewed", "Viewed the list of payments"
    REMITTANCE_DOWNLOADED = "remittance_downloaded", "Downloaded a remittance (835 or PDF)"
    APPEAL_SUBMITTED = "appeal_submitted", "Submitted a claim appeal"
    CLAIM_DRAFT_SAVED = "claim_draft_saved", "Saved a claim keyed in the portal as a draft"
    CLAIM_SUBMITTED = "claim_submitted", "Submitted a claim keyed in the portal"
    CLAIM_837_DOWNLOADED = "claim_837_downloaded", "Downloaded the 837P of a claim keyed in the portal"
    APPEAL_TAKEN = "appeal_taken", "Took a claim appeal to review"
    APPEAL_DECIDED = "appeal_decided", "Decided a claim appeal"
    APPEAL_DOCUMENT_DOWNLOADED = "appeal_document_downloaded", "Downloaded an appeal document or letter"
    ELIGIBILITY_CHECKED = "eligibility_checked", "Checked eligibility"
    ELIGIBILITY_THROTTLED = "eligibility_throttled", "Refused an eligibility lookup (too many)"
    CLAIM_STATUS_INQUIRED = "claim_status_inquired", "Asked the status of a claim"
    CLAIM_STATUS_THROTTLED = "claim_status_throttled", "Refused a claim status inquiry (too many)"
    CLAIM_CORRECTED = "claim_corrected", "Submitted a corrected claim (replacement or void)"
    AUDIT_EXPORTED = "audit_exported", "Exported the audit log"
    QUESTIONNAIRE_LOADED = "questionnaire_loaded", "Loaded an assessment form version"
    ASSESSMENT_MEMBER_LOOKUP = "assessment_member_lookup", "Looked up a member for an assessment"
    ASSESSMENT_STARTED = "assessment_started", "Started an assessment"
    ASSESSMENT_SAVED = "assessment_saved", "Saved an assessment draft"
    ASSESSMENT_SUBMITTED = "assessment_submitted", "Submitted an assessment"
    ASSESSMENT_VIEWED = "assessment_viewed", "Viewed an assessment"
    ASSESSMENTS_EXPORTED = "assessments_exported", "Exported the assessments list"
    HEALTH_RECORD_VIEWED = "health_record_viewed", "Viewed a member's health record"
    HEALTH_RECORD_REFUSED = "health_record_refused", "Was refused a member's health record"
    CARE_GAPS_VIEWED = "care_gaps_viewed", "Viewed the care gaps list"
    CARE_GAPS_EXPORTED = "care_gaps_exported", "Exported the care gaps list"
    FHIR_BUNDLE_IMPORTED = "fhir_bundle_imported", "Imported a FHIR bundle"
    HEALTH_RECORD_OPT_OUT_SET = "health_record_opt_out_set", "Changed a member's health record opt-out"
    AUTH_DRAFT_SAVED = "auth_draft_saved", "Saved a prior authorization draft"
    AUTH_DRAFT_DELETED = "auth_draft_deleted", "Deleted a prior authorization draft"
    AUTH_SUBMITTED = "auth_submitted", "Submitted a prior authorization"
    AUTH_WITHDRAWN = "auth_withdrawn", "Withdrew a prior authorization"
    AUTH_APPEALED = "auth_appealed", "Appealed a prior authorization decision"
    AUTH_TAKEN = "auth_taken", "Took a prior authorization for review"
    AUTH_INFO_REQUESTED = "auth_info_requested", "Asked for information on a prior authorization"
    AUTH_INFO_SENT = "auth_info_sent", "Sent information for a prior authorization"
    AUTH_EXTENDED = "auth_extended", "Extended a prior authorization's time frame"
    AUTH_DECIDED = "auth_decided", "Decided a prior authorization"
    AUTH_ATTACHMENT_ADDED = "auth_attachment_added", "Attached a document to a prior authorization"
    AUTH_ATTACHMENT_VIEWED = "auth_attachment_viewed", "Opened a prior authorization attachment"
    AUTH_LETTER_VIEWED = "auth_letter_viewed", "Opened a prior authorization decision letter"
    ENROLLMENT_CREATED = "enrollment_created", "Created an enrollment application"
    ENROLLMENT_SECTION_SAVED = "enrollment_section_saved", "Changed a section of an enrollment application"
    ENROLLMENT_SECTION_COMPLETED = "enrollment_section_completed", "Marked an enrollment section complete"
    ENROLLMENT_GRANT_SET = "enrollment_grant_set", "Set a user's rights on an enrollment application"
    ENROLLMENT_GRANT_REVOKED = "enrollment_grant_revoked", "Revoked a user's rights on an enrollment application"
    ENROLLMENT_SIGNED = "enrollment_signed", "Signed an enrollment application"
    ENROLLMENT_SIGNATURE_VOIDED = "enrollment_signature_voided", "Voided an enrollment signature by a change"
    ENROLLMENT_FEE_STARTED = "enrollment_fee_started", "Started paying an enrollment application fee"
    ENROLLMENT_FEE_PAID = "enrollment_fee_paid", "Paid an enrollment application fee"
    ENROLLMENT_SUBMITTED = "enrollment_submitted", "Submitted an enrollment application"
    ENROLLMENT_STATUS_CHANGED = "enrollment_status_changed", "Changed an enrollment application's status"
    ENROLLMENT_REASSIGNED = "enrollment_reassigned", "Reassigned an enrollment application"
    ENROLLMENT_VIEWED = "enrollment_viewed", "Opened an enrollment application"
    ENROLLMENT_DOCUMENT_VIEWED = "enrollment_document_viewed", "Downloaded an enrollment document"
    CHAT_STARTED = "chat_started", "Started a live chat"
    CHAT_TAKEN = "chat_taken", "Took a live chat"
    CHAT_CLOSED = "chat_closed", "Closed a live chat"
    CHAT_REFUSED = "chat_refused", "Was refused a live chat message"


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk edits: the trail is written once and never changed."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One audited fact: who did what to which object, for which organization, from where, when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now)
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
    # The chain (see audit.services.event_hash): hex SHA-256 of the previous event, and of this one.
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hash"], name="audit_hash_unique"),
            models.CheckConstraint(condition=Q(hash__regex=SHA256_HEX), name="audit_hash_sha256_hex"),
            models.CheckConstraint(condition=Q(prev_hash__regex=SHA256_HEX), name="audit_prev_hash_sha256_hex"),
        ]
        # The chain's tail ("the latest event") is read with ORDER BY id DESC LIMIT 1: the primary
        # key's index serves it. The viewer's keyset order (-occurred_at, -id) gets its own index.
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_time_id_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["actor_email", "-occurred_at"], name="audit_actor_email_time_idx"),
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
