"""The crafted-input test behaves the same on SQLite and PostgreSQL.

PostgreSQL refuses a NUL character in a string parameter (psycopg2 raises ValueError before the
query is sent); SQLite stores it. So that a NUL reaching a query fails on the default database
too, every query of these tests goes through a wrapper that refuses it the way psycopg2 does.
"""

import pytest
from django.db import connection

from tests.fuzz.stats import STATS


def _refuse_nul(execute, sql, params, many, context):
    rows = params if many else [params]
    for row in rows or ():
        values = row.values() if isinstance(row, dict) else row
        for value in values or ():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def nul_refused_like_postgresql(db):
    with connection.execute_wrapper(_refuse_nul):
        yield


def pytest_terminal_summary(terminalreporter):
    if STATS["requests"]:
        terminalreporter.write_line(
            f"crafted input: {STATS['requests']} requests sent, {STATS['server_errors']} answered 500 or more"
        )
