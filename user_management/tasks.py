"""Celery tasks of the user lifecycle: they take ids or nothing, load, and call a service."""

import logging

from celery import shared_task

from user_management.jobs import daily_lifecycle_run

logger = logging.getLogger(__name__)


# The project-wide 120-second limit is for emails; at a million users the inactivity step writes
# one audit event per disabled user (the audit chain has no bulk append), so allow an hour. Every
# step is idempotent, so a retry, or a redelivery after a lost worker, does no harm.
@shared_task(bind=True, max_retries=3, time_limit=3600, soft_time_limit=3300)
def daily_lifecycle(self) -> dict[str, int]:
    """The nightly jobs (beat, 02:00): inactivity, the payer's no-manager notice, the managers'
    digest, time-limited access. Returns the counts."""
    result = daily_lifecycle_run()
    counts = result.as_dict()
    logger.info("Daily lifecycle: %s", ", ".join(f"{key} {value}" for key, value in counts.items()))
    if result.errors:
        # Each failed step was logged with its traceback; the steps that worked are committed.
        raise self.retry(exc=RuntimeError(f"Daily lifecycle steps failed: {', '.join(result.errors)}"), countdown=900)
    return counts
