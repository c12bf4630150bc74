"""The JSON endpoints of django-otp-webauthn's script, in its own namespace (its template tags
reverse these names), with the portal's views in place of the library's.

Sign-in endpoints live under /mfa/ (open before the second factor, and to anonymous callers for a
passwordless sign-in); creating a passkey lives under /security/ (a verified session only).
"""

from django.urls import path

from accounts.views import security as views_security

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "security/passkeys/registration/begin/",
        views_security.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "security/passkeys/registration/complete/",
        views_security.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "mfa/passkey/authentication/begin/",
        views_security.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "mfa/passkey/authentication/complete/",
        views_security.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path("mfa/passkey/jsi18n/", views_security.javascript_catalog, name="js-i18n-catalog"),
]
