"""Nightly care-gap work for Celery beat: the lookbacks move with the calendar, so a gap can open
overnight without any new data."""

import logging

from celery import shared_task

from health_records.services import care_gap_rules_load, care_gaps_refresh

logger = logging.getLogger(__name__)


@shared_task
def care_gaps_nightly() -> dict:
    """Reload the rules (health_records/care_gap_rules.json) and recompute every member's gaps,
    as ``manage.py health_records_care_gaps`` does."""
    counts = {"rules": care_gap_rules_load(), "gaps": care_gaps_refresh()}
    logger.info("Care gaps: %s", counts)
    return counts
