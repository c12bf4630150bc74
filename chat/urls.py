from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("", views.leave_message, name="leave_message"),
]
