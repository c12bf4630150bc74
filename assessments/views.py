"""The Assessments pages: the list per provider ID, the member lookup (as in Eligibility), one
assessment (its form while a draft, read-only once submitted) and its PDF; and the Control Panel's
list, CSV export and read-only view."""

import csv
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import level_required, payer_staff_required
from accounts.models import AccessLevel
from assessments import selectors, services
from assessments.documents import answer_sections, assessment_pdf, summary_rows
from assessments.forms import (
    AssessmentFilterForm,
    AssessmentForm,
    ControlPanelAssessmentFilterForm,
    MemberLookupForm,
    StartForm,
)
from assessments.models import Assessment
from assessments.questionnaire import Definition, answers_from_response
from audit.pages import neutralise
from claims.models import Member
from core.pagination import keyset_page

PAGE_SIZE = 50
ORDER = ("-created_at", "-id")
# The members found by this session's lookups: only they can get a new assessment.
FOUND_SESSION_KEY = "assessments_found_members"
FOUND_KEEP = 20


@require_GET
@level_required(AccessLevel.ASSESSMENTS)
def assessment_list(request: HttpRequest) -> HttpResponse:
    form = AssessmentFilterForm(request.GET, provider_ids=selectors.assessment_provider_ids(user=request.user))
    page = None
    if form.is_valid():
        page = keyset_page(
            selectors.assessments_search(user=request.user, **form.filters()),
            order=ORDER,
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
        )
    return render(request, "assessments/assessment_list.html", {"form": form, "page": page})


def _remember_found(request: HttpRequest, member: Member) -> None:
    found = [value for value in request.session.get(FOUND_SESSION_KEY, []) if value != str(member.uuid)]
    request.session[FOUND_SESSION_KEY] = [str(member.uuid), *found][:FOUND_KEEP]


# POST, not GET: a member ID and a birth date must not sit in URLs, browser history or access logs.
@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.ASSESSMENTS)
def member_lookup(request: HttpRequest) -> HttpResponse:
    member = None
    looked_up = False
    form = MemberLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        looked_up = True
        member = selectors.member_for_assessment(user=request.user, **form.cleaned_data)
        services.assessment_member_lookup(
            actor=request.user, member_id=form.cleaned_data["member_id"], found=member, request=request
        )
        if member is not None:
            _remember_found(request, member)
    return render(request, "assessments/member_lookup.html", _member_context(request, form, member, looked_up))


def _member_context(request, form, member, looked_up) -> dict:
    context = {"form": form, "member": member, "looked_up": looked_up}
    if member is not None:
        provider_ids = list(selectors.assessment_provider_ids(user=request.user))
        context["start_form"] = StartForm(
            initial={"member": member.uuid},
            provider_ids=provider_ids,
            questionnaires=selectors.active_questionnaires(),
        )
        context["member_assessments"] = list(selectors.assessments_search(user=request.user, member=member)[:50])
    return context


@require_POST
@level_required(AccessLevel.ASSESSMENTS)
def assessment_start(request: HttpRequest) -> HttpResponse:
    form = StartForm(
        request.POST,
        provider_ids=selectors.assessment_provider_ids(user=request.user),
        questionnaires=selectors.active_questionnaires(),
    )
    if not form.is_valid() or form.cleaned_data["member"] is None:
        return redirect("assessments:member")
    # Only a member this session looked up with ID and birth date: a UUID alone proves nothing.
    if str(form.cleaned_data["member"]) not in request.session.get(FOUND_SESSION_KEY, []):
        raise Http404("Look the member up first.")
    member = get_object_or_404(
        Member.objects.restrict(request.user, AccessLevel.ASSESSMENTS), uuid=form.cleaned_data["member"]
    )
    try:
        assessment = services.assessment_start(
            actor=request.user,
            member=member,
            provider_identifier=form.cleaned_data["provider_identifier"],
            code=form.cleaned_data["form"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:member")
    return redirect("assessments:detail", assessment_uuid=assessment.uuid)


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.ASSESSMENTS)
def assessment_detail(request: HttpRequest, assessment_uuid: uuid.UUID) -> HttpResponse:
    assessment = get_object_or_404(selectors.assessments_visible_to(user=request.user), uuid=assessment_uuid)
    if assessment.is_submitted:
        if request.method == "POST":
            messages.error(request, "This assessment was submitted and is read-only: nothing was changed.")
            return redirect("assessments:detail", assessment_uuid=assessment.uuid)
        services.assessment_viewed(actor=request.user, assessment=assessment, request=request)
        return render(request, "assessments/assessment_view.html", _view_context(assessment))
    definition = Definition(assessment.questionnaire.definition)
    if request.method == "GET":
        services.assessment_viewed(actor=request.user, assessment=assessment, what="draft", request=request)
        form = AssessmentForm(definition=definition, answers=answers_from_response(assessment.response))
        return render(request, "assessments/assessment_form.html", _form_context(assessment, form))
    form = AssessmentForm(request.POST, definition=definition)
    submit = request.POST.get("action") == "submit"
    status = 200
    if form.is_valid():
        service = services.assessment_submit if submit else services.assessment_save_draft
        try:
            service(actor=request.user, assessment=assessment, answers=form.answers(), request=request)
        except services.AnswersInvalid as exc:
            for link_id, problems in exc.by_item.items():
                for problem in problems:
                    form.add_error(link_id if link_id in form.fields else None, problem)
        except ValidationError as exc:
            for problem in exc.messages:
                form.add_error(None, problem)
        else:
            if submit:
                messages.success(request, "The assessment was submitted.")
            else:
                messages.success(request, "The draft was saved. Questions that apply now are shown below.")
            return redirect("assessments:detail", assessment_uuid=assessment.uuid)
    else:
        # Also say what else is wrong with the answers that could be read, so one post shows it all.
        problems = services.answer_problems(assessment, form.answers(), complete=submit)
        for link_id, found in problems.items():
            if link_id in form.fields and link_id not in form.errors:
                for problem in found:
                    form.add_error(link_id, problem)
    if form.errors:
        status = 400
    return render(request, "assessments/assessment_form.html", _form_context(assessment, form), status=status)


def _form_context(assessment: Assessment, form: AssessmentForm) -> dict:
    return {"assessment": assessment, "form": form, "sections": form.sections()}


def _view_context(assessment: Assessment, **extra) -> dict:
    return {
        "assessment": assessment,
        "summary": summary_rows(assessment),
        "sections": answer_sections(assessment),
        **extra,
    }


@require_GET
@level_required(AccessLevel.ASSESSMENTS)
def assessment_print(request: HttpRequest, assessment_uuid: uuid.UUID) -> HttpResponse:
    assessment = get_object_or_404(
        selectors.assessments_visible_to(user=request.user).filter(status="submitted"), uuid=assessment_uuid
    )
    services.assessment_viewed(actor=request.user, assessment=assessment, what="pdf", request=request)
    return _pdf_response(assessment)


def _pdf_response(assessment: Assessment) -> HttpResponse:
    response = HttpResponse(assessment_pdf(assessment), content_type="application/pdf")
    name = f"{assessment.questionnaire.code.lower()}-{assessment.member.member_id}-{assessment.uuid.hex[:8]}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- Control Panel ----------------------------------------------------------------------------------


@require_GET
@payer_staff_required
def control_panel_list(request: HttpRequest) -> HttpResponse:
    form = ControlPanelAssessmentFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = keyset_page(
            selectors.control_panel_assessments(**form.filters()),
            order=ORDER,
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
        )
    context = {"form": form, "page": page, "NOP_TIMELY_DAYS": settings.NOP_TIMELY_DAYS}
    return render(request, "assessments/control_panel_list.html", context)


CSV_HEADER = [
    "assessment",
    "form",
    "version",
    "status",
    "member ID",
    "TIN",
    "provider ID",
    "started",
    "submitted",
    "first prenatal visit",
    "estimated delivery date",
    "filed on time",
]


def _csv_row(assessment: Assessment) -> list[str]:
    submitted = timezone.localtime(assessment.submitted_at).isoformat() if assessment.submitted_at else ""
    on_time = {True: "yes", False: "no", None: ""}[assessment.filed_on_time]
    cells = [
        str(assessment.uuid),
        assessment.questionnaire.code,
        assessment.questionnaire.version,
        assessment.status,
        assessment.member.member_id,
        assessment.provider_identifier.organization.tin,
        assessment.provider_identifier.value,
        timezone.localtime(assessment.created_at).isoformat(),
        submitted,
        assessment.first_visit_date.isoformat() if assessment.first_visit_date else "",
        assessment.estimated_delivery_date.isoformat() if assessment.estimated_delivery_date else "",
        on_time,
    ]
    return [neutralise(cell) for cell in cells]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(assessments):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for assessment in assessments.order_by(*ORDER).iterator(chunk_size=2000):
        yield writer.writerow(_csv_row(assessment))


@require_GET
@payer_staff_required
def control_panel_export(request: HttpRequest) -> HttpResponse:
    form = ControlPanelAssessmentFilterForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('control_panel:assessments')}?{request.GET.urlencode()}")
    services.assessments_exported(actor=request.user, filters=form.summary(), request=request)
    response = StreamingHttpResponse(
        _csv_lines(selectors.control_panel_assessments(**form.filters())), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="assessments-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@require_GET
@payer_staff_required
def control_panel_detail(request: HttpRequest, assessment_uuid: uuid.UUID) -> HttpResponse:
    assessment = get_object_or_404(selectors.control_panel_assessments(), uuid=assessment_uuid)
    services.assessment_viewed(actor=request.user, assessment=assessment, what="control panel", request=request)
    return render(request, "assessments/assessment_view.html", _view_context(assessment, control_panel=True))
