"""Reads of the audit trail: who may read which events, and the viewer's filters."""

import datetime

from django.db.models import CharField, Func, Q, QuerySet

from accounts.access import manager_audit_scope
from accounts.models import User
from audit.models import AuditEvent

# Newest first; the id makes the order total (keyset pagination needs that).
EVENT_ORDER = ("-occurred_at", "-id")


class UUIDText(Func):
    """A UUID column as ``str(uuid)`` writes it (8-4-4-4-12 lower-case hex), to match ``target_id``.

    Only for a plain column: the SQLite form repeats the expression.
    """

    output_field = CharField()
    template = "CAST(%(expressions)s AS text)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps a UUIDField as 32 hex characters without hyphens.
        parts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        template = "lower(" + "||'-'||".join(f"substr(%(expressions)s, {a}, {n})" for a, n in parts) + ")"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def audit_events_all() -> QuerySet[AuditEvent]:
    """Every event, with its organization: what the plan's staff see in the Control Panel."""
    return AuditEvent.objects.select_related("organization")


def audit_events_for_manager(*, user: User) -> QuerySet[AuditEvent]:
    """The events an account manager may read, with their organization.

    Let M be the organizations (TINs) where ``user`` holds Manage Account. An event is visible
    exactly when

    (a) its organization is in M, or
    (b) it names no organization and its target is a user who currently holds any access level
        on an organization in M (that user's logins, MFA, password and status changes, and so on).

    An event about such a user that names another organization stays hidden: it is that
    organization's business. An inactive user, or one holding Manage Account nowhere, sees nothing.

    Two queries: the scope (``manager_audit_scope``, run now) and the events (lazy), whose
    condition holds the scope as literal lists. With the scope as subqueries instead, PostgreSQL
    cannot estimate how many events match and always walks the time index, filtering: for a TIN
    with few events that reads the whole table (45 ms at 200,000 events, growing with the table).
    With literal lists it picks a bitmap OR of the (organization) and (target type, target id)
    indexes for a small TIN and the time index for a big one (under 3 ms either way; see
    bench/audit_bench.py).
    """
    organization_ids, member_uuids = manager_audit_scope(user=user)
    if not organization_ids:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(organization_id__in=organization_ids)
        | Q(organization__isnull=True, target_type="user", target_id__in=member_uuids)
    ).select_related("organization")


def audit_events_filter(
    events: QuerySet[AuditEvent],
    *,
    actor: str = "",
    actor_exact: bool = False,
    target_email: str = "",
    tin: str = "",
    action: str = "",
    occurred_from: datetime.datetime | None = None,
    occurred_before: datetime.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Narrow ``events`` (already restricted to what the reader may see) by the viewer's filters.

    ``actor`` matches the actor's email exactly (``actor_exact``) or as a part of it; the target
    user is matched by email through the user's uuid, so a later change of email does not hide
    their history. Every filter is a condition on the same query: no extra round trip.
    """
    if actor:
        if actor_exact:
            events = events.filter(actor_email__in={actor, actor.lower()})
        else:
            events = events.filter(actor_email__icontains=actor)
    if target_email:
        users = User.objects.filter(email=target_email.lower()).values(uuid_text=UUIDText("uuid"))
        events = events.filter(target_type="user", target_id__in=users)
    if tin:
        events = events.filter(organization__tin=tin)
    if action:
        events = events.filter(action=action)
    if occurred_from is not None:
        events = events.filter(occurred_at__gte=occurred_from)
    if occurred_before is not None:
        events = events.filter(occurred_at__lt=occurred_before)
    return events
