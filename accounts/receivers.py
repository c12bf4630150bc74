"""Audit records for Django's login signals, and the lockout hook of the login throttle.

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
    # A passwordless sign-in with a passkey says so (accounts.views_security sets the method).
    method = getattr(request, "portal_login_method", "password")
    details = {"step": "password"} if method == "password" else {"step": method, "method": method}
    record(action=AuditAction.LOGIN, actor=user, target=user, details=details, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    record(action=AuditAction.LOGIN_FAILED, actor_email=email, details={}, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(action=AuditAction.LOGOUT, actor=user, target=user, request=request)


@receiver(user_locked_out, dispatch_uid="lock_user_on_lockout")
def lock_user_on_lockout(sender, request, username, ip_address, **kwargs):
    from accounts.services import user_lock_after_failed_logins

    if username:
        user_lock_after_failed_logins(email=username, request=request)
