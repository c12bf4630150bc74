"""The audit trail is written with the change it records and can never be edited."""

import copy
import datetime
import threading
import uuid

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessLevel
from accounts.services.access import access_levels_set, scope_add
from accounts.services.users import user_status_set
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from audit.models import GENESIS_HASH, AuditAction, AuditEvent
from audit.services import VerifyResult, audit_chain_verify, audit_log_exported, event_hash, record
from audit.tests.helpers import raw_sql

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_where_and_from_where():
    actor, target, organization = UserFactory(), UserFactory(), OrganizationFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Browser/1.0")
    event = record(
        action=AuditAction.STATUS_CHANGED,
        actor=actor,
        target=target,
        organization=organization,
        details={"to": "disabled"},
        request=request,
    )
    event.refresh_from_db()
    assert event.actor == actor and event.actor_email == actor.email
    assert event.target_type == "user" and event.target_id == str(target.uuid)
    assert event.organization == organization
    assert event.ip_address == "10.1.2.3" and event.user_agent == "Browser/1.0"
    assert event.details == {"to": "disabled"}
    assert event.occurred_at.utcoffset().total_seconds() == 0


def test_events_cannot_be_updated_or_deleted_through_the_orm():
    event = record(action=AuditAction.LOGIN, actor_email="someone@example.test")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="logout")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_row_rolls_back_with_the_change():
    user, organization = UserFactory(), OrganizationFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
        raise RuntimeError("the caller failed after the service")
    assert not AuditEvent.objects.filter(action=AuditAction.LEVELS_CHANGED).exists()


def test_level_scope_and_status_changes_are_audited():
    actor, user, organization = UserFactory(kind="payer_staff"), UserFactory(), OrganizationFactory()
    pid = ProviderIdentifierFactory(organization=organization)
    access_levels_set(actor=actor, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    access_levels_set(actor=actor, user=user, organization=organization, levels=[AccessLevel.ELIGIBILITY])
    scope_add(actor=actor, user=user, provider_identifiers=[pid])
    user_status_set(actor=actor, user=user, status="disabled", reason="Left the practice")
    events = list(AuditEvent.objects.filter(actor=actor).order_by("id"))
    assert [e.action for e in events] == [
        AuditAction.LEVELS_CHANGED,
        AuditAction.LEVELS_CHANGED,
        AuditAction.SCOPE_ADDED,
        AuditAction.STATUS_CHANGED,
    ]
    assert events[1].details == {"added": ["Eligibility"], "removed": ["Claims"]}
    assert events[2].details["provider_ids"] == [f"NPI {pid.value}"]
    assert events[3].details == {"from": "active", "to": "disabled", "reason": "Left the practice"}


def test_unchanged_levels_write_nothing():
    user, organization = UserFactory(), OrganizationFactory()
    access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    before = AuditEvent.objects.count()
    access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    assert AuditEvent.objects.count() == before


# --- the hash chain ------------------------------------------------------------------------------


def test_each_event_links_to_the_one_before():
    first = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    second = record(action=AuditAction.LOGOUT, actor_email="a@example.test")
    third = record(action=AuditAction.LOGIN_FAILED, actor_email="b@example.test", details={"z": 1, "a": [1, 2]})
    tail = list(AuditEvent.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("id"))
    assert [e.prev_hash for e in tail[1:]] == [e.hash for e in tail[:-1]]
    assert len({e.hash for e in tail}) == 3
    for event in tail:
        assert len(event.hash) == 64 and event_hash(event) == event.hash


def test_the_first_event_starts_from_the_genesis_hash():
    assert not AuditEvent.objects.exists()
    assert record(action=AuditAction.LOGIN, actor_email="a@example.test").prev_hash == GENESIS_HASH


def test_hash_covers_every_stored_field():
    organization, actor = OrganizationFactory(), UserFactory()
    event = record(action=AuditAction.LOGIN, actor=actor, organization=organization, details={"k": "v"})
    changes = {
        "uuid": uuid.uuid4(),
        "occurred_at": event.occurred_at + datetime.timedelta(microseconds=1),
        "actor_id": None,
        "actor_email": "else@example.test",
        "action": AuditAction.LOGOUT,
        "target_type": "user",
        "target_id": "1",
        "target_repr": "x",
        "organization_id": None,
        "details": {"k": "w"},
        "ip_address": "10.0.0.1",
        "user_agent": "Other/1.0",
        "prev_hash": "f" * 64,
    }
    for name, value in changes.items():
        altered = copy.copy(event)
        setattr(altered, name, value)
        assert event_hash(altered) != event.hash, name


def test_hash_read_back_from_the_database_is_the_one_written():
    """Values the database normalises (IPv6, JSON key order, tuples, time zone) hash the same once read."""
    request = RequestFactory().get("/", REMOTE_ADDR="2001:0DB8:0000:0000:0000:0000:0000:0001", HTTP_USER_AGENT="Ü/1.0")
    with timezone.override("America/Chicago"):
        event = record(
            action=AuditAction.STATUS_CHANGED,
            actor_email="a@example.test",
            details={"b": ("x", "y"), "a": {"z": 1.5, "é": None}, 3: True},
            request=request,
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip_address == "2001:db8::1"
    assert stored.details == {"a": {"z": 1.5, "é": None}, "b": ["x", "y"], "3": True}
    assert event_hash(stored) == stored.hash == event.hash


def test_an_address_that_is_not_an_ip_is_left_out():
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-ip")
    assert record(action=AuditAction.LOGIN, actor_email="a@example.test", request=request).ip_address is None


def test_a_failed_record_fails_the_callers_change():
    with pytest.raises(TypeError), transaction.atomic():
        record(action=AuditAction.LOGIN, actor_email="a@example.test", details={"bad": object()})
    assert not AuditEvent.objects.exists()


def test_appends_take_the_lock_then_read_the_tail_then_insert():
    with CaptureQueriesContext(connection) as queries:
        record(action=AuditAction.LOGIN, actor_email="a@example.test")
    sql = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert sql[0].startswith("SELECT pg_advisory_xact_lock(")
        sql = sql[1:]
    # the tail's hash by id, then the insert; no savepoint inside the caller's transaction
    assert len(sql) == 2 and 'ORDER BY "audit_auditevent"."id" DESC' in sql[0] and sql[1].startswith("INSERT")


def test_audit_log_exported_records_the_filters_and_the_exporter(manager):
    event = audit_log_exported(actor=manager, filters={"tin": "123456789", "actor": ""}, scope="manager")
    assert event.action == AuditAction.AUDIT_EXPORTED
    assert event.actor == manager and event.target_id == str(manager.uuid)
    assert event.details == {"scope": "manager", "filters": {"tin": "123456789"}}


# --- verifying the chain -------------------------------------------------------------------------


def test_verify_passes_on_a_clean_log():
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(5)]
    result = audit_chain_verify(chunk_size=2)
    assert result.ok and result.checked == AuditEvent.objects.count() >= 5
    assert result.head_hash == events[-1].hash


def test_verify_of_an_empty_log_passes():
    assert audit_chain_verify() == VerifyResult(ok=True, checked=0)


def test_verify_names_an_altered_event():
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(4)]
    raw_sql("UPDATE audit_auditevent SET actor_email = %s WHERE id = %s", ["evil@example.test", events[2].pk])
    result = audit_chain_verify()
    assert not result.ok
    assert (result.broken_id, result.broken_uuid) == (events[2].pk, str(events[2].uuid))
    assert "altered" in result.problem and result.checked == 2


def test_verify_detects_a_deleted_middle_event():
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(4)]
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_id == events[2].pk
    assert "prev_hash" in result.problem and "deleted" in result.problem


def test_verify_detects_a_rehashed_event_at_the_next_link():
    """Whoever alters a row and recomputes its hash still breaks the next event's prev_hash."""
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(3)]
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.actor_email = "evil@example.test"
    raw_sql(
        "UPDATE audit_auditevent SET actor_email = %s, hash = %s WHERE id = %s",
        [forged.actor_email, event_hash(forged), forged.pk],
    )
    result = audit_chain_verify()
    assert not result.ok and result.broken_id == events[2].pk


def test_verify_detects_a_deleted_first_event():
    events = [record(action=AuditAction.LOGIN, actor_email=f"u{n}@example.test") for n in range(2)]
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    assert audit_chain_verify().broken_id == events[1].pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(allow_audit_truncate):
    """Threads with their own connections append at once; every event links to the one before."""
    barrier = threading.Barrier(4)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=10)
            for i in range(10):
                if i % 2:  # as the login signals do: no transaction around record()
                    record(action=AuditAction.LOGIN, actor_email=f"t{n}-{i}@example.test")
                    continue
                with transaction.atomic():
                    record(action=AuditAction.LOGIN, actor_email=f"t{n}-{i}@example.test")
                    UserFactory(email=f"w{n}-{i}@example.test")  # the change the event records, in the same transaction
        except Exception as error:  # a fork shows as a unique violation or a failed verify below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    result = audit_chain_verify()
    assert result.ok, result.describe()
    assert AuditEvent.objects.filter(actor_email__startswith="t").count() == 40
