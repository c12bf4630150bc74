"""The Claims pages under /claims/ (with the payments under /claims/payments/), and the Eligibility
page, which the site mounts at /eligibility/ in the same "claims" namespace (see portal/urls.py)."""

from django.urls import path

from claims import correction_views, status_views, views, views_submit

app_name = "claims"

urlpatterns = [
    path("", views.claim_list, name="list"),
    path("export.csv", views.claim_export, name="export"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<uuid:payment_uuid>/", views.payment_detail, name="payment"),
    path("payments/<uuid:payment_uuid>/835/", views.payment_835, name="payment_835"),
    path("payments/<uuid:payment_uuid>/advice.pdf", views.payment_pdf, name="payment_pdf"),
    path("appeals/<uuid:appeal_uuid>/letter.pdf", views.appeal_letter, name="appeal_letter"),
    path("appeals/<uuid:appeal_uuid>/documents/<uuid:document_uuid>/", views.appeal_document, name="appeal_document"),
    path("status/", status_views.claim_status, name="status"),
    path("submit/", views_submit.claim_new, name="submit"),
    path("submit/drafts/", views_submit.claim_drafts, name="submit_drafts"),
    path("submit/<uuid:draft_uuid>/", views_submit.claim_draft, name="submit_draft"),
    path("submit/<uuid:draft_uuid>/edit/", views_submit.claim_draft_edit, name="submit_edit"),
    path("submit/<uuid:draft_uuid>/submit/", views_submit.claim_draft_submit_view, name="submit_send"),
    path("submit/<uuid:draft_uuid>/837p/", views_submit.claim_draft_837p, name="submit_837p"),
    path("<str:claim_number>/", views.claim_detail, name="detail"),
    path("<str:claim_number>/correct/", correction_views.claim_correct, name="correct"),
    path("<str:claim_number>/void/", correction_views.claim_void_view, name="void"),
    path("<str:claim_number>/appeal/", views.appeal_new, name="appeal_new"),
]

# The payer's queue of appeals, mounted in the Control Panel's namespace (see portal/urls.py).
control_panel_urlpatterns = [
    path("appeals/", views.cp_appeals, name="appeals"),
    path("appeals/<uuid:appeal_uuid>/", views.cp_appeal, name="appeal"),
    path("appeals/<uuid:appeal_uuid>/take/", views.cp_appeal_take, name="appeal_take"),
    path("appeals/<uuid:appeal_uuid>/decide/", views.cp_appeal_decide, name="appeal_decide"),
    path(
        "appeals/<uuid:appeal_uuid>/documents/<uuid:document_uuid>/",
        views.cp_appeal_document,
        name="appeal_document",
    ),
]

eligibility_urlpatterns = [
    path("", views.eligibility, name="eligibility"),
]
