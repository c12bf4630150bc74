"""Read models of the payer's claim system. The claim system is the source of truth: the portal
only shows these rows, and ``claims_import`` (see ``claims.services``) is how they arrive."""

import uuid

from django.db import models
from django.db.models import F, Q

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
