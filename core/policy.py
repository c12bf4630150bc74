"""The account lifecycle policy, read from settings at call time.

The numbers come from the environment (settings: INACTIVITY_WARN_DAYS,
INACTIVITY_DISABLE_DAYS, REGISTRATION_LINK_HOURS, INVITATION_DAYS, SESSION_IDLE_MINUTES). The code
that enforces them and every page or email that states them reads them here, so a deployment that
changes one changes both, and a test can change them with override_settings.
"""

from datetime import timedelta

from django.conf import settings


def inactivity_warn_days() -> int:
    return settings.INACTIVITY_WARN_DAYS


def inactivity_disable_days() -> int:
    return settings.INACTIVITY_DISABLE_DAYS


def registration_link_ttl() -> timedelta:
    return timedelta(hours=settings.REGISTRATION_LINK_HOURS)


def invitation_ttl() -> timedelta:
    return timedelta(days=settings.INVITATION_DAYS)


def idle_minutes() -> int:
    """The idle sign-out in whole minutes (a test may set seconds: then it rounds down)."""
    return int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)


def quantity(count: int, unit: str) -> str:
    """ "1 day", "2 days", "48 hours"."""
    return f"{count} {unit}{'' if count == 1 else 's'}"


def policy_context() -> dict:
    """The numbers for templates and emails (the context processor and every queued email)."""
    warn, disable = inactivity_warn_days(), inactivity_disable_days()
    return {
        "INACTIVITY_WARN_DAYS": warn,
        "INACTIVITY_DISABLE_DAYS": disable,
        "INACTIVITY_NOTICE_DAYS": disable - warn,
        "REGISTRATION_LINK_HOURS": settings.REGISTRATION_LINK_HOURS,
        "INVITATION_DAYS": settings.INVITATION_DAYS,
        "SESSION_IDLE_MINUTES": idle_minutes(),
        "AUTH_EXPEDITED_HOURS": settings.AUTH_EXPEDITED_HOURS,
        "AUTH_STANDARD_DAYS": settings.AUTH_STANDARD_DAYS,
        "AUTH_EXTENSION_MAX_DAYS": settings.AUTH_EXTENSION_MAX_DAYS,
        "AUTH_DUE_SOON_HOURS": settings.AUTH_DUE_SOON_HOURS,
    }
