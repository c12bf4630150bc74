"""Prior authorization requests: what a provider asks the plan to approve before a service, the
plan's per-line decisions, and the two tables the plan maintains (the services that need
authorization and the coded reasons for a denial).

A request reaches a user through its requesting provider ID, exactly as a claim does
(``AuthorizationRequest.objects.restrict(user, AccessLevel.AUTHORIZATIONS)``). Payer staff work on
every request from the Control Panel.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.access import RestrictedManager
from accounts.models import ProviderIdentifier
from claims.models import Member

MAX_DIAGNOSES = 12
MAX_LINES = 20
MAX_MODIFIERS = 4


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    INFO_REQUESTED = "info_requested", "Information requested"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Waiting for the plan's decision: the clock runs (or is paused, see AUTH_INFO_REQUEST_PAUSES_CLOCK).
OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.INFO_REQUESTED)
DECIDED_STATUSES = (RequestStatus.APPROVED, RequestStatus.PARTIALLY_APPROVED, RequestStatus.DENIED)


class RequestType(models.TextChoices):
    INITIAL = "initial", "Initial request"
    EXTENSION = "extension", "Extension of an authorization"
    MODIFICATION = "modification", "Modification of an authorization"
    CANCELLATION = "cancellation", "Cancellation of an authorization"


class Category(models.TextChoices):
    OUTPATIENT = "outpatient", "Outpatient service"
    INPATIENT = "inpatient", "Inpatient admission"
    DME = "dme", "Durable medical equipment"
    HOME_HEALTH = "home_health", "Home health"


class Urgency(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"


# The attestation the federal rule asks for an expedited request (42 CFR 422.570(c)(2)).
EXPEDITED_ATTESTATION = (
    "I attest that applying the standard time frame could seriously jeopardize the life or health "
    "of the member or the member's ability to regain maximum function."
)


class PlaceOfService(models.TextChoices):
    # The CMS place-of-service code set (a public code list), the places a prior authorization names.
    OFFICE = "11", "11 Office"
    HOME = "12", "12 Home"
    URGENT_CARE = "20", "20 Urgent care facility"
    INPATIENT_HOSPITAL = "21", "21 Inpatient hospital"
    OUTPATIENT_HOSPITAL_ON = "22", "22 On campus – outpatient hospital"
    EMERGENCY_ROOM = "23", "23 Emergency room – hospital"
    AMBULATORY_SURGICAL = "24", "24 Ambulatory surgical center"
    SKILLED_NURSING = "31", "31 Skilled nursing facility"
    NURSING = "32", "32 Nursing facility"
    INPATIENT_REHAB = "61", "61 Comprehensive inpatient rehabilitation facility"
    INDEPENDENT_LAB = "81", "81 Independent laboratory"


class LineDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    MODIFIED = "modified", "Approved with changes"
    DENIED = "denied", "Denied"


class AuthorizationService(models.Model):
    """One row of the plan's table of services (CPT/HCPCS codes): whether the plan knows the code
    and whether it needs a prior authorization, for which categories and plans."""

    code = models.CharField(max_length=5, unique=True)
    description = models.CharField(max_length=200)
    requires_authorization = models.BooleanField(default=True)
    # Empty: every category (or plan).
    categories = models.JSONField(default=list, blank=True)
    plans = models.JSONField(default=list, blank=True)
    required_documents = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9]{5}$"), name="auth_service_code_format")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def category_labels(self) -> list[str]:
        return [Category(value).label for value in self.categories]

    def applies_to(self, *, category: str = "", plan_code: str = "") -> bool:
        """Whether a request is needed for this category and plan (empty lists mean every one)."""
        if not self.requires_authorization:
            return False
        if category and self.categories and category not in self.categories:
            return False
        return not (plan_code and self.plans and plan_code not in self.plans)


class DenialReason(models.Model):
    """A coded reason for denying a service line; every denial names one (CMS-0057-F)."""

    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9-]+$"), name="denial_reason_code_format")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class AuthorizationRequest(models.Model):
    """One prior authorization request, from its first saved step (a draft) to its decision."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PA-<year>-<number>, given when the draft is first saved.
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    # Member step.
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="authorizations")
    planned_service_date = models.DateField()

    # Providers step. No single-column index: the list index starts with this column.
    requesting_provider = models.ForeignKey(
        ProviderIdentifier,
        on_delete=models.PROTECT,
        related_name="authorizations",
        null=True,
        blank=True,
        verbose_name="requesting provider ID",
        db_index=False,
    )
    servicing_npi = models.CharField("servicing provider or facility NPI", max_length=10, blank=True)
    servicing_name = models.CharField("servicing provider or facility name", max_length=200, blank=True)
    request_type = models.CharField(max_length=20, choices=RequestType.choices, default=RequestType.INITIAL)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    admission_date = models.DateField(null=True, blank=True)
    length_of_stay = models.PositiveSmallIntegerField("expected length of stay (days)", null=True, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    expedited_attested = models.BooleanField(default=False)
    place_of_service = models.CharField(max_length=2, choices=PlaceOfService.choices, blank=True)
    # The step the draft reached (1 member … 6 review).
    step = models.PositiveSmallIntegerField(default=1)

    # Clocks.
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    info_needed = models.TextField(blank=True)
    info_deadline = models.DateField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)

    # Review and decision.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certification_number = models.CharField(max_length=20, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    letter_name = models.CharField(max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # A request that appeals an earlier denial (the public metrics count approvals after appeal).
    appeal_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="appeals")

    objects = RestrictedManager()
    access_provider_path = "requesting_provider"
    access_organization_path = "requesting_provider__organization"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="auth_status_valid"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="auth_urgency_valid"),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.DRAFT) | Q(received_at__isnull=False, due_at__isnull=False),
                name="auth_submitted_has_clock",
            ),
            models.CheckConstraint(
                condition=~Q(urgency=Urgency.EXPEDITED) | Q(expedited_attested=True) | Q(status=RequestStatus.DRAFT),
                name="auth_expedited_attested",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="auth_validity_ordered"
            ),
        ]
        indexes = [
            # The provider list: one provider ID's requests, newest first, walked by keyset.
            models.Index(fields=["requesting_provider", "-created_at", "-id"], name="auth_pid_created_idx"),
            # The payer queue: open requests by due time.
            models.Index(fields=["status", "due_at", "id"], name="auth_status_due_idx"),
            # The whole queue (every open status) in due order without sorting the open rows.
            models.Index(fields=["due_at", "id"], condition=Q(status__in=OPEN_STATUSES), name="auth_open_due_idx"),
            models.Index(fields=["member", "status"], name="auth_member_status_idx"),
            # The public metrics: requests received in a year.
            models.Index(fields=["received_at"], name="auth_received_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or "Draft authorization"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    @property
    def is_appeal(self) -> bool:
        return self.appeal_of_id is not None


class Diagnosis(models.Model):
    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField()
    code = models.CharField("ICD-10-CM code", max_length=8)
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="auth_diagnosis_position_unique"),
            models.UniqueConstraint(fields=["request", "code"], name="auth_diagnosis_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class ServiceLine(models.Model):
    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    code = models.CharField("CPT/HCPCS code", max_length=5)
    modifiers = models.CharField(max_length=11, blank=True, help_text="Up to four two-character modifiers.")
    units = models.PositiveIntegerField()
    date_from = models.DateField()
    date_to = models.DateField()

    decision = models.CharField(max_length=10, choices=LineDecision.choices, default=LineDecision.PENDING)
    approved_units = models.PositiveIntegerField(null=True, blank=True)
    approved_from = models.DateField(null=True, blank=True)
    approved_to = models.DateField(null=True, blank=True)
    denial_reason = models.ForeignKey(DenialReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["request", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line_number"], name="auth_line_number_unique"),
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="auth_line_dates_ordered"),
            models.CheckConstraint(condition=Q(units__gte=1), name="auth_line_units_positive"),
            models.CheckConstraint(condition=Q(decision__in=LineDecision.values), name="auth_line_decision_valid"),
            # Every denial names a coded reason.
            models.CheckConstraint(
                condition=~Q(decision=LineDecision.DENIED) | Q(denial_reason__isnull=False),
                name="auth_line_denial_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.line_number} {self.code}"

    @property
    def modifier_list(self) -> list[str]:
        return self.modifiers.split()


class Attachment(models.Model):
    """A clinical document of a request, stored through Django's storage API (core/uploads.py)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="attachments")
    storage_name = models.CharField(max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    objects = RestrictedManager()
    access_provider_path = "request__requesting_provider"
    access_organization_path = "request__requesting_provider__organization"

    class Meta:
        ordering = ["request", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", "Draft saved"
    SUBMITTED = "submitted", "Submitted"
    TAKEN = "taken", "Taken for review"
    INFO_REQUESTED = "info_requested", "Information requested"
    INFO_SENT = "info_sent", "Information sent"
    EXTENDED = "extended", "Time frame extended"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"
    APPEALED = "appealed", "Decision appealed"
    APPEAL_SUBMITTED = "appeal_submitted", "Appeal submitted"


class Event(models.Model):
    """One line of a request's timeline, shown to the provider and the plan."""

    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
