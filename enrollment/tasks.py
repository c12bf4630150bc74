"""The daily enrollment job for Celery beat (``enrollment-daily``): applications not corrected in
time are rejected, and approved enrollments near their revalidation date get a new application."""

import logging

from celery import shared_task

from enrollment.services import enrollment_daily as enrollment_daily_run

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=600)
def enrollment_daily(self) -> dict:
    counts = enrollment_daily_run().as_dict()
    logger.info("Enrollment daily: %s", counts)
    return counts
