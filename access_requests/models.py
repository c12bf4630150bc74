"""Add Facility requests: one request per submission, one item per requested provider ID."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.access import RestrictedManager
from accounts.models import ProviderIdKind

MAX_ITEMS = 20
NOTE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 500


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    DENIED = "denied", "Denied"


class ItemDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class AccessRequest(models.Model):
    """A provider user's request to add provider IDs to their access scope."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    # The requester's organization when they sent it (their first TIN), for filtering.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="access_requests"
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    status = models.CharField(max_length=24, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    thread = models.OneToOneField("mailbox.Thread", on_delete=models.PROTECT, related_name="access_request")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The requester always sees their own requests (access_requests.selectors.requests_of);
    # restrict() opens the requests naming an organization to holders of a level there.
    objects = RestrictedManager()
    access_organization_path = "organization"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at", "id"], name="request_status_age_idx"),
            models.Index(fields=["requester", "-created_at"], name="request_requester_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.OPEN, decided_at__isnull=True)
                | (~Q(status=RequestStatus.OPEN) & Q(decided_at__isnull=False)),
                name="request_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """A short public reference, e.g. R-1A2B3C4D; not a sequence number."""
        return "R-" + self.uuid.hex[:8].upper()

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class AccessRequestItem(models.Model):
    """One requested provider ID (kind and value as typed), and what was decided for it."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=ProviderIdKind.choices)
    value = models.CharField(max_length=20)
    decision = models.CharField(max_length=10, choices=ItemDecision.choices, default=ItemDecision.PENDING)
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    # Set when approved: the provider ID granted and the levels granted with it, if any.
    provider_identifier = models.ForeignKey(
        "accounts.ProviderIdentifier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A TIN resolves to its organization; approving it grants the provider IDs chosen among its own.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_provider_ids = models.ManyToManyField("accounts.ProviderIdentifier", blank=True, related_name="+")
    levels_granted = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "value"], name="request_item_unique"),
            models.CheckConstraint(condition=Q(decision__in=ItemDecision.values), name="request_item_decision_valid"),
            models.CheckConstraint(
                condition=~Q(decision=ItemDecision.DENIED) | ~Q(reason=""),
                name="request_item_denial_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decision=ItemDecision.APPROVED)
                | Q(provider_identifier__isnull=False)
                | Q(organization__isnull=False),
                name="request_item_approval_has_target",
            ),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="request_item_kind_value_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"
