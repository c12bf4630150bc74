from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from accounts import views, views_management, views_mfa, views_registration

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("mfa/", views.mfa_verify_view, name="mfa"),
    path("mfa/enroll/", views.mfa_enroll_view, name="mfa_enroll"),
    path("profile/", views.profile, name="profile"),
    path("profile/backup-codes/", views_mfa.backup_codes, name="backup_codes"),
    path("register/", views_registration.register, name="register"),
    path("register/complete/mfa/", views_registration.register_mfa, name="register_mfa"),
    path("register/complete/<str:token>/", views_registration.register_complete, name="register_complete"),
    path("users/", views_management.user_list, name="user_management"),
    path("users/invite/", views_management.invite, name="invite"),
    path("users/<uuid:user_uuid>/", views_management.update_user, name="update_user"),
    path("users/<uuid:user_uuid>/action/", views_management.user_action, name="user_action"),
    path("users/<uuid:user_uuid>/levels/", views_management.user_levels_update, name="user_levels"),
    path("users/<uuid:user_uuid>/scope/", views_management.user_scope_update, name="user_scope"),
    path("users/<uuid:user_uuid>/end-date/", views_management.user_end_date, name="user_end_date"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        login_not_required(auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        login_not_required(
            auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
        ),
        name="password_reset_complete",
    ),
]
