"""The provider pages of enrollment, under /enrollment/: the list, a new application, its summary,
each section, the users and rights, sign, pay (the test processor's page and Stripe's return)
and submit; plus Stripe's webhook.

Every application is found through the access rule (someone without a grant gets 404); a
section or right the user does not hold is a 403 and its button is not shown.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import provider_required
from audit.models import AuditAction
from audit.services import record
from core.errors import apply_to_form, to_messages
from core.uploads import check_upload
from enrollment import selectors, services
from enrollment.forms import (
    ApplicationFilterForm,
    ApplicationNewForm,
    AttestationForm,
    BankAccountForm,
    DocumentForm,
    GrantForm,
    IdentificationForm,
    InviteForm,
    LicenseForm,
    LocationForm,
    OwnerForm,
    SignForm,
    SpecialtyForm,
)
from enrollment.models import (
    Document,
    EnrollmentApplication,
    EnrollmentGrant,
    Payment,
    PaymentStatus,
    Section,
)
from enrollment.payments import WebhookRefused, processor

PAGE_SIZE = 25

FORMS = {
    Section.IDENTIFICATION: IdentificationForm,
    Section.LOCATIONS: LocationForm,
    Section.LICENSES: LicenseForm,
    Section.OWNERSHIP: OwnerForm,
    Section.SPECIALTIES: SpecialtyForm,
    Section.BANK: BankAccountForm,
    Section.DOCUMENTS: DocumentForm,
    Section.ATTESTATION: AttestationForm,
}
ROW_REMOVERS = {
    Section.LOCATIONS: (services.location_remove, "location_uuid"),
    Section.LICENSES: (services.license_remove, "license_uuid"),
    Section.OWNERSHIP: (services.owner_remove, "owner_uuid"),
    Section.SPECIALTIES: (services.specialty_remove, "specialty_uuid"),
    Section.DOCUMENTS: (services.document_remove, "document_uuid"),
}


def _visible(
    request: HttpRequest, application_uuid: uuid.UUID, *, detail: bool = False
) -> tuple[EnrollmentApplication, EnrollmentGrant]:
    """The application through the access rule (404 outside reach) and the user's grant on it."""
    rows = EnrollmentApplication.objects.restrict(request.user)
    if detail:
        rows = selectors.application_with_sections(queryset=rows)
    application = get_object_or_404(rows, uuid=application_uuid)
    grant = services.grant_of(user=request.user, application=application)
    if grant is None:
        raise Http404("No such application.")
    return application, grant


def _section(slug: str) -> Section:
    try:
        return Section(slug)
    except ValueError:
        raise Http404("No such section.") from None


def _readable_sections(grant: EnrollmentGrant) -> list[Section]:
    return [s for s in Section if grant.may_read(s)]


@require_GET
@provider_required
def application_list(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.applications_for(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "enrollment/list.html", {"form": form, "page": page, "status": status})


@require_http_methods(["GET", "POST"])
@provider_required
def application_new(request: HttpRequest) -> HttpResponse:
    form = ApplicationNewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                f"Application {application.reference} was created. "
                "Fill in each section; the summary shows what is still missing.",
            )
            return redirect("enrollment:summary", application.uuid)
    return render(request, "enrollment/new.html", {"form": form})


def _summary_context(application: EnrollmentApplication, grant: EnrollmentGrant) -> dict:
    missing = services.sections_missing(application)
    signature_valid = services.signature_is_valid(application)
    blockers = []
    if application.is_editable:
        blockers = services.submit_blockers(application, missing=missing, signature_valid=signature_valid)
    return {
        "application": application,
        "grant": grant,
        "sections": [(s, missing[s], grant.may_read(s), grant.may_write(s)) for s in Section],
        "signature_valid": signature_valid,
        "blockers": blockers,
        "corrections": [c for c in application.corrections.all() if c.resolved_at is None],
        "events": sorted(application.events.all(), key=lambda e: (e.at, e.pk), reverse=True)[:20],
        "processor": processor(),
    }


@require_GET
@provider_required
def application_summary(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid, detail=True)
    return render(request, "enrollment/summary.html", _summary_context(application, grant))


def _section_context(application, grant, section, form=None) -> dict:
    may_write = grant.may_write(section) and application.is_editable
    if form is None and may_write:
        form = _initial_form(application, section)
    return {
        "application": application,
        "grant": grant,
        "section": section,
        "may_write": may_write,
        "form": form if may_write else None,
        "missing": services.missing_in(application, section),
        "complete": section in application.completed_sections,
        "corrections": application.corrections.filter(section=section, resolved_at__isnull=True),
        "is_list": section in services.LIST_SECTIONS,
    }


def _initial_form(application: EnrollmentApplication, section: str):
    if section == Section.IDENTIFICATION:
        return IdentificationForm(
            initial={
                "legal_name": application.legal_name,
                "npi": application.npi,
                "tin": application.tin,
                "taxonomy_code": application.taxonomy_code,
                "is_dme_supplier": application.is_dme_supplier,
            }
        )
    if section == Section.BANK:
        bank = getattr(application, "bank_account", None)
        return BankAccountForm(
            initial={"holder_name": bank.holder_name, "routing_number": bank.routing_number} if bank else None
        )
    if section == Section.ATTESTATION:
        return AttestationForm(initial={"attested": application.attested})
    return FORMS[section]()


def _save_section(request, application, section, form) -> None:
    data = dict(form.cleaned_data)
    actor = request.user
    if section == Section.IDENTIFICATION:
        services.identification_save(actor=actor, application=application, request=request, **data)
    elif section == Section.LOCATIONS:
        services.location_add(actor=actor, application=application, request=request, **data)
    elif section == Section.LICENSES:
        services.license_add(actor=actor, application=application, request=request, **data)
    elif section == Section.OWNERSHIP:
        services.owner_add(actor=actor, application=application, request=request, **data)
    elif section == Section.SPECIALTIES:
        services.specialty_add(actor=actor, application=application, request=request, **data)
    elif section == Section.BANK:
        services.bank_account_save(actor=actor, application=application, request=request, **data)
    elif section == Section.DOCUMENTS:
        checked = check_upload(data["file"])
        services.document_add(
            actor=actor, application=application, checked=checked, description=data["description"], request=request
        )
    elif section == Section.ATTESTATION:
        services.attestation_save(actor=actor, application=application, request=request, **data)


@require_http_methods(["GET", "POST"])
@provider_required
def section_page(request: HttpRequest, application_uuid: uuid.UUID, section: str) -> HttpResponse:
    """A section: text for a reader, the form for a writer; the POST saves (or adds a row)."""
    application, grant = _visible(request, application_uuid, detail=True)
    section = _section(section)
    if not grant.may_read(section):
        raise PermissionDenied("You may not see this section.")
    if request.method == "GET":
        record(
            action=AuditAction.ENROLLMENT_VIEWED,
            actor=request.user,
            target=application,
            details={"section": section.value},
            request=request,
        )
        return render(request, "enrollment/section.html", _section_context(application, grant, section))
    if not grant.may_write(section):
        raise PermissionDenied("You may read this section but not change it.")
    form = FORMS[section](request.POST, request.FILES)
    if form.is_valid():
        try:
            _save_section(request, application, section, form)
        except ValidationError as error:
            apply_to_form(form, error, default_field="file" if section == Section.DOCUMENTS else None)
        else:
            done = (
                "saved and marked complete"
                if section not in services.LIST_SECTIONS
                else "saved; add more or mark the section complete"
            )
            messages.success(request, f"{section.label}: {done}.")
            return redirect("enrollment:section", application.uuid, section.value)
    application.refresh_from_db()
    return render(request, "enrollment/section.html", _section_context(application, grant, section, form), status=400)


@require_POST
@provider_required
def section_complete(request: HttpRequest, application_uuid: uuid.UUID, section: str) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    section = _section(section)
    if not grant.may_write(section):
        raise PermissionDenied("You may not change this section.")
    try:
        services.section_complete(actor=request.user, application=application, section=section, request=request)
    except ValidationError as error:
        to_messages(request, error)
        return redirect("enrollment:section", application.uuid, section.value)
    messages.success(request, f"{section.label} is complete.")
    return redirect("enrollment:summary", application.uuid)


@require_POST
@provider_required
def row_remove(request: HttpRequest, application_uuid: uuid.UUID, section: str, row_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    section = _section(section)
    if section not in ROW_REMOVERS:
        raise Http404("This section has no rows.")
    if not grant.may_write(section):
        raise PermissionDenied("You may not change this section.")
    remove, argument = ROW_REMOVERS[section]
    try:
        remove(actor=request.user, application=application, request=request, **{argument: row_uuid})
    except ValidationError as error:
        to_messages(request, error)
    else:
        messages.success(
            request, f"Removed from {section.label.lower()}. Mark the section complete again when it is ready."
        )
    return redirect("enrollment:section", application.uuid, section.value)


@require_GET
@provider_required
def document_download(request: HttpRequest, application_uuid: uuid.UUID, document_uuid: uuid.UUID) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.restrict(request.user).select_related("application"),
        uuid=document_uuid,
        application__uuid=application_uuid,
    )
    grant = services.grant_of(user=request.user, application=document.application)
    if grant is None or not grant.may_read(Section.DOCUMENTS):
        raise PermissionDenied("You may not see the documents of this application.")
    return services.document_open(actor=request.user, document=document, request=request)


# --- users and rights ------------------------------------------------------------------------------


def _grant_form(grant: EnrollmentGrant, data=None) -> GrantForm:
    initial = {f"section_{s.value}": grant.access(s) for s in Section}
    initial.update({f"can_{r}": getattr(grant, f"can_{r}") for r in services.RIGHTS})
    return GrantForm(data, initial=initial, prefix=f"u{grant.user.uuid.hex[:8]}")


def _users_page(request, application, grant, invite_form=None, status=200) -> HttpResponse:
    grants = list(selectors.grants_of(application=application))
    rows = [(g, _grant_form(g)) for g in grants if not g.is_admin]
    return render(
        request,
        "enrollment/users.html",
        {
            "application": application,
            "grant": grant,
            "admins": [g for g in grants if g.is_admin],
            "rows": rows,
            "invite_form": invite_form or InviteForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@provider_required
def users(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    """The Provider Admin's page: who has which rights; the POST invites someone."""
    application, grant = _visible(request, application_uuid)
    if not grant.is_admin:
        raise PermissionDenied("Only the Provider Admin manages the users of an application.")
    if request.method == "GET":
        return _users_page(request, application, grant)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invited = services.grant_invite(
                actor=request.user,
                application=application,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                sections=form.sections(),
                rights=form.rights(),
                request=request,
            )
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, f"{invited.user.email} was invited with the rights you chose. They get an email with a link."
            )
            return redirect("enrollment:users", application.uuid)
    return _users_page(request, application, grant, invite_form=form, status=400)


def _other_grant(application: EnrollmentApplication, user_uuid: uuid.UUID) -> EnrollmentGrant:
    return get_object_or_404(application.grants.select_related("user"), user__uuid=user_uuid)


@require_POST
@provider_required
def user_update(request: HttpRequest, application_uuid: uuid.UUID, user_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    if not grant.is_admin:
        raise PermissionDenied("Only the Provider Admin manages the users of an application.")
    other = _other_grant(application, user_uuid)
    form = _grant_form(other, request.POST)
    if form.is_valid():
        try:
            services.grant_update(
                actor=request.user, grant=other, sections=form.sections(), rights=form.rights(), request=request
            )
        except ValidationError as error:
            to_messages(request, error)
        else:
            messages.success(request, f"The rights of {other.user.full_name} were changed.")
    else:
        messages.error(request, "Choose a valid access for each section.")
    return redirect("enrollment:users", application.uuid)


@require_POST
@provider_required
def user_revoke(request: HttpRequest, application_uuid: uuid.UUID, user_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    if not grant.is_admin:
        raise PermissionDenied("Only the Provider Admin manages the users of an application.")
    other = _other_grant(application, user_uuid)
    try:
        services.grant_revoke(actor=request.user, grant=other, request=request)
    except ValidationError as error:
        to_messages(request, error)
    else:
        messages.success(request, f"{other.user.full_name} no longer has any right on this application.")
    return redirect("enrollment:users", application.uuid)


# --- sign, pay, submit -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@provider_required
def sign(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    if not grant.right("sign"):
        raise PermissionDenied("Your rights on this application do not include signing.")
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_sign(actor=request.user, application=application, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, "The application is signed. Any change from now on voids the signature.")
            return redirect("enrollment:summary", application.uuid)
    return render(
        request,
        "enrollment/sign.html",
        {
            "application": application,
            "form": form,
            "complete": services.all_complete(application),
            "signature_valid": services.signature_is_valid(application),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@provider_required
def pay(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    """The fee page; its POST starts the payment at the configured provider."""
    application, grant = _visible(request, application_uuid)
    if not grant.right("pay"):
        raise PermissionDenied("Your rights on this application do not include paying the fee.")
    if request.method == "POST":
        try:
            url = services.payment_start(actor=request.user, application=application, request=request)
        except ValidationError as error:
            to_messages(request, error)
            return redirect("enrollment:pay", application.uuid)
        return redirect(url)
    return render(request, "enrollment/pay.html", {"application": application, "processor": processor()})


@require_http_methods(["GET", "POST"])
@provider_required
def pay_test(request: HttpRequest, application_uuid: uuid.UUID, payment_uuid: uuid.UUID) -> HttpResponse:
    """The built-in test processor's page: stands in for a payment provider in local use and tests."""
    application, grant = _visible(request, application_uuid)
    if not grant.right("pay"):
        raise PermissionDenied("Your rights on this application do not include paying the fee.")
    payment = get_object_or_404(Payment, application=application, uuid=payment_uuid, processor="test")
    if request.method == "POST":
        services.test_payment_confirm(actor=request.user, payment=payment, request=request)
        messages.success(request, f"Test payment of {application.fee_dollars} recorded. No money was moved.")
        return redirect("enrollment:summary", application.uuid)
    return render(request, "enrollment/pay_test.html", {"application": application, "payment": payment})


@require_GET
@provider_required
def pay_return(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    """Where Stripe sends the browser back: the fee counts as paid only once the webhook says so."""
    application, grant = _visible(request, application_uuid)
    if not grant.right("pay"):
        raise PermissionDenied("Your rights on this application do not include paying the fee.")
    pending = application.payments.filter(status=PaymentStatus.PENDING).exists()
    return render(request, "enrollment/pay_return.html", {"application": application, "pending": pending})


@require_http_methods(["GET", "POST"])
@provider_required
def submit(request: HttpRequest, application_uuid: uuid.UUID) -> HttpResponse:
    application, grant = _visible(request, application_uuid)
    if not grant.right("submit"):
        raise PermissionDenied("Your rights on this application do not include submitting it.")
    if request.method == "POST":
        try:
            services.application_submit(actor=request.user, application=application, request=request)
        except ValidationError as error:
            to_messages(request, error)
            return redirect("enrollment:submit", application.uuid)
        messages.success(
            request,
            f"Application {application.reference} was submitted. "
            "The plan reviews it; you will find every status change in the Message Box.",
        )
        return redirect("enrollment:summary", application.uuid)
    blockers = (
        services.submit_blockers(application)
        if application.is_editable
        else [f"The application is {application.get_status_display().lower()}."]
    )
    return render(request, "enrollment/submit.html", {"application": application, "blockers": blockers})


@login_not_required
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events, verified with the webhook secret; anything unsigned is a 400 and changes nothing."""
    try:
        services.stripe_webhook_handle(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except WebhookRefused:
        return HttpResponseBadRequest("Invalid signature.")
    return HttpResponse("ok")
