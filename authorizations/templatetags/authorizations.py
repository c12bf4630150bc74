"""The due time of a request in words and colour: "2 days 4 hours left", "Overdue by 3 hours"."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()

# Status → USWDS tag colour class.
STATUS_TAGS = {
    "draft": "bg-base",
    "submitted": "bg-primary",
    "in_review": "bg-primary-dark",
    "info_requested": "bg-gold text-ink",
    "approved": "bg-green",
    "partially_approved": "bg-accent-warm-dark",
    "denied": "bg-secondary-dark",
    "withdrawn": "bg-base-dark",
}


def _span(delta: datetime.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (minutes or not parts):
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts[:2])


@register.simple_tag
def due_clock(authorization, now=None) -> dict:
    """{"words", "css"} of an open request's clock; empty words for a closed one."""
    if not authorization.is_open or authorization.due_at is None:
        return {"words": "", "css": ""}
    now = now or timezone.now()
    left = authorization.due_at - now
    if authorization.paused_at is not None:
        return {
            "words": f"Clock paused, {_span(authorization.due_at - authorization.paused_at)} left",
            "css": "portal-due--paused",
        }
    if left.total_seconds() < 0:
        return {"words": f"Overdue by {_span(left)}", "css": "portal-due--overdue"}
    if left <= datetime.timedelta(hours=24):
        return {"words": f"{_span(left)} left", "css": "portal-due--soon"}
    return {"words": f"{_span(left)} left", "css": "portal-due--ok"}


@register.filter
def status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "bg-base")
