"""Audit records for Django's login signals, the failed-sign-in counters, and the owner's notice
when the sign-in throttle locks their account for a client.

These receivers only translate a framework signal into a service call.
"""

from axes.signals import user_locked_out
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.models import update_last_login
from django.dispatch import receiver

from audit.models import AuditAction
from audit.services import record

# A login is complete only after the second factor: last_login is set there (mfa_verify), so a
# stolen password alone neither looks like activity nor resets the inactivity clock.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs):
    # A passwordless sign-in with a passkey says so (accounts.views.security sets the method).
    method = getattr(request, "portal_login_method", "password")
    details = {"step": "password"} if method == "password" else {"step": method, "method": method}
    record(action=AuditAction.LOGIN, actor=user, target=user, details=details, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from accounts.services.signin import login_failure_note
    from core import ratelimit

    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    # Refused by a running lock (django-axes then records nothing, so no failure count is set):
    # the password was never checked.
    locked_out = bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    record(
        action=AuditAction.LOGIN_FAILED,
        actor_email=email,
        details={"locked_out": True} if locked_out else {},
        request=request,
    )
    if request is not None:
        # The client's failures across accounts: the login view refuses once either is full.
        for name in ("login-client-minute", "login-client-hour"):
            ratelimit.hit(name, ratelimit.client_key(request))
    # Such a guess does not count toward Locked.
    if email and not locked_out:
        login_failure_note(email=email, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(action=AuditAction.LOGOUT, actor=user, target=user, request=request)


@receiver(user_locked_out, dispatch_uid="notify_owner_on_lockout")
def notify_owner_on_lockout(sender, request, username, ip_address, **kwargs):
    from accounts.services.signin import login_lock_notify

    if username:
        login_lock_notify(email=username, ip_address=ip_address, request=request)
