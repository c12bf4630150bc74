"""Session rules: a second factor before any page, SESSION_IDLE_MINUTES idle, 12 hours at most;
and where a sign-in may send the user back to."""

import inspect
import math
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from audit.models import AuditAction
from audit.services import record

SESSION_STARTED = "portal_auth_started"
SESSION_LAST_SEEN = "portal_last_seen"
# Write the last-seen time at most once a minute, not on every request.
LAST_SEEN_GRANULARITY = 60

# Paths a signed-in user may open before passing the second factor.
UNVERIFIED_ALLOWED_PREFIXES = ("/mfa/", "/logout/", "/static/", "/healthz", "/password-reset/", "/help/signing-in/")


SAFE_METHODS = ("GET", "HEAD")


def _view_refuses_get(view) -> bool:
    """Whether a resolved view answers GET with 405: a class-based view without ``get``, or a
    function behind ``require_http_methods``/``require_POST`` whose list lacks GET."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "get" not in view_class.http_method_names or not hasattr(view_class, "get")
    seen = 0
    while view is not None and seen < 20:  # decorators stack a few levels deep at most
        methods = None
        if inspect.isfunction(view):
            methods = inspect.getclosurevars(view).nonlocals.get("request_method_list")
        if methods is not None and "GET" not in methods:
            return True
        view, seen = getattr(view, "__wrapped__", None), seen + 1
    return False


def safe_next_path(request, candidate) -> str | None:
    """``candidate`` when it is a path of this site that a browser can open with GET, else None.

    Refused: anything not starting with one slash (``foo``, ``//evil``, ``javascript:``), control
    characters and backslashes, paths that match no page, and pages that only take POST (going
    back to them after sign-in would show the browser's bare "405")."""
    if not isinstance(candidate, str) or not candidate.startswith("/") or candidate.startswith("//"):
        return None
    if any(ord(char) < 32 or ord(char) == 127 or char == "\\" for char in candidate):
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if _view_refuses_get(match.func):
        return None
    return candidate


def return_path(request) -> str:
    """Where to come back to after signing in again from this request. A GET comes back to
    itself; a form post (a reply, a status button) comes back to the page the form was on, named
    by a same-origin Referer, else the dashboard: the post itself cannot be replayed."""
    if request.method in SAFE_METHODS:
        path = safe_next_path(request, request.get_full_path())
    else:
        referer = request.headers.get("Referer", "")
        parts = urlsplit(referer)
        same_origin = parts.netloc == request.get_host() and parts.scheme == request.scheme
        path = None
        if same_origin:
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            path = safe_next_path(request, local)
    return path or reverse(settings.LOGIN_REDIRECT_URL)


def idle_duration_words() -> str:
    """The idle timeout in words, from the setting: "15 minutes", "1 minute", "30 seconds"."""
    seconds = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
    if seconds % 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = seconds // 60
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def idle_seconds_left(session, now: float | None = None) -> int:
    """Seconds before this session's idle clock runs out, as the middleware counts them."""
    now = time.time() if now is None else now
    last_seen = session.get(SESSION_LAST_SEEN, now)
    # Rounded up: the page's clock then ends at or after the server's, never before it.
    return max(0, math.ceil(settings.SESSION_IDLE_TIMEOUT.total_seconds() - (now - last_seen)))


def idle_clock_refresh(session) -> int:
    """Restart the idle clock now (the "Stay signed in" button); returns the seconds left."""
    session[SESSION_LAST_SEEN] = time.time()
    return idle_seconds_left(session)


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's deny-by-default login, but a signed-out form post returns, after sign-in, to the
    page the form was on rather than to its POST-only address."""

    def handle_no_permission(self, request, view_func):
        if request.method in SAFE_METHODS:
            return super().handle_no_permission(request, view_func)
        return redirect_to_login(
            return_path(request),
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT without a request, or SESSION_MAX_AGE in all.

    The last-seen time is written at most once a minute (or a quarter of a shorter timeout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            # Read on each request, not once at start-up, so a changed setting takes effect.
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            max_age = settings.SESSION_MAX_AGE.total_seconds()
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            reason = None
            if now - last_seen > idle:
                reason = "idle"
            elif now - started > max_age:
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
                    f"You were signed out after {idle_duration_words()} without activity. Please sign in again."
                    if reason == "idle"
                    else "Your session reached its 12-hour limit. Please sign in again.",
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': return_path(request)})}")
            if now - session.get(SESSION_LAST_SEEN, 0) > min(LAST_SEEN_GRANULARITY, idle / 4):
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
            return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': return_path(request)})}")
        return self.get_response(request)
