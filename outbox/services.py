"""The email outbox: queueing and sending outbound email.

``email_enqueue`` writes a row in the caller's transaction and asks a worker to send it once the
transaction commits. If the broker is down at that moment, the beat sweep (``outbox_sweep``)
sends it later: the broker only makes delivery faster, the row makes it certain.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.policy import policy_context
from outbox.models import OutboundEmail

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


def _claim(email_id: int) -> bool:
    """Take the row for this worker: true for exactly one caller among concurrent ones."""
    now = timezone.now()
    return bool(
        OutboundEmail.objects.filter(pk=email_id, sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now)
    )


def outbound_email_send(*, email_id: int) -> bool:
    """Send one outbox row if nobody else has; returns True when this call sent it."""
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
        backoff = min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)
        OutboundEmail.objects.filter(pk=email_id).update(
            claimed_at=None,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    OutboundEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), attempts=email.attempts + 1, last_error="")
    return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        OutboundEmail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_bodies_expire(*, now=None) -> int:
    """Blank the body of every email sent more than OUTBOX_BODY_RETENTION_HOURS ago, in one UPDATE.

    Bodies hold live links (password reset, invitation); once sent, only what audit needs stays:
    recipient, template, subject, times, attempts and idempotency key. Unsent rows keep theirs.
    Returns how many bodies were blanked.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.OUTBOX_BODY_RETENTION_HOURS)
    return OutboundEmail.objects.filter(sent_at__lt=cutoff).exclude(body="").update(body="")
