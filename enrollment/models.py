"""Provider enrollment (seed 001): applications in sections, their per-application rights, the
signature, the application fee, the payer's review and the claim-system rows approval creates.

An applicant may have no TIN in the claim system yet, so an application is reached through its
own grant table (``EnrollmentGrant``): ``EnrollmentApplication.objects.restrict(user)`` is the
rows on which the user holds a grant (accounts.access, ``access_grant_path``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.access import RestrictedManager


class ApplicantKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual practitioner"
    FACILITY = "facility", "Facility (organization)"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    RETURNED = "returned", "Returned for correction"
    RESUBMITTED = "resubmitted", "Resubmitted"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    REJECTED = "rejected", "Rejected (not corrected in time)"


STATUS_TAG_CLASSES = {
    Status.APPROVED: "usa-tag bg-green",
    Status.DENIED: "usa-tag bg-secondary-dark",
    Status.REJECTED: "usa-tag bg-secondary-dark",
    Status.RETURNED: "usa-tag bg-gold text-ink",
}

# The statuses in which the provider side may change the application.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
# The statuses waiting on the plan.
OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.RESUBMITTED)


class Section(models.TextChoices):
    """The parts of an application, in the order the summary shows them."""

    IDENTIFICATION = "identification", "Identification"
    LOCATIONS = "locations", "Practice locations"
    LICENSES = "licenses", "Licenses and certifications"
    OWNERSHIP = "ownership", "Ownership and managing control"
    SPECIALTIES = "specialties", "Specialties"
    BANK = "bank", "Bank account for payments"
    DOCUMENTS = "documents", "Supporting documents"
    ATTESTATION = "attestation", "Attestation"


class SectionAccess(models.TextChoices):
    NONE = "none", "No access"
    READ = "read", "Read"
    WRITE = "write", "Write"


class EnrollmentApplication(models.Model):
    """One provider's application to join the plan's network (or to revalidate)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=ApplicantKind.choices)
    is_dme_supplier = models.BooleanField(
        "DME supplier", default=False, help_text="Durable medical equipment suppliers revalidate every 3 years."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revalidation_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revalidations"
    )

    # identification
    legal_name = models.CharField(max_length=200, blank=True)
    npi = models.CharField("NPI", max_length=10, blank=True)
    tin = models.CharField("TIN", max_length=9, blank=True)
    taxonomy_code = models.CharField(max_length=10, blank=True)
    # attestation
    attested = models.BooleanField(default=False)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attested_at = models.DateTimeField(null=True, blank=True)

    completed_sections = models.JSONField(default=list, blank=True)

    # signature: any change of the content afterwards voids it (content_hash no longer matches)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_name = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_hash = models.CharField(max_length=64, blank=True)

    # the fee (cents) fixed when the application is created, by the year's setting
    fee_cents = models.PositiveIntegerField(default=0)
    fee_paid_at = models.DateTimeField(null=True, blank=True)

    # the plan's side
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    correction_due = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revalidation_due = models.DateField(null=True, blank=True)
    revalidation_opened_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    access_grant_path = "grants__user"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="enrol_status_submitted_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="enrollment_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ApplicantKind.values), name="enrollment_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.legal_name or 'untitled'}"

    @property
    def status_tag_class(self) -> str:
        """The status tag's classes, on every list and page that shows an application."""
        return STATUS_TAG_CLASSES.get(self.status, "usa-tag")

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def fee_exempt(self) -> bool:
        return self.fee_cents == 0

    @property
    def fee_dollars(self) -> str:
        return f"${self.fee_cents / 100:,.2f}"


class EnrollmentGrant(models.Model):
    """What one user may do on one application: per section none/read/write, and the rights."""

    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollment_grants")
    is_admin = models.BooleanField("Provider Admin", default=False)
    sections = models.JSONField(default=dict, blank=True)
    can_sign = models.BooleanField("Sign", default=False)
    can_pay = models.BooleanField("Pay fee", default=False)
    can_submit = models.BooleanField("Submit", default=False)
    can_message = models.BooleanField("Message Box", default=False)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "-is_admin", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["application", "user"], name="enrollment_grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} on {self.application.reference}"

    def access(self, section: str) -> str:
        if self.is_admin:
            return SectionAccess.WRITE
        return self.sections.get(section, SectionAccess.NONE)

    def may_read(self, section: str) -> bool:
        return self.access(section) in (SectionAccess.READ, SectionAccess.WRITE)

    def may_write(self, section: str) -> bool:
        return self.access(section) == SectionAccess.WRITE

    def right(self, name: str) -> bool:
        return self.is_admin or bool(getattr(self, f"can_{name}"))


class Location(models.Model):
    """A practice location of the application."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="locations")
    address_line1 = models.CharField("address", max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    postal_code = models.CharField("ZIP code", max_length=10)
    phone = models.CharField(max_length=20)
    hours = models.CharField(max_length=200, help_text="For example: Mon–Fri 8:00–17:00")

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.address_line1}, {self.city} {self.state}"


class LicenseKind(models.TextChoices):
    LICENSE = "license", "License"
    CERTIFICATION = "certification", "Certification"


class License(models.Model):
    """A license or certification held by the applicant."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="licenses")
    kind = models.CharField(max_length=20, choices=LicenseKind.choices, default=LicenseKind.LICENSE)
    number = models.CharField(max_length=40)
    state = models.CharField(max_length=2)
    issued_on = models.DateField()
    expires_on = models.DateField()

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "expires_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="license_dates_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.state})"


class OwnerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"


class Owner(models.Model):
    """A person or organization with ownership or managing control of the applicant."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="owners")
    kind = models.CharField(max_length=20, choices=OwnerKind.choices)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, help_text="For example: owner, managing employee, officer")
    percent = models.DecimalField("ownership %", max_digits=5, decimal_places=2)

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="owner_percent_range")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent}%)"


class Specialty(models.Model):
    """A specialty the applicant practises, one of them primary."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="specialties")
    name = models.CharField(max_length=120)
    is_primary = models.BooleanField("primary", default=False)

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "-is_primary", "name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class BankAccount(models.Model):
    """Where the plan pays the provider. The account number is stored encrypted (Fernet)."""

    application = models.OneToOneField(EnrollmentApplication, on_delete=models.CASCADE, related_name="bank_account")
    holder_name = models.CharField("account holder", max_length=200)
    routing_number = models.CharField("ABA routing number", max_length=9)
    account_number_encrypted = models.TextField()
    account_last4 = models.CharField(max_length=4)

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    def __str__(self) -> str:
        return f"{self.routing_number} ••••{self.account_last4}"

    @property
    def masked(self) -> str:
        return f"••••{self.account_last4}"


class Document(models.Model):
    """A supporting document, stored through Django's storage API (core/uploads.py)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="documents")
    description = models.CharField(max_length=200)
    storage_name = models.CharField(max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_grant_path = "application__grants__user"

    class Meta:
        ordering = ["application", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"


class Payment(models.Model):
    """One attempt at paying the application fee through a payment provider."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="payments")
    processor = models.CharField(max_length=20)
    external_id = models.CharField(max_length=200, blank=True)
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "external_id"], condition=~Q(external_id=""), name="payment_external_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.processor} {self.amount_cents} {self.status}"


class Correction(models.Model):
    """One thing the plan asks the provider to fix, in one section."""

    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="corrections")
    section = models.CharField(max_length=20, choices=Section.choices)
    note = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.note[:40]}"


class StaffRole(models.TextChoices):
    SPECIALIST = "specialist", "Enrollment Specialist"
    SUPERVISOR = "supervisor", "Enrollment Supervisor"


class EnrollmentStaff(models.Model):
    """A payer staff member's enrollment role: a specialist reviews and returns, a supervisor
    also approves, denies and reassigns."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollment_role")
    role = models.CharField(max_length=20, choices=StaffRole.choices)

    class Meta:
        verbose_name_plural = "enrollment staff"
        constraints = [models.CheckConstraint(condition=Q(role__in=StaffRole.values), name="enrollment_role_valid")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    SIGNED = "signed", "Signed"
    SIGNATURE_VOIDED = "signature_voided", "Signature voided by a change"
    FEE_PAID = "fee_paid", "Fee paid"
    SUBMITTED = "submitted", "Submitted"
    TAKEN = "taken", "Taken for review"
    RETURNED = "returned", "Returned for correction"
    RESUBMITTED = "resubmitted", "Resubmitted"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    REJECTED = "rejected", "Rejected"
    REASSIGNED = "reassigned", "Reassigned"


class Event(models.Model):
    """One line of an application's history, shown to the provider and the plan."""

    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
