"""Every write about users, organizations, provider IDs, access levels and scope.

Each service validates before saving, runs in one transaction and records its audit event in it.
"""

import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.access import user_levels
from accounts.backup_codes import backup_code_digest
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    BackupCode,
    BackupCodeDevice,
    Membership,
    Organization,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    ProviderIdKind,
    User,
    UserKind,
    UserStatus,
)
from audit.models import AuditAction, AuditEvent
from audit.services import record
from mailbox.models import OutboundEmail
from mailbox.outbox import email_enqueue_template

BACKUP_CODE_COUNT = 10


def _permissions(model, codenames: Iterable[str]) -> dict[str, Permission]:
    content_type = ContentType.objects.get_for_model(model)
    return {
        perm.codename: perm for perm in Permission.objects.filter(content_type=content_type, codename__in=codenames)
    }


# --- organizations and provider IDs ---------------------------------------------------------


@transaction.atomic
def organization_create(
    *, actor: User | None, name: str, tin: str, tin_verified: bool = False, request=None, **address
) -> Organization:
    organization = Organization(name=name, tin=tin, tin_verified=tin_verified, **address)
    organization.full_clean()
    organization.save()
    record(
        action=AuditAction.ORGANIZATION_CREATED,
        actor=actor,
        target=organization,
        organization=organization,
        details={"tin": tin, "tin_verified": tin_verified},
        request=request,
    )
    return organization


@transaction.atomic
def provider_identifier_create(
    *, actor: User | None, organization: Organization, kind: str, value: str, display_name: str
) -> ProviderIdentifier:
    identifier = ProviderIdentifier(
        organization=organization, kind=kind, value=value.strip(), display_name=display_name
    )
    identifier.full_clean()
    identifier.save()
    record(
        action=AuditAction.PROVIDER_ID_CREATED,
        actor=actor,
        target=identifier,
        organization=organization,
        details={"kind": kind, "value": identifier.value},
    )
    return identifier


# --- access levels and scope -------------------------------------------------------------------


@transaction.atomic
def access_levels_set(
    *, actor: User | None, user: User, organization: Organization, levels: Iterable[str], request=None
) -> tuple[set[str], set[str]]:
    """Make ``levels`` exactly the user's access levels on the organization.

    Returns (added, removed). Only provider users hold access levels.
    """
    wanted = set(levels)
    unknown = wanted - set(AccessLevel.values)
    if unknown:
        raise ValidationError(f"Unknown access levels: {', '.join(sorted(unknown))}")
    if user.kind != UserKind.PROVIDER and wanted:
        raise ValidationError("Only provider users hold access levels.")
    current = user_levels(user=user, organization=organization)
    added, removed = wanted - current, current - wanted
    if added:
        # Holding a level makes the user a member of the organization (User Management lists them).
        Membership.objects.get_or_create(user=user, organization=organization)
    if not added and not removed:
        return added, removed
    perms = _permissions(Organization, added | removed)
    OrganizationUserObjectPermission.objects.bulk_create(
        [
            OrganizationUserObjectPermission(user=user, content_object=organization, permission=perms[c])
            for c in sorted(added)
        ]
    )
    if removed:
        OrganizationUserObjectPermission.objects.filter(
            user=user, content_object=organization, permission__codename__in=removed
        ).delete()
    record(
        action=AuditAction.LEVELS_CHANGED,
        actor=actor,
        target=user,
        organization=organization,
        details={
            "added": sorted(AccessLevel(c).label for c in added),
            "removed": sorted(AccessLevel(c).label for c in removed),
        },
        request=request,
    )
    return added, removed


@transaction.atomic
def scope_add(
    *,
    actor: User | None,
    user: User,
    provider_identifiers: Iterable[ProviderIdentifier],
    request=None,
    reason: str = "",
) -> list[ProviderIdentifier]:
    """Add provider IDs to the user's access scope; returns those that were not there yet."""
    identifiers = list(provider_identifiers)
    if identifiers and user.kind != UserKind.PROVIDER:
        raise ValidationError("Only provider users have a provider-ID scope.")
    existing = set(
        ProviderIdentifierUserObjectPermission.objects.filter(
            user=user, content_object__in=identifiers, permission__codename=SCOPE_PERMISSION
        ).values_list("content_object_id", flat=True)
    )
    new = [pid for pid in identifiers if pid.pk not in existing]
    if not new:
        return []
    perm = _permissions(ProviderIdentifier, [SCOPE_PERMISSION])[SCOPE_PERMISSION]
    ProviderIdentifierUserObjectPermission.objects.bulk_create(
        [ProviderIdentifierUserObjectPermission(user=user, content_object=pid, permission=perm) for pid in new]
    )
    for organization_id in sorted({pid.organization_id for pid in new}):
        record(
            action=AuditAction.SCOPE_ADDED,
            actor=actor,
            target=user,
            organization=next(pid.organization for pid in new if pid.organization_id == organization_id),
            details={
                "provider_ids": [
                    f"{pid.get_kind_display()} {pid.value}" for pid in new if pid.organization_id == organization_id
                ],
                "reason": reason,
            },
            request=request,
        )
    return new


@transaction.atomic
def scope_remove(
    *, actor: User | None, user: User, provider_identifiers: Iterable[ProviderIdentifier], request=None
) -> int:
    identifiers = list(provider_identifiers)
    grants = ProviderIdentifierUserObjectPermission.objects.filter(
        user=user, content_object__in=identifiers, permission__codename=SCOPE_PERMISSION
    )
    removed_ids = set(grants.values_list("content_object_id", flat=True))
    if not removed_ids:
        return 0
    grants.delete()
    for pid in identifiers:
        if pid.pk in removed_ids:
            record(
                action=AuditAction.SCOPE_REMOVED,
                actor=actor,
                target=user,
                organization=pid.organization,
                details={"provider_ids": [f"{pid.get_kind_display()} {pid.value}"]},
                request=request,
            )
    return len(removed_ids)


# --- users and their status -----------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    phone: str = "",
    kind: str = UserKind.PROVIDER,
    status: str = UserStatus.VERIFICATION_PENDING,
    password: str | None = None,
    request=None,
) -> User:
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, phone=phone, kind=kind, status=status
    )
    record(
        action=AuditAction.USER_CREATED,
        actor=actor,
        target=user,
        details={"kind": kind, "status": status},
        request=request,
    )
    return user


@transaction.atomic
def user_status_set(*, actor: User | None, user: User, status: str, reason: str = "", request=None) -> User:
    """Change a user's status; leaving Active (except for Locked, which only refuses new
    sign-ins) ends every session of the user at once."""
    if status not in UserStatus.values:
        raise ValidationError(f"Unknown status {status!r}.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    previous = locked.status
    if previous == status:
        return locked
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.status_reason = reason[:200]
    fields = ["status", "status_changed_at", "status_reason"]
    if status not in (UserStatus.ACTIVE, UserStatus.LOCKED):
        locked.session_epoch = F("session_epoch") + 1
        fields.append("session_epoch")
    locked.save(update_fields=fields)
    locked.refresh_from_db()
    record(
        action=AuditAction.STATUS_CHANGED,
        actor=actor,
        target=locked,
        details={"from": previous, "to": status, "reason": reason[:200]},
        request=request,
    )
    user.status, user.session_epoch = locked.status, locked.session_epoch
    return locked


def _failures_since(user: User):
    """The account's failed sign-ins that count toward Locked: within the window, and after the
    last completed sign-in and the last status change (an unlock starts the count again)."""
    since = timezone.now() - timedelta(hours=settings.LOGIN_LOCKED_WINDOW_HOURS)
    last_reset = (
        AuditEvent.objects.filter(
            action=AuditAction.PASSWORD_RESET_COMPLETED, target_type="user", target_id=str(user.uuid)
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    for moment in (user.last_login, user.status_changed_at, last_reset):
        if moment is not None and moment > since:
            since = moment
    return AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_email=user.email, occurred_at__gt=since)


@transaction.atomic
def login_failure_note(*, email: str, request=None) -> User | None:
    """After a failed sign-in (already in the audit trail): an Active account with
    LOGIN_LOCKED_AFTER_FAILURES failures in the window becomes Locked and its owner is told.
    Returns the user when this failure locked them."""
    user = User.objects.filter(email=User.objects.normalize_email(email)).first()
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    if _failures_since(user).count() < settings.LOGIN_LOCKED_AFTER_FAILURES:
        return None
    user = user_status_set(
        actor=None, user=user, status=UserStatus.LOCKED, reason="Too many failed logins", request=request
    )
    email_enqueue_template(
        to=user.email,
        template="login_locked",
        context={"user": user, "permanent": True, "reset_url": settings.SITE_URL + reverse("accounts:password_reset")},
        idempotency_key=f"login-locked:{user.uuid}:{user.status_changed_at.isoformat()}",
    )
    return user


@transaction.atomic
def login_lock_notify(*, email: str, ip_address: str | None, request=None) -> bool:
    """The sign-in throttle has just locked ``email`` for one client: tell its owner, once per
    lock (the throttle's record of that lock names it) and at most once per lock period."""
    from axes.models import AccessAttempt

    user = User.objects.filter(email=User.objects.normalize_email(email), status=UserStatus.ACTIVE).first()
    attempt = AccessAttempt.objects.filter(username=email, ip_address=ip_address).order_by("-attempt_time").first()
    if user is None or attempt is None:
        return False
    recent = OutboundEmail.objects.filter(
        to=user.email,
        template="login_locked",
        created_at__gte=timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES),
    )
    if recent.exists():
        return False
    sent = email_enqueue_template(
        to=user.email,
        template="login_locked",
        context={
            "user": user,
            "permanent": False,
            "minutes": settings.LOGIN_LOCK_MINUTES,
            "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        },
        idempotency_key=f"login-lock:{user.uuid}:{attempt.pk}:{attempt.attempt_time.isoformat()}",
    )
    return sent is not None


@transaction.atomic
def password_reset_complete(*, user: User, password: str, request=None) -> User:
    """Set the new password; a locked user is unlocked and the login throttle forgets them."""
    from axes.utils import reset as axes_reset

    user.set_password(password)
    user.save(update_fields=["password"])
    unlocked = user.status == UserStatus.LOCKED
    if unlocked:
        user_status_set(
            actor=None,
            user=user,
            status=UserStatus.ACTIVE,
            reason="Password reset completed",
            request=request,
        )
    axes_reset(username=user.email)  # same database, same transaction
    record(
        action=AuditAction.PASSWORD_RESET_COMPLETED,
        actor=user if user.is_active else None,
        actor_email=user.email,
        target=user,
        details={"unlocked": unlocked},
        request=request,
    )
    return user


@transaction.atomic
def password_change(*, user: User, password: str, request=None) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    record(action=AuditAction.PASSWORD_CHANGED, actor=user, target=user, request=request)
    return user


@transaction.atomic
def profile_update(*, user: User, full_name: str, phone: str, request=None) -> list[str]:
    """The owner changes their own name and telephone; returns the fields that changed.

    The email is the login and the account managers' contact: it is not changed here.
    """
    full_name = " ".join(full_name.split())
    phone = phone.strip()
    if len(full_name) < 2:
        raise ValidationError({"full_name": "Enter your full name."})
    changed = [name for name, value in (("full_name", full_name), ("phone", phone)) if getattr(user, name) != value]
    if not changed:
        return []
    user.full_name, user.phone = full_name, phone
    user.save(update_fields=changed)
    # Only the names of the fields: the audit log is read by account managers, not a copy of the profile.
    record(action=AuditAction.PROFILE_UPDATED, actor=user, target=user, details={"fields": changed}, request=request)
    return changed


# --- multi-factor authentication ---------------------------------------------------------------


def totp_device_for_enrollment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call (kept across page reloads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def user_has_confirmed_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_enrollment_confirm(*, user: User, device: TOTPDevice, token: str, request=None) -> list[str] | None:
    """Confirm the device with a first code; returns 10 new single-use backup codes, or None."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError("This device cannot be confirmed.")
    if not device.verify_token(token):
        record(
            action=AuditAction.MFA_FAILED,
            actor=user,
            target=user,
            details={"step": "enroll"},
            request=request,
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = backup_codes_regenerate(user=user)
    record(action=AuditAction.MFA_ENROLLED, actor=user, target=user, details={"device": "totp"}, request=request)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes with 10 new ones, stored hashed; the codes in clear are
    returned to be shown once, and exist nowhere else."""
    BackupCodeDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # plain codes from before hashing, if any
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(f"{secrets.randbelow(10**10):010d}")
    BackupCode.objects.bulk_create(
        [BackupCode(device=device, digest=backup_code_digest(user.pk, code)) for code in codes]
    )
    return sorted(codes)


@transaction.atomic
def backup_codes_replace(*, user: User, request=None) -> list[str]:
    """The user asked for new backup codes: the old ones stop working at once. Audited."""
    codes = backup_codes_regenerate(user=user)
    record(
        action=AuditAction.MFA_ENROLLED,
        actor=user,
        target=user,
        details={"device": "backup_codes", "regenerated": True},
        request=request,
    )
    return codes


def backup_codes_remaining(*, user: User) -> int:
    return BackupCode.objects.filter(device__user=user, device__confirmed=True).count()


class MfaRefusal(models.TextChoices):
    """Why a second-factor code was refused, so the page can say it in words."""

    WRONG = "wrong", "The code is not right"
    REPLAYED = "replayed", "The code was already used"
    THROTTLED = "throttled", "Too many wrong codes in a row: wait before the next try"


@dataclass(frozen=True)
class MfaResult:
    """The outcome of one code: the device it matched, or why it was refused."""

    device: object | None = None
    refusal: str = ""
    wait_seconds: int = 0


def _totp_was_used(device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is the code of a time step this device already accepted (a replay):
    it matches within the device's tolerance, but only at a step not after ``last_t``."""
    if not token.isdigit() or device.last_t < 0:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.t() <= device.last_t and totp.token() == int(token):
            return True
    return False


def _wait_seconds(locked_until) -> int:
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def mfa_check(*, user: User, token: str, request=None) -> MfaResult:
    """Check a TOTP or backup code, audited either way. A refusal says why: throttled by
    django-otp's back-off (1, 2, 4, 8 … seconds after consecutive failures, OTP_TOTP_THROTTLE_FACTOR)
    with the seconds to wait, replayed (a code of a step already used), or wrong."""
    token = token.replace(" ", "").strip()
    device = None
    throttled_until = None
    totp_devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    # An app code (6 digits) is checked against the app only, a backup code (10 digits) against
    # the backup codes only: a mistyped app code must not throttle the backup codes, nor the reverse.
    app_code = any(len(token) == candidate.digits for candidate in totp_devices)
    for candidate in totp_devices if app_code else ():
        allowed, data = candidate.verify_is_allowed()
        if not allowed:
            if data and data.get("locked_until"):
                throttled_until = max(throttled_until or data["locked_until"], data["locked_until"])
            continue
        if candidate.verify_token(token):
            device = candidate
            break
    used_backup = False
    if device is None and not app_code:
        for candidate in BackupCodeDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_is_allowed()[0] and candidate.verify_token(token):
                device, used_backup = candidate, True
                break
    if device is None:
        if throttled_until is not None:
            result = MfaResult(refusal=MfaRefusal.THROTTLED, wait_seconds=_wait_seconds(throttled_until))
        elif any(_totp_was_used(candidate, token) for candidate in totp_devices):
            result = MfaResult(refusal=MfaRefusal.REPLAYED)
        else:
            result = MfaResult(refusal=MfaRefusal.WRONG)
        record(
            action=AuditAction.MFA_FAILED,
            actor=user,
            target=user,
            details={"step": "verify", "refusal": str(result.refusal)},
            request=request,
        )
        return result
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    record(
        action=AuditAction.MFA_BACKUP_CODE_USED if used_backup else AuditAction.MFA_VERIFIED,
        actor=user,
        target=user,
        request=request,
    )
    return MfaResult(device=device)


def mfa_verify(*, user: User, token: str, request=None):
    """Check a TOTP or backup code; returns the matching device or None. Audited either way."""
    return mfa_check(user=user, token=token, request=request).device


# --- payer staff actions on a user (Control Panel Users) ------------------------------------------


def _notify(user: User, subject: str, body: str, organization: Organization | None = None) -> None:
    from mailbox.services import system_notify

    system_notify(user=user, subject=subject, body=body, organization=organization)


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
    _notify(
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
        _notify(
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
    if added or removed:
        parts = []
        if added:
            parts.append("added: " + ", ".join(sorted(AccessLevel(c).label for c in added)))
        if removed:
            parts.append("removed: " + ", ".join(sorted(AccessLevel(c).label for c in removed)))
        _notify(
            user,
            "Your access levels changed",
            f"Your access levels for {organization.name} (TIN {organization.tin}) changed; " + "; ".join(parts) + ".",
            organization,
        )


@transaction.atomic
def payer_user_disable(*, actor: User, user: User, reason: str, request=None) -> User:
    _require_payer(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the user is disabled."})
    if user.status == UserStatus.DISABLED:
        raise ValidationError("This user is already disabled.")
    user = user_status_set(actor=actor, user=user, status=UserStatus.DISABLED, reason=reason, request=request)
    _notify(user, "Your account was disabled", "Your portal account was disabled. Contact your account manager.")
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
    _notify(user, "Your account was enabled", "Your portal account was enabled again.")
    return user


@transaction.atomic
def password_reset_send(*, actor: User | None, user: User, request=None) -> bool:
    """Email the user a one-hour password reset link (Active or Locked users only)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from mailbox.outbox import email_enqueue

    if user.status not in (UserStatus.ACTIVE, UserStatus.LOCKED):
        raise ValidationError("A password reset is for active or locked users; enable the user first.")
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "PAYER_NAME": settings.PAYER_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("accounts/email/password_reset_subject.txt", context).split())
    body = render_to_string("accounts/email/password_reset.txt", context)
    email_enqueue(to=user.email, subject=subject, body=body, template="password_reset")
    record(action=AuditAction.PASSWORD_RESET_SENT, actor=actor, target=user, request=request)
    return True
