"""Activity in your organizations: the audit log an account manager may read, and its export."""

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.decorators import level_required
from accounts.models import AccessLevel
from audit.pages import SCOPE_MANAGER, audit_export, audit_page
from user_management.selectors import audit_events_for_manager


@require_GET
@level_required(AccessLevel.MANAGE_ACCOUNT)
def manager_audit(request: HttpRequest) -> HttpResponse:
    return audit_page(
        request,
        events=audit_events_for_manager(user=request.user),
        scope=SCOPE_MANAGER,
        export_url=reverse("manager_audit_export"),
        title="Activity in your organizations",
    )


@require_GET
@level_required(AccessLevel.MANAGE_ACCOUNT)
def manager_audit_export(request: HttpRequest) -> HttpResponseBase:
    return audit_export(
        request,
        events=audit_events_for_manager(user=request.user),
        scope=SCOPE_MANAGER,
        page_url=reverse("manager_audit"),
    )
