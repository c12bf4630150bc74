"""The provider pages of prior authorizations (Authorizations level): "is an authorization
needed?", a new request in steps, the list, the detail with its letter and attachments, sending the
information asked for, and withdrawing. Requests are fetched only through the access rule, so a
request out of reach is a 404."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import level_required
from accounts.models import AccessLevel
from authorizations import selectors, services
from authorizations.forms import (
    AppealForm,
    AttachmentsStepForm,
    DiagnosesStepForm,
    InformationForm,
    LineFormSet,
    ListFilterForm,
    MemberStepForm,
    NeededForm,
    ProvidersStepForm,
    SubmitForm,
    WithdrawForm,
    apply_errors,
)
from authorizations.models import MAX_LINES, Attachment, AuthorizationRequest, LineDecision, RequestStatus
from core.confirm import confirmation_page
from core.pagination import keyset_page

PAGE_SIZE = 50
LEVEL = AccessLevel.AUTHORIZATIONS
STEPS = [
    ("member", "Member"),
    ("providers", "Providers"),
    ("diagnoses", "Diagnoses"),
    ("services", "Services"),
    ("attachments", "Attachments"),
    ("review", "Review and submit"),
]
STEP_NUMBERS = {slug: number for number, (slug, _) in enumerate(STEPS, start=1)}


def _posted(request: HttpRequest):
    """The POST data of a POST (even an empty one, which still binds the form), else None."""
    return request.POST if request.method == "POST" else None


def _posted_files(request: HttpRequest):
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _visible(request: HttpRequest, authorization_uuid: uuid.UUID) -> AuthorizationRequest:
    return get_object_or_404(
        selectors.with_detail(selectors.authorizations_visible_to(user=request.user)).exclude(
            status=RequestStatus.DRAFT
        ),
        uuid=authorization_uuid,
    )


# --- is an authorization needed? -------------------------------------------------------------------


@require_GET
@level_required(LEVEL)
def needed(request: HttpRequest) -> HttpResponse:
    form = NeededForm(request.GET or None)
    answers, member, member_problem = None, None, ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["member_id"]:
            try:
                member = services.member_find(member_id=data["member_id"], date_of_birth=data["date_of_birth"])
            except ValidationError as error:
                member_problem = error.messages[0]
        if not member_problem:
            answers = selectors.authorization_needed(codes=data["codes"], category=data["category"], member=member)
    return render(
        request,
        "authorizations/needed.html",
        {"form": form, "answers": answers, "member": member, "member_problem": member_problem},
    )


# --- the list and the detail -----------------------------------------------------------------------


@require_GET
@level_required(LEVEL)
def authorization_list(request: HttpRequest) -> HttpResponse:
    reach = selectors.authorizations_reach(user=request.user)
    form = ListFilterForm(request.GET, provider_ids=reach.identifiers)
    page = None
    if form.is_valid():
        filters = form.filters()
        chosen = filters["provider_id_value"]
        page = keyset_page(
            selectors.authorizations_search(user=request.user, reach=reach, **filters),
            order=("-created_at", "-id"),
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
            # Each provider ID's requests are walked on its own index, then merged.
            partition=("requesting_provider_id", reach.pks_of_value(chosen) if chosen else reach.pks),
        )
    return render(request, "authorizations/list.html", {"form": form, "page": page, "now": timezone.now()})


@require_GET
@level_required(LEVEL)
def authorization_detail(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _visible(request, authorization_uuid)
    return render(
        request,
        "authorizations/detail.html",
        {
            "authorization": authorization,
            "lines": list(authorization.lines.all()),
            "now": timezone.now(),
            "can_appeal": not services.appeal_problems(authorization),
        },
    )


@require_GET
@level_required(LEVEL)
def authorization_letter(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _visible(request, authorization_uuid)
    if not authorization.letter_name:
        raise Http404("No decision letter yet.")
    return services.letter_open(actor=request.user, authorization=authorization, request=request)


@require_GET
@level_required(LEVEL)
def attachment_download(
    request: HttpRequest, authorization_uuid: uuid.UUID, attachment_uuid: uuid.UUID
) -> HttpResponse:
    attachment = get_object_or_404(
        Attachment.objects.restrict(request.user, LEVEL).select_related("request__requesting_provider__organization"),
        uuid=attachment_uuid,
        request__uuid=authorization_uuid,
    )
    if attachment.request.status == RequestStatus.DRAFT and attachment.request.created_by_id != request.user.pk:
        raise Http404("No such attachment.")
    return services.attachment_open(actor=request.user, attachment=attachment, request=request)


@require_http_methods(["GET", "POST"])
@level_required(LEVEL)
def information_send(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _visible(request, authorization_uuid)
    form = InformationForm(*_posted_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.information_send(
                actor=request.user,
                authorization=authorization,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your information was sent to the plan.")
            return redirect("authorizations:detail", authorization.uuid)
    return render(request, "authorizations/information.html", {"authorization": authorization, "form": form})


@require_http_methods(["GET", "POST"])
@level_required(LEVEL)
def authorization_appeal(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    """Appeal the denied lines of a decided request: a new request, prefilled, submitted at once."""
    authorization = _visible(request, authorization_uuid)
    problems = services.appeal_problems(authorization)
    form = AppealForm(*_posted_files(request))
    if request.method == "POST" and not problems and form.is_valid():
        try:
            appeal = services.authorization_appeal(
                actor=request.user,
                authorization=authorization,
                reason=form.cleaned_data["reason"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Your appeal {appeal.reference} was submitted. We will post each change to your Message Box.",
            )
            return redirect("authorizations:detail", appeal.uuid)
    denied = [line for line in authorization.lines.all() if line.decision == LineDecision.DENIED]
    return render(
        request,
        "authorizations/appeal.html",
        {"authorization": authorization, "form": form, "problems": problems, "denied": denied},
    )


@require_POST
@level_required(LEVEL)
def authorization_withdraw(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    authorization = _visible(request, authorization_uuid)
    form = WithdrawForm(request.POST)
    detail = reverse("authorizations:detail", args=[authorization.uuid])
    if not authorization.is_open or not form.is_valid():
        messages.error(request, "This request can no longer be withdrawn.")
        return redirect(detail)
    confirm = confirmation_page(
        request,
        title=f"Withdraw {authorization.reference}?",
        consequences=[
            "The plan stops reviewing the request and decides nothing on it.",
            "A withdrawn request cannot be reopened: a new request would start a new clock.",
        ],
        confirm_label="Withdraw the request",
        cancel_url=detail,
        breadcrumbs=[("Authorizations", reverse("authorizations:list")), (authorization.reference, detail)],
    )
    if confirm is not None:
        return confirm
    try:
        services.authorization_withdraw(
            actor=request.user, authorization=authorization, reason=form.cleaned_data["reason"], request=request
        )
    except services.AlreadyDecided as already:
        messages.error(request, str(already))
    else:
        messages.success(request, f"{authorization.reference} was withdrawn.")
    return redirect(detail)


# --- a new request in steps ------------------------------------------------------------------------


def _step_context(draft: AuthorizationRequest | None, current: str) -> dict:
    reached = draft.step if draft is not None else 1
    return {
        "draft": draft,
        "steps": [
            {"slug": slug, "label": label, "number": n, "current": slug == current, "reachable": n <= reached}
            for n, (slug, label) in enumerate(STEPS, start=1)
        ],
        "current_step": current,
        "current_number": STEP_NUMBERS[current],
        "current_label": dict(STEPS)[current],
        "expedited_hours": settings.AUTH_EXPEDITED_HOURS,
        "standard_days": settings.AUTH_STANDARD_DAYS,
    }


def _next(draft: AuthorizationRequest, step: str) -> HttpResponse:
    following = STEPS[STEP_NUMBERS[step]][0]
    return redirect("authorizations:draft_step", draft.uuid, following)


@require_http_methods(["GET", "POST"])
@level_required(LEVEL)
def draft_new(request: HttpRequest) -> HttpResponse:
    form = MemberStepForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.draft_member_set(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _next(draft, "member")
    drafts = list(selectors.drafts_of(user=request.user).order_by("-updated_at")[:20])
    return render(
        request, "authorizations/step_member.html", {"form": form, "drafts": drafts, **_step_context(None, "member")}
    )


@require_http_methods(["GET", "POST"])
@level_required(LEVEL)
def draft_step(request: HttpRequest, authorization_uuid: uuid.UUID, step: str) -> HttpResponse:
    draft = get_object_or_404(selectors.drafts_of(user=request.user), uuid=authorization_uuid)
    if step not in STEP_NUMBERS:
        raise Http404("No such step.")
    if STEP_NUMBERS[step] > draft.step:
        return redirect("authorizations:draft_step", draft.uuid, STEPS[draft.step - 1][0])
    handler = {
        "member": _member_step,
        "providers": _providers_step,
        "diagnoses": _diagnoses_step,
        "services": _services_step,
        "attachments": _attachments_step,
        "review": _review_step,
    }[step]
    return handler(request, draft)


def _member_step(request, draft):
    initial = {
        "member_id": draft.member.member_id,
        "date_of_birth": draft.member.date_of_birth,
        "planned_service_date": draft.planned_service_date,
    }
    form = MemberStepForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_member_set(actor=request.user, draft=draft, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _next(draft, "member")
    return render(request, "authorizations/step_member.html", {"form": form, **_step_context(draft, "member")})


def _providers_step(request, draft):
    provider_ids = list(selectors.authorization_provider_ids(user=request.user))
    initial = {
        "requesting_provider": str(draft.requesting_provider.uuid) if draft.requesting_provider else "",
        "servicing_npi": draft.servicing_npi,
        "servicing_name": draft.servicing_name,
        "request_type": draft.request_type,
        "category": draft.category,
        "admission_date": draft.admission_date,
        "length_of_stay": draft.length_of_stay,
        "urgency": draft.urgency,
        "expedited_attested": draft.expedited_attested,
        "place_of_service": draft.place_of_service,
    }
    form = ProvidersStepForm(_posted(request), initial=initial, provider_ids=provider_ids)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["requesting_provider"] = form.provider_ids.get(data["requesting_provider"])
        try:
            services.draft_providers_set(
                actor=request.user, draft=draft, data=services.ProvidersInput(**data), request=request
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _next(draft, "providers")
    return render(request, "authorizations/step_providers.html", {"form": form, **_step_context(draft, "providers")})


def _diagnoses_step(request, draft):
    initial = {f"code_{d.position}": d.code for d in draft.diagnoses.all()}
    form = DiagnosesStepForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        # Each code's error goes next to its own box; the service checks them all again.
        for index, code in enumerate(form.codes(), start=1):
            if code.strip():
                try:
                    services.diagnosis_check(code)
                except ValidationError as error:
                    form.add_error(f"code_{index}", error.messages)
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_diagnoses_set(actor=request.user, draft=draft, codes=form.codes(), request=request)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _next(draft, "diagnoses")
    return render(request, "authorizations/step_diagnoses.html", {"form": form, **_step_context(draft, "diagnoses")})


def _services_step(request, draft):
    existing = [
        {
            "code": line.code,
            "modifiers": line.modifiers,
            "units": line.units,
            "date_from": line.date_from,
            "date_to": line.date_to,
        }
        for line in draft.lines.all()
    ]
    try:
        wanted = int(request.GET.get("rows", 0))
    except ValueError:
        wanted = 0
    rows = min(MAX_LINES, max(len(existing) + 2, 3, wanted))
    initial = existing + [{}] * (rows - len(existing))
    formset = LineFormSet(_posted(request), initial=None if request.POST else initial, prefix="lines")
    problems = []
    if request.method == "POST" and formset.is_valid():
        lines = [
            services.LineInput(
                code=f.cleaned_data.get("code") or "",
                modifiers=f.cleaned_data.get("modifiers") or "",
                units=f.cleaned_data.get("units"),
                date_from=f.cleaned_data.get("date_from"),
                date_to=f.cleaned_data.get("date_to"),
            )
            for f in formset.forms
            if not f.is_blank()
        ]
        try:
            services.draft_lines_set(actor=request.user, draft=draft, lines=lines, request=request)
        except ValidationError as error:
            problems = error.messages
        else:
            return _next(draft, "services")
    more = min(MAX_LINES, len(formset.forms) + 3)
    return render(
        request,
        "authorizations/step_services.html",
        {
            "formset": formset,
            "problems": problems,
            "more_rows": more if more > len(formset.forms) else 0,
            **_step_context(draft, "services"),
        },
    )


def _attachments_step(request, draft):
    form = AttachmentsStepForm(*_posted_files(request))
    if request.method == "POST":
        remove = request.POST.get("remove")
        if remove:
            attachment = get_object_or_404(Attachment, request=draft, uuid=_uuid_or_404(remove))
            services.draft_attachment_remove(actor=request.user, attachment=attachment, request=request)
            messages.success(request, f"{attachment.original_name} was removed.")
            return redirect("authorizations:draft_step", draft.uuid, "attachments")
        if form.is_valid():
            try:
                services.draft_attachments_add(
                    actor=request.user, draft=draft, files=form.cleaned_data["files"], request=request
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if request.POST.get("action") == "upload":
                    return redirect("authorizations:draft_step", draft.uuid, "attachments")
                return _next(draft, "attachments")
    return render(
        request,
        "authorizations/step_attachments.html",
        {"form": form, "attachments": list(draft.attachments.all()), **_step_context(draft, "attachments")},
    )


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as bad:
        raise Http404("No such attachment.") from bad


def _review_step(request, draft):
    form = SubmitForm(_posted(request))
    problems, duplicates = services.submit_problems(draft), []
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.authorization_submit(
                actor=request.user,
                draft=draft,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                request=request,
            )
        except services.DuplicateOpenRequest as warning:
            duplicates = warning.references
            form.add_error("confirm_duplicate", str(warning))
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(
                request, f"{submitted.reference} was submitted. We will post each change to your Message Box."
            )
            return redirect("authorizations:detail", submitted.uuid)
    lines = list(draft.lines.all())
    needs = {
        a.code: a for a in selectors.authorization_needed(codes=[line.code for line in lines], category=draft.category)
    }
    return render(
        request,
        "authorizations/step_review.html",
        {
            "form": form,
            "problems": problems,
            "duplicates": duplicates,
            "lines": [(line, needs.get(line.code)) for line in lines],
            "diagnoses": list(draft.diagnoses.all()),
            "attachments": list(draft.attachments.all()),
            "coverage": services.coverage_on(draft.member, draft.planned_service_date),
            **_step_context(draft, "review"),
        },
    )


@require_POST
@level_required(LEVEL)
def draft_delete(request: HttpRequest, authorization_uuid: uuid.UUID) -> HttpResponse:
    draft = get_object_or_404(selectors.drafts_of(user=request.user), uuid=authorization_uuid)
    step_url = reverse("authorizations:draft_step", args=[draft.uuid, "review"])
    confirm = confirmation_page(
        request,
        title=f"Delete the draft {draft.reference}?",
        consequences=["The draft and its attachments are deleted; nothing was sent to the plan."],
        confirm_label="Delete the draft",
        cancel_url=step_url,
        breadcrumbs=[("Authorizations", reverse("authorizations:list"))],
    )
    if confirm is not None:
        return confirm
    try:
        services.draft_delete(actor=request.user, draft=draft, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(step_url)
    messages.success(request, f"The draft {draft.reference} was deleted.")
    return redirect("authorizations:list")


# --- public pages (no sign-in) ---------------------------------------------------------------------

METRIC_LABELS = {
    "standard_requests_received": "Standard requests received",
    "standard_requests_decided": "Standard requests decided",
    "standard_approved_percent": "Standard requests approved (%)",
    "standard_denied_percent": "Standard requests denied (%)",
    "standard_approved_after_extension_percent": "Standard requests approved after an extended time frame (%)",
    "standard_average_hours_to_decision": "Standard: average time from receipt to decision (hours)",
    "standard_median_hours_to_decision": "Standard: median time from receipt to decision (hours)",
    "expedited_requests_received": "Expedited requests received",
    "expedited_requests_decided": "Expedited requests decided",
    "expedited_approved_percent": "Expedited requests approved (%)",
    "expedited_denied_percent": "Expedited requests denied (%)",
    "expedited_average_hours_to_decision": "Expedited: average time from receipt to decision (hours)",
    "expedited_median_hours_to_decision": "Expedited: median time from receipt to decision (hours)",
    "approved_after_appeal_percent": "Requests approved after appeal (%)",
}
FIRST_METRICS_YEAR = 2026


@login_not_required
@require_GET
def public_metrics(request: HttpRequest) -> HttpResponse:
    """The figures CMS-0057-F asks the plan to publish, for a calendar year, from the records."""
    this_year = timezone.localdate().year
    years = list(range(this_year, FIRST_METRICS_YEAR - 1, -1))
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if year not in years:
        year = this_year
    metrics = selectors.metrics_for_year(year=year)
    rows = [(METRIC_LABELS[key], value) for key, value in metrics.rows() if key in METRIC_LABELS]
    return render(
        request, "authorizations/public_metrics.html", {"metrics": metrics, "rows": rows, "years": years, "year": year}
    )


@login_not_required
@require_GET
def public_services(request: HttpRequest) -> HttpResponse:
    """The public list of services that need prior authorization."""
    return render(request, "authorizations/public_services.html", {"services": list(selectors.public_services())})
