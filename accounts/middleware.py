"""Session rules: a second factor before any page, 15 minutes idle, 12 hours at most."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from audit.models import AuditAction
from audit.services import record

SESSION_STARTED = "portal_auth_started"
SESSION_LAST_SEEN = "portal_last_seen"
# Write the last-seen time at most once a minute, not on every request.
LAST_SEEN_GRANULARITY = 60

# Paths a signed-in user may open before passing the second factor.
UNVERIFIED_ALLOWED_PREFIXES = ("/mfa/", "/logout/", "/static/", "/healthz", "/password-reset/", "/help/signing-in/")


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT without a request, or SESSION_MAX_AGE in all."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        self.max_age = settings.SESSION_MAX_AGE.total_seconds()

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            reason = None
            if now - last_seen > self.idle:
                reason = "idle"
            elif now - started > self.max_age:
                reason = "max_age"
            if reason:
                record(
                    action=AuditAction.SESSION_EXPIRED,
                    actor=request.user,
                    target=request.user,
                    details={"reason": reason},
                    request=request,
                )
                logout(request)
                messages.info(
                    request,
                    "You were signed out after 15 minutes without activity. Please sign in again."
                    if reason == "idle"
                    else "Your session reached its 12-hour limit. Please sign in again.",
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            if now - session.get(SESSION_LAST_SEEN, 0) > LAST_SEEN_GRANULARITY:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class RequireVerifiedMiddleware:
    """No page opens, the Control Panel and the admin included, without a verified second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(UNVERIFIED_ALLOWED_PREFIXES)
        ):
            return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
