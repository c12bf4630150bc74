"""URL map. Links in emails depend on these paths: keep them."""

from django.contrib import admin
from django.urls import include, path

from access_requests.views import mailbox as mailbox_views
from access_requests.views import requests as access_request_views
from access_reviews import views as review_views
from accounts import urls as accounts_urls
from assessments import views as assessment_views
from authorizations import urls as authorization_urls
from authorizations import views_control_panel as authorization_views
from chat import views as chat_views
from claims import urls as claims_urls
from enrollment import views_control_panel as enrollment_views
from health_records import views as health_record_views
from portal import views
from user_management import urls as user_management_urls
from user_management.views import control_panel as user_views

handler500 = "portal.views.server_error"

# Claims and Eligibility share the "claims" namespace but live at two top-level paths.
claims_patterns = (
    [
        path("claims/", include(claims_urls.urlpatterns)),
        path("eligibility/", include(claims_urls.eligibility_urlpatterns)),
    ],
    "claims",
)

# Sign-in, MFA, registration and profile (accounts) and the account managers' User Management
# pages (user_management) share the "accounts" namespace: their URL names predate the split.
accounts_patterns = (accounts_urls.urlpatterns + user_management_urls.urlpatterns, "accounts")

portal_patterns = (
    [path("", views.dashboard, name="dashboard")],
    "portal",
)

help_patterns = (
    [
        path("", views.help_index, name="index"),
        path("<slug:slug>/", views.help_page, name="page"),
    ],
    "help",
)

# The payer's Control Panel: each page lives with its domain's app, under one namespace.
control_panel_patterns = (
    [
        path("", views.control_panel_home, name="home"),
        path("mailbox/", mailbox_views.mailbox, name="mailbox"),
        path("mailbox/<uuid:thread_uuid>/", mailbox_views.thread_detail, name="mailbox_thread"),
        path("mailbox/<uuid:thread_uuid>/reply/", mailbox_views.thread_reply, name="mailbox_reply"),
        path("mailbox/<uuid:thread_uuid>/take/", mailbox_views.thread_take, name="mailbox_take"),
        path("mailbox/<uuid:thread_uuid>/decide/", mailbox_views.request_decide, name="mailbox_decide"),
        path(
            "mailbox/<uuid:thread_uuid>/decide/reply/",
            mailbox_views.request_reply_preview,
            name="mailbox_reply_preview",
        ),
        path("chat/", chat_views.control_panel_chat, name="chat"),
        path("users/", user_views.users, name="users"),
        path("users/<uuid:user_uuid>/", user_views.user_detail, name="user"),
        path("users/<uuid:user_uuid>/scope/", user_views.user_scope_add, name="user_scope_add"),
        path(
            "users/<uuid:user_uuid>/scope/<uuid:identifier_uuid>/remove/",
            user_views.user_scope_remove,
            name="user_scope_remove",
        ),
        path(
            "users/<uuid:user_uuid>/levels/<uuid:organization_uuid>/",
            user_views.user_levels,
            name="user_levels",
        ),
        path("users/<uuid:user_uuid>/status/", user_views.user_status, name="user_status"),
        path("users/<uuid:user_uuid>/password-reset/", user_views.user_password_reset, name="user_password_reset"),
        path("requests/", access_request_views.control_panel_requests, name="requests"),
        path("authorizations/", authorization_views.queue, name="authorizations"),
        path("authorizations/<uuid:authorization_uuid>/", authorization_views.review, name="authorization"),
        path("authorizations/<uuid:authorization_uuid>/take/", authorization_views.take, name="authorization_take"),
        path(
            "authorizations/<uuid:authorization_uuid>/information/",
            authorization_views.information_request,
            name="authorization_information",
        ),
        path(
            "authorizations/<uuid:authorization_uuid>/extend/", authorization_views.extend, name="authorization_extend"
        ),
        path(
            "authorizations/<uuid:authorization_uuid>/letter/", authorization_views.letter, name="authorization_letter"
        ),
        path(
            "authorizations/<uuid:authorization_uuid>/attachments/<uuid:attachment_uuid>/",
            authorization_views.attachment_download,
            name="authorization_attachment",
        ),
        path("enrollment/", enrollment_views.queue, name="enrollment_queue"),
        path("enrollment/<uuid:application_uuid>/", enrollment_views.review, name="enrollment"),
        path("enrollment/<uuid:application_uuid>/take/", enrollment_views.take, name="enrollment_take"),
        path(
            "enrollment/<uuid:application_uuid>/return/",
            enrollment_views.return_for_correction,
            name="enrollment_return",
        ),
        path("enrollment/<uuid:application_uuid>/approve/", enrollment_views.approve, name="enrollment_approve"),
        path("enrollment/<uuid:application_uuid>/deny/", enrollment_views.deny, name="enrollment_deny"),
        path("enrollment/<uuid:application_uuid>/reassign/", enrollment_views.reassign, name="enrollment_reassign"),
        path(
            "enrollment/<uuid:application_uuid>/documents/<uuid:document_uuid>/",
            enrollment_views.document_download,
            name="enrollment_document",
        ),
        path("audit/", views.control_panel_audit, name="audit"),
        path("audit/export.csv", views.control_panel_audit_export, name="audit_export"),
        path("emails/", views.control_panel_emails, name="emails"),
        path("emails/<uuid:email_uuid>/retry/", views.control_panel_email_retry, name="email_retry"),
        path("reviews/", review_views.campaigns, name="reviews"),
        path("reviews/<uuid:campaign_uuid>/", review_views.campaign_detail, name="review"),
        path(
            "reviews/<uuid:campaign_uuid>/tasks/<uuid:task_uuid>/keep/", review_views.campaign_keep, name="review_keep"
        ),
        path("assessments/", assessment_views.control_panel_list, name="assessments"),
        path("assessments/export.csv", assessment_views.control_panel_export, name="assessments_export"),
        path("assessments/<uuid:assessment_uuid>/", assessment_views.control_panel_detail, name="assessment"),
        path("health-records/", health_record_views.control_panel_member, name="health_records"),
        path(
            "health-records/<uuid:member_uuid>/opt-out/",
            health_record_views.control_panel_opt_out,
            name="health_records_opt_out",
        ),
        path("organizations/", user_views.organizations, name="organizations"),
        path(
            "organizations/registrations/<uuid:registration_uuid>/",
            user_views.registration_decide,
            name="registration_decide",
        ),
        path("organizations/<uuid:organization_uuid>/", user_views.organization_detail, name="organization"),
        path(
            "organizations/<uuid:organization_uuid>/verify/", user_views.organization_verify, name="organization_verify"
        ),
        *claims_urls.control_panel_urlpatterns,
    ],
    "control_panel",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("", include(user_management_urls.activity_urlpatterns)),
    path("users/reviews/", include("access_reviews.urls")),
    path("", include(accounts_patterns)),
    path("", include("accounts.urls_webauthn")),
    path("profile/", include("access_requests.urls")),
    path("messages/", include("mailbox.urls")),
    path("chat/", include("chat.urls")),
    path("control-panel/", include(control_panel_patterns)),
    path("", include(claims_patterns)),
    path("assessments/", include("assessments.urls")),
    path("health-records/", include("health_records.urls")),
    path("authorizations/", include("authorizations.urls")),
    path("enrollment/", include("enrollment.urls")),
    path("prior-authorization/", include((authorization_urls.public_urlpatterns, "prior_authorization"))),
    path("help/", include(help_patterns)),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
