"""Every write of Assessments: loading form definitions, starting, saving and submitting an
assessment, and recording who looked at one. Each is audited in its own transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import user_may
from accounts.models import AccessLevel, ProviderIdentifier, User
from assessments.models import Assessment, AssessmentStatus, FormCode, Questionnaire, QuestionnaireStatus
from assessments.questionnaire import Answers, Definition, DefinitionError, first
from audit.models import AuditAction
from audit.services import record
from claims.models import Member

# Naegele's rule: 280 days from the first day of the last menstrual period.
PREGNANCY_DAYS = 280
# Beyond this the dates cannot describe one pregnancy.
MAX_GESTATION_DAYS = 44 * 7


class AnswersInvalid(ValidationError):
    """The answers do not fit the form; ``by_item`` maps linkIds to messages."""

    def __init__(self, by_item: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {', '.join(values)}" for key, values in by_item.items()))
        self.by_item = by_item


# --- definitions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    questionnaire: Questionnaire
    created: bool
    retired: int


@transaction.atomic
def questionnaire_load(*, data: dict, actor: User | None = None) -> LoadResult:
    """Load one Questionnaire version. A version already loaded must be identical (versions never
    change); an active new version retires the code's earlier active one."""
    definition = Definition.from_json(data)
    if definition.name not in FormCode.values:
        raise DefinitionError([f"Questionnaire.name must be one of {', '.join(FormCode.values)}"])
    if definition.status not in QuestionnaireStatus.values:
        raise DefinitionError(["Questionnaire.status must be active or retired"])
    existing = Questionnaire.objects.filter(code=definition.name, version=definition.version).first()
    if existing is not None:
        if existing.definition != data:
            raise DefinitionError(
                [
                    f"{definition.name} version {definition.version} is already loaded with other content; "
                    "give the changed form a new version"
                ]
            )
        return LoadResult(existing, created=False, retired=0)
    retired = 0
    if definition.status == QuestionnaireStatus.ACTIVE:
        retired = Questionnaire.objects.filter(code=definition.name, status=QuestionnaireStatus.ACTIVE).update(
            status=QuestionnaireStatus.RETIRED
        )
    questionnaire = Questionnaire.objects.create(
        code=definition.name,
        version=definition.version,
        url=definition.url,
        title=definition.title,
        status=definition.status,
        definition=data,
    )
    record(
        action=AuditAction.QUESTIONNAIRE_LOADED,
        actor=actor,
        target=questionnaire,
        details={"code": questionnaire.code, "version": questionnaire.version, "retired_earlier": retired},
    )
    return LoadResult(questionnaire, created=True, retired=retired)


# --- assessments ------------------------------------------------------------------------------------


def _check_may_file(actor: User, provider_identifier: ProviderIdentifier) -> None:
    if not user_may(user=actor, level=AccessLevel.ASSESSMENTS, provider_identifier=provider_identifier):
        raise PermissionDenied("You may not file assessments for this provider ID.")


@transaction.atomic
def assessment_start(
    *, actor: User, member: Member, provider_identifier: ProviderIdentifier, code: str, request=None
) -> Assessment:
    """A new draft of the form's active version for the member, filed under the provider ID."""
    _check_may_file(actor, provider_identifier)
    questionnaire = Questionnaire.objects.filter(code=code, status=QuestionnaireStatus.ACTIVE).first()
    if questionnaire is None:
        raise ValidationError("This form is not available.")
    definition = Definition(questionnaire.definition)
    assessment = Assessment.objects.create(
        questionnaire=questionnaire,
        member=member,
        provider_identifier=provider_identifier,
        created_by=actor,
        response=definition.to_response({}, status="in-progress"),
    )
    record(
        action=AuditAction.ASSESSMENT_STARTED,
        actor=actor,
        target=assessment,
        organization=provider_identifier.organization,
        details=_details(assessment),
        request=request,
    )
    return assessment


def _details(assessment: Assessment) -> dict:
    return {
        "form": assessment.questionnaire.code,
        "version": assessment.questionnaire.version,
        "member_id": assessment.member.member_id,
        "provider_id": assessment.provider_identifier.value,
    }


def _locked_draft(actor: User, assessment: Assessment) -> Assessment:
    """The assessment re-read under a row lock; refused when submitted or out of reach."""
    locked = (
        Assessment.objects.select_for_update()
        .select_related("questionnaire", "member", "provider_identifier__organization")
        .get(pk=assessment.pk)
    )
    _check_may_file(actor, locked.provider_identifier)
    if locked.status != AssessmentStatus.DRAFT:
        raise ValidationError("This assessment was submitted and can no longer be changed.")
    return locked


def nop_dates(answers: Answers, *, today: datetime.date) -> dict[str, list[str]]:
    """What is wrong with a Notification of Pregnancy's dates (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    lmp, visit = first(answers, "lmp"), first(answers, "first-visit")
    if isinstance(lmp, datetime.date) and lmp > today:
        errors["lmp"] = ["The last menstrual period must not be in the future."]
    if isinstance(visit, datetime.date) and visit > today:
        errors["first-visit"] = ["The first prenatal visit must not be in the future."]
    if isinstance(lmp, datetime.date) and isinstance(visit, datetime.date) and "lmp" not in errors:
        if visit < lmp:
            errors.setdefault("first-visit", []).append(
                "The first prenatal visit must not be before the last menstrual period."
            )
        elif (visit - lmp).days > MAX_GESTATION_DAYS:
            errors.setdefault("first-visit", []).append(
                f"The first visit is more than {MAX_GESTATION_DAYS // 7} weeks after the last menstrual period."
            )
    return errors


def answer_problems(assessment: Assessment, answers: Answers, *, complete: bool) -> dict[str, list[str]]:
    """Everything wrong with the answers for this assessment's form version (empty: nothing)."""
    definition = Definition(assessment.questionnaire.definition)
    errors = definition.validate(answers, complete=complete)
    if assessment.questionnaire.code == FormCode.NOP:
        for link_id, messages in nop_dates(answers, today=timezone.localdate()).items():
            errors.setdefault(link_id, []).extend(messages)
    return errors


def _validate(assessment: Assessment, answers: Answers, *, complete: bool) -> Definition:
    errors = answer_problems(assessment, answers, complete=complete)
    if errors:
        raise AnswersInvalid(errors)
    return Definition(assessment.questionnaire.definition)


@transaction.atomic
def assessment_save_draft(*, actor: User, assessment: Assessment, answers: Answers, request=None) -> Assessment:
    """Keep the answers given so far; required items may stay empty, every answer given must fit."""
    assessment = _locked_draft(actor, assessment)
    definition = _validate(assessment, answers, complete=False)
    assessment.response = definition.to_response(answers, status="in-progress")
    assessment.save(update_fields=["response", "updated_at"])
    record(
        action=AuditAction.ASSESSMENT_SAVED,
        actor=actor,
        target=assessment,
        organization=assessment.provider_identifier.organization,
        details=_details(assessment),
        request=request,
    )
    return assessment


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment, answers: Answers, request=None) -> Assessment:
    """File the assessment: every required item shown must be answered, against a version still
    active. An NOP gets its gestational age, delivery date and whether it was filed on time."""
    assessment = _locked_draft(actor, assessment)
    if assessment.questionnaire.status != QuestionnaireStatus.ACTIVE:
        raise ValidationError(
            f"Version {assessment.questionnaire.version} of this form was retired; start a new assessment "
            "to file it on the current version."
        )
    definition = _validate(assessment, answers, complete=True)
    now = timezone.now()
    assessment.response = definition.to_response(answers, status="completed")
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by = actor
    fields = ["response", "status", "submitted_at", "submitted_by", "updated_at"]
    details = _details(assessment)
    if assessment.questionnaire.code == FormCode.NOP:
        lmp, visit = first(answers, "lmp"), first(answers, "first-visit")
        assessment.last_menstrual_period = lmp
        assessment.first_visit_date = visit
        assessment.estimated_delivery_date = lmp + datetime.timedelta(days=PREGNANCY_DAYS)
        assessment.gestational_age_days = (visit - lmp).days
        assessment.filed_on_time = (timezone.localdate(now) - visit).days <= settings.NOP_TIMELY_DAYS
        fields += [
            "last_menstrual_period",
            "first_visit_date",
            "estimated_delivery_date",
            "gestational_age_days",
            "filed_on_time",
        ]
        details["filed_on_time"] = assessment.filed_on_time
    assessment.save(update_fields=fields)
    record(
        action=AuditAction.ASSESSMENT_SUBMITTED,
        actor=actor,
        target=assessment,
        organization=assessment.provider_identifier.organization,
        details=details,
        request=request,
    )
    return assessment


def assessment_viewed(*, actor: User, assessment: Assessment, what: str = "page", request=None) -> None:
    """Record that someone opened (or printed, or a payer analyst read) an assessment."""
    record(
        action=AuditAction.ASSESSMENT_VIEWED,
        actor=actor,
        target=assessment,
        organization=assessment.provider_identifier.organization,
        details={**_details(assessment), "view": what},
        request=request,
    )


def assessment_member_lookup(*, actor: User, member_id: str, found: Member | None, request=None) -> None:
    """Record a member lookup from the Assessments page (the ID and the result, never the birth date)."""
    record(
        action=AuditAction.ASSESSMENT_MEMBER_LOOKUP,
        actor=actor,
        target=found,
        details={"member_id": member_id, "result": "found" if found else "no match"},
        request=request,
    )


def assessments_exported(*, actor: User, filters: dict, request=None) -> None:
    record(action=AuditAction.ASSESSMENTS_EXPORTED, actor=actor, details={"filters": filters}, request=request)
