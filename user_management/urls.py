"""The account managers' User Management pages. Their URL names stay in the "accounts" namespace
(links in emails and bookmarks use them), so the project URL map mounts these with accounts'."""

from django.urls import path

from user_management.views import activity, management

urlpatterns = [
    path("users/", management.user_list, name="user_management"),
    path("users/invite/", management.invite, name="invite"),
    path("users/<uuid:user_uuid>/", management.update_user, name="update_user"),
]

# Mounted without a namespace, as they always were.
activity_urlpatterns = [
    path("users/audit/", activity.manager_audit, name="manager_audit"),
    path("users/audit/export.csv", activity.manager_audit_export, name="manager_audit_export"),
]
