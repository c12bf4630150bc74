"""The email outbox: queueing and sending outbound email.

``email_enqueue`` writes a row in the caller's transaction and asks a worker to send it once the
transaction commits. If the broker is down at that moment, the beat sweep (``outbox_sweep``)
sends it later: the broker only makes delivery faster, the row makes it certain.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record
from core.policy import policy_context
from outbox.models import EmailState, OutboundEmail

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=15)


def email_enqueue(
    *, to: str, subject: str, body: str, template: str = "", idempotency_key: str | None = None
) -> OutboundEmail | None:
    """Write the email in the caller's transaction; send it after commit.

    With an ``idempotency_key`` already used, nothing is written and None is returned.
    """
    if idempotency_key and OutboundEmail.objects.filter(idempotency_key=idempotency_key).exists():
        return None
    email = OutboundEmail.objects.create(
        to=to, subject=subject[:200], body=body, template=template, idempotency_key=idempotency_key
    )
    transaction.on_commit(lambda: _dispatch(email.pk))
    return email


def email_enqueue_template(
    *, to: str, template: str, context: dict, idempotency_key: str | None = None
) -> OutboundEmail | None:
    """Render ``mailbox/email/<template>.txt`` and its ``_subject.txt`` and queue the email.

    Templates hold no message text, claim or member data: only what happened and a link.
    """
    context = {"PAYER_NAME": settings.PAYER_NAME, "SITE_URL": settings.SITE_URL, **policy_context(), **context}
    subject = " ".join(render_to_string(f"mailbox/email/{template}_subject.txt", context).split())
    body = render_to_string(f"mailbox/email/{template}.txt", context)
    return email_enqueue(to=to, subject=subject, body=body, template=template, idempotency_key=idempotency_key)


# Publishing happens inside the web request (on commit), so a broker outage must cost
# milliseconds, not seconds: one immediate retry and no sleeping (the sweep delivers what could
# not be queued). Celery's default policy sleeps 0.6 s per email when Redis is down, and
# ``retry=False`` is worse (redis-py then retries the connect with back-off, about 6 s).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


def _dispatch(email_id: int) -> None:
    from outbox.tasks import send_outbound_email

    try:
        send_outbound_email.apply_async((email_id,), retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # the broker is down: the sweep will send it
        logger.warning("Could not queue outbound email %s; the outbox sweep will send it", email_id)


def _due() -> Q:
    """Rows a worker may take now: unsent, not given up, due, and unclaimed or claimed too long ago."""
    now = timezone.now()
    return Q(sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )


def _claim(email_id: int) -> bool:
    """Take the row for this worker: true for exactly one caller among concurrent ones.

    A row still claimed (``claimed_at`` set, not sent) is taken only after CLAIM_TIMEOUT, and only
    when the worker holding it died in the middle of a send (a failed send gives its claim back):
    the same UPDATE marks it ``possible_duplicate``, since the mail server may already have it.
    The right-hand sides read the row as it was before the UPDATE.
    """
    return bool(
        OutboundEmail.objects.filter(_due(), pk=email_id).update(
            claimed_at=timezone.now(),
            possible_duplicate=Case(When(claimed_at__isnull=False, then=True), default=F("possible_duplicate")),
        )
    )


def smtp_code(exc: BaseException) -> int | None:
    """The mail server's reply code in an SMTP error: the lowest of the refused recipients'
    codes, or the code of a refused message; None for anything else (a network error, a timeout)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return min(code for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def is_permanent(exc: BaseException) -> bool:
    """The mail server refused this email for good: a 5xx answer to its recipient or its content.

    A refused sender or a refused login is 5xx too, but it is the portal's set-up, not the email:
    every email would fail, so those go on being retried (and show in the admin) until it is fixed.
    """
    code = smtp_code(exc)
    permanent_kinds = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    return isinstance(exc, permanent_kinds) and code is not None and 500 <= code < 600


def failure_outcome(*, exc: BaseException, attempts: int, max_attempts: int) -> str:
    """The state an email goes to after its ``attempts``-th attempt failed with ``exc``."""
    if is_permanent(exc) or attempts >= max_attempts:
        return EmailState.FAILED
    return EmailState.PENDING


def outbound_email_send(*, email_id: int) -> bool:
    """Send one outbox row if nobody else has; returns True when this call sent it.

    A failure that may pass (a network error, a 4xx) gives the claim back with a back-off and is
    raised again, for the task's retry; one that will not (a 5xx refusal), or the last of
    OUTBOX_MAX_ATTEMPTS, makes the email failed: final, nothing raised, the sweep leaves it.
    """
    if not _claim(email_id):
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        EmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        ).send()
    except Exception as exc:
        attempts = email.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:2000]
        now = timezone.now()
        if failure_outcome(exc=exc, attempts=attempts, max_attempts=settings.OUTBOX_MAX_ATTEMPTS) == EmailState.FAILED:
            OutboundEmail.objects.filter(pk=email_id).update(
                claimed_at=None, attempts=attempts, failed_at=now, last_error=error
            )
            logger.warning("Outbound email %s failed for good after %s attempts: %s", email_id, attempts, error)
            return False
        backoff = min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)
        OutboundEmail.objects.filter(pk=email_id).update(
            claimed_at=None, attempts=attempts, next_attempt_at=now + backoff, last_error=error
        )
        raise
    OutboundEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), attempts=email.attempts + 1, last_error="")
    return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    return list(OutboundEmail.objects.filter(_due()).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


class AlreadyRetried(Exception):
    """The email is no longer failed: someone retried it first."""


@transaction.atomic
def outbound_email_retry(*, email: OutboundEmail, actor, request=None) -> OutboundEmail:
    """Put a failed email back in the queue (pending, due now, a fresh round of attempts) and ask a
    worker to send it after the commit. Raises AlreadyRetried when it is not failed any more."""
    if not getattr(actor, "is_payer_staff", False):
        raise ValidationError("Only payer staff retry emails.")
    previous_attempts, previous_error = email.attempts, email.last_error
    updated = OutboundEmail.objects.filter(pk=email.pk, failed_at__isnull=False, sent_at__isnull=True).update(
        failed_at=None, attempts=0, claimed_at=None, next_attempt_at=timezone.now()
    )
    if not updated:
        raise AlreadyRetried(str(email.uuid))
    email.refresh_from_db()
    record(
        action=AuditAction.EMAIL_RETRIED,
        actor=actor,
        target=email,
        details={
            "to": email.to,
            "template": email.template,
            "attempts_before": previous_attempts,
            "last_error": previous_error[:300],
            "possible_duplicate": email.possible_duplicate,
        },
        request=request,
    )
    transaction.on_commit(lambda: _dispatch(email.pk))
    return email


def outbox_bodies_expire(*, now=None) -> int:
    """Blank the body of every email sent more than OUTBOX_BODY_RETENTION_HOURS ago, in one UPDATE.

    Bodies hold live links (password reset, invitation); once sent, only what audit needs stays:
    recipient, template, subject, times, attempts and idempotency key. Unsent rows keep theirs.
    Returns how many bodies were blanked.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.OUTBOX_BODY_RETENTION_HOURS)
    return OutboundEmail.objects.filter(sent_at__lt=cutoff).exclude(body="").update(body="")
