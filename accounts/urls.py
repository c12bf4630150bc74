from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from accounts.views import auth as views
from accounts.views import mfa as views_mfa
from accounts.views import profile as views_profile
from accounts.views import registration as views_registration
from accounts.views import security as views_security

# Included by the project URL map under the "accounts" namespace, with the account managers' pages.
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("mfa/", views.mfa_verify_view, name="mfa"),
    path("mfa/enroll/", views.mfa_enroll_view, name="mfa_enroll"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("profile/", views_profile.profile, name="profile"),
    path("profile/details/", views_profile.profile_edit, name="profile_edit"),
    path("security/", views_security.security, name="security"),
    path("security/passkeys/new/", views_security.passkey_name, name="passkey_name"),
    path("security/passkeys/create/", views_security.passkey_create, name="passkey_create"),
    path("security/passkeys/<slug:passkey_id>/remove/", views_security.passkey_remove_view, name="passkey_remove"),
    # Under /mfa/: open to a session that has the password but not yet the second factor.
    path("mfa/passkey/", views_security.passkey_step_up, name="passkey_step_up"),
    path("profile/backup-codes/", views_mfa.backup_codes, name="backup_codes"),
    path("register/", views_registration.register, name="register"),
    path("register/complete/mfa/", views_registration.register_mfa, name="register_mfa"),
    path("register/complete/<str:token>/", views_registration.register_complete, name="register_complete"),
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
