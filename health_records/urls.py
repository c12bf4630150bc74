"""The Health Records pages under /health-records/; the Control Panel's are mounted in portal/urls.py."""

from django.urls import path

from health_records import views

app_name = "health_records"

urlpatterns = [
    path("", views.index, name="index"),
    path("care-gaps/", views.care_gaps, name="care_gaps"),
    path("care-gaps/export.csv", views.care_gaps_export, name="care_gaps_export"),
    path("members/<uuid:member_uuid>/", views.record, name="record"),
    path("members/<uuid:member_uuid>/<slug:section>/", views.record, name="record_section"),
]
