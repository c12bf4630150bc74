from django.urls import path

from access_reviews import views

app_name = "access_reviews"

urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("<uuid:task_uuid>/", views.task_detail, name="task"),
    path("<uuid:task_uuid>/decide/", views.task_decide, name="decide"),
    path("<uuid:task_uuid>/keep/", views.task_keep_many, name="keep_many"),
]
