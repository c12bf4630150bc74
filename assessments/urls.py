"""The Assessments pages under /assessments/; the Control Panel's are mounted in portal/urls.py."""

from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("member/", views.member_lookup, name="member"),
    path("start/", views.assessment_start, name="start"),
    path("<uuid:assessment_uuid>/", views.assessment_detail, name="detail"),
    path("<uuid:assessment_uuid>/print/", views.assessment_print, name="print"),
]
