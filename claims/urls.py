"""The Claims pages under /claims/ (with the payments under /claims/payments/), and the Eligibility
page, which the site mounts at /eligibility/ in the same "claims" namespace (see portal/urls.py)."""

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.claim_list, name="list"),
    path("export.csv", views.claim_export, name="export"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<uuid:payment_uuid>/", views.payment_detail, name="payment"),
    path("payments/<uuid:payment_uuid>/835/", views.payment_835, name="payment_835"),
    path("payments/<uuid:payment_uuid>/advice.pdf", views.payment_pdf, name="payment_pdf"),
    path("<str:claim_number>/", views.claim_detail, name="detail"),
]

eligibility_urlpatterns = [
    path("", views.eligibility, name="eligibility"),
]
