"""The migrations: events written before the chain get linked, and PostgreSQL refuses edits itself."""

import importlib
import secrets

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from audit.models import AuditAction, AuditEvent
from audit.services import audit_chain_verify, record
from audit.tests.helpers import raw_sql, triggers_disabled

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


def test_backfill_links_the_events_written_before_the_chain():
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(5)]
    for event in events:  # as if written before 0002: no chain at all
        raw_sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [secrets.token_hex(32)] * 2 + [event.pk],
        )
    assert not audit_chain_verify().ok
    migration = importlib.import_module("audit.migrations.0002_hash_chain")
    historical_apps = MigrationLoader(connection).project_state(("audit", "0002_hash_chain")).apps
    with triggers_disabled():
        migration.chain_existing_events(historical_apps, None)
    result = audit_chain_verify()
    assert result.ok and result.checked == AuditEvent.objects.count()


@postgresql_only
def test_postgresql_refuses_a_raw_update():
    event = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_email = 'evil@example.test' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).actor_email == "a@example.test"


@postgresql_only
def test_postgresql_refuses_a_raw_delete():
    event = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@postgresql_only
def test_postgresql_refuses_truncate():
    record(action=AuditAction.LOGIN, actor_email="a@example.test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # whatever an earlier test of this connection allowed (see allow_audit_truncate)
        cursor.execute("SET LOCAL audit.allow_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.exists()


def _triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_the_trigger_migration_is_reversible_and_inserts_still_pass():
    assert _triggers() == ["audit_auditevent_no_truncate", "audit_auditevent_no_update_delete"]
    assert record(action=AuditAction.LOGIN, actor_email="a@example.test").pk
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # DDL below waits for no deferred check
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_hash_chain")])
    assert _triggers() == []
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))
    assert _triggers() == ["audit_auditevent_no_truncate", "audit_auditevent_no_update_delete"]
