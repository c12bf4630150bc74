from django.urls import path

from access_requests.views import requests as views

app_name = "access_requests"

urlpatterns = [
    path("add-facility/", views.add_facility, name="add_facility"),
    path("requests/<uuid:request_uuid>/", views.request_detail, name="detail"),
]
