"""Passkeys (WebAuthn through django-otp-webauthn): the second factors a user holds, adding and
removing a passkey, and the account rules a sign-in with a passkey must pass.

The library does the cryptography and the ceremonies; this module decides who may, audits, and
tells the user by email whenever a passkey is added to or removed from their account.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.structs import AuthenticatorSelectionCriteria, UserVerificationRequirement

from accounts.models import BackupCode, User, UserStatus
from audit.models import AuditAction
from audit.services import record
from outbox.services import email_enqueue

# The name typed on the Security page waits here between "Continue" and the browser's ceremony.
PENDING_NAME_SESSION_KEY = "portal_passkey_pending_name"
PASSKEY_NAME_MAX_LENGTH = 64  # django-otp's Device.name
DEFAULT_PASSKEY_NAME = "Passkey"


class PortalWebAuthnHelper(WebAuthnHelper):
    """The library's helper with user verification (PIN or biometric) required in every ceremony:
    a passkey then proves something the user has and something they know or are."""

    def get_generate_registration_options_kwargs(self, *, user):
        kwargs = super().get_generate_registration_options_kwargs(user=user)
        kwargs["authenticator_selection"] = AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.REQUIRED,
            resident_key=self.get_discoverable_credentials_preference(),
        )
        return kwargs

    def get_generate_authentication_options_kwargs(self, *, user=None, require_user_verification: bool):
        # The library asks for verification only without a signed-in user; the portal always does.
        return super().get_generate_authentication_options_kwargs(user=user, require_user_verification=True)

    def get_credential_name(self, user) -> str:
        return self.request.session.get(PENDING_NAME_SESSION_KEY) or DEFAULT_PASSKEY_NAME


# --- reads -------------------------------------------------------------------------------------


def passkeys_of(*, user: User) -> QuerySet[WebAuthnCredential]:
    """The user's own passkeys, newest first: nobody else's is ever in reach."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at", "-id")


def user_has_passkey(*, user: User) -> bool:
    return passkeys_of(user=user).exists()


@dataclass(frozen=True)
class SecondFactors:
    """What the Security page lists."""

    authenticator_app: bool
    backup_codes_left: int
    passkeys: list[WebAuthnCredential]


def second_factors_of(*, user: User) -> SecondFactors:
    return SecondFactors(
        authenticator_app=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        backup_codes_left=BackupCode.objects.filter(device__user=user, device__confirmed=True).count(),
        passkeys=list(passkeys_of(user=user)),
    )


def second_factor_kept(*, user: User):
    """The factor a session falls back on when its own passkey is removed: a passkey, else the app."""
    return passkeys_of(user=user).first() or TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verified_with_passkey(request) -> bool:
    """The session's second factor was a passkey (not the authenticator app or a backup code)."""
    return isinstance(getattr(request.user, "otp_device", None), WebAuthnCredential)


def passkey_required_for(user: User) -> bool:
    """Payer staff must use a passkey for the Control Panel when the plan says so."""
    return bool(settings.PAYER_STAFF_REQUIRE_PASSKEY and user.is_payer_staff)


def passkey_sign_in_refusal(*, request, user: User) -> str | None:
    """Why this user may not sign in with a passkey, or None: the password path's account rules.

    Only an Active account signs in (disabled, locked, unverified and verification-pending ones do
    not), and an account the login throttle holds locked stays locked for passkeys too.
    """
    if user.status != UserStatus.ACTIVE:
        return user.status
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_locked(request, credentials={"username": user.email}):
        return "throttled"
    return None


# --- writes ------------------------------------------------------------------------------------


def _tell_user(*, user: User, template: str, name: str) -> None:
    context = {
        "full_name": user.full_name,
        "name": name,
        "PAYER_NAME": settings.PAYER_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    email_enqueue(to=user.email, subject=subject, body=render_to_string(f"accounts/email/{template}.txt", context))


@transaction.atomic
def passkey_register(*, user: User, helper: WebAuthnHelper, state: dict, data: dict, name: str, request=None):
    """Verify the browser's new credential and keep it under ``name``; audited, and the user is told."""
    credential = helper.register_complete(user=user, state=state, data=data)
    if credential.name != name:
        credential.name = name
        credential.save(update_fields=["name"])
    record(
        action=AuditAction.PASSKEY_ADDED,
        actor=user,
        target=user,
        details={"name": name, "passkey": credential.credential_id_sha256[:16]},
        request=request,
    )
    _tell_user(user=user, template="passkey_added", name=name)
    return credential


@transaction.atomic
def passkey_remove(*, user: User, credential: WebAuthnCredential, request=None) -> None:
    """Remove one of the user's passkeys, unless it would leave them without a second factor.

    The authenticator app and the other passkeys count as second factors; backup codes do not
    (they are for a lost phone). Payer staff who must use a passkey keep at least one.
    """
    # Lock the user's row: two removals at once cannot both see "one other factor left".
    User.objects.select_for_update().get(pk=user.pk)
    if credential.user_id != user.pk:
        raise ValidationError("This passkey is not yours.")
    other_passkeys = passkeys_of(user=user).exclude(pk=credential.pk).exists()
    has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if not other_passkeys and not has_app:
        raise ValidationError("This is your only second factor, so it cannot be removed. Add another passkey first.")
    if not other_passkeys and passkey_required_for(user):
        raise ValidationError("The Control Panel needs a passkey: add another passkey before you remove this one.")
    name = credential.name
    fingerprint = credential.credential_id_sha256[:16]
    credential.delete()
    record(
        action=AuditAction.PASSKEY_REMOVED,
        actor=user,
        target=user,
        details={"name": name, "passkey": fingerprint},
        request=request,
    )
    _tell_user(user=user, template="passkey_removed", name=name)


def passkey_second_factor_passed(*, user: User, credential: WebAuthnCredential, request=None) -> None:
    """The MFA step passed with a passkey: the sign-in is complete (last_login set, audited)."""
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    record(
        action=AuditAction.MFA_VERIFIED,
        actor=user,
        target=user,
        details={"method": "passkey", "passkey": credential.credential_id_sha256[:16]},
        request=request,
    )


def passkey_sign_in_failed(*, user: User | None, reason: str, second_factor: bool, request=None) -> None:
    """A passkey was refused: a failed login (passwordless) or a failed second factor."""
    record(
        action=AuditAction.MFA_FAILED if second_factor else AuditAction.LOGIN_FAILED,
        actor=user if second_factor else None,
        actor_email=user.email if user is not None else "",
        target=user,
        details={"method": "passkey", "reason": reason, **({"step": "verify"} if second_factor else {})},
        request=request,
    )
