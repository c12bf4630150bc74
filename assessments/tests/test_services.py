"""The rules of Assessments: loading versioned forms, drafts, submissions, NOP dates and timeliness."""

import copy
import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.management.commands.assessments_load import SHIPPED
from assessments.models import AssessmentStatus, Questionnaire, QuestionnaireStatus
from assessments.questionnaire import Definition, DefinitionError, answers_from_response
from assessments.services import (
    AnswersInvalid,
    assessment_save_draft,
    assessment_start,
    assessment_submit,
    questionnaire_load,
)
from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def nop_json():
    return json.loads((SHIPPED / "nop-1.json").read_text())


def today():
    return timezone.localdate()


def nop_answers(**changes):
    answers = {
        "lmp": [today() - datetime.timedelta(days=70)],
        "first-visit": [today() - datetime.timedelta(days=2)],
        "gravida": [2],
        "para": [1],
        "multiple": [False],
        "high-risk": ["no"],
        "case-management": [True],
    }
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


@pytest.fixture
def nop(nurse, member, npi, forms_loaded):
    return assessment_start(actor=nurse, member=member, provider_identifier=npi, code="NOP")


# --- definitions ------------------------------------------------------------------------------------


def test_the_shipped_forms_load_once(forms_loaded):
    assert set(forms_loaded) == {"HRA", "NOP"}
    assert all(q.status == QuestionnaireStatus.ACTIVE for q in forms_loaded.values())
    call_command("assessments_load", verbosity=0)  # again: unchanged
    assert Questionnaire.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.QUESTIONNAIRE_LOADED).count() == 2


def test_a_new_version_retires_the_old_one(forms_loaded):
    data = nop_json()
    data["version"] = "2"
    result = questionnaire_load(data=data)
    assert result.created and result.retired == 1
    assert Questionnaire.objects.get(code="NOP", version="1").status == QuestionnaireStatus.RETIRED


def test_a_loaded_version_never_changes(forms_loaded):
    data = nop_json()
    data["title"] = "Changed"
    with pytest.raises(DefinitionError, match="new version"):
        questionnaire_load(data=data)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(status="bogus"), "status"),
        (lambda d: d["item"][0]["item"][0].update(type="attachment"), "not supported"),
        (lambda d: d["item"][1]["item"][1]["enableWhen"][0].update(question="case-management"), "earlier question"),
        (lambda d: d["item"][0]["item"][1].update(linkId="lmp"), "used twice"),
        (lambda d: d.update(name="XYZ"), "name"),
    ],
)
def test_bad_definitions_are_refused(db, change, message):
    data = nop_json()
    change(data)
    with pytest.raises(DefinitionError, match=message):
        questionnaire_load(data=data)
    assert not Questionnaire.objects.exists()


def test_the_command_reports_a_bad_file_and_fails(db, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("assessments_load", str(bad))
    assert "bad.json" in capsys.readouterr().err


# --- conditions and validation ----------------------------------------------------------------------


def test_conditional_items_follow_the_earlier_answer():
    definition = Definition(nop_json())
    factor = definition.items["risk-factor"]
    assert not definition.enabled(factor, {"high-risk": ["no"]})
    assert definition.enabled(factor, {"high-risk": ["yes"]})


def test_the_response_keeps_only_shown_answers_and_reads_back():
    definition = Definition(nop_json())
    answers = nop_answers(**{"high-risk": ["yes"], "risk-factor": ["diabetes", "other"]})
    response = definition.to_response(answers, status="completed")
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["questionnaire"].endswith("|1")
    assert answers_from_response(response) == answers


# --- drafts and submissions -------------------------------------------------------------------------


def test_a_draft_keeps_partial_answers(nurse, nop):
    assessment_save_draft(actor=nurse, assessment=nop, answers={"gravida": [3]})
    nop.refresh_from_db()
    assert nop.status == AssessmentStatus.DRAFT
    assert answers_from_response(nop.response) == {"gravida": [3]}
    assert nop.response["status"] == "in-progress"


@pytest.mark.parametrize(
    "answers, item",
    [
        (nop_answers(gravida=[0]), "gravida"),  # below its range
        (nop_answers(gravida=[21]), "gravida"),  # above its range
        (nop_answers(gravida=["two"]), "gravida"),  # wrong type
        (nop_answers(multiple=None), "multiple"),  # required, missing
        (nop_answers(**{"high-risk": ["maybe"]}), "high-risk"),  # not an option
        (nop_answers(**{"risk-factor": ["diabetes"]}), "risk-factor"),  # hidden by its condition
        (nop_answers(**{"high-risk": ["yes"]}), "risk-factor"),  # shown by its condition, required
        (nop_answers(lmp=[timezone.localdate() + datetime.timedelta(days=1)]), "lmp"),  # LMP in the future
        (nop_answers(**{"first-visit": [timezone.localdate() - datetime.timedelta(days=80)]}), "first-visit"),
        (nop_answers(nonsense=["x"]), "nonsense"),  # not a question of the form
    ],
)
def test_bad_answers_are_refused_and_save_nothing(nurse, nop, answers, item):
    before = copy.deepcopy(nop.response)
    with pytest.raises(AnswersInvalid) as caught:
        assessment_submit(actor=nurse, assessment=nop, answers=answers)
    assert item in caught.value.by_item
    nop.refresh_from_db()
    assert nop.status == AssessmentStatus.DRAFT
    assert nop.response == before
    assert not AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_SUBMITTED).exists()


def test_a_draft_also_refuses_answers_out_of_range(nurse, nop):
    with pytest.raises(AnswersInvalid):
        assessment_save_draft(actor=nurse, assessment=nop, answers={"para": [-1]})


def test_submitting_an_nop_computes_its_dates_and_timeliness(nurse, nop, settings):
    settings.NOP_TIMELY_DAYS = 5
    lmp = today() - datetime.timedelta(days=70)
    answers = nop_answers(**{"high-risk": ["yes"], "risk-factor": ["hypertension"], "risk-notes": ["BP 150/95"]})
    assessment_submit(actor=nurse, assessment=nop, answers=answers)
    nop.refresh_from_db()
    assert nop.status == AssessmentStatus.SUBMITTED
    assert nop.submitted_by == nurse
    assert nop.estimated_delivery_date == lmp + datetime.timedelta(days=280)
    assert nop.gestational_age_days == 68 and nop.gestational_age == "9 weeks 5 days"
    assert nop.filed_on_time is True
    event = AuditEvent.objects.get(action=AuditAction.ASSESSMENT_SUBMITTED)
    assert event.details["filed_on_time"] is True and event.organization == nop.provider_identifier.organization


def test_an_nop_filed_after_the_window_is_late(nurse, nop, settings):
    settings.NOP_TIMELY_DAYS = 5
    answers = nop_answers(**{"first-visit": [today() - datetime.timedelta(days=6)]})
    assessment_submit(actor=nurse, assessment=nop, answers=answers)
    nop.refresh_from_db()
    assert nop.filed_on_time is False


def test_a_submitted_assessment_is_read_only(nurse, nop):
    assessment_submit(actor=nurse, assessment=nop, answers=nop_answers())
    with pytest.raises(ValidationError, match="no longer be changed"):
        assessment_save_draft(actor=nurse, assessment=nop, answers={"gravida": [3]})


def test_a_retired_version_cannot_be_submitted(nurse, nop):
    data = nop_json()
    data["version"] = "2"
    questionnaire_load(data=data)
    with pytest.raises(ValidationError, match="retired"):
        assessment_submit(actor=nurse, assessment=nop, answers=nop_answers())
    nop.refresh_from_db()
    assert nop.status == AssessmentStatus.DRAFT


def test_only_a_user_who_may_file_for_the_provider_id(outsider, member, npi, forms_loaded, biller):
    for user in (outsider, biller):
        with pytest.raises(PermissionDenied):
            assessment_start(actor=user, member=member, provider_identifier=npi, code="NOP")


def test_an_hra_with_a_decimal_and_a_conditional_section(nurse, member, npi, forms_loaded):
    hra = assessment_start(actor=nurse, member=member, provider_identifier=npi, code="HRA")
    answers = {
        "general-health": ["good"],
        "height-in": [64],
        "weight-lb": [Decimal("150.5")],
        "tobacco": [True],
        "tobacco-per-day": [10],
        "tobacco-cessation": [True],
        "exercise-days": [3],
        "chronic": ["diabetes", "hypertension"],
    }
    assessment_submit(actor=nurse, assessment=hra, answers=answers)
    hra.refresh_from_db()
    assert hra.filed_on_time is None
    assert answers_from_response(hra.response)["weight-lb"] == [Decimal("150.5")]
