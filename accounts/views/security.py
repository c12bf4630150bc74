"""The Security page (second factors, passkeys) and the WebAuthn endpoints the browser calls.

The endpoints are django-otp-webauthn's views with the portal's rules added: a name for every
new passkey, the account rules of the password path for a passwordless sign-in, audit events and
the session rules, and no 500 whatever a client posts.
"""

import time
from logging import getLogger

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.i18n import JavaScriptCatalog
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.services.passkeys import (
    PASSKEY_NAME_MAX_LENGTH,
    PENDING_NAME_SESSION_KEY,
    passkey_register,
    passkey_remove,
    passkey_required_for,
    passkey_second_factor_passed,
    passkey_sign_in_failed,
    passkey_sign_in_refusal,
    passkeys_of,
    second_factor_kept,
    second_factors_of,
    user_has_passkey,
    verified_with_passkey,
)
from accounts.views.auth import _next_url, login_client_refusal
from core import ratelimit
from core.confirm import confirmation_page
from core.forms import Form

logger = getLogger("accounts.services.passkeys")
WEBAUTHN_BACKEND = "django_otp_webauthn.backends.WebAuthnBackend"


class PasskeyNameForm(Form):
    name = forms.CharField(
        label="Name this passkey",
        help_text="So you can tell your passkeys apart, for example “Office laptop” or “My phone”.",
        max_length=PASSKEY_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise ValidationError("Use letters, digits, spaces and punctuation only.")
        if passkeys_of(user=self.user).filter(name__iexact=name).exists():
            raise ValidationError("You already have a passkey with this name. Choose another name.")
        return name


# --- the Security page -------------------------------------------------------------------------


def _security_page(request: HttpRequest, form: PasskeyNameForm, status: int = 200) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "factors": second_factors_of(user=user),
            "form": form,
            "passkey_required": passkey_required_for(user),
            "verified_with_passkey": verified_with_passkey(request),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    """Security: the user's second factors (authenticator app, backup codes, passkeys)."""
    return _security_page(request, PasskeyNameForm(user=request.user))


@never_cache
@require_http_methods(["POST"])
def passkey_name(request: HttpRequest) -> HttpResponse:
    """Step one of adding a passkey: its name. The browser creates it on the next page."""
    form = PasskeyNameForm(request.POST, user=request.user)
    if not form.is_valid():
        return _security_page(request, form, status=400)
    request.session[PENDING_NAME_SESSION_KEY] = form.cleaned_data["name"]
    return redirect("accounts:passkey_create")


@never_cache
@require_http_methods(["GET"])
def passkey_create(request: HttpRequest) -> HttpResponse:
    """Step two: the browser creates the passkey (this step needs JavaScript and a passkey)."""
    name = request.session.get(PENDING_NAME_SESSION_KEY)
    if not name:
        messages.info(request, "Start by naming your new passkey.")
        return redirect("accounts:security")
    return render(request, "accounts/passkey_create.html", {"name": name})


@never_cache
@require_http_methods(["POST"])
def passkey_remove_view(request: HttpRequest, passkey_id: str) -> HttpResponse:
    credential = get_object_or_404(passkeys_of(user=request.user), credential_id_sha256=passkey_id)
    security_url = reverse("accounts:security")
    confirm = confirmation_page(
        request,
        title=f"Remove the passkey “{credential.name}”?",
        consequences=[
            "It can no longer be used to sign in to this portal.",
            "We send you an email saying it was removed.",
        ],
        confirm_label="Remove passkey",
        cancel_url=security_url,
        breadcrumbs=[("Security", security_url)],
    )
    if confirm is not None:
        return confirm
    signed_in_with_it = request.session.get(DEVICE_ID_SESSION_KEY) == credential.persistent_id
    try:
        passkey_remove(user=request.user, credential=credential, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(security_url)
    kept = second_factor_kept(user=request.user) if signed_in_with_it else None
    if kept is not None:
        # This session passed its second factor with the passkey just removed: it stays signed in,
        # now held by a factor the user keeps (another passkey first, else the authenticator app).
        otp_login(request, kept)
    messages.success(request, f"The passkey “{credential.name}” was removed. We sent you an email about it.")
    return redirect(security_url)


@never_cache
@require_http_methods(["GET"])
def passkey_step_up(request: HttpRequest) -> HttpResponse:
    """The Control Panel needs a passkey for this user, and this session used another factor."""
    next_url = _next_url(request)
    if verified_with_passkey(request):
        return redirect(next_url)
    if not user_has_passkey(user=request.user):
        return redirect("accounts:security")
    return render(request, "accounts/passkey_step_up.html", {"next": next_url})


def control_panel_passkey_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where payer staff go before the Control Panel opens, or None when they may go in.

    With PAYER_STAFF_REQUIRE_PASSKEY on, a session verified with the authenticator app is sent
    to add a passkey (none yet) or to use it (one exists): the app alone no longer opens it.
    """
    user = request.user
    if not passkey_required_for(user) or verified_with_passkey(request):
        return None
    if user_has_passkey(user=user):
        from urllib.parse import urlencode

        return redirect(f"{reverse('accounts:passkey_step_up')}?{urlencode({'next': request.get_full_path()})}")
    messages.warning(request, "The Control Panel needs a passkey. Add one here, then open the Control Panel again.")
    return redirect("accounts:security")


# --- the WebAuthn endpoints (JSON, called by django-otp-webauthn's script) -----------------------


class PasskeyRefused(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_detail = "That passkey could not be checked. Try again, or use another way to sign in."
    default_code = "passkey_refused"


class AccountRefused(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = (
        "This account cannot sign in. If it is locked, reset your password; otherwise call Provider Services."
    )
    default_code = "account_refused"


class SignInPaused(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = "Too many failed sign-ins from your network. Wait a few minutes, then try again."
    default_code = "sign_in_paused"

    def __init__(self, *, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


def _count_client_failure(request: HttpRequest) -> None:
    """A failed passkey sign-in counts toward the client's limit across accounts, as a password does."""
    for name in ("login-client-minute", "login-client-hour"):
        ratelimit.hit(name, ratelimit.client_key(request))


class NoPendingName(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_detail = "Name the passkey on the Security page first."
    default_code = "no_pending_name"


def _no_crash(call):
    """Anything a client can post that py_webauthn rejects is a 400, never a 500."""
    try:
        with rewrite_exceptions(logger=logger):
            return call()
    except exceptions.OTPWebAuthnApiError:
        raise
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PasskeyRefused() from exc


class BeginRegistration(webauthn_views.BeginCredentialRegistrationView):
    def check_can_register(self):
        if not self.request.session.get(PENDING_NAME_SESSION_KEY):
            raise NoPendingName()


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs) -> JsonResponse:
        user = self.get_user()
        state = self.get_state()
        name = self.request.session.get(PENDING_NAME_SESSION_KEY)
        if not name:
            raise NoPendingName()
        credential = _no_crash(
            lambda: passkey_register(
                user=user,
                helper=self.get_helper(),
                state=state,
                data=self.request.data,
                name=name,
                request=self.request,
            )
        )
        self.request.session.pop(PENDING_NAME_SESSION_KEY, None)
        messages.success(
            self.request, f"The passkey “{name}” was added. You can use it to sign in. We sent you an email about it."
        )
        return JsonResponse({"id": credential.pk, "redirect_url": reverse("accounts:security")})


@method_decorator(login_not_required, name="dispatch")
class BeginAuthentication(webauthn_views.BeginCredentialAuthenticationView):
    pass


@method_decorator(login_not_required, name="dispatch")
class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    """A passkey as the second factor (signed in with the password) or alone (passwordless)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, SignInPaused):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def post(self, *args, **kwargs) -> JsonResponse:
        request = self.request
        # The same per-client limit as the password form: a client that keeps failing is paused here too.
        if refusal := login_client_refusal(request):
            raise SignInPaused(retry_after=refusal.retry_after)
        user = self.get_user()
        second_factor = user is not None
        state = self.get_state()
        try:
            credential = _no_crash(
                lambda: self.get_helper().authenticate_complete(user=user, state=state, data=request.data)
            )
        except exceptions.OTPWebAuthnApiError as exc:
            passkey_sign_in_failed(user=user, reason=exc.code, second_factor=second_factor, request=request)
            _count_client_failure(request)
            raise
        owner = credential.user
        refusal = passkey_sign_in_refusal(request=request, user=owner)
        if refusal:
            passkey_sign_in_failed(user=owner, reason=refusal, second_factor=second_factor, request=request)
            _count_client_failure(request)
            raise AccountRefused()
        if second_factor:
            passkey_second_factor_passed(user=owner, credential=credential, request=request)
            otp_login(request, credential)
            request.session.cycle_key()
        else:
            request.portal_login_method = "passkey"
            login(request, owner, backend=WEBAUTHN_BACKEND)  # a new session key
            now = time.time()
            request.session[SESSION_STARTED] = now
            request.session[SESSION_LAST_SEEN] = now
            passkey_second_factor_passed(user=owner, credential=credential, request=request)
            otp_login(request, credential)
        return JsonResponse({"id": credential.pk, "redirect_url": _next_url(request)})


# The library's script loads its messages from here before any sign-in.
javascript_catalog = login_not_required(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]))
