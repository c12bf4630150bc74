"""Celery tasks of the outbox: they take ids, load, and call a service."""

import logging

from celery import shared_task

from outbox.services import outbound_email_send, outbox_bodies_expire, outbox_due_ids

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8)
def send_outbound_email(self, email_id: int) -> bool:
    try:
        return outbound_email_send(email_id=email_id)
    except Exception as exc:
        # Same back-off as the row's next_attempt_at; after the last retry the sweep goes on.
        countdown = min(30 * 2**self.request.retries, 900)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def outbox_sweep() -> int:
    """Send every due, unclaimed email, one at a time. Run by beat every minute."""
    sent = 0
    for email_id in outbox_due_ids():
        try:
            sent += outbound_email_send(email_id=email_id)
        except Exception:
            logger.exception("Outbound email %s failed; it will be retried", email_id)
    return sent


@shared_task(name="outbox.tasks.outbox_bodies_expire")
def outbox_bodies_expire_task() -> int:
    """Drop the bodies of sent emails past their retention. Run by beat every hour."""
    return outbox_bodies_expire()
