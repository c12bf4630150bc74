"""Sliding-window limits counted in the shared cache, and the 429 answer of a throttled request.

A limit is "at most N events in any span of P seconds". Fixed windows (django-ratelimit's
model) let 2N through around a window boundary: N at the end of one minute, N at the start of
the next. Here each limit keeps K+1 small buckets of P/K seconds (one cache key each, counted
with ``add`` + ``incr``, which are atomic in Redis and in the local-memory cache) and sums the
last K+1 of them. They always cover at least the last P seconds, so no span of P seconds ever
holds more than N counted events; the price is that a full limit frees up to P/K later than an
exact log would (6 s for a minute, 2.4 h for a day).

An event that would pass the limit is not counted: a throttled client regains room as its old
events age out, whatever it keeps sending. Keys are hashed, so no address or email lands in the
cache in clear. The counts are exactly as shared as the cache: production requires CACHE_URL
(Redis), so every web process sees the same numbers.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_ratelimit.exceptions import Ratelimited

BUCKETS = 10
PREFIX = "rl2"


def _clock() -> float:
    """The throttle's clock; tests move it instead of sleeping."""
    return time.time()


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` events in any ``seconds``-long span."""

    limit: int
    seconds: int

    @property
    def width(self) -> int:
        return max(1, math.ceil(self.seconds / BUCKETS))

    def describe(self) -> str:
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if self.seconds % size == 0:
                count = self.seconds // size
                if count == 1:
                    return f"{self.limit} {'an' if unit == 'hour' else 'a'} {unit}"
                return f"{self.limit} per {count} {unit}s"
        return f"{self.limit} per {self.seconds} seconds"


@dataclass(frozen=True)
class Refusal:
    """A refused event: which limit, and when the next one would pass."""

    name: str
    rate: Rate
    retry_after: int  # whole seconds, at least 1

    @property
    def retry_at(self) -> datetime:
        return timezone.localtime(timezone.now() + timezone.timedelta(seconds=self.retry_after))

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    def when(self) -> str:
        """'after 10:42 (in 3 minutes)', in the portal's time zone."""
        minutes = self.retry_after_minutes
        if minutes >= 120:
            span = f"{round(minutes / 60)} hours"
        else:
            span = f"{minutes} minute{'s' if minutes != 1 else ''}"
        at = self.retry_at
        day = "" if at.date() == timezone.localtime().date() else at.strftime(" on %b %d").replace(" 0", " ")
        return f"after {at.strftime('%I:%M %p').lstrip('0')}{day} (in {span})"


def rate(name: str) -> Rate:
    limit, seconds = settings.RATE_LIMITS[name]
    return Rate(limit=limit, seconds=seconds)


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _keys(name: str, key: str, r: Rate, now: float) -> tuple[list[str], list[int]]:
    digest = hashlib.sha256(f"{name}\0{key}".encode()).hexdigest()[:32]
    current = int(now // r.width)
    ids = list(range(current - BUCKETS, current + 1))
    return [f"{PREFIX}:{digest}:{r.limit}:{r.seconds}:{i}" for i in ids], ids


def _retry_after(r: Rate, ids: list[int], counts: list[int], now: float) -> int:
    """Seconds until the oldest buckets have aged out enough for one more event."""
    total = sum(counts)
    for bucket, count in zip(ids, counts, strict=True):
        total -= count
        if total < r.limit:
            # A bucket stops being summed when the current bucket is BUCKETS + 1 ahead of it.
            return max(1, math.ceil((bucket + BUCKETS + 1) * r.width - now))
    return max(1, math.ceil((ids[-1] + BUCKETS + 1) * r.width - now))


def usage(name: str, key: str, *, r: Rate | None = None) -> int:
    """How many events the limit currently counts for ``key``."""
    r = r or rate(name)
    keys, _ids = _keys(name, key, r, _clock())
    return sum(_cache().get_many(keys).values())


def check(name: str, key: str, *, r: Rate | None = None) -> Refusal | None:
    """Whether one more event would pass, without counting it."""
    r = r or rate(name)
    now = _clock()
    keys, ids = _keys(name, key, r, now)
    found = _cache().get_many(keys)
    counts = [found.get(k, 0) for k in keys]
    if sum(counts) + 1 > r.limit:
        return Refusal(name=name, rate=r, retry_after=_retry_after(r, ids, counts, now))
    return None


def hit(name: str, key: str, *, r: Rate | None = None) -> Refusal | None:
    """Count one event for ``key`` under the limit ``name``; a refused event is not counted."""
    r = r or rate(name)
    now = _clock()
    cache = _cache()
    keys, ids = _keys(name, key, r, now)
    timeout = r.seconds + 2 * r.width + 5
    cache.add(keys[-1], 0, timeout)
    try:
        current = cache.incr(keys[-1])
    except ValueError:  # expired between add() and incr()
        cache.set(keys[-1], 1, timeout)
        current = 1
    found = cache.get_many(keys[:-1])
    counts = [found.get(k, 0) for k in keys[:-1]] + [current]
    if sum(counts) > r.limit:
        cache.decr(keys[-1])
        counts[-1] -= 1
        return Refusal(name=name, rate=r, retry_after=_retry_after(r, ids, counts, now))
    return None


def clear(name: str, key: str, *, r: Rate | None = None) -> None:
    r = r or rate(name)
    keys, _ids = _keys(name, key, r, _clock())
    _cache().delete_many(keys)


def client_key(request: HttpRequest) -> str:
    """The client: REMOTE_ADDR, with IPv6 grouped by /64 (django-ratelimit's RATELIMIT_IPV6_MASK),
    as one host on IPv6 usually holds a whole /64."""
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "ip:unknown"
    mask = getattr(settings, "RATELIMIT_IPV6_MASK", 64) if address.version == 6 else 32
    return "ip:" + str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)


class Throttled(Ratelimited):
    """Raised by a view that is over a limit; RatelimitMiddleware turns it into the 429 page."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.name)
        self.refusal = refusal


def throttled_response(
    request: HttpRequest, refusal: Refusal, *, template: str = "429.html", context: dict | None = None
) -> HttpResponse:
    """A 429 with Retry-After; a form view passes its own template and form so the input stays."""
    body = render_to_string(
        template, {**(context or {}), "refusal": refusal, "throttle_when": refusal.when()}, request=request
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def ratelimited_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: the styled 429 page for a Throttled raised anywhere in a view."""
    refusal = getattr(exception, "refusal", None)
    if refusal is None:
        refusal = Refusal(name="requests", rate=Rate(limit=1, seconds=60), retry_after=60)
    return throttled_response(request, refusal)
