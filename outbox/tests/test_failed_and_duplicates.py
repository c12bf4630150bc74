"""Failed emails reach a final state, the sweep leaves them, a retry puts them back; a claim taken
over after a worker died is marked as a possible double, and only then."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from outbox.models import EmailState, OutboundEmail
from outbox.services import (
    CLAIM_TIMEOUT,
    AlreadyRetried,
    failure_outcome,
    is_permanent,
    outbound_email_retry,
    outbound_email_send,
    outbox_due_ids,
)
from outbox.tasks import outbox_sweep

pytestmark = pytest.mark.django_db

REFUSED_550 = smtplib.SMTPRecipientsRefused({"a@example.test": (550, b"5.1.1 User unknown")})
REFUSED_450 = smtplib.SMTPRecipientsRefused({"a@example.test": (450, b"4.2.1 Mailbox busy")})
DATA_554 = smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam")
DATA_451 = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
SENDER_553 = smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "portal@example.test")
AUTH_535 = smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials")
CONNECTION = ConnectionRefusedError("Connection refused")
TIMEOUT = TimeoutError("timed out")


# error, attempts so far (this one included), OUTBOX_MAX_ATTEMPTS, the state it leads to
STATE_RULES = [
    ("recipient refused 550, first attempt", REFUSED_550, 1, 8, EmailState.FAILED),
    ("message refused 554, first attempt", DATA_554, 1, 8, EmailState.FAILED),
    ("recipient busy 450, first attempt", REFUSED_450, 1, 8, EmailState.PENDING),
    ("message deferred 451", DATA_451, 3, 8, EmailState.PENDING),
    ("sender refused 553 (set-up, not the email)", SENDER_553, 1, 8, EmailState.PENDING),
    ("login refused 535 (set-up, not the email)", AUTH_535, 1, 8, EmailState.PENDING),
    ("connection refused, first attempt", CONNECTION, 1, 8, EmailState.PENDING),
    ("connection refused, attempt 7 of 8", CONNECTION, 7, 8, EmailState.PENDING),
    ("connection refused, attempt 8 of 8", CONNECTION, 8, 8, EmailState.FAILED),
    ("timeout past the limit", TIMEOUT, 9, 8, EmailState.FAILED),
    ("sender refused on the last attempt", SENDER_553, 3, 3, EmailState.FAILED),
    ("a limit of one attempt", TIMEOUT, 1, 1, EmailState.FAILED),
]


@pytest.mark.parametrize(
    ("error", "attempts", "limit", "expected"), [r[1:] for r in STATE_RULES], ids=[r[0] for r in STATE_RULES]
)
def test_the_state_after_a_failed_attempt(error, attempts, limit, expected):
    assert failure_outcome(exc=error, attempts=attempts, max_attempts=limit) == expected


def test_only_a_refusal_of_the_recipient_or_the_message_is_permanent():
    assert [is_permanent(e) for e in (REFUSED_550, DATA_554)] == [True, True]
    assert not any(is_permanent(e) for e in (REFUSED_450, DATA_451, SENDER_553, AUTH_535, CONNECTION, TIMEOUT))


def _refuse_with(monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)


def test_a_refused_recipient_fails_at_once_and_the_sweep_leaves_it(monkeypatch):
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    _refuse_with(monkeypatch, REFUSED_550)
    assert outbound_email_send(email_id=email.pk) is False  # nothing raised: no task retry
    email.refresh_from_db()
    assert email.state == EmailState.FAILED and email.attempts == 1 and email.claimed_at is None
    assert "550" in email.last_error and email.sent_at is None
    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(days=1))
    assert outbox_due_ids() == []
    assert outbox_sweep() == 0
    assert outbound_email_send(email_id=email.pk) is False
    assert len(mail.outbox) == 0


def test_after_the_last_attempt_the_email_fails_and_is_not_retried(settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    _refuse_with(monkeypatch, CONNECTION)
    for attempt in (1, 2):
        with pytest.raises(ConnectionRefusedError):
            outbound_email_send(email_id=email.pk)
        email.refresh_from_db()
        assert (email.state, email.attempts) == (EmailState.PENDING, attempt)
        OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())  # back-off run out
    assert outbox_sweep() == 0  # the third attempt fails too: nothing raised by the sweep
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.FAILED, 3)
    monkeypatch.undo()
    assert outbox_sweep() == 0 and len(mail.outbox) == 0


def test_the_normal_send_is_claimed_once_and_is_no_possible_duplicate():
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    assert outbound_email_send(email_id=email.pk) is True
    assert outbound_email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.state == EmailState.SENT and email.possible_duplicate is False and len(mail.outbox) == 1


def test_a_failed_attempt_gives_the_claim_back_so_its_retry_is_no_possible_duplicate(monkeypatch):
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b")
    _refuse_with(monkeypatch, CONNECTION)
    with pytest.raises(ConnectionRefusedError):
        outbound_email_send(email_id=email.pk)
    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbound_email_send(email_id=email.pk) is True
    email.refresh_from_db()
    assert email.possible_duplicate is False and email.attempts == 2


def test_a_claim_taken_over_after_the_timeout_is_marked_possible_duplicate():
    """The worker that claimed it died mid-send: the row still holds its claim."""
    stale = timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1)
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", claimed_at=stale)
    assert outbound_email_send(email_id=email.pk) is True
    email.refresh_from_db()
    assert email.possible_duplicate is True and email.state == EmailState.SENT and len(mail.outbox) == 1


def test_a_fresh_claim_is_not_taken_and_not_marked():
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", claimed_at=timezone.now())
    assert outbound_email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.possible_duplicate is False


def test_the_sweep_takes_over_a_stale_claim_and_marks_it():
    stale = timezone.now() - CLAIM_TIMEOUT - timedelta(minutes=1)
    dead = OutboundEmail.objects.create(to="a@example.test", subject="dead", body="b", claimed_at=stale)
    fresh = OutboundEmail.objects.create(to="b@example.test", subject="fresh", body="b")
    assert outbox_sweep() == 2
    assert OutboundEmail.objects.get(pk=dead.pk).possible_duplicate is True
    assert OutboundEmail.objects.get(pk=fresh.pk).possible_duplicate is False


def test_a_row_cannot_be_both_sent_and_failed():
    from django.db import IntegrityError

    now = timezone.now()
    with pytest.raises(IntegrityError):
        OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", sent_at=now, failed_at=now)


def test_a_retry_puts_the_email_back_audited_and_it_is_sent(payer_staff, django_capture_on_commit_callbacks):
    email = OutboundEmail.objects.create(
        to="a@example.test", subject="s", body="b", attempts=8, failed_at=timezone.now(), last_error="Timeout"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbound_email_retry(email=email, actor=payer_staff)
    email.refresh_from_db()
    assert email.state == EmailState.SENT and email.attempts == 1 and len(mail.outbox) == 1
    event = AuditEvent.objects.get(action=AuditAction.EMAIL_RETRIED)
    assert event.actor == payer_staff and event.target_id == str(email.uuid)
    assert event.details["attempts_before"] == 8 and event.details["last_error"] == "Timeout"


def test_a_second_retry_of_the_same_email_is_refused(payer_staff):
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", failed_at=timezone.now())
    outbound_email_retry(email=email, actor=payer_staff)
    with pytest.raises(AlreadyRetried):
        outbound_email_retry(email=email, actor=payer_staff)
    assert AuditEvent.objects.filter(action=AuditAction.EMAIL_RETRIED).count() == 1


def test_only_payer_staff_retry(biller):
    email = OutboundEmail.objects.create(to="a@example.test", subject="s", body="b", failed_at=timezone.now())
    with pytest.raises(ValidationError):
        outbound_email_retry(email=email, actor=biller)
    assert OutboundEmail.objects.get(pk=email.pk).state == EmailState.FAILED
