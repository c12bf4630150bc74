"""Email floods and form throttles: password reset, registration, Message Box sending. Each test
states the before → after figure it pins."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import Registration
from audit.models import AuditAction, AuditEvent
from core import ratelimit
from mailbox.services import message_reply, thread_start_with_payer
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_900_000_000.0}
    monkeypatch.setattr(ratelimit, "_clock", lambda: now["t"])
    return now


def reset(client, email, ip="198.51.100.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


# --- password reset ------------------------------------------------------------------------------


def test_100_resets_for_one_address_send_3_emails_and_look_the_same(
    client, biller, clock, django_capture_on_commit_callbacks
):
    """Before: 100 resets → 100 emails in 14 s. After: 3 an hour per address."""
    codes = set()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(100):
            # from 100 different clients, so only the per-address limit is at work
            codes.add((r := reset(client, biller.email, ip=f"10.0.{i // 250}.{i % 250 + 1}")).status_code)
            assert r.url == reverse("accounts:password_reset_done")
    assert codes == {302}
    assert len(mail.outbox) == 3
    throttled = AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED, details__throttled=True)
    assert throttled.count() == 97
    # An hour later (the sliding hour, plus one bucket) the owner can ask again.
    clock["t"] += 3600 + 360
    with django_capture_on_commit_callbacks(execute=True):
        reset(client, biller.email, ip="192.0.2.1")
    assert len(mail.outbox) == 4


def test_an_unknown_address_is_throttled_the_same_way(client, clock):
    answers = {reset(client, "nobody@example.test", ip=f"10.1.0.{i + 1}").status_code for i in range(10)}
    assert answers == {302}


def test_one_client_gets_20_resets_an_hour_then_a_429_that_keeps_the_address(client, clock):
    for i in range(20):
        assert reset(client, f"person{i}@example.test").status_code == 302
    response = reset(client, "person-last@example.test")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600 + 360
    text = response.content.decode()
    assert "Too many requests" in text and "Try again after " in text
    assert 'value="person-last@example.test"' in text
    # Another client is not affected.
    assert reset(client, "person-last@example.test", ip="192.0.2.50").status_code == 302


# --- registration --------------------------------------------------------------------------------


def register(client, n, tin="123456789", ip=None):
    data = {"full_name": f"Person {n}", "email": f"new{n}@example.test", "phone": "555-0101", "tin": tin, "npi": ""}
    return client.post(reverse("accounts:register"), data, REMOTE_ADDR=ip or f"10.2.{n // 250}.{n % 250 + 1}")


def test_50_registrations_under_one_tin_send_its_manager_5_emails_and_all_wait(
    client, manager, org, clock, django_capture_on_commit_callbacks
):
    """Before: 50 registrations → 50 emails to the account manager in 9 s. After: 5 a day per TIN;
    every registration still waits in the manager's queue."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(50):
            response = register(client, n)
            assert response.status_code == 200 and "registration was received" in response.content.decode()
    to_manager = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(to_manager) == settings.RATE_LIMITS["registration-tin-email"][0] == 5
    assert Registration.objects.filter(organization=org).count() == 50
    unmailed = AuditEvent.objects.filter(action=AuditAction.REGISTRATION_SUBMITTED, details__emailed=False)
    assert unmailed.count() == 45


def test_one_client_registers_10_a_day_then_gets_a_429_that_keeps_the_form(client, org, clock):
    for n in range(10):
        assert register(client, n, ip="198.51.100.9").status_code == 200
    response = register(client, 99, ip="198.51.100.9")
    assert response.status_code == 429
    assert "Retry-After" in response
    text = response.content.decode()
    assert "Too many requests" in text
    assert 'value="new99@example.test"' in text and 'value="Person 99"' in text
    assert not Registration.objects.filter(user__email="new99@example.test").exists()


# --- Message Box ---------------------------------------------------------------------------------


def test_60_messages_send_20_and_the_payer_team_one_email(
    client, login_as, biller, clock, django_capture_on_commit_callbacks
):
    """Before: 60 messages → 60 payer-team emails in 11 s. After: 20 messages an hour per sender,
    and one "new messages" email per thread per MESSAGE_NOTICE_COALESCE_MINUTES."""
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="First")
    mail.outbox.clear()
    login_as(biller)
    url = reverse("mailbox:thread", args=[thread.uuid])
    codes = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(60):
            codes.append(client.post(url, {"body": f"Message {n}"}).status_code)
    assert codes.count(302) == 20 and codes.count(429) == 40
    assert thread.messages.count() == 1 + 20
    # One row per team address for the thread in this period (the thread's first notice).
    payer = OutboundEmail.objects.filter(to__in=settings.PAYER_TEAM_EMAILS, template="payer_new_message")
    assert payer.count() == len(settings.PAYER_TEAM_EMAILS)


def test_a_throttled_reply_keeps_the_text_and_says_when(client, login_as, biller, clock):
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="First")
    login_as(biller)
    url = reverse("mailbox:thread", args=[thread.uuid])
    for n in range(20):
        client.post(url, {"body": f"Message {n}"})
    response = client.post(url, {"body": "The one that waits"})
    assert response.status_code == 429
    assert "Retry-After" in response
    text = response.content.decode()
    assert "The one that waits</textarea>" in text
    assert "limit of 20 an hour" in text and "Try again after " in text


def test_a_throttled_new_message_keeps_the_form(client, login_as, biller, clock):
    login_as(biller)
    for n in range(20):
        client.post(reverse("mailbox:compose"), {"to": "payer", "subject": f"S{n}", "body": "b"})
    response = client.post(reverse("mailbox:compose"), {"to": "payer", "subject": "Kept subject", "body": "Kept body"})
    assert response.status_code == 429
    text = response.content.decode()
    assert 'value="Kept subject"' in text and "Kept body</textarea>" in text


def test_payer_notices_are_coalesced_per_thread_and_period(biller, settings):
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    settings.PAYER_TEAM_EMAILS = ["team@example.test"]
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    notices = OutboundEmail.objects.filter(to="team@example.test", template="payer_new_message")
    with mock.patch("django.utils.timezone.now", return_value=start):
        thread = thread_start_with_payer(sender=biller, subject="Q", body="one")
        for n in range(30):
            message_reply(thread=thread, sender=biller, body=f"more {n}")
        other = thread_start_with_payer(sender=biller, subject="Another", body="two")
    assert notices.count() == 2  # one per thread
    later = start + timedelta(minutes=settings.MESSAGE_NOTICE_COALESCE_MINUTES)
    with mock.patch("django.utils.timezone.now", return_value=later):
        message_reply(thread=thread, sender=biller, body="after a while")
        message_reply(thread=other, sender=biller, body="after a while")
    assert notices.count() == 4
