"""The Claims pages under /claims/, and the Eligibility page, which the site mounts at
/eligibility/ in the same "claims" namespace (see portal/urls.py)."""

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.claim_list, name="list"),
    path("<str:claim_number>/", views.claim_detail, name="detail"),
]

eligibility_urlpatterns = [
    path("", views.eligibility, name="eligibility"),
]
