"""The outbox: every email is a row, sent once, retried with back-off when the mail server fails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from outbox.models import OutboundEmail
from outbox.services import email_enqueue, outbound_email_send
from outbox.tasks import outbox_sweep

pytestmark = pytest.mark.django_db


def test_enqueue_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_enqueue(to="a@example.test", subject="You have a new message", body="Sign in to read it.")
        assert len(mail.outbox) == 0  # nothing leaves before the commit
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_a_row_is_sent_only_once():
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    assert outbound_email_send(email_id=email.pk) is True
    assert outbound_email_send(email_id=email.pk) is False
    assert len(mail.outbox) == 1


def test_a_fresh_claim_by_another_worker_is_respected():
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", claimed_at=timezone.now())
    assert outbound_email_send(email_id=email.pk) is False
    assert len(mail.outbox) == 0


def test_a_stale_claim_is_taken_over():
    stale = timezone.now() - timedelta(minutes=10)
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", claimed_at=stale)
    assert outbound_email_send(email_id=email.pk) is True


def test_smtp_failure_backs_off_and_the_sweep_retries(settings, monkeypatch):
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        outbound_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1 and email.claimed_at is None
    assert "SMTP refused" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: the sweep leaves it.
    assert outbox_sweep() == 0
    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2 and email.last_error == ""


def test_broker_down_at_commit_leaves_the_row_for_the_sweep(monkeypatch, django_capture_on_commit_callbacks):
    from outbox import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.send_outbound_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = email_enqueue(to="a@example.test", subject="s", body="b")
    assert len(mail.outbox) == 0
    assert outbox_sweep() == 1
    email.refresh_from_db()
    assert email.sent_at is not None


def test_sent_bodies_are_dropped_after_the_retention_in_one_update(settings, django_assert_num_queries):
    from django.conf import settings as django_settings

    from outbox.tasks import outbox_bodies_expire_task

    settings.OUTBOX_BODY_RETENTION_HOURS = 24
    now = timezone.now()
    old = OutboundEmail.objects.create(
        to="a@example.test",
        subject="Reset your password",
        body="https://portal.example.org/password-reset/MQ/abc-123/",
        template="password_reset",
        idempotency_key="reset-1",
        sent_at=now - timedelta(hours=25),
        attempts=1,
    )
    recent = OutboundEmail.objects.create(
        to="b@example.test", subject="s", body="kept", sent_at=now - timedelta(hours=23)
    )
    unsent = OutboundEmail.objects.create(
        to="c@example.test", subject="s", body="waiting", created_at=now - timedelta(days=3)
    )
    with django_assert_num_queries(1):  # UPDATE ... SET body = '' WHERE sent_at < cutoff AND body <> ''
        assert outbox_bodies_expire_task() == 1
    old.refresh_from_db()
    assert old.body == ""
    # What audit needs stays.
    assert (old.to, old.template, old.subject, old.idempotency_key, old.attempts) == (
        "a@example.test",
        "password_reset",
        "Reset your password",
        "reset-1",
        1,
    )
    assert old.sent_at is not None and old.created_at is not None
    assert OutboundEmail.objects.get(pk=recent.pk).body == "kept"
    assert OutboundEmail.objects.get(pk=unsent.pk).body == "waiting"
    assert "outbox.tasks.outbox_bodies_expire" in {
        entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_a_retention_of_zero_drops_bodies_as_soon_as_sent(settings):
    from outbox.services import outbox_bodies_expire

    settings.OUTBOX_BODY_RETENTION_HOURS = 0
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    outbound_email_send(email_id=email.pk)
    assert outbox_bodies_expire(now=timezone.now() + timedelta(seconds=1)) == 1
    assert OutboundEmail.objects.get(pk=email.pk).body == ""
