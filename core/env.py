"""Typed readers for settings that come from the environment.

Each helper fails loudly with ImproperlyConfigured on a value it cannot read, so a typo in a
deployment stops start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def is_weak_secret(value: str) -> bool:
    """Django's own rule for a weak SECRET_KEY (security.W009), plus the insecure prefix."""
    return len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-")


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A limit written as COUNT/SPAN, e.g. "30/m", "3/h", "300/d", "5/15m": (count, seconds)."""
    raw = os.environ.get(name, default).strip().lower()
    count, _, span = raw.partition("/")
    digits, unit = span[:-1], span[-1:]
    try:
        limit = int(count)
        seconds = (int(digits) if digits else 1) * _RATE_UNITS[unit]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"{name} must look like 30/m, 3/h, 300/d or 5/15m; got {raw!r}") from None
    if limit < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name} must allow at least 1 event in at least 1 second; got {raw!r}")
    return limit, seconds


def lifecycle_policy_validate(
    *, warn_days: int, disable_days: int, link_hours: int, invitation_days: int, idle_minutes: int
) -> None:
    """Refuse a lifecycle policy that cannot work: the inactivity warning must come on day 1 or
    later and strictly before the disabling day, and every lifetime must be positive."""
    if warn_days < 1 or warn_days >= disable_days:
        raise ImproperlyConfigured(
            "INACTIVITY_WARN_DAYS must be at least 1 and less than INACTIVITY_DISABLE_DAYS; "
            f"got INACTIVITY_WARN_DAYS={warn_days}, INACTIVITY_DISABLE_DAYS={disable_days}"
        )
    for name, value in (
        ("REGISTRATION_LINK_HOURS", link_hours),
        ("INVITATION_DAYS", invitation_days),
        ("SESSION_IDLE_MINUTES", idle_minutes),
    ):
        if value < 1:
            raise ImproperlyConfigured(f"{name} must be at least 1; got {value}")
