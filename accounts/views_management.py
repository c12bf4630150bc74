"""User Management for account managers: the list with its Verification pending queue, the
Update User screen of seed 004, and invitations. Everything is limited to the manager's TINs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import lifecycle
from accounts.forms_management import EndDateForm, InvitationForm, LevelsForm, ScopeForm, UserActionForm, UserFilterForm
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    LinkPurpose,
    Membership,
    ProviderIdentifier,
    RegistrationLink,
    RoleTemplate,
    User,
    UserComment,
    UserStatus,
)
from accounts.selectors import (
    managed_organizations,
    managed_status_counts,
    managed_users,
    manager_work_queue,
    shared_organizations,
    user_levels,
)
from portal.pagination import keyset_page
from portal.permissions import level_required

manager_required = level_required(AccessLevel.MANAGE_ACCOUNT)


@require_GET
@manager_required
def user_list(request):
    organizations = list(managed_organizations(manager=request.user))
    form = UserFilterForm(request.GET or None, organizations=organizations)
    q = status = ""
    organization = None
    if form.is_valid():
        q, status = form.cleaned_data["q"], form.cleaned_data["status"]
        organization = form.organizations.get(form.cleaned_data["tin"])
    counts = managed_status_counts(manager=request.user, organization=organization)
    page = keyset_page(
        managed_users(manager=request.user, organization=organization, q=q, status=status),
        order=("full_name", "id"),
        after=request.GET.get("after"),
    )
    return render(
        request,
        "accounts/management/user_list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in UserStatus],
            "pending_count": counts.get(UserStatus.VERIFICATION_PENDING, 0),
            "organizations": organizations,
            "queue": manager_work_queue(manager=request.user),
        },
    )


def _managed_user(request, user_uuid):
    """The one access helper: a user outside the manager's TINs is a 404."""
    return get_object_or_404(managed_users(manager=request.user), uuid=user_uuid)


def _organization(request, user):
    """The TIN the screen is about: one the manager manages and the user belongs to."""
    shared = shared_organizations(manager=request.user, user=user)
    if not shared:
        raise Http404
    wanted = request.POST.get("organization") or request.GET.get("tin")
    for organization in shared:
        if str(organization.uuid) == wanted:
            return organization, shared
    if request.method == "POST":
        raise Http404  # a forged or stale organization
    return shared[0], shared


@require_GET
@manager_required
def update_user(request, user_uuid):
    user = _managed_user(request, user_uuid)
    organization, shared = _organization(request, user)
    held = user_levels(user=user, organization=organization)
    grantable = user_levels(user=request.user, organization=organization)
    own_page = user.pk == request.user.pk
    membership = Membership.objects.filter(user=user, organization=organization).first()
    scope = ProviderIdentifier.objects.filter(
        organization=organization, user_grants__user=user, user_grants__permission__codename=SCOPE_PERMISSION
    )
    return render(
        request,
        "accounts/management/update_user.html",
        {
            "subject_user": user,
            "organization": organization,
            "shared": shared,
            "levels": [
                {
                    "value": level.value,
                    "label": level.label,
                    "checked": level.value in held,
                    "editable": not own_page and level.value in grantable,
                }
                for level in AccessLevel
            ],
            "own_page": own_page,
            "action_form": UserActionForm(),
            "levels_form": LevelsForm(),
            "scope_form": ScopeForm(organization=organization, initial={"provider_ids": list(scope)}),
            "end_form": EndDateForm(initial={"ends_on": membership.ends_on if membership else None}),
            "comments": UserComment.objects.filter(user=user).order_by("-created_at", "-id")[:100],
            "invited": RegistrationLink.objects.filter(user=user, purpose=LinkPurpose.INVITATION).exists(),
            "registration": getattr(user, "registration", None),
        },
    )


def _back(user, organization):
    from django.urls import reverse

    return redirect(f"{reverse('accounts:update_user', args=[user.uuid])}?tin={organization.uuid}")


def _errors(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


ACTIONS = {
    "enable": (lifecycle.user_enable, "{name} is now {status}."),
    "disable": (lifecycle.user_disable, "{name} is disabled; their sessions ended."),
    "registration_email": (lifecycle.registration_email_send, "A registration email is on its way to {email}."),
    "password_reset": (lifecycle.manager_password_reset_send, "A password reset email is on its way to {email}."),
    "revoke": (lifecycle.invitation_revoke, "The invitation of {name} is revoked."),
    "remove": (lifecycle.user_remove_from_organization, "{name} no longer has access to this TIN."),
    "comment": (lifecycle.user_comment_add, "Comment saved."),
}


@require_POST
@manager_required
def user_action(request, user_uuid):
    user = _managed_user(request, user_uuid)
    organization, _ = _organization(request, user)
    form = UserActionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, error if field != "action" else "Choose an action.")
        return _back(user, organization)
    service, done = ACTIONS[form.cleaned_data["action"]]
    kwargs = {"actor": request.user, "user": user, "organization": organization, "request": request}
    if form.cleaned_data["action"] != "revoke":
        kwargs["comment"] = form.cleaned_data["comment"]
    try:
        result = service(**kwargs)
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        return _back(user, organization)
    user = result if isinstance(result, User) else User.objects.get(pk=user.pk)
    messages.success(request, done.format(name=user.full_name, email=user.email, status=user.get_status_display()))
    return _back(user, organization)


@require_POST
@manager_required
def user_levels_update(request, user_uuid):
    user = _managed_user(request, user_uuid)
    organization, _ = _organization(request, user)
    form = LevelsForm(request.POST)
    if not form.is_valid():
        _errors(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return _back(user, organization)
    try:
        added, removed = lifecycle.manager_levels_set(
            actor=request.user,
            user=user,
            organization=organization,
            levels=form.cleaned_data["levels"],
            comment=form.cleaned_data["comment"],
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "Access levels saved." if added or removed else "Nothing changed.")
    return _back(user, organization)


@require_POST
@manager_required
def user_scope_update(request, user_uuid):
    user = _managed_user(request, user_uuid)
    organization, _ = _organization(request, user)
    form = ScopeForm(request.POST, organization=organization)
    if not form.is_valid():
        _errors(request, ValidationError("Choose provider IDs of this TIN from the list."))
        return _back(user, organization)
    try:
        added, removed = lifecycle.manager_scope_set(
            actor=request.user,
            user=user,
            organization=organization,
            provider_identifiers=form.cleaned_data["provider_ids"],
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"Provider IDs saved: {added} added, {removed} removed.")
    return _back(user, organization)


@require_POST
@manager_required
def user_end_date(request, user_uuid):
    user = _managed_user(request, user_uuid)
    organization, _ = _organization(request, user)
    form = EndDateForm(request.POST)
    if not form.is_valid():
        _errors(request, ValidationError("Enter a valid date."))
        return _back(user, organization)
    try:
        lifecycle.membership_end_set(
            actor=request.user,
            user=user,
            organization=organization,
            ends_on=form.cleaned_data["ends_on"],
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "End date saved.")
    return _back(user, organization)


@require_http_methods(["GET", "POST"])
@manager_required
def invite(request):
    organizations = list(managed_organizations(manager=request.user))
    form = InvitationForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = lifecycle.invitation_create(
                actor=request.user,
                organization=data["organization_obj"],
                email=data["email"],
                full_name=data["full_name"],
                levels=data["all_levels"],
                provider_identifiers=data["identifiers"],
                request=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {user.email}. It works for 7 days.")
            return _back(user, data["organization_obj"])
    return render(
        request,
        "accounts/management/invite.html",
        {"form": form, "templates": RoleTemplate.objects.all()},
    )
