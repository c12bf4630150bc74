"""Self-registration, and finishing registration from the emailed link (password, then MFA)."""

import base64
import time

import segno
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.forms import NewPasswordForm, RegistrationForm, TokenForm
from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import RegistrationLink
from accounts.services.mfa import totp_device_for_enrollment
from accounts.services.registration import (
    registration_complete,
    registration_link_find,
    registration_password_set,
    registration_submit,
)
from core import ratelimit
from core.errors import apply_to_form

PENDING_LINK = "portal_registration_link"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    client = ratelimit.client_key(request)
    if request.method == "POST" and (refusal := ratelimit.check("registration-client", client)):
        return ratelimit.throttled_response(request, refusal, context={"form": form, "submit_label": "Register"})
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("registration-client", client)
        try:
            registration_submit(request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            return render(request, "accounts/register_done.html")
    return render(request, "accounts/register.html", {"form": form})


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def register_complete(request: HttpRequest, token: str) -> HttpResponse:
    link = registration_link_find(raw=token)
    if link is None:
        return render(request, "accounts/register_link_invalid.html", status=410)
    form = NewPasswordForm(request.POST or None, user=link.user)
    if request.method == "POST" and form.is_valid():
        registration_password_set(link=link, password=form.cleaned_data["new_password1"])
        request.session.cycle_key()
        request.session[PENDING_LINK] = {"id": link.pk, "token_hash": link.token_hash}
        return redirect("accounts:register_mfa")
    return render(request, "accounts/register_password.html", {"form": form, "user": link.user})


def _pending_link(request) -> RegistrationLink | None:
    data = request.session.get(PENDING_LINK) or {}
    link = (
        RegistrationLink.objects.select_related("user")
        .filter(pk=data.get("id"), token_hash=data.get("token_hash", "-"))
        .first()
    )
    return link if link is not None and link.is_usable else None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def register_mfa(request: HttpRequest) -> HttpResponse:
    link = _pending_link(request)
    if link is None or not link.user.has_usable_password():
        return render(request, "accounts/register_link_invalid.html", status=410)
    user = link.user
    device = totp_device_for_enrollment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = registration_complete(link=link, device=device, token=form.cleaned_data["token"], request=request)
        if codes is not None:
            del request.session[PENDING_LINK]
            user.refresh_from_db()
            login(request, user, backend="accounts.backends.PortalModelBackend")
            otp_login(request, device)
            now = time.time()
            request.session[SESSION_STARTED] = now
            request.session[SESSION_LAST_SEEN] = now
            return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": "/"})
        form.add_error("token", "That code is not right. Check the time on your phone and try the next code.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/mfa_enroll.html",
        {
            "form": form,
            "next": "/",
            "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "registration": True,
        },
    )
