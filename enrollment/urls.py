"""The provider pages of enrollment, under /enrollment/ (the Control Panel's are in portal/urls.py)."""

from django.urls import path

from enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("<uuid:application_uuid>/", views.application_summary, name="summary"),
    path("<uuid:application_uuid>/users/", views.users, name="users"),
    path("<uuid:application_uuid>/users/<uuid:user_uuid>/", views.user_update, name="user_update"),
    path("<uuid:application_uuid>/users/<uuid:user_uuid>/revoke/", views.user_revoke, name="user_revoke"),
    path("<uuid:application_uuid>/sign/", views.sign, name="sign"),
    path("<uuid:application_uuid>/pay/", views.pay, name="pay"),
    path("<uuid:application_uuid>/pay/return/", views.pay_return, name="pay_return"),
    path("<uuid:application_uuid>/pay/test/<uuid:payment_uuid>/", views.pay_test, name="pay_test"),
    path("<uuid:application_uuid>/submit/", views.submit, name="submit"),
    path("<uuid:application_uuid>/documents/<uuid:document_uuid>/", views.document_download, name="document"),
    path("<uuid:application_uuid>/<slug:section>/", views.section_page, name="section"),
    path("<uuid:application_uuid>/<slug:section>/complete/", views.section_complete, name="section_complete"),
    path("<uuid:application_uuid>/<slug:section>/<uuid:row_uuid>/remove/", views.row_remove, name="row_remove"),
]
