"""Writing and checking the audit trail. Call ``record`` inside the transaction of the change it records.

The events form a hash chain: each stores the SHA-256 of its canonical content together with the
previous event's hash (``prev_hash``). Appends are serialized, so the chain never forks: on
PostgreSQL by a transaction-scoped advisory lock taken before the tail is read (held until the
caller's transaction ends); on SQLite by the write lock every transaction takes at BEGIN
(``transaction_mode = "IMMEDIATE"`` in the settings).
"""

import contextlib
import datetime
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from audit.models import GENESIS_HASH, AuditAction, AuditEvent

# Any constant bigint will do, as long as nothing else in the database uses it for another lock.
CHAIN_LOCK_ID = 0x6175646974_6368  # "audit" "ch"
VERIFY_CHUNK_SIZE = 2000


def _client_ip(request) -> str | None:
    """REMOTE_ADDR in the form the database gives back (so the hash can be recomputed), or None."""
    if request is None:
        return None
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        if ":" in raw:
            return clean_ipv6_address(raw)
        return str(ipaddress.IPv4Address(raw))
    except (ValueError, ValidationError):
        return None


def _canonical_details(details: dict[str, Any] | None) -> dict[str, Any]:
    # What the JSON column gives back: tuples become lists, keys become strings.
    return json.loads(json.dumps(details or {}))


def event_hash(event) -> str:
    """Hex SHA-256 of the event's content and its ``prev_hash``, as canonical JSON.

    Only stored values take part, each in the form the database returns it, so the hash of a row
    read back is the hash computed before it was written.
    """
    occurred_at = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    content = {
        "uuid": str(event.uuid),
        "occurred_at": occurred_at,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "action": str(event.action),
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "organization_id": event.organization_id,
        "details": event.details,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _chain_tail_hash() -> str:
    """The latest event's hash, read under the append lock (taken here on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return tail or GENESIS_HASH


def record(
    *,
    action: AuditAction | str,
    actor=None,
    actor_email: str = "",
    target: models.Model | None = None,
    organization=None,
    details: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one audit event to the chain. ``target`` is any model with a ``uuid`` (or a primary key).

    Runs in the caller's transaction (or its own when there is none): the event, and the append
    lock, last exactly as long as the change it records. Call it after the change's own row locks
    are taken (as the services do, at their end): a transaction that appends and then waits for a
    row lock held by another appender would deadlock with it (PostgreSQL then aborts one).
    """
    if actor is not None and getattr(actor, "is_authenticated", False) is False:
        actor = None
    target_type = target_id = target_repr = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(getattr(target, "uuid", None) or target.pk)
        target_repr = str(target)[:300]
    user_agent = ""
    if request is not None:
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    # No savepoint: nothing here is worth catching, and a failure must fail the caller's change.
    with transaction.atomic(savepoint=False):
        prev_hash = _chain_tail_hash()
        event = AuditEvent(
            occurred_at=timezone.now(),
            action=str(action),
            actor=actor,
            actor_email=(actor.email if actor is not None else actor_email)[:254],
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            organization=organization,
            details=_canonical_details(details),
            ip_address=_client_ip(request),
            user_agent=user_agent,
            prev_hash=prev_hash,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


def record_many(events: list[dict[str, Any]], *, batch_size: int = 1000) -> int:
    """Append many events (each a dict of ``record``'s keyword arguments) under one lock, chained in
    list order, with bulk inserts: for set-based jobs that change thousands of rows at once."""
    if not events:
        return 0
    with transaction.atomic(savepoint=False):
        prev_hash = _chain_tail_hash()
        rows = []
        now = timezone.now()
        for data in events:
            actor, target, request = data.get("actor"), data.get("target"), data.get("request")
            event = AuditEvent(
                occurred_at=now,
                action=str(data["action"]),
                actor=actor,
                actor_email=(actor.email if actor is not None else data.get("actor_email", ""))[:254],
                target_type=target._meta.model_name if target is not None else "",
                target_id=str(getattr(target, "uuid", None) or target.pk) if target is not None else "",
                target_repr=str(target)[:300] if target is not None else "",
                organization=data.get("organization"),
                details=_canonical_details(data.get("details")),
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
                prev_hash=prev_hash,
            )
            event.hash = event_hash(event)
            prev_hash = event.hash
            rows.append(event)
        AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def audit_log_exported(*, actor, filters: dict[str, Any], scope: str, request=None) -> AuditEvent:
    """Record that ``actor`` downloaded the audit log with these filters (``scope``: "all" or "manager").

    The actor is the target too, so a manager's own exports show in their organization's log.
    """
    return record(
        action=AuditAction.AUDIT_EXPORTED,
        actor=actor,
        target=actor,
        details={"scope": scope, "filters": {key: value for key, value in filters.items() if value}},
        request=request,
    )


# --- verifying the chain -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: how far it held and, if it broke, where and why."""

    ok: bool
    checked: int
    head_hash: str | None = None
    broken_id: int | None = None
    broken_uuid: str | None = None
    broken_at: datetime.datetime | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            head = f"; chain head {self.head_hash}" if self.head_hash else ""
            return f"Verified {self.checked} audit events{head}."
        when = self.broken_at.astimezone(datetime.UTC).isoformat() if self.broken_at else "?"
        return (
            f"Audit chain broken at event id {self.broken_id} (uuid {self.broken_uuid}, {when}): "
            f"{self.problem}. {self.checked} events before it verified."
        )


def audit_chain_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> VerifyResult:
    """Walk every event in id order, streaming, and stop at the first broken link.

    A link is broken when an event's ``prev_hash`` is not the previous event's ``hash`` (a row
    before it was deleted, or inserted out of the chain) or when its content no longer gives its
    ``hash`` (the row was altered). Removing the newest events leaves a shorter valid chain:
    compare ``head_hash`` with one kept elsewhere to catch that.
    """
    # On PostgreSQL, iterator() outside a transaction declares a WITH HOLD cursor, which copies the
    # whole result on the server before the first row; inside one it streams. On SQLite a
    # transaction would take the write lock (IMMEDIATE) for the whole walk, so none there.
    in_transaction = transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext()
    with in_transaction:
        return _walk_chain(AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size))


def _walk_chain(events) -> VerifyResult:
    expected_prev = GENESIS_HASH
    checked = 0
    for event in events:
        problem = ""
        if event.prev_hash != expected_prev:
            problem = (
                f"its prev_hash {event.prev_hash} is not the previous event's hash {expected_prev} "
                "(an event before it was deleted or inserted)"
            )
        elif event_hash(event) != event.hash:
            problem = "its content no longer matches its hash (the row was altered)"
        if problem:
            return VerifyResult(
                ok=False,
                checked=checked,
                broken_id=event.pk,
                broken_uuid=str(event.uuid),
                broken_at=event.occurred_at,
                problem=problem,
            )
        expected_prev = event.hash
        checked += 1
    return VerifyResult(ok=True, checked=checked, head_hash=expected_prev if checked else None)
