"""The payer staff's actions on provider users and organizations in the Control Panel."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    ProviderIdentifier,
    ProviderIdKind,
    Registration,
    RegistrationStatus,
    User,
    UserStatus,
)
from accounts.services.access import access_levels_set, organization_create, scope_add, scope_remove
from accounts.services.registration import registration_link_issue
from accounts.services.users import user_status_set
from audit.models import AuditAction
from audit.services import record
from outbox.services import email_enqueue_template
from user_management.services.notices import levels_changed_notify, notify
from user_management.services.users import Action, history_add


def _require_payer(actor: User) -> None:
    if not actor.is_payer_staff or not actor.is_active:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only payer staff act from the Control Panel.")


@transaction.atomic
def payer_scope_add(*, actor: User, user: User, kind: str, value: str, request=None) -> ProviderIdentifier:
    """Payer staff add a provider ID, which must exist in the claim system, to a user's scope."""
    _require_payer(actor)
    value = value.strip()
    identifier = ProviderIdentifier.objects.select_related("organization").filter(kind=kind, value=value).first()
    if identifier is None:
        raise ValidationError(
            {"value": f"{dict(ProviderIdKind.choices).get(kind, kind)} {value} is not in the claim system."}
        )
    if not scope_add(actor=actor, user=user, provider_identifiers=[identifier], request=request):
        raise ValidationError({"value": f"{user.full_name} already has {identifier.get_kind_display()} {value}."})
    notify(
        user,
        "Your access changed",
        f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name}, TIN "
        f"{identifier.organization.tin}) was added to your account.",
        identifier.organization,
    )
    return identifier


@transaction.atomic
def payer_scope_remove(*, actor: User, user: User, identifier: ProviderIdentifier, request=None) -> None:
    _require_payer(actor)
    if scope_remove(actor=actor, user=user, provider_identifiers=[identifier], request=request):
        notify(
            user,
            "Your access changed",
            f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name}) was removed from "
            "your account.",
            identifier.organization,
        )


@transaction.atomic
def payer_levels_set(
    *, actor: User, user: User, organization: Organization, levels: Iterable[str], request=None
) -> None:
    _require_payer(actor)
    added, removed = access_levels_set(
        actor=actor, user=user, organization=organization, levels=levels, request=request
    )
    levels_changed_notify(user, organization, added, removed)


@transaction.atomic
def payer_user_disable(*, actor: User, user: User, reason: str, request=None) -> User:
    _require_payer(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the user is disabled."})
    if user.status == UserStatus.DISABLED:
        raise ValidationError("This user is already disabled.")
    user = user_status_set(actor=actor, user=user, status=UserStatus.DISABLED, reason=reason, request=request)
    notify(user, "Your account was disabled", "Your portal account was disabled. Contact your account manager.")
    return user


@transaction.atomic
def payer_user_enable(*, actor: User, user: User, reason: str = "", request=None) -> User:
    """Re-enable: to Active if the user had completed registration, else Unverified."""
    _require_payer(actor)
    if user.status != UserStatus.DISABLED:
        raise ValidationError("Only a disabled user can be enabled here.")
    status = UserStatus.ACTIVE if user.has_usable_password() else UserStatus.UNVERIFIED
    user = user_status_set(
        actor=actor, user=user, status=status, reason=reason or "Enabled by payer staff", request=request
    )
    notify(user, "Your account was enabled", "Your portal account was enabled again.")
    return user


@transaction.atomic
def organization_verify(*, actor: User, organization: Organization, request=None) -> Organization:
    if not actor.is_payer_staff:
        raise PermissionDenied("Only payer staff verify TINs.")
    if not organization.tin_verified:
        Organization.objects.filter(pk=organization.pk).update(tin_verified=True)
        organization.tin_verified = True
        record(action=AuditAction.ORGANIZATION_VERIFIED, actor=actor, target=organization, organization=organization)
    return organization


@transaction.atomic
def payer_registration_approve(
    *, actor: User, registration: Registration, organization_name: str = "", request=None
) -> Organization:
    """Verify the TIN (creating the organization if needed) and make the registrant its account manager."""
    if not actor.is_payer_staff:
        raise PermissionDenied("Only payer staff approve registrations here.")
    registration = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError("This registration was already decided.")
    organization = registration.organization or Organization.objects.filter(tin=registration.tin).first()
    if organization is None:
        name = " ".join((organization_name or "").split())
        if not name:
            raise ValidationError({"organization_name": "Name the new organization."})
        organization = organization_create(
            actor=actor, name=name, tin=registration.tin, tin_verified=True, request=request
        )
    organization_verify(actor=actor, organization=organization, request=request)
    user = registration.user
    Membership.objects.get_or_create(user=user, organization=organization)
    access_levels_set(actor=actor, user=user, organization=organization, levels=AccessLevel.values, request=request)
    Registration.objects.filter(pk=registration.pk).update(
        organization=organization, status=RegistrationStatus.APPROVED, decided_at=timezone.now(), decided_by=actor
    )
    if npi := registration.npi:
        identifier = ProviderIdentifier.objects.filter(kind="npi", value=npi, organization=organization).first()
        if identifier is not None:
            scope_add(actor=actor, user=user, provider_identifiers=[identifier], request=request)
    user_status_set(
        actor=actor, user=user, status=UserStatus.UNVERIFIED, reason="Approved by payer staff", request=request
    )
    registration_link_issue(user=user, actor=actor, organization=organization)
    history_add(user=user, organization=organization, author=actor, action=Action.VERIFY, comment="Account manager")
    record(
        action=AuditAction.REGISTRATION_APPROVED,
        actor=actor,
        target=user,
        organization=organization,
        details={"account_manager": True},
        request=request,
    )
    return organization


@transaction.atomic
def payer_registration_reject(*, actor: User, registration: Registration, reason: str, request=None) -> None:
    if not actor.is_payer_staff:
        raise PermissionDenied("Only payer staff reject registrations here.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the registration is rejected."})
    registration = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError("This registration was already decided.")
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.REJECTED, decided_at=timezone.now(), decided_by=actor, reason=reason[:200]
    )
    user_status_set(actor=actor, user=registration.user, status=UserStatus.DISABLED, reason=reason, request=request)
    email_enqueue_template(
        to=registration.user.email, template="registration_rejected", context={"user": registration.user}
    )
    record(
        action=AuditAction.REGISTRATION_REJECTED,
        actor=actor,
        target=registration.user,
        details={"tin": registration.tin, "reason": reason[:200]},
        request=request,
    )
