"""Login with password and second factor, enrollment, lockout, reset, and session rules."""

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import User, UserStatus
from accounts.services.users import user_status_set
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_step(client, email, password=PASSWORD, next_url=""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def actions(user=None):
    events = AuditEvent.objects.order_by("id")
    if user is not None:
        events = events.filter(actor_email=user.email)
    return list(events.values_list("action", flat=True))


def test_login_page_renders_for_anonymous(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_login_refuses_other_methods(client):
    assert client.put(reverse("accounts:login")).status_code == 405


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_password_then_totp_opens_the_dashboard(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    response = password_step(client, user.email.upper())
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:mfa"))
    # Signed in with the password only: every page still asks for the second factor.
    assert client.get("/").url.startswith(reverse("accounts:mfa"))
    assert client.get("/admin/").url.startswith(reverse("accounts:mfa"))
    user.refresh_from_db()
    assert user.last_login is None
    response = client.post(reverse("accounts:mfa"), {"token": code_for(device), "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    assert actions(user) == [AuditAction.LOGIN, AuditAction.MFA_VERIFIED]


def test_login_rotates_the_session_key(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    password_step(client, user.email)
    assert client.session.session_key != before


def test_wrong_password_is_refused_and_audited(client):
    user = UserFactory()
    response = password_step(client, user.email, "wrong-password-123")
    assert response.status_code == 200
    assert b"do not match an active account" in response.content
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_email=user.email).count() == 1


def test_unknown_email_gets_the_same_answer(client):
    user = UserFactory()
    known = password_step(client, user.email, "wrong-password-123")
    unknown = password_step(client, "nobody@example.test", "wrong-password-123")
    assert known.status_code == unknown.status_code == 200
    assert b"do not match an active account" in unknown.content


@pytest.mark.parametrize("status", [UserStatus.DISABLED, UserStatus.LOCKED, UserStatus.UNVERIFIED])
def test_inactive_status_cannot_log_in_even_with_the_right_password(client, status):
    user = UserFactory(status=status)
    TOTPDeviceFactory(user=user)
    response = password_step(client, user.email)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_totp_is_refused_and_audited(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    password_step(client, user.email)
    response = client.post(reverse("accounts:mfa"), {"token": "000000"})
    assert response.status_code == 200
    assert b"not right" in response.content
    assert AuditAction.MFA_FAILED in actions(user)
    assert client.get("/").status_code == 302


def test_a_totp_code_cannot_be_used_twice(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    code = code_for(device)
    password_step(client, user.email)
    assert client.post(reverse("accounts:mfa"), {"token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, user.email)
    response = client.post(reverse("accounts:mfa"), {"token": code})
    assert response.status_code == 200


def test_enrollment_shows_qr_and_secret_then_ten_backup_codes(client):
    user = UserFactory()
    password_step(client, user.email)
    response = client.get(reverse("accounts:mfa"))
    assert response.url.startswith(reverse("accounts:mfa_enroll"))
    page = client.get(reverse("accounts:mfa_enroll"))
    assert page.status_code == 200
    assert b'src="data:image/svg+xml' in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    assert secret[:4].encode() in page.content
    # Reloading keeps the same secret.
    client.get(reverse("accounts:mfa_enroll"))
    assert TOTPDevice.objects.filter(user=user).count() == 1
    response = client.post(reverse("accounts:mfa_enroll"), {"token": code_for(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert AuditAction.MFA_ENROLLED in actions(user)


def test_enrollment_is_refused_once_a_device_is_confirmed(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    password_step(client, user.email)
    response = client.get(reverse("accounts:mfa_enroll"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:mfa"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_backup_code_works_once(client):
    user = UserFactory()
    password_step(client, user.email)
    client.get(reverse("accounts:mfa_enroll"))
    device = TOTPDevice.objects.get(user=user)
    codes = client.post(reverse("accounts:mfa_enroll"), {"token": code_for(device)}).context["codes"]
    client.post(reverse("accounts:logout"))
    password_step(client, user.email)
    assert client.post(reverse("accounts:mfa"), {"token": codes[0]}).status_code == 302
    assert AuditAction.MFA_BACKUP_CODE_USED in actions(user)
    client.post(reverse("accounts:logout"))
    password_step(client, user.email)
    assert client.post(reverse("accounts:mfa"), {"token": codes[0]}).status_code == 200


def test_failures_from_one_client_pause_the_email_and_a_reset_ends_the_pause(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK):
            password_step(client, user.email, "wrong-password-123")
    user.refresh_from_db()
    # A pause for this email from this client, not the Locked status.
    assert user.status == UserStatus.ACTIVE
    # The right password does not help during the pause; the page says until when.
    response = password_step(client, user.email)
    assert response.status_code == 429
    assert b"Try again after" in response.content
    assert int(response["Retry-After"]) <= settings.LOGIN_LOCK_MINUTES * 60 + 1
    assert "_auth_user_id" not in client.session
    # The owner was told once.
    assert [m.subject for m in mail.outbox] == ["Someone tried to sign in as you"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/password-reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302  # Django moves the token into the session
    response = client.post(
        response.url,
        {"new_password1": "A-new-long-passphrase-2026", "new_password2": "A-new-long-passphrase-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE
    assert password_step(client, user.email, "A-new-long-passphrase-2026").status_code == 302
    assert AuditAction.PASSWORD_RESET_COMPLETED in actions()


def test_reset_answers_the_same_for_known_and_unknown_emails(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": user.email})
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    # The email carries a link only, no account data beyond the greeting.
    assert "/password-reset/" in mail.outbox[0].body


def test_disabled_user_gets_no_reset_email(client, django_capture_on_commit_callbacks):
    user = UserFactory(status=UserStatus.DISABLED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert len(mail.outbox) == 0


def test_reset_link_expires_after_one_hour(monkeypatch):
    from datetime import datetime, timedelta

    from django.contrib.auth.tokens import default_token_generator

    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    user = UserFactory()
    token = default_token_generator.make_token(user)
    assert default_token_generator.check_token(user, token)
    later = datetime.now() + timedelta(minutes=61)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert not default_token_generator.check_token(user, token)


def test_password_rules_need_twelve_characters(client, login_as):
    user = UserFactory()
    login_as(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Short-1", "new_password2": "Short-1"},
    )
    assert response.status_code == 200
    assert b"at least 12 characters" in response.content


def test_password_change_is_audited_and_keeps_the_session(client, login_as):
    user = UserFactory()
    login_as(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-passphrase",
            "new_password2": "Another-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert AuditAction.PASSWORD_CHANGED in actions(user)
    assert client.get("/").status_code == 200


def test_disabling_a_user_ends_their_sessions(client, login_as, payer_staff):
    user = UserFactory()
    login_as(user)
    assert client.get("/").status_code == 200
    user_status_set(actor=payer_staff, user=User.objects.get(pk=user.pk), status=UserStatus.DISABLED, reason="Left")
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_locking_a_user_keeps_their_open_sessions(client, login_as):
    """Locked refuses new sign-ins only: strangers' guesses must not sign the owner out."""
    user = UserFactory()
    login_as(user)
    user_status_set(actor=None, user=User.objects.get(pk=user.pk), status=UserStatus.LOCKED)
    assert client.get("/").status_code == 200


def test_session_hash_mixes_in_status_and_epoch():
    """Pins the mechanism that ends sessions: the auth hash changes with status and epoch."""
    user = UserFactory()
    first = user.get_session_auth_hash()
    user.status = UserStatus.DISABLED
    assert user.get_session_auth_hash() != first
    user.status = UserStatus.LOCKED
    assert user.get_session_auth_hash() == first  # a lock leaves sessions alone
    user.status = UserStatus.ACTIVE
    assert user.get_session_auth_hash() == first
    user.session_epoch += 1
    assert user.get_session_auth_hash() != first


def test_idle_session_is_ended_after_fifteen_minutes(client, login_as):
    user = UserFactory()
    login_as(user)
    session = client.session
    session[SESSION_STARTED] = time.time() - 3600
    session[SESSION_LAST_SEEN] = time.time() - 16 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED, details__reason="idle").exists()


def test_active_session_within_idle_time_continues(client, login_as):
    user = UserFactory()
    login_as(user)
    session = client.session
    session[SESSION_STARTED] = time.time() - 3600
    session[SESSION_LAST_SEEN] = time.time() - 14 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_session_ends_after_twelve_hours_even_when_busy(client, login_as):
    user = UserFactory()
    login_as(user)
    session = client.session
    session[SESSION_STARTED] = time.time() - 12 * 3600 - 60
    session[SESSION_LAST_SEEN] = time.time() - 30
    session.save()
    assert client.get("/").status_code == 302


def test_logout_is_post_only_and_audited(client, login_as):
    user = UserFactory()
    login_as(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditAction.LOGOUT in actions(user)
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    password_step(client, user.email, next_url="https://evil.example/")
    response = client.post(reverse("accounts:mfa"), {"token": code_for(device), "next": "https://evil.example/"})
    assert response.url == "/"
