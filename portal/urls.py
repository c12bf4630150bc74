"""URL map. Links in emails depend on these paths: keep them."""

from django.contrib import admin
from django.urls import include, path

from portal import views

handler500 = "portal.views.server_error"

portal_patterns = (
    [path("", views.dashboard, name="dashboard")],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("", include("accounts.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
