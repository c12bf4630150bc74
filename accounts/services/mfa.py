"""The second factor: TOTP enrollment and checks, backup codes."""

import math
import secrets
import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backup_codes import backup_code_digest
from accounts.models import (
    BackupCode,
    BackupCodeDevice,
    User,
)
from audit.models import AuditAction
from audit.services import record

BACKUP_CODE_COUNT = 10


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
