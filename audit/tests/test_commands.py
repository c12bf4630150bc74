"""manage.py audit_verify: exit 0 with the count on a clean log, non-zero naming the broken event."""

import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditAction
from audit.services import record
from audit.tests.helpers import bulk_chain, raw_sql

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def test_a_clean_log_verifies():
    bulk_chain(25)
    last = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    output = run("--chunk-size", "7")
    assert output.startswith("Verified 26 audit events") and last.hash in output


def test_an_altered_row_fails_naming_the_event():
    events = bulk_chain(5)
    raw_sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', events[3].pk])
    with pytest.raises(CommandError) as failure:
        run()
    message = str(failure.value)
    assert f"event id {events[3].pk}" in message and str(events[3].uuid) in message
    assert "altered" in message and "3 events before it verified" in message


def test_a_deleted_middle_row_fails_at_the_next_event():
    events = bulk_chain(5)
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"event id {events[3].pk} .*prev_hash"):
        run()


def test_the_exit_status_is_non_zero():
    events = bulk_chain(2)
    raw_sql("UPDATE audit_auditevent SET action = 'logout' WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError) as failure:
        run()
    # manage.py prints the message to stderr and exits with this status
    assert failure.value.returncode == 1 and f"event id {events[0].pk}" in str(failure.value)


def test_chunk_size_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        run("--chunk-size", "0")
