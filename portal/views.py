"""The dashboard of each side, the health check and the error pages."""

import hmac
import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import payer_staff_required, request_levels
from audit.pages import SCOPE_ALL, audit_export, audit_page
from audit.selectors import audit_events_all
from authorizations import selectors as authorization_selectors
from core.charts import weekly_bars
from core.confirm import confirmation_page
from core.pagination import keyset_page
from outbox.forms import EmailFilterForm
from outbox.models import OutboundEmail
from outbox.selectors import SHOW_FAILED, emails_needing_attention
from outbox.services import AlreadyRetried, outbound_email_retry
from portal import help as help_pages
from portal import selectors

logger = logging.getLogger(__name__)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.is_payer_staff:
        return redirect("control_panel:home")
    context = selectors.provider_dashboard(user=request.user, levels_anywhere=request_levels(request))
    return render(request, "portal/dashboard_provider.html", context)


@require_GET
@payer_staff_required
def control_panel_home(request: HttpRequest) -> HttpResponse:
    context = selectors.payer_dashboard()
    context["overdue_authorizations"] = authorization_selectors.overdue(limit=10)
    context["bars"] = weekly_bars(context["chart"])
    return render(request, "portal/dashboard_payer.html", context)


# --- Help ------------------------------------------------------------------------------------------


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    pages = help_pages.pages_for(request.user)
    groups = [
        (title, [page for page in pages if page.audience == audience])
        for audience, title in (
            (help_pages.EVERYONE, "For everyone"),
            (help_pages.PROVIDER, "Provider portal"),
            (help_pages.MANAGER, "For account managers"),
            (help_pages.PAYER, "Control Panel (plan staff)"),
        )
    ]
    return render(request, "help/index.html", {"groups": [(t, p) for t, p in groups if p]})


@login_not_required
@require_GET
def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One how-to page. The sign-in page is open to everyone (people read it when they cannot
    sign in); every other page needs a signed-in, verified user, like the rest of the portal."""
    page = help_pages.BY_SLUG.get(slug)
    if page is None:
        raise Http404
    if slug not in help_pages.PUBLIC:
        verified = request.user.is_authenticated and getattr(request.user, "is_verified", lambda: False)()
        if not verified:
            return redirect_to_login(request.get_full_path())
        if not help_pages.may_read(request.user, page):
            raise Http404
    return render(request, page.template, {"page": page, **help_pages.facts()})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.exception("Health check: database unreachable")
        return False


def _broker_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
        return bool(client.ping())
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False


def _cache_ok() -> bool:
    """The shared cache (Redis in production: throttles and lockout counts) takes and returns a value."""
    from django.core.cache import cache

    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:
        logger.exception("Health check: cache unreachable")
        return False


LOOPBACK_ADDRESSES = {"127.0.0.1", "::1"}


def _may_see_health_details(request) -> bool:
    """The configured token (``Authorization: Bearer <HEALTHZ_TOKEN>``, compared in constant
    time), or a caller on this machine that did not come through a proxy (a proxy on the same
    host makes every visitor look local, so a forwarded request never counts as local)."""
    token = settings.HEALTHZ_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return request.META.get("REMOTE_ADDR") in LOOPBACK_ADDRESSES and not forwarded


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} or 503 {"status": "unavailable"}; which part is down only for the
    monitoring token or a local caller."""
    checks = {"database": "ok" if _database_ok() else "down", "cache": "ok" if _cache_ok() else "down"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if _broker_ok() else "down"
    else:
        checks["broker"] = "not configured (tasks run inline)"
    healthy = all(value != "down" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if _may_see_health_details(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without context processors: the database may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(
        template.render(
            {
                "PAYER_NAME": settings.PAYER_NAME,
                "PAYER_SUPPORT_PHONE": settings.PAYER_SUPPORT_PHONE,
                "PAYER_SUPPORT_EMAIL": settings.PAYER_SUPPORT_EMAIL,
            }
        )
    )


# --- the Control Panel's audit log: every event ---------------------------------------------------


@require_GET
@payer_staff_required
def control_panel_audit(request: HttpRequest) -> HttpResponse:
    return audit_page(
        request,
        events=audit_events_all(),
        scope=SCOPE_ALL,
        export_url=reverse("control_panel:audit_export"),
        title="Audit log",
    )


@require_GET
@payer_staff_required
def control_panel_audit_export(request: HttpRequest) -> HttpResponseBase:
    return audit_export(request, events=audit_events_all(), scope=SCOPE_ALL, page_url=reverse("control_panel:audit"))


# --- the Control Panel's Email delivery: failed emails and possible doubles -----------------------


@require_GET
@payer_staff_required
def control_panel_emails(request: HttpRequest) -> HttpResponse:
    form = EmailFilterForm(request.GET or None)
    show, to = SHOW_FAILED, ""
    if form.is_valid():
        show, to = form.cleaned_data["show"], form.cleaned_data["to"]
    emails = emails_needing_attention(show=show, to=to)
    page = keyset_page(emails, order=("-created_at", "-id"), after=request.GET.get("after"))
    return render(
        request,
        "outbox/control_panel_emails.html",
        {"form": form, "page": page, "count": emails.count(), "show": show, "filtered": bool(to)},
    )


@require_POST
@payer_staff_required
def control_panel_email_retry(request: HttpRequest, email_uuid: uuid.UUID) -> HttpResponse:
    email = get_object_or_404(OutboundEmail.objects.defer("body"), uuid=email_uuid)
    back = reverse("control_panel:emails")
    if email.failed_at is None:
        messages.warning(request, f"The email to {email.to} is not failed: nothing was changed.")
        return redirect(back)
    consequences = [
        f"The email to {email.to} (“{email.subject}”) goes back to the queue and a worker sends it "
        "within a minute, with a fresh round of attempts.",
        "If the mail server refuses it again, it comes back to this list with the new error.",
        "The retry is recorded in the audit log.",
    ]
    if email.possible_duplicate:
        consequences.insert(1, "This email may already have reached the recipient once: they may get it again.")
    confirm = confirmation_page(
        request,
        title=f"Retry the email to {email.to}?",
        consequences=consequences,
        confirm_label="Retry the email",
        cancel_url=back,
        breadcrumbs=[("Email delivery", back)],
    )
    if confirm is not None:
        return confirm
    try:
        outbound_email_retry(email=email, actor=request.user, request=request)
    except AlreadyRetried:
        messages.warning(request, f"The email to {email.to} was already retried by someone else: nothing was changed.")
    else:
        messages.success(
            request, f"The email to {email.to} is back in the queue; it is sent within a minute. Check this list again."
        )
    return redirect(back)
