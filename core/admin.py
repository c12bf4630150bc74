"""The Django admin site for the plan's system administrators: second factor required."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    site_header = "Portal administration"
    site_title = "Portal administration"
    index_title = "System administration"

    def __init__(self, name="admin"):
        super().__init__(name)

    @login_not_required
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """One login for the whole portal: password then second factor, then back here.

        A signed-in user who is not an administrator must not be sent to the portal's sign-in: it
        would bounce straight back here, forever. They get the 403 page."""
        index = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(index)
            raise PermissionDenied("The admin is for the plan's system administrators.")
        next_url = request.GET.get("next") or index
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records that change only through the portal's services: the admin shows them, never edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
