"""Daily access-review work for Celery beat."""

import logging

from celery import shared_task

from access_reviews.services import review_due_processing

logger = logging.getLogger(__name__)


@shared_task
def reviews_daily() -> dict:
    counts = review_due_processing()
    logger.info("Access reviews: %s", counts)
    return counts
