"""User Management for account managers: the list with its Verification pending queue, the
Update User screen of seed 004, and invitations. Everything is limited to the manager's TINs."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import managed_organization_list, managed_organizations, user_levels
from accounts.decorators import level_required
from accounts.models import (
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
from accounts.selectors import managed_status_counts, managed_users, shared_organizations
from accounts.services import registration as registration_services
from core.confirm import confirmation_declined, confirmation_page
from core.errors import apply_to_form
from core.pagination import keyset_page
from user_management.forms.management import InvitationForm, UpdateUserForm, UserFilterForm
from user_management.selectors import manager_work_queue
from user_management.services import notices
from user_management.services import users as user_actions

manager_required = level_required(AccessLevel.MANAGE_ACCOUNT)


@require_GET
@manager_required
def user_list(request: HttpRequest) -> HttpResponse:
    organizations = managed_organization_list(manager=request.user)
    form = UserFilterForm(request.GET or None, organizations=organizations)
    q = status = ""
    organization = None
    if form.is_valid():
        q, status = form.cleaned_data["q"], form.cleaned_data["status"]
        organization = form.organizations.get(form.cleaned_data["tin"])
    counts = managed_status_counts(manager=request.user, organization=organization, managed=organizations)
    page = keyset_page(
        managed_users(manager=request.user, organization=organization, q=q, status=status, managed=organizations),
        order=("full_name", "id"),
        after=request.GET.get("after"),
    )
    return render(
        request,
        "user_management/management/user_list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in UserStatus],
            "pending_count": counts.get(UserStatus.VERIFICATION_PENDING, 0),
            "organizations": organizations,
            "queue": manager_work_queue(manager=request.user, managed=organizations),
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


def _update_url(user, organization) -> str:
    return f"{reverse('accounts:update_user', args=[user.uuid])}?tin={organization.uuid}"


def _scope_in(user, organization) -> list[ProviderIdentifier]:
    """The user's provider IDs of this TIN (not the TIN's whole list). One query."""
    return list(ProviderIdentifier.objects.in_scope(user).filter(organization=organization).order_by("kind", "value"))


@require_http_methods(["GET", "POST"])
@manager_required
def update_user(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    """The Update User screen: one form, one Save, and the status buttons, which submit the same form
    (the Save is applied first, then the action), so nothing typed on the page is lost."""
    user = _managed_user(request, user_uuid)
    organization, shared = _organization(request, user)
    own_page = user.pk == request.user.pk
    scope = _scope_in(user, organization)
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if confirmation_declined(request):
        # Back from the confirmation page: the form as it was typed, nothing saved.
        form = UpdateUserForm(request.POST, organization=organization, scope=scope)
        messages.info(request, "Nothing was saved yet: your changes are still on this page.")
    elif request.method == "POST":
        form = UpdateUserForm(request.POST, organization=organization, scope=scope)
        if form.is_valid():
            response = _save(request, form, user=user, organization=organization, own_page=own_page)
            if response is not None:
                return response
    else:
        form = UpdateUserForm(
            organization=organization, scope=scope, initial={"ends_on": membership.ends_on if membership else None}
        )
    held = user_levels(user=user, organization=organization)
    grantable = user_levels(user=request.user, organization=organization)
    ticked = set(form["levels"].value() or []) if form.is_bound else held
    return render(
        request,
        "user_management/management/update_user.html",
        {
            "subject_user": user,
            "organization": organization,
            "shared": shared,
            "form": form,
            "levels": [
                {
                    "value": level.value,
                    "label": level.label,
                    "checked": (level.value in ticked) if level.value in grantable else (level.value in held),
                    "held": level.value in held,
                    "editable": not own_page and level.value in grantable,
                }
                for level in AccessLevel
            ],
            "held_labels": notices.level_labels(held),
            "own_page": own_page,
            "scope": scope,
            "removing": set(form["remove_ids"].value() or []) if form.is_bound else set(),
            "membership": membership,
            "templates": RoleTemplate.objects.all() if user.status == UserStatus.VERIFICATION_PENDING else [],
            "comments": UserComment.objects.filter(user=user).order_by("-created_at", "-id")[:100],
            "invited": RegistrationLink.objects.filter(user=user, purpose=LinkPurpose.INVITATION).exists(),
            "registration": getattr(user, "registration", None),
            "link_validity": registration_services.link_validity(),
        },
    )


def _save(request, form, *, user, organization, own_page):
    """Apply the Save and the pressed button; ``None`` renders the form again with its errors."""
    data = form.cleaned_data
    action = data["action"]
    before = user.status
    edit = "edit" in request.POST and action not in user_actions.ACTIONS_WITHOUT_SAVE
    changes = {
        # Own levels are not on the own page's form: they stay unless a (forged) POST names some.
        "levels": data["all_levels"] if edit and (not own_page or "levels" in request.POST) else None,
        "add_provider_ids": data["add_identifiers"] if edit else [],
        "remove_provider_ids": list(data["remove_ids"]) if edit else [],
        "ends_on": data["ends_on"] if edit else user_actions.UNCHANGED,
    }
    common = {"actor": request.user, "user": user, "organization": organization}
    try:
        plan = user_actions.user_changes_plan(**common, **changes)
    except ValidationError as error:
        apply_to_form(form, error)
        return None
    question = _confirmation(request, action=action, plan=plan, user=user, organization=organization)
    if question is not None:
        return question
    try:
        user_actions.user_update(
            **common, **changes, comment=data["comment"], action="" if action == "save" else action, request=request
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return None
    except ValidationError as error:
        apply_to_form(form, error)
        return None
    user = User.objects.get(pk=user.pk)
    if action == "remove":
        messages.success(
            request,
            f"{user.full_name} was removed from {organization.name} (TIN {organization.tin}); "
            "their access there ended.",
        )
        return redirect("accounts:user_management")
    said = _done(action=action, plan=plan, user=user, organization=organization, comment=data["comment"], before=before)
    for text in said:
        messages.success(request, text)
    return redirect(_update_url(user, organization))


def _done(*, action, plan, user, organization, comment, before) -> list[str]:
    """What happened, in words: the Save first, then the button."""
    said = []
    if plan:
        said.append(f"Saved for {user.full_name}: {plan.summary}.")
    elif action == "save":
        said.append("Comment saved; nothing else changed." if comment else "Nothing changed.")
    validity = registration_services.link_validity()
    then = f"they become Active when they finish it (the link works for {validity})."
    if action == "enable" and user.status == UserStatus.UNVERIFIED:
        levels = notices.join_words(notices.level_labels(user_levels(user=user, organization=organization)))
        done = "verified" if before == UserStatus.VERIFICATION_PENDING else "enabled"
        said.append(f"{user.full_name} is {done} with {levels}. A registration email was sent to {user.email}; {then}")
    elif action == "enable":
        said.append(f"{user.full_name} is enabled again and {user.get_status_display()}: they can sign in.")
    elif action == "disable":
        said.append(f"{user.full_name} is disabled: they can no longer sign in, and their sessions ended.")
    elif action == "registration_email":
        invited = not hasattr(user, "registration")
        validity = registration_services.link_validity(LinkPurpose.INVITATION if invited else LinkPurpose.REGISTRATION)
        said.append(
            f"A new registration email was sent to {user.email}; any earlier link no longer works. "
            f"They become Active when they finish it (the link works for {validity})."
        )
    elif action == "password_reset":
        said.append(f"A password reset email was sent to {user.email}.")
    elif action == "revoke":
        said.append(
            f"The invitation of {user.full_name} is revoked: the link no longer works and the login is disabled."
        )
    return said


def _confirmation(request, *, action, plan, user, organization):
    """Ask first when the button ends access or the Save takes something away."""
    name = user.full_name
    unsaved = "The changes you made on this page are not saved: their access here ends anyway."
    also = [f"Saved first: {plan.summary}."] if plan else []
    if action == "disable":
        title = f"Disable {name}?"
        consequences = [
            f"{name} can no longer sign in, and every session of theirs ends at once.",
            "You can enable them again later from their Update User page.",
            *plan.removals,
            *also,
        ]
        label = f"Disable {name}"
    elif action == "remove":
        title = f"Remove {name} from {organization.name} (TIN {organization.tin})?"
        consequences = [
            f"Their access levels and provider IDs of TIN {organization.tin} are taken away, and they leave "
            "this TIN's user list.",
            "Their login itself stays, for any other organization they work for.",
            unsaved,
        ]
        label = "Remove from this TIN"
    elif action == "revoke":
        title = f"Revoke the invitation of {name}?"
        consequences = [
            "The emailed link stops working, their access levels are taken away and the login is disabled.",
            unsaved,
        ]
        label = "Revoke invitation"
    elif plan.removals:
        title = f"Save the changes for {name}?"
        consequences = [*plan.removals, f"All changes: {plan.summary}."]
        if plan.levels_removed:
            consequences.append(f"{name}'s sessions end at once, because their access shrinks.")
        label = "Save changes"
    else:
        return None
    consequences.append(
        "Go back keeps what you typed on the page, unsaved; Cancel goes back to the page as it was saved."
    )
    update_url = _update_url(user, organization)
    return confirmation_page(
        request,
        title=title,
        consequences=consequences,
        confirm_label=label,
        cancel_url=update_url,
        back_label="Go back to the page, keeping my changes",
        breadcrumbs=[
            ("Home", reverse("portal:dashboard")),
            ("User Management", reverse("accounts:user_management")),
            (name, update_url),
        ],
    )


@require_http_methods(["GET", "POST"])
@manager_required
def invite(request: HttpRequest) -> HttpResponse:
    organizations = list(managed_organizations(manager=request.user))
    form = InvitationForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_actions.invitation_create(
                actor=request.user,
                organization=data["organization_obj"],
                email=data["email"],
                full_name=data["full_name"],
                levels=data["all_levels"],
                provider_identifiers=data["identifiers"],
                request=request,
            )
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            validity = registration_services.link_validity(LinkPurpose.INVITATION)
            messages.success(request, f"Invitation sent to {user.email}. It works for {validity}.")
            return redirect(_update_url(user, data["organization_obj"]))
    return render(
        request,
        "user_management/management/invite.html",
        {
            "form": form,
            "templates": RoleTemplate.objects.all(),
            "link_validity": registration_services.link_validity(LinkPurpose.INVITATION),
        },
    )
