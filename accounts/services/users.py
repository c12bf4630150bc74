"""Writes to a user's own record: creation, status, profile and password."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import (
    User,
    UserKind,
    UserStatus,
)
from audit.models import AuditAction
from audit.services import record


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


def sessions_end(*, users: User | QuerySet[User] | Iterable[int], **fields) -> int:
    """End every session of ``users`` (a user, a queryset of users, or user ids) at once, in one
    UPDATE whatever their number: their session epoch moves on, which changes the session auth
    hash (``User._get_session_auth_hash``), so every session opened before stops authenticating
    on its next request. ``fields`` are other columns set by the same UPDATE (a status change).
    Returns the number of users updated."""
    if isinstance(users, User):
        users = User.objects.filter(pk=users.pk)
    elif not isinstance(users, QuerySet):
        users = User.objects.filter(pk__in=list(users))
    return users.update(session_epoch=F("session_epoch") + 1, **fields)


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
    values = {"status": status, "status_changed_at": timezone.now(), "status_reason": reason[:200]}
    if status not in (UserStatus.ACTIVE, UserStatus.LOCKED):
        sessions_end(users=locked, **values)
    else:
        User.objects.filter(pk=locked.pk).update(**values)
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


@transaction.atomic
def password_reset_send(*, actor: User | None, user: User, request=None) -> bool:
    """Email the user a one-hour password reset link (Active or Locked users only)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from outbox.services import email_enqueue

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
