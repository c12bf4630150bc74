"""Fixtures of the claims tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """The eligibility throttle counts in Django's cache, keyed by user id: ids repeat from test to
    test, so each test starts with no lookups counted."""
    cache.clear()
    yield
    cache.clear()
