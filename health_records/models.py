"""Members' clinical data imported from FHIR R4 bundles, their opt-out of sharing it, the care-gap
rules (kept as data) and the care gaps computed from them.

A member's record is opened through attribution (see ``health_records.selectors``), never by a
path of its own: these rows name no provider ID."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models import Member


class RecordOptOut(models.Model):
    """A member who asked the plan not to share their health record with providers."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="record_opt_out")
    opted_out_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    def __str__(self) -> str:
        return f"Opt-out of {self.member}"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class ClinicalPatient(models.Model):
    """What the last FHIR Patient resource said about a member (the birth date stays the plan's)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="clinical_patient")
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Patient {self.member}"


class BundleImport(models.Model):
    """One FHIR bundle imported: where from and what it held."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="bundle_imports")
    source = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    resources = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"Bundle {self.source}"


class _Clinical(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    # The resource's id in its bundle: a bundle imported again updates its rows in place.
    resource_id = models.CharField(max_length=64)
    code_system = models.CharField(max_length=200)
    code = models.CharField(max_length=64)
    display = models.CharField(max_length=300)
    bundle = models.ForeignKey(BundleImport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.display} ({self.code})"


class Medication(_Clinical):
    """A MedicationStatement or MedicationRequest: a drug the member takes or was prescribed."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="medications")
    status = models.CharField(max_length=20)
    started_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "display"]
        constraints = [models.UniqueConstraint(fields=["member", "resource_id"], name="medication_member_res_unique")]


class Immunization(_Clinical):
    """A vaccine given (CVX code)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="immunizations")
    occurred_on = models.DateField()

    class Meta:
        ordering = ["-occurred_on", "display"]
        constraints = [models.UniqueConstraint(fields=["member", "resource_id"], name="immunization_member_res_unique")]


class LabResult(_Clinical):
    """An Observation: a lab result or screening (LOINC code), with its value when it has one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="lab_results")
    effective_on = models.DateField()
    value = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-effective_on", "display"]
        constraints = [models.UniqueConstraint(fields=["member", "resource_id"], name="labresult_member_res_unique")]
        indexes = [models.Index(fields=["member", "code", "-effective_on"], name="labresult_member_code_idx")]


class RuleKind(models.TextChoices):
    OBSERVATION_MISSING = "observation_missing", "No result of the measure in the lookback"
    IMMUNIZATION_MISSING = "immunization_missing", "A vaccine of the schedule missing"
    CLAIM_MISSING = "claim_missing", "No claim line with a procedure of the measure in the lookback"


class CareGapRule(models.Model):
    """One quality-measure rule, loaded from health_records/care_gap_rules.json."""

    code = models.SlugField(max_length=40, unique=True)
    measure = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    parameters = models.JSONField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="caregaprule_kind_valid")]

    def __str__(self) -> str:
        return self.measure


class CareGap(models.Model):
    """An open care gap of a member under one rule, with the evidence that opened it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_gaps")
    rule = models.ForeignKey(CareGapRule, on_delete=models.CASCADE, related_name="gaps")
    evidence = models.CharField(max_length=500)
    computed_on = models.DateField()

    class Meta:
        ordering = ["rule__measure", "member__member_id"]
        constraints = [models.UniqueConstraint(fields=["member", "rule"], name="caregap_member_rule_unique")]

    def __str__(self) -> str:
        return f"{self.rule.code} for {self.member}"
