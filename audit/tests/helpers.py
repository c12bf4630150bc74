"""Helpers for the audit tests: a fast chained bulk insert, and raw SQL edits behind the ORM's back."""

import contextlib
import datetime
import uuid

from django.db import connection
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import _chain_tail_hash, event_hash


def bulk_chain(count: int, **fields) -> list[AuditEvent]:
    """Append ``count`` events in one INSERT, chained exactly as ``record`` would chain them."""
    prev_hash = _chain_tail_hash()
    now = timezone.now()
    events = []
    for n in range(count):
        event = AuditEvent(
            uuid=uuid.uuid4(),
            occurred_at=now - datetime.timedelta(seconds=count - n),
            action=fields.get("action", AuditAction.LOGIN),
            actor=fields.get("actor"),
            actor_email=fields.get("actor_email", fields["actor"].email if fields.get("actor") else ""),
            target_type=fields.get("target_type", ""),
            target_id=fields.get("target_id", ""),
            target_repr=fields.get("target_repr", ""),
            organization=fields.get("organization"),
            details=fields.get("details", {"n": n}),
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = event_hash(event)
        events.append(event)
    return AuditEvent.objects.bulk_create(events)


@contextlib.contextmanager
def triggers_disabled():
    """Let raw UPDATE/DELETE through on PostgreSQL, as the table's owner could (rolled back with the test)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks of this transaction are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw_sql(sql: str, params=()) -> None:
    """Tamper with the table directly, bypassing the ORM's guards (and, on PostgreSQL, the trigger)."""
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)
