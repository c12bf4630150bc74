"""Read models of the payer's claim and eligibility systems. They are the source of truth: the
portal only shows these rows, and ``claims_import`` and ``members_import`` (see
``claims.services``) are how they arrive."""

import uuid

from django.db import models
from django.db.models import F, Q

from accounts.access import ANY_ORGANIZATION, RestrictedManager
from accounts.models import ProviderIdentifier


class ClaimStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROCESS = "in_process", "In process"
    PAID = "paid", "Paid"
    DENIED = "denied", "Denied"
    ADJUSTED = "adjusted", "Adjusted"


# Claim numbers appear in URLs (/claims/<claim_number>/): letters, digits and dashes only.
CLAIM_NUMBER_REGEX = r"^[A-Za-z0-9-]+$"


class Claim(models.Model):
    """One claim billed under a provider ID, as the claim system last reported it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim_number = models.CharField(max_length=20, unique=True)
    # No single-column index: the list index below starts with this column and serves it too.
    provider_identifier = models.ForeignKey(
        ProviderIdentifier,
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name="provider ID",
        db_index=False,
    )
    member_id = models.CharField("member ID", max_length=30)
    member_name = models.CharField(max_length=200)
    service_date_from = models.DateField()
    service_date_to = models.DateField()
    billed_amount = models.DecimalField(max_digits=12, decimal_places=2)
    allowed_amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.RECEIVED)
    received_date = models.DateField()
    paid_date = models.DateField(null=True, blank=True)
    check_number = models.CharField("check or EFT number", max_length=30, blank=True)
    denial_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    access_provider_path = "provider_identifier"
    access_organization_path = "provider_identifier__organization"

    class Meta:
        ordering = ["-received_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(claim_number__regex=CLAIM_NUMBER_REGEX), name="claim_number_format"),
            models.CheckConstraint(
                condition=Q(service_date_to__gte=F("service_date_from")), name="claim_service_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(billed_amount__gte=0), name="claim_billed_not_negative"),
            models.CheckConstraint(condition=Q(allowed_amount__gte=0), name="claim_allowed_not_negative"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="claim_paid_not_negative"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
        ]
        indexes = [
            # The Claims list: one provider ID's claims, newest first, walked by keyset.
            models.Index(fields=["provider_identifier", "-received_date", "-id"], name="claim_pid_received_idx"),
            models.Index(fields=["member_id"], name="claim_member_id_idx"),
        ]

    def __str__(self) -> str:
        return self.claim_number


# Member IDs are typed into the Eligibility form: letters, digits and dashes only.
MEMBER_ID_REGEX = r"^[A-Za-z0-9-]+$"


class Member(models.Model):
    """A member of the health plan, as the eligibility system last reported them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member_id = models.CharField("member ID", max_length=30, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    # Members are found by exact member ID and birth date, never listed: the level held on any
    # organization (Eligibility) opens the lookup.
    objects = RestrictedManager()
    access_organization_path = ANY_ORGANIZATION

    class Meta:
        ordering = ["member_id"]
        constraints = [
            models.CheckConstraint(condition=Q(member_id__regex=MEMBER_ID_REGEX), name="member_id_format"),
        ]

    def __str__(self) -> str:
        # No name: this string lands in audit rows and admin lists, where the ID is enough.
        return f"Member {self.member_id}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    TERMINATED = "terminated", "Terminated"
    PENDING = "pending", "Pending"


class Coverage(models.Model):
    """One span of a member's coverage under one plan; no end date means open-ended."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column index: the unique constraint and the index below start with this column.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="coverages", db_index=False)
    plan_code = models.CharField(max_length=20)
    plan_name = models.CharField(max_length=200)
    coverage_start = models.DateField()
    coverage_end = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    status = models.CharField(max_length=12, choices=CoverageStatus.choices, default=CoverageStatus.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member", "-coverage_start", "plan_code"]
        constraints = [
            # The import's upsert key: one span per member, plan and start date.
            models.UniqueConstraint(
                fields=["member", "plan_code", "coverage_start"], name="coverage_member_plan_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(coverage_end__isnull=True) | Q(coverage_end__gte=F("coverage_start")),
                name="coverage_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(status__in=CoverageStatus.values), name="coverage_status_valid"),
            # A terminated span ended on a known day.
            models.CheckConstraint(
                condition=~Q(status=CoverageStatus.TERMINATED) | Q(coverage_end__isnull=False),
                name="coverage_terminated_has_end",
            ),
            models.CheckConstraint(condition=~Q(plan_code=""), name="coverage_plan_code_not_empty"),
        ]
        indexes = [
            # Eligibility: one member's spans by start date.
            models.Index(fields=["member", "coverage_start"], name="coverage_member_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_code} from {self.coverage_start}"

    def covers(self, day) -> bool:
        """Whether this span pays for services on ``day``: a pending span covers nothing yet; an
        active or terminated one covers the days from its start to its end (if any)."""
        if self.status == CoverageStatus.PENDING:
            return False
        return self.coverage_start <= day and (self.coverage_end is None or day <= self.coverage_end)
