"""Fixtures of the audit tests (the personas are in the project's conftest)."""

import pytest
from django.db import connection


@pytest.fixture
def allow_audit_truncate():
    """A transactional test is emptied with TRUNCATE afterwards: allow it for this connection."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('audit.allow_truncate', 'on', false)")
