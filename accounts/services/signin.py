"""Failed sign-ins: the note on the user's record and the one lock-out email."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    User,
    UserStatus,
)
from accounts.services.users import user_status_set
from audit.models import AuditAction, AuditEvent
from outbox.models import OutboundEmail
from outbox.services import email_enqueue_template


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
