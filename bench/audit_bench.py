"""Benchmark: the audit trail at scale (appends, the viewer's pages, verify, export) on a big table.

    createdb -h 127.0.0.1 -U postgres audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/audit_bench .venv/bin/python bench/audit_bench.py \
        --events 1000000 --organizations 1000

It wipes the benchmark database (its name must contain "bench"), migrates, creates organizations
with five users and one account manager each, and inserts ``--events`` chained events (COPY on
PostgreSQL): 60 % name an organization, 40 % are logins of a user with no organization. Then it
times, with a warm cache: ``record()`` appends; the first and a deep page of the Control Panel
viewer; a manager's first page (one organization among many) with and without a filter; the whole
``audit_chain_verify``; and the CSV export of one organization. The plans of the viewer queries
and the Markdown table go to stdout and bench/results/audit.md.
"""

import argparse
import io
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import RESULTS as RESULTS_DIR
from common import bench_django_setup, best_of, database_version, machine_note, report_write, reset_database, timer

RESULTS = RESULTS_DIR / "audit.md"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="events to insert (default 200,000)")
    parser.add_argument("--organizations", type=int, default=500, help="organizations (default 500)")
    parser.add_argument("--appends", type=int, default=1_000, help="record() calls to time (default 1,000)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"Markdown result (default {RESULTS})")
    return parser.parse_args()


def create_people(organizations: int):
    """Organizations, five Claims users and one account manager each. Returns (orgs, users by org, managers)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import (
        AccessLevel,
        Organization,
        OrganizationUserObjectPermission,
        User,
    )
    from accounts.services.access import _permissions

    password = make_password(None)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench Clinic {i}", tin=f"{100000000 + i * 7:09d}") for i in range(organizations)]
    )
    users = User.objects.bulk_create(
        [
            User(email=f"u{o}-{k}@bench.test", full_name=f"User {o} {k}", password=password, status="active")
            for o in range(organizations)
            for k in range(6)
        ]
    )
    perms = _permissions(Organization, [AccessLevel.CLAIMS, AccessLevel.MANAGE_ACCOUNT])
    grants = []
    for o, org in enumerate(orgs):
        for k in range(6):
            level = AccessLevel.MANAGE_ACCOUNT if k == 0 else AccessLevel.CLAIMS
            grants.append(
                OrganizationUserObjectPermission(user=users[o * 6 + k], content_object=org, permission=perms[level])
            )
    OrganizationUserObjectPermission.objects.bulk_create(grants)
    by_org = {org.pk: users[o * 6 : o * 6 + 6] for o, org in enumerate(orgs)}
    return orgs, by_org, [users[o * 6] for o in range(organizations)]


def insert_events(total: int, orgs, by_org) -> float:
    """COPY ``total`` chained events, oldest first, one a second up to now; the last organization gets none."""
    from django.db import connection

    from audit.models import GENESIS_HASH, AuditEvent
    from audit.services import event_hash

    rng = random.Random(2026)
    start = datetime.now(UTC) - timedelta(seconds=total + 3600)
    columns = (
        "uuid, occurred_at, actor_id, actor_email, action, target_type, target_id, target_repr, "
        "organization_id, details, ip_address, user_agent, prev_hash, hash"
    )
    prev_hash = GENESIS_HASH
    with timer() as took, connection.cursor() as cursor:
        raw = cursor.cursor
        buffer = io.StringIO()
        for i in range(total):
            org = orgs[rng.randrange(len(orgs) - 1)]
            user = by_org[org.pk][rng.randrange(6)]
            named = rng.random() < 0.6
            event = AuditEvent(
                uuid=uuid.uuid4(),
                occurred_at=start + timedelta(seconds=i),
                actor_id=user.pk,
                actor_email=user.email,
                action="levels_changed" if named else "login",
                target_type="user",
                target_id=str(user.uuid),
                target_repr=user.email,
                organization_id=org.pk if named else None,
                details={"added": ["Claims"], "removed": []} if named else {"step": "password"},
                ip_address="203.0.113.7",
                user_agent="Bench/1.0",
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event_hash(event)
            buffer.write(
                "\t".join(
                    [
                        str(event.uuid),
                        event.occurred_at.isoformat(),
                        str(event.actor_id),
                        event.actor_email,
                        event.action,
                        event.target_type,
                        event.target_id,
                        event.target_repr,
                        str(event.organization_id) if event.organization_id else "\\N",
                        json.dumps(event.details),
                        event.ip_address,
                        event.user_agent,
                        event.prev_hash,
                        event.hash,
                    ]
                )
                + "\n"
            )
            if buffer.tell() > 50_000_000 or i == total - 1:
                buffer.seek(0)
                raw.copy_expert(f"COPY audit_auditevent ({columns}) FROM STDIN", buffer)
                buffer = io.StringIO()
        cursor.execute("ANALYZE")
    return took["seconds"]


def explain(queryset) -> str:
    return queryset.explain(analyze=True, buffers=True)


def main() -> None:
    args = parse_args()
    bench_django_setup(postgres_only=True)
    from django.db import connection, transaction

    from audit.models import AuditAction, AuditEvent
    from audit.pages import _csv_lines
    from audit.selectors import EVENT_ORDER, audit_events_all, audit_events_filter
    from audit.services import audit_chain_verify, record
    from core.pagination import keyset_page
    from user_management.selectors import audit_events_for_manager

    print(f"Resetting and migrating {connection.settings_dict['NAME']} ...", flush=True)
    reset_database()
    orgs, by_org, managers = create_people(args.organizations)
    print(f"Inserting {args.events:,} chained events ...", flush=True)
    insert_seconds = insert_events(args.events, orgs, by_org)
    print(f"  in {insert_seconds:.1f} s", flush=True)

    rows = []
    user = managers[0]
    with timer() as appends:
        for i in range(args.appends):
            with transaction.atomic():
                record(action=AuditAction.LOGIN, actor=user, target=user, details={"i": i})
    rows.append(("record(), one transaction each", f"{appends['seconds'] / args.appends * 1000:.2f} ms per event"))

    def page(queryset, after=None):
        return keyset_page(queryset, order=EVENT_ORDER, after=after, page_size=50)

    first = page(audit_events_all())
    cursor = first.next_cursor
    for _ in range(200):  # page 200: the cost must not grow with depth
        cursor = page(audit_events_all(), cursor).next_cursor
    rows.append(("Control Panel, first page", f"{best_of(5, lambda: page(audit_events_all()).rows):.1f} ms"))
    rows.append(("Control Panel, page 201", f"{best_of(5, lambda: page(audit_events_all(), cursor).rows):.1f} ms"))
    filtered = audit_events_filter(audit_events_all(), actor="u3-", actor_exact=False)
    rows.append(("Control Panel, actor contains 'u3-'", f"{best_of(5, lambda: page(filtered).rows):.1f} ms"))
    exact = audit_events_filter(audit_events_all(), actor=by_org[orgs[5].pk][2].email, actor_exact=True)
    rows.append(("Control Panel, exact actor email", f"{best_of(5, lambda: page(exact).rows):.1f} ms"))
    manager = managers[len(managers) // 2]
    mine = audit_events_for_manager(user=manager)
    rows.append(
        ("Manager (1 TIN of many), scope query", f"{best_of(5, lambda: audit_events_for_manager(user=manager)):.1f} ms")
    )
    rows.append(("Manager (1 TIN of many), first page", f"{best_of(5, lambda: page(mine).rows):.1f} ms"))
    mine_logins = audit_events_filter(mine, action=AuditAction.LOGIN)
    rows.append(("Manager, logins only", f"{best_of(5, lambda: page(mine_logins).rows):.1f} ms"))
    rows.append(
        (
            "Manager of a TIN with no events, scope + page",
            f"{best_of(5, lambda: page(audit_events_for_manager(user=managers[-1])).rows):.1f} ms",
        )
    )

    with timer() as verify:
        result = audit_chain_verify()
    assert result.ok, result.describe()
    rows.append(("audit_chain_verify", f"{verify['seconds']:.1f} s for {result.checked:,} events"))
    with timer() as export:
        lines = sum(1 for _ in _csv_lines(audit_events_filter(audit_events_all(), tin=orgs[7].tin)))
    rows.append(("CSV export of one TIN", f"{export['seconds']:.2f} s for {lines - 1:,} rows"))
    with timer() as full:
        lines = sum(1 for _ in _csv_lines(audit_events_all()))
    rate = (lines - 1) / full["seconds"]
    rows.append(("CSV export of every event", f"{full['seconds']:.1f} s for {lines - 1:,} rows ({rate:,.0f} rows/s)"))

    plans = {
        "Control Panel, first page": explain(audit_events_all().order_by(*EVENT_ORDER)[:51]),
        "Manager, first page": explain(mine.order_by(*EVENT_ORDER)[:51]),
        "Manager of a TIN with no events, first page": explain(
            audit_events_for_manager(user=managers[-1]).order_by(*EVENT_ORDER)[:51]
        ),
    }
    engine = database_version(connection)
    total = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    table = "\n".join(["| measure | result |", "|---|---:|", *(f"| {name} | {value} |" for name, value in rows)])
    notes = (
        f"{engine}; {machine_note()}; about {total:,} events, "
        f"{args.organizations:,} organizations with 6 users each; events inserted (hashing included) in "
        f"{insert_seconds:.1f} s. Times are the best of 5 with a warm cache."
    )
    plan_text = "\n\n".join(f"{name}:\n\n```\n{plan}\n```" for name, plan in plans.items())
    report = f"## Audit trail at scale\n\n{table}\n\n{notes}\n\n{plan_text}\n"
    report_write(report, args.output)


if __name__ == "__main__":
    main()
