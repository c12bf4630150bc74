"""Reads of Assessments: the provider's restricted lists and the Control Panel's list, each one query."""

import datetime

from django.db.models import QuerySet

from accounts.models import AccessLevel, ProviderIdentifier, User
from assessments.models import Assessment, Questionnaire, QuestionnaireStatus
from claims.models import Member

_JOINS = ("questionnaire", "member", "provider_identifier__organization")


def assessments_visible_to(*, user: User) -> QuerySet[Assessment]:
    """Assessments of the provider IDs in the user's scope whose organization granted the user
    Assessments, with the form, member, provider ID and organization joined. One query."""
    return Assessment.objects.restrict(user, AccessLevel.ASSESSMENTS).select_related(*_JOINS)


def assessment_provider_ids(*, user: User) -> QuerySet[ProviderIdentifier]:
    """The provider IDs the user may file assessments for. One query."""
    return (
        ProviderIdentifier.objects.restrict(user, AccessLevel.ASSESSMENTS)
        .select_related("organization")
        .order_by("kind", "value")
    )


def assessments_search(
    *, user: User, provider_id_value: str = "", code: str = "", status: str = "", member: Member | None = None
) -> QuerySet[Assessment]:
    assessments = assessments_visible_to(user=user)
    if provider_id_value:
        assessments = assessments.filter(provider_identifier__value=provider_id_value)
    if code:
        assessments = assessments.filter(questionnaire__code=code)
    if status:
        assessments = assessments.filter(status=status)
    if member is not None:
        assessments = assessments.filter(member=member)
    return assessments


def member_for_assessment(*, user: User, member_id: str, date_of_birth: datetime.date) -> Member | None:
    """The member with exactly this ID and birth date, for a user holding Assessments. One query."""
    return (
        Member.objects.restrict(user, AccessLevel.ASSESSMENTS)
        .filter(member_id=member_id, date_of_birth=date_of_birth)
        .first()
    )


def active_questionnaires() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.filter(status=QuestionnaireStatus.ACTIVE).order_by("code")


def control_panel_assessments(
    *,
    code: str = "",
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    tin: str = "",
    late: str = "",
) -> QuerySet[Assessment]:
    """Every assessment, for payer staff, narrowed by the Control Panel filters. The dates select
    on the day submitted (drafts: the day started). One query."""
    assessments = Assessment.objects.select_related(*_JOINS)
    if code:
        assessments = assessments.filter(questionnaire__code=code)
    if status:
        assessments = assessments.filter(status=status)
    if date_from:
        assessments = assessments.filter(created_at__date__gte=date_from)
    if date_to:
        assessments = assessments.filter(created_at__date__lte=date_to)
    if tin:
        assessments = assessments.filter(provider_identifier__organization__tin=tin)
    if late == "late":
        assessments = assessments.filter(filed_on_time=False)
    elif late == "on_time":
        assessments = assessments.filter(filed_on_time=True)
    return assessments
