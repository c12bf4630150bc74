"""Celery tasks of prior authorizations: they take nothing, and call a service."""

import logging

from celery import shared_task

from authorizations.services import due_soon_warn

logger = logging.getLogger(__name__)


@shared_task
def authorizations_due_soon() -> dict[str, int]:
    """The daily warning (beat, 07:00): open requests due within AUTH_DUE_SOON_HOURS, and overdue."""
    result = due_soon_warn()
    logger.info("Authorizations due soon: %s due, %s overdue", result.due_soon, result.overdue)
    return {"due_soon": result.due_soon, "overdue": result.overdue, "emails": result.emails}
