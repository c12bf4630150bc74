"""Login, second factor, logout and passwords."""

import base64
import datetime
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.forms import (
    AuditedPasswordChangeForm,
    LoginForm,
    OutboxPasswordResetForm,
    ResetSetPasswordForm,
    TokenForm,
)
from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED, idle_clock_refresh, safe_next_path
from accounts.models import User, UserStatus
from accounts.services.mfa import (
    MfaRefusal,
    mfa_check,
    totp_device_for_enrollment,
    totp_enrollment_confirm,
    user_has_confirmed_totp,
)
from accounts.services.passkeys import user_has_passkey
from audit.models import AuditAction
from audit.services import record
from core import ratelimit


def _next_url(request: HttpRequest) -> str:
    """The page to open after sign-in: a safe local path that takes GET, else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return safe_next_path(request, candidate) or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request))
    if request.method == "POST" and (refusal := login_client_refusal(request)):
        return _login_refused(request, refusal=refusal)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())  # a new session key
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now
        return redirect(_with_next("accounts:mfa", _next_url(request)))
    next_url = safe_next_path(request, request.POST.get("next") or request.GET.get("next") or "") or ""
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _mfa_refusal_words(result) -> str:
    if result.refusal == MfaRefusal.THROTTLED:
        seconds = result.wait_seconds
        return (
            f"Too many wrong codes: wait {seconds} second{'' if seconds == 1 else 's'} "
            "and enter the newest code from your app."
        )
    if result.refusal == MfaRefusal.REPLAYED:
        return "That code was already used. Wait for your app to show a new code and enter that one."
    return "That code is not right. Check that it is the newest code in your app for this portal, then try again."


def login_client_refusal(request: HttpRequest) -> ratelimit.Refusal | None:
    """Whether this client has used up its failed sign-ins (across accounts)."""
    key = ratelimit.client_key(request)
    return ratelimit.check("login-client-minute", key) or ratelimit.check("login-client-hour", key)


def _login_refused(
    request: HttpRequest, *, refusal: ratelimit.Refusal | None = None, lock_until: datetime.datetime | None = None
) -> HttpResponse:
    """The sign-in page again, the email kept, saying when to try again: the same words for every
    email, known or not."""
    if lock_until is not None:
        seconds = max(1, int((lock_until - timezone.now()).total_seconds()) + 1)
        refusal = ratelimit.Refusal(name="login-lock", rate=ratelimit.rate("login-client-minute"), retry_after=seconds)
    form = LoginForm(request, initial={"username": request.POST.get("username", "")[:254]})
    next_url = safe_next_path(request, request.POST.get("next", "")) or ""
    context = {"form": form, "next": next_url, "login_lock": lock_until is not None}
    return ratelimit.throttled_response(request, refusal, template="accounts/login.html", context=context)


def login_locked_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: this email is locked for this client for a few minutes."""
    from accounts.selectors import login_lock_until

    email = User.objects.normalize_email(str((credentials or {}).get("username") or request.POST.get("username", "")))
    until = login_lock_until(email=email, ip_address=getattr(request, "axes_ip_address", None))
    until = until or timezone.now() + settings.AXES_COOLOFF_TIME
    return _login_refused(request, lock_until=until)


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    has_passkey = user_has_passkey(user=user)
    if not user_has_confirmed_totp(user=user) and not has_passkey:
        return redirect(_with_next("accounts:mfa_enroll", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_check(user=user, token=form.cleaned_data["token"], request=request)
        if result.device is not None:
            otp_login(request, result.device)
            request.session.cycle_key()
            return HttpResponseRedirect(next_url)
        form.add_error("token", _mfa_refusal_words(result))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url, "has_passkey": has_passkey})


@never_cache
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The "Stay signed in" button of the idle warning: restarts the idle clock and says how many
    seconds are left. Signed-out callers are sent to sign in like any page; CSRF applies."""
    return JsonResponse({"seconds_left": idle_clock_refresh(request.session)})


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_enroll_view(request: HttpRequest) -> HttpResponse:
    """First-time set-up of an authenticator app. Refused once a device is confirmed: a stolen
    password must never be enough to enroll a new second factor."""
    user = request.user
    next_url = _next_url(request)
    if user_has_confirmed_totp(user=user):
        return redirect(_with_next("accounts:mfa", next_url))
    device = totp_device_for_enrollment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrollment_confirm(user=user, device=device, token=form.cleaned_data["token"], request=request)
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": next_url})
        form.add_error("token", "That code is not right. Check the time on your phone and try the next code.")
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/mfa_enroll.html",
        {
            "form": form,
            "next": next_url,
            "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Per client: a 429 with the address kept. Per address (form_valid): the same page as
        # always and no email, so the limit reveals nothing about the address.
        if refusal := ratelimit.check("password-reset-client", ratelimit.client_key(request)):
            form = self.get_form()
            return ratelimit.throttled_response(
                request, refusal, context={"form": form, "submit_label": "Send the reset link"}
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: OutboxPasswordResetForm) -> HttpResponse:
        email = User.objects.normalize_email(form.cleaned_data["email"])
        target = User.objects.filter(email=email).first()
        ratelimit.hit("password-reset-client", ratelimit.client_key(self.request))
        throttled = ratelimit.hit("password-reset-address", f"email:{email}") is not None
        record(
            action=AuditAction.PASSWORD_RESET_REQUESTED,
            actor_email=email,
            target=target,
            details={
                "email_sent": bool(
                    not throttled and target and target.status in (UserStatus.ACTIVE, UserStatus.LOCKED)
                ),
                **({"throttled": True} if throttled else {}),
            },
            request=self.request,
        )
        if throttled:
            return redirect(self.get_success_url())
        self.extra_email_context = {"PAYER_NAME": settings.PAYER_NAME, "SITE_URL": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is not None and user.status not in (UserStatus.ACTIVE, UserStatus.LOCKED):
            return None
        return user

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = AuditedPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("portal:dashboard")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: AuditedPasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response
