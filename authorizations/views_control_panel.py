"""The Control Panel pages of prior authorizations (payer staff): the queue by due time, the review
screen with its per-line decision, take, request for information and extension, and downloads."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import payer_staff_required
from authorizations import selectors, services
from authorizations.forms import (
    ExtensionForm,
    InformationRequestForm,
    LineDecisionForm,
    QueueFilterForm,
    apply_errors,
)
from authorizations.models import Attachment, AuthorizationRequest, DenialReason, RequestStatus, Urgency
from core.pagination import keyset_page

PAGE_SIZE = 50


def _authorization(authorization_uuid: uuid.UUID) -> AuthorizationRequest:
    return get_object_or_404(
        selectors.with_detail(AuthorizationRequest.objects.exclude(status=RequestStatus.DRAFT)),
        uuid=authorization_uuid,
    )


@require_GET
@payer_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        page = keyset_page(
            selectors.queue(
                status=data["status"], urgency=data["urgency"], mine_for=request.user if data["mine"] else None
            ),
            order=("due_at", "id"),
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
        )
    return render(
        request, "authorizations/control_panel/queue.html", {"form": form, "page": page, "now": timezone.now()}
    )


def _line_forms(authorization: AuthorizationRequest, data=None) -> list[tuple]:
    reasons = list(DenialReason.objects.filter(active=True))
    return [
        (
            line,
            LineDecisionForm(
                data,
                prefix=f"line{line.line_number}",
                reasons=reasons,
                initial={"units": line.units, "date_from": line.date_from, "date_to": line.date_to},
            ),
        )
        for line in authorization.lines.all()
    ]


def _review(request: HttpRequest, authorization: AuthorizationRequest, **forms) -> HttpResponse:
    member = authorization.member
    lines = forms.pop("line_forms", None) or _line_forms(authorization)
    coverage = [
        (line, services.coverage_on(member, line.date_from), services.coverage_on(member, line.date_to))
        for line, _ in lines
    ]
    context = {
        "authorization": authorization,
        "line_forms": lines,
        "coverage": coverage,
        "others": selectors.other_requests_for_member(authorization=authorization),
        "info_form": forms.get("info_form") or InformationRequestForm(),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "may_extend": authorization.is_open
        and authorization.urgency == Urgency.STANDARD
        and authorization.extended_at is None,
        "extension_max_days": settings.AUTH_EXTENSION_MAX_DAYS,
        "now": timezone.now(),
    }
    return render(request, "authorizations/control_panel/review.html", context)


# Which field of a line's form a decision problem of the service is about (the rest go on top).
PROBLEM_FIELDS = (
    ("coded reason", "reason_code"),
    ("units", "units"),
    ("dates", "date_from"),
    ("to date", "date_to"),
    ("Approve, modify or deny", "decision"),
)


def _field_of(problem: str) -> str | None:
    return next((field for words, field in PROBLEM_FIELDS if words in problem), None)


@require_http_methods(["GET", "POST"])
@payer_staff_required
def review(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    """The review screen; its POST is the per-line decision."""
    authorization = _authorization(authorization_uuid)
    if request.method == "GET":
        return _review(request, authorization)
    line_forms = _line_forms(authorization, request.POST)
    if all(form.is_valid() for _, form in line_forms):
        choices = {
            line.line_number: services.LineChoice(
                decision=form.cleaned_data["decision"],
                units=form.cleaned_data["units"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                reason_code=form.cleaned_data["reason_code"],
                note=form.cleaned_data["note"],
            )
            for line, form in line_forms
        }
        problems = services.decision_problems([line for line, _ in line_forms], choices)
        for line, form in line_forms:
            for problem in problems.get(line.line_number, []):
                form.add_error(_field_of(problem), problem)
        if not problems:
            try:
                services.authorization_decide(
                    analyst=request.user, authorization=authorization, choices=choices, request=request
                )
            except services.AlreadyDecided as already:
                done = already.authorization
                who = f" by {done.decided_by.full_name}" if done.decided_by else ""
                messages.error(
                    request,
                    f"{done.reference} was already {done.get_status_display().lower()}{who}: "
                    "your decision was not saved.",
                )
                return redirect("control_panel:authorization", authorization.uuid)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"{authorization.reference} was decided; the letter was posted.")
                return redirect("control_panel:authorization", authorization.uuid)
    return _review(request, authorization, line_forms=line_forms)


@require_POST
@payer_staff_required
def take(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _authorization(authorization_uuid)
    try:
        services.authorization_take(analyst=request.user, authorization=authorization, request=request)
    except services.AlreadyDecided as already:
        messages.error(request, str(already))
    else:
        messages.success(request, f"You took {authorization.reference}.")
    return redirect("control_panel:authorization", authorization.uuid)


@require_POST
@payer_staff_required
def information_request(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _authorization(authorization_uuid)
    form = InformationRequestForm(request.POST)
    if form.is_valid():
        try:
            services.information_request(
                analyst=request.user, authorization=authorization, request=request, **form.cleaned_data
            )
        except services.AlreadyDecided as already:
            messages.error(request, str(already))
            return redirect("control_panel:authorization", authorization.uuid)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The provider was asked for the information.")
            return redirect("control_panel:authorization", authorization.uuid)
    return _review(request, authorization, info_form=form)


@require_POST
@payer_staff_required
def extend(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _authorization(authorization_uuid)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.authorization_extend(
                analyst=request.user, authorization=authorization, request=request, **form.cleaned_data
            )
        except services.AlreadyDecided as already:
            messages.error(request, str(already))
            return redirect("control_panel:authorization", authorization.uuid)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The time frame was extended; the provider was told why.")
            return redirect("control_panel:authorization", authorization.uuid)
    return _review(request, authorization, extension_form=form)


@require_GET
@payer_staff_required
def attachment_download(
    request: HttpRequest, authorization_uuid: uuid.UUID, attachment_uuid: uuid.UUID
) -> HttpResponse:
    attachment = get_object_or_404(
        Attachment.objects.exclude(request__status=RequestStatus.DRAFT).select_related("request"),
        uuid=attachment_uuid,
        request__uuid=authorization_uuid,
    )
    return services.attachment_open(actor=request.user, attachment=attachment, request=request)


@require_GET
@payer_staff_required
def letter(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _authorization(authorization_uuid)
    if not authorization.letter_name:
        raise Http404("No decision letter yet.")
    return services.letter_open(actor=request.user, authorization=authorization, request=request)
