"""Which analysts are online for the live chat: a heartbeat per analyst in the shared cache.

The Chat page's socket beats every CHAT_PRESENCE_SECONDS / 3 seconds; a key lives for
CHAT_PRESENCE_SECONDS, so an analyst whose page closed (or whose process died) drops out within
that time whichever web or chat process they were on (production's cache is Redis, CACHE_URL).
"""

import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import User, UserKind, UserStatus

PREFIX = "chat:online"


def _key(user_id: int) -> str:
    return f"{PREFIX}:{user_id}"


def heartbeat_seconds() -> int:
    return max(5, settings.CHAT_PRESENCE_SECONDS // 3)


def staff_heartbeat(*, user: User) -> None:
    cache.set(_key(user.pk), time.time(), settings.CHAT_PRESENCE_SECONDS)


def staff_gone(*, user: User) -> None:
    cache.delete(_key(user.pk))


def staff_online_ids() -> list[int]:
    """The analysts whose heartbeat is fresh: one query for the active staff, one cache read."""
    ids = list(
        User.objects.filter(kind=UserKind.PAYER_STAFF, status__in=[UserStatus.ACTIVE, UserStatus.LOCKED]).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return []
    found = cache.get_many([_key(pk) for pk in ids])
    return [pk for pk in ids if _key(pk) in found]


def staff_online() -> bool:
    return bool(staff_online_ids())
