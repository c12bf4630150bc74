"""The sliding-window throttle: limits hold across window boundaries and across processes that
share the cache; a throttled request gets the styled 429 page with Retry-After."""

import os
import uuid

import pytest
from django.test import override_settings
from django.test.client import RequestFactory

from core import ratelimit
from core.ratelimit import Rate

MINUTE = Rate(limit=30, seconds=60)


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}  # a minute boundary
    monkeypatch.setattr(ratelimit, "_clock", lambda: now["t"])
    return now


def passed(n, key="k", r=MINUTE, name="test"):
    return sum(ratelimit.hit(name, key, r=r) is None for _ in range(n))


def test_the_limit_holds_within_a_window(clock):
    assert passed(31) == 30


def test_a_window_boundary_does_not_double_the_limit(clock):
    """Fixed windows: 30 at 10:00:57 and 30 more at 10:01:03, 60 in 7 seconds. Sliding: 30."""
    clock["t"] += 57
    assert passed(30) == 30
    clock["t"] += 6
    assert passed(30) == 0
    # At no moment does any 60-second span hold more than 30.
    clock["t"] += 60
    assert passed(30) == 30


def test_no_span_of_the_period_ever_holds_more_than_the_limit(clock):
    """One attempt a second for ten minutes: count what passed in every 60-second span."""
    times = []
    for second in range(600):
        clock["t"] = 1_800_000_000.0 + second
        if ratelimit.hit("test", "steady", r=MINUTE) is None:
            times.append(second)
    assert max(sum(1 for t in times if start <= t < start + 60) for start in range(540)) <= 30
    assert len(times) >= 250  # and the limit frees up again: about 30 every 66 seconds


def test_refused_events_are_not_counted(clock):
    assert passed(30) == 30
    assert passed(100) == 0
    clock["t"] += 66
    assert passed(30) == 30


def test_retry_after_says_when_the_next_event_passes(clock):
    passed(30)
    clock["t"] += 10
    refusal = ratelimit.hit("test", "k", r=MINUTE)
    assert refusal.retry_after == 56  # the bucket of the first 30 leaves the sum at +66 s
    clock["t"] += 55
    assert ratelimit.hit("test", "k", r=MINUTE) is not None
    clock["t"] += 1
    assert ratelimit.hit("test", "k", r=MINUTE) is None


def test_keys_and_names_are_separate(clock):
    assert passed(30, key="a") == 30
    assert passed(30, key="b") == 30
    assert passed(30, key="a", name="other") == 30


def test_check_does_not_count(clock):
    for _ in range(100):
        assert ratelimit.check("test", "k", r=MINUTE) is None
    assert passed(30) == 30
    assert ratelimit.check("test", "k", r=MINUTE) is not None


def test_the_words_say_when(clock, settings):
    refusal = ratelimit.Refusal(name="x", rate=MINUTE, retry_after=170)
    assert refusal.when().startswith("after ")
    assert refusal.when().endswith("(in 3 minutes)")
    assert ratelimit.Refusal(name="x", rate=MINUTE, retry_after=30).when().endswith("(in 1 minute)")
    assert MINUTE.describe() == "30 a minute"
    assert Rate(3, 3600).describe() == "3 an hour"
    assert Rate(5, 900).describe() == "5 per 15 minutes"


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p1"},
        "worker_a": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
        "worker_b": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
        "alone": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "alone"},
    }
)
def test_two_processes_sharing_the_cache_share_the_limit(clock, settings):
    """Two cache clients on one location stand for two web processes on one Redis: 150 attempts
    spread over both get 30 answers in all, not 30 each."""
    answers = 0
    for i in range(150):
        settings.RATELIMIT_USE_CACHE = "worker_a" if i % 2 else "worker_b"
        clock["t"] += 0.4
        answers += ratelimit.hit("test", "shared-user", r=MINUTE) is None
    assert answers == 30
    # What a per-process cache did before: each process counted on its own.
    settings.RATELIMIT_USE_CACHE = "alone"
    assert passed(30, key="shared-user") == 30


REDIS_URL = os.environ.get("REDIS_TEST_URL") or (
    os.environ.get("CELERY_BROKER_URL", "").rsplit("/", 1)[0] + "/2" if os.environ.get("CELERY_BROKER_URL") else ""
)


@pytest.mark.integration
@pytest.mark.skipif(
    not REDIS_URL and os.environ.get("REQUIRE_SERVICES") != "1",
    reason="REDIS_TEST_URL or CELERY_BROKER_URL is not set (CI sets it)",
)
def test_two_processes_on_the_real_redis_share_the_limit(clock, settings):
    assert REDIS_URL, "REQUIRE_SERVICES=1 but neither REDIS_TEST_URL nor CELERY_BROKER_URL is set"
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "web_1": redis_cache,
        "web_2": dict(redis_cache),
    }
    from django.core.cache import caches

    try:
        answers = 0
        for i in range(150):
            settings.RATELIMIT_USE_CACHE = "web_1" if i % 2 else "web_2"
            clock["t"] += 0.4
            answers += ratelimit.hit("test", "redis-user", r=MINUTE) is None
        assert answers == 30
        # Across the minute boundary no doubling either.
        clock["t"] += 3
        assert ratelimit.hit("test", "redis-user", r=MINUTE) is not None
    finally:
        client = caches["web_1"]._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_the_throttled_view_answers_a_styled_429(rf: RequestFactory, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    refusal = ratelimit.Refusal(name="x", rate=Rate(20, 3600), retry_after=180)
    response = ratelimit.ratelimited_view(request, ratelimit.Throttled(refusal))
    assert response.status_code == 429
    assert response["Retry-After"] == "180"
    text = response.content.decode()
    assert "<h1>Too many requests</h1>" in text
    assert "limit of 20 an hour" in text and "Try again after " in text and "(in 3 minutes)" in text


def test_client_key_groups_ipv6_by_64(rf):
    a = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    b = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    c = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    a.user = b.user = c.user = None
    assert ratelimit.client_key(a) == ratelimit.client_key(b) != ratelimit.client_key(c)
    assert ratelimit.client_key(rf.get("/", REMOTE_ADDR="198.51.100.7")) == "ip:198.51.100.7"
