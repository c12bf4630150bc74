"""A submitted assessment as questions and answers, for its page, its printable PDF and the CSV export."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from assessments.models import Assessment, FormCode
from assessments.questionnaire import Definition, answers_from_response
from core.pdf import Heading, Paragraph, Table, render_pdf


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]]  # (question, answer)


def _display(item, value) -> str:
    if item.type == "boolean":
        return "Yes" if value else "No"
    if item.type == "choice":
        return item.option_display(value)
    if item.type == "date":
        return value.strftime("%m/%d/%Y")
    return str(value)


def answer_sections(assessment: Assessment) -> list[Section]:
    """Each section with the questions answered in it, in the form's order."""
    definition = Definition(assessment.questionnaire.definition)
    answers = answers_from_response(assessment.response)
    sections = []
    for section in definition.sections:
        rows: list[tuple[str, str]] = []
        _collect(section, answers, rows)
        sections.append(Section(section.text, rows))
    return sections


def _collect(item, answers, rows: list[tuple[str, str]]) -> None:
    if item.is_group:
        for child in item.children:
            _collect(child, answers, rows)
    elif answers.get(item.link_id):
        rows.append((item.text, ", ".join(_display(item, v) for v in answers[item.link_id])))


def summary_rows(assessment: Assessment) -> list[tuple[str, str]]:
    rows = [
        ("Form", f"{assessment.questionnaire.title} (version {assessment.questionnaire.version})"),
        ("Member", f"{assessment.member.full_name}, member ID {assessment.member.member_id}"),
        ("Provider ID", f"{assessment.provider_identifier.value} ({assessment.provider_identifier.display_name})"),
        ("Status", assessment.get_status_display()),
    ]
    if assessment.submitted_at:
        rows.append(("Submitted", timezone.localtime(assessment.submitted_at).strftime("%m/%d/%Y %I:%M %p")))
    if assessment.questionnaire.code == FormCode.NOP and assessment.is_submitted:
        rows += [
            ("Gestational age at first visit", assessment.gestational_age),
            ("Estimated delivery date", assessment.estimated_delivery_date.strftime("%m/%d/%Y")),
            (
                "Timeliness",
                f"{'On time' if assessment.filed_on_time else 'Late'}: the plan's window is "
                f"{settings.NOP_TIMELY_DAYS} days after the first prenatal visit",
            ),
        ]
    return rows


def assessment_pdf(assessment: Assessment) -> bytes:
    blocks = [Table(header=["Detail", "Value"], rows=[list(row) for row in summary_rows(assessment)])]
    for section in answer_sections(assessment):
        blocks.append(Heading(section.title))
        if section.rows:
            blocks.append(Table(header=["Question", "Answer"], rows=[list(row) for row in section.rows]))
        else:
            blocks.append(Paragraph("No answers in this section."))
    return render_pdf(
        title=assessment.questionnaire.title,
        blocks=blocks,
        footer=f"{settings.PAYER_NAME} · {settings.PAYER_SUPPORT_PHONE}",
    )
