"""The Control Panel pages of enrollment (payer staff with an enrollment role): the queue, the
review of every section, take, return with corrections per section, and the supervisor's
approve, deny and reassign."""

import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import payer_staff_required
from accounts.models import User
from audit.models import AuditAction
from audit.services import record
from core.errors import to_messages
from enrollment import selectors, services
from enrollment.forms import DenyForm, QueueFilterForm, ReassignForm, ReturnForm
from enrollment.models import Document, EnrollmentApplication, Section, StaffRole, Status

PAGE_SIZE = 50


def enrollment_staff_required(view):
    """Payer staff with the Enrollment Specialist or Supervisor role; anyone else gets 403."""

    @wraps(view)
    @payer_staff_required
    def wrapped(request, *args, **kwargs):
        request.enrollment_role = services.staff_role(request.user)
        if request.enrollment_role is None:
            raise PermissionDenied("Your role does not include enrollment review.")
        return view(request, *args, **kwargs)

    return wrapped


def _application(application_uuid: uuid.UUID, *, detail: bool = False) -> EnrollmentApplication:
    rows = EnrollmentApplication.objects.exclude(status=Status.DRAFT)
    if detail:
        rows = selectors.application_with_sections(queryset=rows)
    return get_object_or_404(rows, uuid=application_uuid)


@require_GET
@enrollment_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {"status": "", "sort": "submitted", "mine": False}
    rows = selectors.queue(
        status=data["status"], sort=data["sort"] or "submitted", assigned_to=request.user if data["mine"] else None
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "enrollment/control_panel/queue.html", {"form": form, "page": page, "counts": selectors.queue_counts()}
    )


def _review(
    request: HttpRequest, application: EnrollmentApplication, *, return_form=None, deny_form=None, status=200
) -> HttpResponse:
    record(
        action=AuditAction.ENROLLMENT_VIEWED,
        actor=request.user,
        target=application,
        details={"control_panel": True},
        request=request,
    )
    supervisor = request.enrollment_role == StaffRole.SUPERVISOR
    return render(
        request,
        "enrollment/control_panel/review.html",
        {
            "application": application,
            "sections": list(Section),
            "supervisor": supervisor,
            "in_review": application.status == Status.IN_REVIEW,
            "may_take": application.status in (Status.SUBMITTED, Status.RESUBMITTED),
            "return_form": return_form or ReturnForm(),
            "deny_form": deny_form or DenyForm(),
            "reassign_form": ReassignForm(team=selectors.enrollment_team()) if supervisor else None,
            "signature_valid": services.signature_is_valid(application),
            "events": application.events.select_related("actor").order_by("-at", "-id"),
            "corrections": application.corrections.all(),
        },
        status=status,
    )


@require_GET
@enrollment_staff_required
def review(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    return _review(request, _application(application_uuid, detail=True))


def _done(request, application, call, success: str) -> HttpResponse:
    try:
        call()
    except ValidationError as error:
        to_messages(request, error)
    else:
        messages.success(request, success)
    return redirect("control_panel:enrollment", application.uuid)


@require_POST
@enrollment_staff_required
def take(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid)
    return _done(
        request,
        application,
        lambda: services.application_take(actor=request.user, application=application, request=request),
        f"You are reviewing {application.reference}. The provider was told.",
    )


@require_POST
@enrollment_staff_required
def return_for_correction(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid, detail=True)
    form = ReturnForm(request.POST)
    if form.is_valid():
        items = [services.CorrectionItem(section=s, note=n) for s, n in form.items()]
        try:
            services.application_return(actor=request.user, application=application, corrections=items, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{application.reference} was returned for correction. The provider was told what to fix."
            )
            return redirect("control_panel:enrollment", application.uuid)
    return _review(request, application, return_form=form, status=400)


@require_POST
@enrollment_staff_required
def approve(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid)
    return _done(
        request,
        application,
        lambda: services.application_approve(actor=request.user, application=application, request=request),
        f"{application.reference} was approved: the organization and provider IDs are in the claim system.",
    )


@require_POST
@enrollment_staff_required
def deny(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid, detail=True)
    form = DenyForm(request.POST)
    if form.is_valid():
        try:
            services.application_deny(
                actor=request.user, application=application, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            form.add_error("reason" if hasattr(error, "error_dict") else None, error.messages)
        else:
            messages.success(request, f"{application.reference} was denied. The provider was told the reason.")
            return redirect("control_panel:enrollment", application.uuid)
    return _review(request, application, deny_form=form, status=400)


@require_POST
@enrollment_staff_required
def reassign(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid)
    form = ReassignForm(request.POST, team=selectors.enrollment_team())
    if not form.is_valid():
        messages.error(request, "Choose a member of the enrollment team.")
        return redirect("control_panel:enrollment", application.uuid)
    to = get_object_or_404(User, uuid=form.cleaned_data["to"])
    return _done(
        request,
        application,
        lambda: services.application_reassign(actor=request.user, application=application, to=to, request=request),
        f"{application.reference} is now assigned to {to.full_name}.",
    )


@require_GET
@enrollment_staff_required
def document_download(request: HttpRequest, application_uuid: uuid.UUID, document_uuid: uuid.UUID) -> HttpResponse:
    application = _application(application_uuid)
    document = get_object_or_404(Document, application=application, uuid=document_uuid)
    return services.document_open(actor=request.user, document=document, request=request)
