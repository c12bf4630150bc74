"""Control Panel Users: payer staff find any provider user and change their access."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from access_requests.selectors import requests_of
from accounts.access import (
    active_manager_exists,
    has_grant_on_tin,
    has_npi_in_scope,
    levels_by_organization,
    provider_ids_in_scope,
)
from accounts.decorators import payer_staff_required
from accounts.models import (
    AccessLevel,
    Organization,
    ProviderIdentifier,
    Registration,
    RegistrationStatus,
    User,
    UserKind,
    UserStatus,
)
from accounts.services.users import password_reset_send
from accounts.validators import NPI_RE, TIN_RE
from audit.models import AuditEvent
from core.confirm import confirmation_page
from core.errors import to_messages
from core.pagination import keyset_page
from user_management.forms.control_panel import LevelsForm, ReasonForm, ScopeAddForm, UserSearchForm
from user_management.selectors import organization_overview, with_organizations
from user_management.services import payer as payer_actions


def provider_users_matching(q: str, status: str = ""):
    """Provider users by name or email (contains), TIN (9 digits) or NPI (10 digits)."""
    users = User.objects.filter(kind=UserKind.PROVIDER)
    if status:
        users = users.filter(status=status)
    q = q.strip()
    if not q:
        return users
    digits = q.replace("-", "").replace(" ", "")
    if TIN_RE.match(digits):
        return users.filter(has_grant_on_tin(digits))
    if NPI_RE.match(digits):
        return users.filter(has_npi_in_scope(digits))
    return users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))


@require_GET
@payer_staff_required
def users(request: HttpRequest) -> HttpResponse:
    form = UserSearchForm(request.GET or None)
    q = status = ""
    if form.is_valid():
        q, status = form.cleaned_data["q"], form.cleaned_data["status"]
    page = keyset_page(provider_users_matching(q, status), order=("email", "id"), after=request.GET.get("after"))
    with_organizations(page.rows)
    return render(request, "user_management/control_panel/users.html", {"form": form, "page": page, "q": q})


def _provider_user(user_uuid) -> User:
    return get_object_or_404(User.objects.filter(kind=UserKind.PROVIDER), uuid=user_uuid)


@require_GET
@payer_staff_required
def user_detail(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    levels = levels_by_organization(user=user)
    scope = list(provider_ids_in_scope(user=user).order_by("organization__name", "kind", "value"))
    organization_ids = set(levels) | {pid.organization_id for pid in scope}
    organizations = Organization.objects.filter(pk__in=organization_ids).order_by("name")
    level_forms = [
        (
            organization,
            LevelsForm(initial={"levels": sorted(levels.get(organization.pk, set()))}, prefix=f"org{organization.pk}"),
        )
        for organization in organizations
    ]
    events = (
        AuditEvent.objects.filter(Q(target_type="user", target_id=str(user.uuid)) | Q(actor=user))
        .select_related("organization")
        .order_by("-occurred_at", "-id")[:50]
    )
    return render(
        request,
        "user_management/control_panel/user_detail.html",
        {
            "subject_user": user,
            "level_forms": level_forms,
            "scope": scope,
            "scope_form": ScopeAddForm(),
            "reason_form": ReasonForm(),
            "access_requests": requests_of(user=user).order_by("-created_at")[:20],
            "events": events,
            "level_order": list(AccessLevel),
        },
    )


def _user_trail(user) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("control_panel:home")),
        ("Users", reverse("control_panel:users")),
        (user.full_name, reverse("control_panel:user", args=[user.uuid])),
    ]


def _done(request: HttpRequest, user: User, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("control_panel:user", user.uuid)


def _failed(request: HttpRequest, user: User, error: ValidationError) -> HttpResponse:
    to_messages(request, error)
    return redirect("control_panel:user", user.uuid)


@require_POST
@payer_staff_required
def user_scope_add(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    form = ScopeAddForm(request.POST)
    if not form.is_valid():
        return _failed(request, user, ValidationError("Choose the kind of ID and type its value."))
    try:
        identifier = payer_actions.payer_scope_add(actor=request.user, user=user, request=request, **form.cleaned_data)
    except ValidationError as error:
        return _failed(request, user, error)
    return _done(request, user, f"Added {identifier}.")


@require_POST
@payer_staff_required
def user_scope_remove(request: HttpRequest, user_uuid: uuid.UUID, identifier_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    identifier = get_object_or_404(
        ProviderIdentifier.objects.in_scope(user),
        uuid=identifier_uuid,
    )
    confirm = confirmation_page(
        request,
        title=f"Remove {identifier.get_kind_display()} {identifier.value} from {user.full_name}?",
        consequences=[
            f"{user.full_name} can no longer act for {identifier} (organization "
            f"{identifier.organization.name}, TIN {identifier.organization.tin}): its claims and members "
            "disappear from their pages at once.",
            "Their access levels and other provider IDs stay as they are.",
            "The removal is in the audit log. To give it back, add the provider ID again on this page.",
        ],
        confirm_label=f"Remove {identifier.get_kind_display()} {identifier.value}",
        cancel_url=reverse("control_panel:user", args=[user.uuid]),
        breadcrumbs=_user_trail(user),
    )
    if confirm is not None:
        return confirm
    payer_actions.payer_scope_remove(actor=request.user, user=user, identifier=identifier, request=request)
    return _done(request, user, f"Removed {identifier}.")


@require_POST
@payer_staff_required
def user_levels(request: HttpRequest, user_uuid: uuid.UUID, organization_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    organization = get_object_or_404(Organization, uuid=organization_uuid)
    form = LevelsForm(request.POST, prefix=f"org{organization.pk}")
    if not form.is_valid():
        return _failed(request, user, ValidationError("Choose access levels from the list."))
    try:
        payer_actions.payer_levels_set(
            actor=request.user,
            user=user,
            organization=organization,
            levels=form.cleaned_data["levels"],
            request=request,
        )
    except ValidationError as error:
        return _failed(request, user, error)
    return _done(request, user, f"Access levels for {organization.name} saved.")


@require_POST
@payer_staff_required
def user_status(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    action = request.POST.get("action")
    # A missing reason or an already disabled user is refused by the service on the user's page;
    # only an action that would go through asks first.
    if action == "disable" and " ".join(reason.split()) and user.status != UserStatus.DISABLED:
        confirm = confirmation_page(
            request,
            title=f"Disable {user.full_name}?",
            consequences=[
                f"{user.full_name} ({user.email}) can no longer sign in, and every session they have open ends now.",
                "Their access levels and provider IDs are kept, so enabling them again gives the same access back.",
                f"Their account managers see them as Disabled; the audit log keeps the reason “{reason}”.",
            ],
            confirm_label=f"Disable {user.full_name}",
            cancel_url=reverse("control_panel:user", args=[user.uuid]),
            breadcrumbs=_user_trail(user),
        )
        if confirm is not None:
            return confirm
    try:
        if action == "disable":
            payer_actions.payer_user_disable(actor=request.user, user=user, reason=reason, request=request)
            return _done(request, user, f"{user.full_name} is disabled; their sessions ended.")
        if action == "enable":
            user = payer_actions.payer_user_enable(actor=request.user, user=user, reason=reason, request=request)
            return _done(request, user, f"{user.full_name} is {user.get_status_display().lower()}.")
    except ValidationError as error:
        return _failed(request, user, error)
    return _failed(request, user, ValidationError("Unknown action."))


@require_POST
@payer_staff_required
def user_password_reset(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    user = _provider_user(user_uuid)
    try:
        password_reset_send(actor=request.user, user=user, request=request)
    except ValidationError as error:
        return _failed(request, user, error)
    return _done(request, user, f"A password reset email is on its way to {user.email}.")


# --- Organizations: TIN verification and the registrations waiting for the payer ---------------------


@require_GET
@payer_staff_required
def organizations(request: HttpRequest) -> HttpResponse:
    from user_management.forms.management import OrganizationSearchForm, RegistrationDecisionForm

    form = OrganizationSearchForm(request.GET or None)
    q = flag = ""
    if form.is_valid():
        q, flag = form.cleaned_data["q"].strip(), form.cleaned_data["flag"]
    rows = Organization.objects.annotate(has_manager=active_manager_exists())
    if q:
        rows = rows.filter(tin=q.replace("-", "")) if q.replace("-", "").isdigit() else rows.filter(name__icontains=q)
    if flag == "unverified":
        rows = rows.filter(tin_verified=False)
    elif flag == "no_manager":
        rows = rows.filter(has_manager=False)
    page = keyset_page(rows, order=("name", "id"), after=request.GET.get("after"))
    waiting = (
        Registration.objects.filter(status=RegistrationStatus.PENDING, routed_to_payer=True)
        .select_related("user", "organization")
        .order_by("created_at", "id")[:100]
    )
    return render(
        request,
        "user_management/control_panel/organizations.html",
        {"form": form, "page": page, "waiting": waiting, "decision_form": RegistrationDecisionForm()},
    )


def _to_organizations(request: HttpRequest, error: ValidationError | None = None, message: str = "") -> HttpResponse:
    if error is not None:
        to_messages(request, error)
    elif message:
        messages.success(request, message)
    return redirect("control_panel:organizations")


@require_POST
@payer_staff_required
def registration_decide(request: HttpRequest, registration_uuid: uuid.UUID) -> HttpResponse:
    from user_management.forms.management import RegistrationDecisionForm
    from user_management.services.payer import payer_registration_approve, payer_registration_reject

    registration = get_object_or_404(Registration.objects.select_related("user"), uuid=registration_uuid)
    form = RegistrationDecisionForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        if request.POST.get("decision") == "approve":
            organization = payer_registration_approve(
                actor=request.user,
                registration=registration,
                organization_name=data.get("organization_name", ""),
                request=request,
            )
            return _to_organizations(
                request,
                message=f"{registration.user.full_name} is the account manager of {organization.name}; "
                "the registration email is on its way.",
            )
        if request.POST.get("decision") == "reject":
            payer_registration_reject(
                actor=request.user, registration=registration, reason=data.get("reason", ""), request=request
            )
            return _to_organizations(request, message="Registration rejected.")
    except ValidationError as error:
        return _to_organizations(request, error)
    return _to_organizations(request, ValidationError("Choose approve or reject."))


@require_GET
@payer_staff_required
def organization_detail(request: HttpRequest, organization_uuid: uuid.UUID) -> HttpResponse:
    organization = get_object_or_404(Organization, uuid=organization_uuid)
    return render(
        request,
        "user_management/control_panel/organization.html",
        {
            "organization": organization,
            "overview": organization_overview(organization=organization, after=request.GET.get("after")),
            "audit_url": reverse("control_panel:audit") + f"?tin={organization.tin}",
        },
    )


@require_POST
@payer_staff_required
def organization_verify(request: HttpRequest, organization_uuid: uuid.UUID) -> HttpResponse:
    from user_management.services.payer import organization_verify as verify

    organization = get_object_or_404(Organization, uuid=organization_uuid)
    verify(actor=request.user, organization=organization, request=request)
    if request.POST.get("back") == "organization":
        messages.success(request, f"TIN {organization.tin} is verified.")
        return redirect("control_panel:organization", organization.uuid)
    return _to_organizations(request, message=f"TIN {organization.tin} is verified.")
