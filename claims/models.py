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
    # Received but not yet final, as the claim system reports them to the status inquiry (276/277).
    PENDING = "pending", "Pending"
    SUSPENDED = "suspended", "Suspended"


class FrequencyCode(models.TextChoices):
    """The claim frequency code of the 837 (CLM05-3): an original claim, a replacement or a void."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"
    VOID = "8", "Void of a prior claim"


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
    diagnosis_codes = models.JSONField(
        "diagnosis codes (ICD-10-CM)", default=list, blank=True, help_text="Billable codes, the principal first."
    )
    frequency_code = models.CharField(max_length=1, choices=FrequencyCode.choices, default=FrequencyCode.ORIGINAL)
    # A correction (frequency 7 or 8) points at the claim it replaces or voids.
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", db_index=True
    )
    void_reason = models.CharField(max_length=500, blank=True)
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
            models.CheckConstraint(condition=Q(frequency_code__in=FrequencyCode.values), name="claim_frequency_valid"),
            # An original replaces nothing; a replacement or a void names its claim.
            models.CheckConstraint(
                condition=Q(frequency_code=FrequencyCode.ORIGINAL, replaces__isnull=True)
                | (~Q(frequency_code=FrequencyCode.ORIGINAL) & Q(replaces__isnull=False)),
                name="claim_correction_names_original",
            ),
        ]
        indexes = [
            # The Claims list: one provider ID's claims, newest first, walked by keyset.
            models.Index(fields=["provider_identifier", "-received_date", "-id"], name="claim_pid_received_idx"),
            models.Index(fields=["member_id"], name="claim_member_id_idx"),
            # The other sorts of the list, walked by keyset the same way (a backward scan serves
            # the ascending twin of each).
            models.Index(fields=["provider_identifier", "-service_date_from", "-id"], name="claim_pid_service_idx"),
            models.Index(fields=["provider_identifier", "-billed_amount", "-id"], name="claim_pid_billed_idx"),
            models.Index(fields=["provider_identifier", "-paid_amount", "-id"], name="claim_pid_paid_idx"),
            models.Index(fields=["provider_identifier", "status", "-id"], name="claim_pid_status_idx"),
            models.Index(fields=["provider_identifier", "member_id", "id"], name="claim_pid_member_idx"),
        ]

    def __str__(self) -> str:
        return self.claim_number

    @property
    def diagnoses(self):
        """The claim's ICD-10-CM codes with their descriptions, the principal first."""
        from claims.diagnoses import describe

        return describe(self.diagnosis_codes)


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


# --- service lines and adjudication ---------------------------------------------------------------


class AdjustmentGroup(models.TextChoices):
    """Who carries an adjustment (the X12 claim adjustment group codes)."""

    CO = "CO", "Contractual obligation"
    PR = "PR", "Patient responsibility"
    OA = "OA", "Other adjustment"
    PI = "PI", "Payer-initiated reduction"
    CR = "CR", "Correction or reversal"


# What each group means for the provider, in the words the claim page uses.
GROUP_MEANING = {
    AdjustmentGroup.CO: "The provider writes this off under the contract; the member is not billed for it.",
    AdjustmentGroup.PR: "The member owes this amount.",
    AdjustmentGroup.OA: "Adjusted for another reason; neither the provider's contract nor the member is named.",
    AdjustmentGroup.PI: "The plan reduced the payment; the member is not billed for it.",
    AdjustmentGroup.CR: "Corrects or reverses an earlier payment of this claim.",
}


class ReasonCodeKind(models.TextChoices):
    CARC = "carc", "Claim adjustment reason code"
    RARC = "rarc", "Remittance advice remark code"


# CARCs are 1 to 3 characters (45, 253, A1, P12); RARCs a letter or two and digits (N130, MA01, M15).
REASON_CODE_REGEX = r"^[A-Z0-9]{1,5}$"


class ReasonCode(models.Model):
    """A published claim adjustment reason code (CARC) or remark code (RARC) with the plan's wording,
    loaded from CSV by ``load_reason_codes``."""

    kind = models.CharField(max_length=4, choices=ReasonCodeKind.choices)
    code = models.CharField(max_length=5)
    description = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="reason_code_kind_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=ReasonCodeKind.values), name="reason_code_kind_valid"),
            models.CheckConstraint(condition=Q(code__regex=REASON_CODE_REGEX), name="reason_code_format"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class ClaimLine(models.Model):
    """One service line of a claim as adjudicated: the procedure billed and what the plan allowed,
    paid and left to the member."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_number = models.PositiveSmallIntegerField()
    procedure_code = models.CharField("CPT/HCPCS code", max_length=5)
    modifiers = models.CharField(max_length=11, blank=True, help_text="Up to four, separated by commas.")
    units = models.DecimalField(max_digits=7, decimal_places=2)
    service_date = models.DateField()
    billed_amount = models.DecimalField(max_digits=12, decimal_places=2)
    allowed_amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2)
    deductible = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    coinsurance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    copay = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    remark_codes = models.CharField("remark codes (RARC)", max_length=60, blank=True)
    note = models.CharField("adjudication note", max_length=500, blank=True)

    objects = RestrictedManager()
    access_provider_path = "claim__provider_identifier"
    access_organization_path = "claim__provider_identifier__organization"

    class Meta:
        ordering = ["claim", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "line_number"], name="claim_line_number_unique"),
            models.CheckConstraint(condition=Q(line_number__gte=1), name="claim_line_number_positive"),
            models.CheckConstraint(condition=Q(units__gt=0), name="claim_line_units_positive"),
            models.CheckConstraint(
                condition=Q(billed_amount__gte=0)
                & Q(allowed_amount__gte=0)
                & Q(paid_amount__gte=0)
                & Q(deductible__gte=0)
                & Q(coinsurance__gte=0)
                & Q(copay__gte=0),
                name="claim_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} line {self.line_number}"

    @property
    def modifier_list(self) -> list[str]:
        return [m for m in self.modifiers.split(",") if m]

    @property
    def remark_code_list(self) -> list[str]:
        return [m for m in self.remark_codes.split(",") if m]

    @property
    def member_responsibility(self):
        return self.deductible + self.coinsurance + self.copay


class LineAdjustment(models.Model):
    """One adjustment of a service line: its group, its reason (CARC) and its amount."""

    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="adjustments")
    group_code = models.CharField(max_length=2, choices=AdjustmentGroup.choices)
    reason_code = models.CharField("reason code (CARC)", max_length=5)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(group_code__in=AdjustmentGroup.values), name="line_adj_group_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.reason_code} {self.amount}"


# --- remittance (X12 835) ---------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    """BPR04: how the money moved."""

    ACH = "ACH", "EFT (ACH)"
    CHK = "CHK", "Check"
    BOP = "BOP", "Financial institution option"
    FWT = "FWT", "Wire transfer"
    NON = "NON", "No payment"


class Remittance(models.Model):
    """One payment to one payee (an 835 transaction set): the check or EFT, its trace number and
    the original segments, kept so the payee can download them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # TRN02: the check number or EFT trace number; the import's idempotency key.
    trace_number = models.CharField("check or EFT trace number", max_length=50, unique=True)
    payment_method = models.CharField(max_length=3, choices=PaymentMethod.choices)
    payment_date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # Stored so that the payments list never counts a payment's claims per request (an EFT of a
    # large TIN pays thousands): set once at import, a payment is never edited afterwards.
    claim_count = models.PositiveIntegerField(default=0, help_text="The number of claims this payment pays.")
    payer_name = models.CharField(max_length=60)
    payer_id = models.CharField("payer identifier", max_length=50, blank=True)
    payee_name = models.CharField(max_length=60)
    payee_tin = models.CharField("payee TIN", max_length=9)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="remittances")
    segments = models.TextField(help_text="The ST to SE segments of this payment, as received.")
    envelope = models.TextField(help_text="The ISA and GS segments the payment came in.")
    source_name = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_organization_path = "organization"

    class Meta:
        ordering = ["-payment_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(payment_method__in=PaymentMethod.values), name="remit_method_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "-payment_date", "-id"], name="remit_org_date_idx"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.trace_number}"


class ClaimPayment(models.Model):
    """What one payment says about one claim (the CLP loop)."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="claim_payments")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    status_code = models.CharField("claim status code (CLP02)", max_length=2)
    charge_amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2)
    patient_responsibility = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    payer_claim_number = models.CharField(max_length=50, blank=True)

    objects = RestrictedManager()
    access_provider_path = "claim__provider_identifier"
    access_organization_path = "claim__provider_identifier__organization"

    class Meta:
        ordering = ["remittance", "id"]

    def __str__(self) -> str:
        return f"{self.remittance_id} pays {self.claim_id}"

    @property
    def status_words(self) -> str:
        return CLAIM_PAYMENT_STATUS.get(self.status_code, f"status {self.status_code}")


# CLP02, as the pages say it.
CLAIM_PAYMENT_STATUS = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "19": "Processed as primary, forwarded to another payer",
    "20": "Processed as secondary, forwarded to another payer",
    "21": "Processed as tertiary, forwarded to another payer",
    "22": "Reversal of a previous payment",
    "23": "Not our claim, forwarded to another payer",
    "25": "Predetermination only, no payment",
}


class ServicePayment(models.Model):
    """What one payment says about one service line (the SVC loop)."""

    claim_payment = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="services")
    line = models.ForeignKey(ClaimLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments")
    procedure_code = models.CharField(max_length=5)
    modifiers = models.CharField(max_length=11, blank=True)
    charge_amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2)
    allowed_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    units = models.DecimalField(max_digits=7, decimal_places=2, default=1)
    service_date = models.DateField(null=True, blank=True)
    remark_codes = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["claim_payment", "id"]

    def __str__(self) -> str:
        return f"{self.procedure_code} paid {self.paid_amount}"


class PaymentAdjustment(models.Model):
    """One CAS adjustment of a payment: of the whole claim (no service) or of one service."""

    claim_payment = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="adjustments")
    service = models.ForeignKey(
        ServicePayment, on_delete=models.CASCADE, null=True, blank=True, related_name="adjustments"
    )
    group_code = models.CharField(max_length=2, choices=AdjustmentGroup.choices)
    reason_code = models.CharField(max_length=5)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["claim_payment", "id"]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.reason_code} {self.amount}"


# --- appeals and reconsiderations --------------------------------------------------------------------


class AppealKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", "Reconsideration"
    APPEAL = "appeal", "Appeal"


class AppealReason(models.TextChoices):
    MEDICAL_NECESSITY = "medical_necessity", "The service was medically necessary"
    CODING = "coding", "Coding or bundling was applied wrongly"
    AUTHORIZATION = "authorization", "An authorization was on file"
    TIMELY_FILING = "timely_filing", "The claim was filed in time"
    ELIGIBILITY = "eligibility", "The member was covered"
    PAYMENT_AMOUNT = "payment_amount", "The payment does not match the contract"
    OTHER = "other", "Another reason (explained in the note)"


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    UPHELD = "upheld", "Upheld: the decision stands"
    OVERTURNED = "overturned", "Overturned"
    PARTLY = "partly", "Partly overturned"


APPEAL_OPEN = (AppealStatus.SUBMITTED, AppealStatus.IN_REVIEW)
APPEAL_OUTCOMES = (AppealStatus.UPHELD, AppealStatus.OVERTURNED, AppealStatus.PARTLY)
APPEAL_NOTE_MAX_LENGTH = 4000
APPEAL_DECISION_MAX_LENGTH = 2000


class Appeal(models.Model):
    """A provider's request that the plan look at a claim's decision again, with its documents,
    and the plan's decision."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appeals")
    kind = models.CharField(max_length=16, choices=AppealKind.choices)
    reason = models.CharField(max_length=20, choices=AppealReason.choices)
    note = models.TextField(max_length=APPEAL_NOTE_MAX_LENGTH)
    status = models.CharField(max_length=12, choices=AppealStatus.choices, default=AppealStatus.SUBMITTED)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="appeals_submitted")
    submitted_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField()
    taken_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="appeals_taken"
    )
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="appeals_decided"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=APPEAL_DECISION_MAX_LENGTH, blank=True)

    objects = RestrictedManager()
    access_provider_path = "claim__provider_identifier"
    access_organization_path = "claim__provider_identifier__organization"

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AppealKind.values), name="appeal_kind_valid"),
            models.CheckConstraint(condition=Q(reason__in=AppealReason.values), name="appeal_reason_valid"),
            models.CheckConstraint(condition=Q(status__in=AppealStatus.values), name="appeal_status_valid"),
            models.CheckConstraint(condition=~Q(note=""), name="appeal_note_not_empty"),
            # One open appeal or reconsideration per claim at a time.
            models.UniqueConstraint(
                fields=["claim"], condition=Q(status__in=["submitted", "in_review"]), name="appeal_one_open_per_claim"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="appeal_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.claim_id}"

    @property
    def is_open(self) -> bool:
        return self.status in APPEAL_OPEN


class AppealDocument(models.Model):
    """A file sent with an appeal, stored under a random name (core.uploads)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="documents")
    storage_name = models.CharField(max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["appeal", "id"]

    def __str__(self) -> str:
        return self.original_name


# --- claims keyed in the portal (the CMS-1500 / 837P) --------------------------------------------------


class ClaimDraftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class ClaimDraft(models.Model):
    """A professional claim keyed in the portal: the checked form, kept as a draft until it is
    submitted, then linked to the Claim it became (and the source of its 837P)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    billing_provider = models.ForeignKey(
        ProviderIdentifier, on_delete=models.PROTECT, related_name="claim_drafts", verbose_name="billing provider NPI"
    )
    member_id = models.CharField("member ID", max_length=30)
    # The checked form: member, diagnoses and lines (see claims.submission).
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=ClaimDraftStatus.choices, default=ClaimDraftStatus.DRAFT)
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="draft")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="claim_drafts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    access_provider_path = "billing_provider"
    access_organization_path = "billing_provider__organization"

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimDraftStatus.values), name="claim_draft_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft", claim__isnull=True) | Q(status="submitted", claim__isnull=False),
                name="claim_draft_submitted_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim draft {self.uuid}"
