"""Assessment forms (versioned FHIR Questionnaire definitions) and the assessments providers file
with them (answers stored as a FHIR QuestionnaireResponse)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.access import RestrictedManager
from accounts.models import ProviderIdentifier
from claims.models import Member


class FormCode(models.TextChoices):
    HRA = "HRA", "Health Risk Assessment"
    NOP = "NOP", "Notification of Pregnancy"


class QuestionnaireStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class Questionnaire(models.Model):
    """One version of an assessment form, as loaded by ``assessments_load``; never edited after."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=10, choices=FormCode.choices)
    version = models.CharField(max_length=20)
    url = models.URLField(max_length=300)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.ACTIVE)
    definition = models.JSONField(help_text="The FHIR R4 Questionnaire resource.")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="active"), name="questionnaire_one_active_per_code"
            ),
            models.CheckConstraint(condition=Q(code__in=FormCode.values), name="questionnaire_code_valid"),
            models.CheckConstraint(
                condition=Q(status__in=QuestionnaireStatus.values), name="questionnaire_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} version {self.version}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Assessment(models.Model):
    """One member's assessment filed by a provider ID: a draft until submitted, then read-only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="assessments")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="assessments")
    # No single-column index: the list index below starts with this column.
    provider_identifier = models.ForeignKey(
        ProviderIdentifier,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name="provider ID",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    response = models.JSONField(default=dict, help_text="The FHIR R4 QuestionnaireResponse resource.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_started"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments_submitted",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Notification of Pregnancy, computed when it is submitted.
    last_menstrual_period = models.DateField(null=True, blank=True)
    first_visit_date = models.DateField(null=True, blank=True)
    estimated_delivery_date = models.DateField(null=True, blank=True)
    gestational_age_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At the first prenatal visit."
    )
    filed_on_time = models.BooleanField(
        null=True, blank=True, help_text="Submitted within NOP_TIMELY_DAYS of the first visit."
    )

    objects = RestrictedManager()
    access_provider_path = "provider_identifier"
    access_organization_path = "provider_identifier__organization"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AssessmentStatus.values), name="assessment_status_valid"),
            # A submitted assessment says when and by whom; a draft says neither.
            models.CheckConstraint(
                condition=(
                    Q(status="submitted", submitted_at__isnull=False, submitted_by__isnull=False)
                    | Q(status="draft", submitted_at__isnull=True, submitted_by__isnull=True)
                ),
                name="assessment_submitted_has_when_and_who",
            ),
        ]
        indexes = [
            models.Index(fields=["provider_identifier", "-created_at", "-id"], name="assessment_pid_created_idx"),
            models.Index(fields=["member", "-created_at"], name="assessment_member_idx"),
            models.Index(fields=["status", "-submitted_at"], name="assessment_status_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} {self.uuid}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED

    @property
    def gestational_age(self) -> str:
        if self.gestational_age_days is None:
            return ""
        weeks, days = divmod(self.gestational_age_days, 7)
        return f"{weeks} weeks {days} days"
