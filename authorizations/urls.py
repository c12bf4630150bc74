"""The provider pages of prior authorizations, under /authorizations/."""

from django.urls import path

from authorizations import views

app_name = "authorizations"

urlpatterns = [
    path("", views.authorization_list, name="list"),
    path("needed/", views.needed, name="needed"),
    path("new/", views.draft_new, name="new"),
    path("drafts/<uuid:authorization_uuid>/delete/", views.draft_delete, name="draft_delete"),
    path("drafts/<uuid:authorization_uuid>/<slug:step>/", views.draft_step, name="draft_step"),
    path("<uuid:authorization_uuid>/", views.authorization_detail, name="detail"),
    path("<uuid:authorization_uuid>/letter/", views.authorization_letter, name="letter"),
    path("<uuid:authorization_uuid>/information/", views.information_send, name="information"),
    path("<uuid:authorization_uuid>/appeal/", views.authorization_appeal, name="appeal"),
    path("<uuid:authorization_uuid>/withdraw/", views.authorization_withdraw, name="withdraw"),
    path(
        "<uuid:authorization_uuid>/attachments/<uuid:attachment_uuid>/",
        views.attachment_download,
        name="attachment",
    ),
]

# Public pages (no sign-in), mounted at /prior-authorization/ in the "prior_authorization" namespace.
public_urlpatterns = [
    path("metrics/", views.public_metrics, name="metrics"),
    path("services/", views.public_services, name="services"),
]
