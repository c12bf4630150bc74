from django.urls import path

from mailbox import views

app_name = "mailbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.compose, name="compose"),
    path("<uuid:thread_uuid>/", views.thread_detail, name="thread"),
    path("<uuid:thread_uuid>/archive/", views.thread_archive, name="archive"),
]
