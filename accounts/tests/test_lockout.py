"""Failed sign-ins: a short pause per email and client, a per-client limit across accounts, the
Locked status only after many failures, never an ended session, and one notice to the owner."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.urls import reverse

from accounts.models import User, UserStatus
from accounts.selectors import failed_logins_summary
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from conftest import PASSWORD
from core import ratelimit
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-123"


def attempt(client, email, password=WRONG, ip="198.51.100.7"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(client, email, times, ip="198.51.100.7"):
    return [attempt(client, email, ip=ip).status_code for _ in range(times)]


def end_running_locks():
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=settings.LOGIN_LOCK_MINUTES + 1))


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_900_000_000.0}
    monkeypatch.setattr(ratelimit, "_clock", lambda: now["t"])
    return now


def test_the_numbers_stay_under_nists_ceiling():
    assert settings.LOGIN_FAILURES_BEFORE_LOCK == 5
    assert settings.LOGIN_LOCK_MINUTES == 15
    assert settings.LOGIN_LOCKED_AFTER_FAILURES == 50 <= 100
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_five_failures_pause_that_email_for_that_client_only(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    assert fail(client, user.email, 5) == [200, 200, 200, 200, 429]
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # The owner elsewhere (or a colleague on another address) still signs in.
    response = attempt(client, user.email, PASSWORD, ip="192.0.2.44")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE


def test_the_pause_ends_by_itself_after_the_lock_minutes(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    fail(client, user.email, 5)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    end_running_locks()
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_guesses_during_a_pause_do_not_make_it_longer_or_count(client):
    user = UserFactory()
    fail(client, user.email, 5)
    first_end = failed_logins_summary(user=user).locked_until
    fail(client, user.email, 4)
    assert failed_logins_summary(user=user).locked_until == first_end
    # Audited as refused by the pause, and not counted toward Locked.
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, details__locked_out=True).count() == 4


def test_a_paused_known_email_and_an_unknown_one_get_the_same_page(client, clock):
    user = UserFactory()
    fail(client, user.email, 5)
    fail(client, "nobody@example.test", 5)
    clock["t"] += 70  # past the client's per-minute limit; the pauses run 15 minutes
    known = attempt(client, user.email)
    unknown = attempt(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 429
    # The two pauses began a moment apart: the same wait to the second.
    assert abs(int(known["Retry-After"]) - int(unknown["Retry-After"])) <= 1

    def words(response):
        text = response.content.decode().replace(user.email, "EMAIL").replace("nobody@example.test", "EMAIL")
        text = re.sub(r"Try again after [^.]+\)", "Try again after TIME", text)
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return re.sub(r'"csrfToken": "[^"]+"', "", text)  # the passkey button's configuration

    assert words(known) == words(unknown)
    assert "too many failed sign-in attempts for this email from your network" in words(known)
    # The email stays in the form; the password does not.
    assert f'value="{user.email}"' in known.content.decode()
    assert WRONG not in known.content.decode()


def test_the_owner_is_emailed_once_per_lock(client, clock, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        fail(client, user.email, 15)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "there is nothing you need to do" in message.body
    assert "/password-reset/" in message.body
    # The second client's lock within the same period sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        fail(client, user.email, 5, ip="192.0.2.9")
    assert len(mail.outbox) == 1
    # A lock later on is a new lock: one more email.
    end_running_locks()
    OutboundEmail.objects.update(created_at=F("created_at") - timedelta(minutes=settings.LOGIN_LOCK_MINUTES + 1))
    clock["t"] += 3600  # the client's own limits have room again
    with django_capture_on_commit_callbacks(execute=True):
        fail(client, user.email, 5)
    assert len(mail.outbox) == 2


def test_unknown_email_locks_send_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail(client, "nobody@example.test", 6)
    assert mail.outbox == []


def test_fifty_failures_in_a_day_make_the_user_locked_without_ending_their_session(
    client, login_as, django_capture_on_commit_callbacks
):
    from django.test import Client

    user = UserFactory()
    TOTPDeviceFactory(user=user)
    login_as(user)
    assert client.get("/").status_code == 200
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(10):  # ten clients, five guesses each: each client is paused, none locked it alone
            fail(attacker, user.email, 5, ip=f"203.0.113.{i + 1}")
    user.refresh_from_db()
    assert user.status == UserStatus.LOCKED
    assert user.status_reason == "Too many failed logins"
    # The owner's open session is untouched.
    assert client.get("/").status_code == 200
    # A new sign-in is refused with the usual words, even with the right password from a fresh client.
    response = attempt(Client(), user.email, PASSWORD, ip="192.0.2.200")
    assert response.status_code == 200
    assert b"do not match an active account" in response.content
    subjects = [m.subject for m in mail.outbox]
    assert (
        subjects.count(
            "Your Demo Health Plan Provider Portal account is locked".replace("Demo Health Plan", settings.PAYER_NAME)
        )
        == 1
    )


def test_the_count_toward_locked_starts_again_after_a_sign_in(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    for i in range(9):
        fail(client, user.email, 5, ip=f"203.0.113.{i + 1}")
    user.last_login = user.status_changed_at = user.date_joined
    User.objects.filter(pk=user.pk).update(last_login=AuditEvent.objects.latest("occurred_at").occurred_at)
    fail(client, user.email, 4, ip="203.0.113.50")
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE


def test_one_client_trying_a_password_on_80_accounts_is_stopped_after_ten(client, clock):
    users = [UserFactory() for _ in range(80)]
    codes = [attempt(client, user.email).status_code for user in users]
    assert codes[:10] == [200] * 10
    assert set(codes[10:]) == {429}
    refused = attempt(client, users[-1].email, PASSWORD)
    assert refused.status_code == 429
    assert b"too many failed sign-in attempts from your network" in refused.content
    assert 1 <= int(refused["Retry-After"]) <= 66
    # Another client is not affected.
    from django.test import Client

    assert attempt(Client(), users[0].email, PASSWORD, ip="192.0.2.1").status_code == 302
    # A minute later the client may try again, at the same pace: 100 an hour at most.
    clock["t"] += 67
    assert attempt(client, users[11].email).status_code == 200


def test_the_per_client_hour_limit_holds_across_minutes(client, clock):
    answered = 0
    for minute in range(12):
        for n in range(10):  # a new (unknown) email each time: no per-email pause gets in the way
            answered += attempt(client, f"guess{minute}-{n}@example.test").status_code == 200
        clock["t"] += 67  # a minute and one bucket: the minute limit has room again, the hour's does not
    assert answered == 100


def test_a_completed_reset_ends_a_pause(client, django_capture_on_commit_callbacks):
    from accounts.services.users import password_reset_complete

    user = UserFactory()
    TOTPDeviceFactory(user=user)
    fail(client, user.email, 5)
    password_reset_complete(user=user, password="A-new-long-passphrase-2026")
    assert attempt(client, user.email, "A-new-long-passphrase-2026").status_code == 302


def test_failed_logins_summary_counts_recent_failures_and_the_running_lock(client, django_assert_num_queries):
    user = UserFactory()
    fail(client, user.email, 3, ip="192.0.2.10")
    fail(client, user.email, 5, ip="198.51.100.7")
    # the failure count and the last one, then the running lock; same for any number of failures
    with django_assert_num_queries(3):
        summary = failed_logins_summary(user=user)
    assert summary.count == 8
    assert summary.last_ip == "198.51.100.7"
    assert summary.locked_ip == "198.51.100.7"
    assert summary.locked_until is not None
    assert not summary.status_locked


def test_the_manager_and_the_payer_see_recent_failed_sign_ins(client, login_as, manager, biller, payer_staff):
    from django.test import Client

    fail(Client(), biller.email, 5, ip="198.51.100.23")
    login_as(manager)
    page = client.get(reverse("accounts:update_user", args=[biller.uuid])).content.decode()
    assert "Failed sign-ins" in page
    assert "5 failed sign-ins" in page
    assert "198.51.100.23" in page
    assert "for sign-ins from 198.51.100.23" in page
    client.post(reverse("accounts:logout"))
    login_as(payer_staff)
    page = client.get(reverse("control_panel:user", args=[biller.uuid])).content.decode()
    assert "5 failed sign-ins" in page and "for sign-ins from 198.51.100.23" in page


def test_a_user_without_failures_shows_none(client, login_as, manager, biller):
    login_as(manager)
    page = client.get(reverse("accounts:update_user", args=[biller.uuid])).content.decode()
    assert "Failed sign-ins" in page
    assert "Sign-in paused</dt><dd>No" in page
