"""Benchmark: the set-based inactivity job against a per-row loop, on a large user table.

    createdb -h 127.0.0.1 -U postgres portal_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/inactivity.py \
        --users 1000000 --stale 100000

It wipes the benchmark database (its name must contain "bench"), migrates, inserts the users
(COPY on PostgreSQL, bulk_create in batches of 10,000 elsewhere, one precomputed unusable password),
times ``user_management.jobs.inactivity_enforce`` over the stale users, then times the per-row way
(``user_status_set`` for each user, in one transaction like the job) over a sample and
extrapolates to the stale count. The Markdown table goes to stdout and bench/results/inactivity.md.
"""

import argparse
import io
import random
import time
import uuid
from datetime import timedelta
from pathlib import Path

from common import RESULTS as RESULTS_DIR
from common import bench_django_setup, database_version, machine_note, report_write, reset_database, timer

RESULTS = RESULTS_DIR / "inactivity.md"
BATCH = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000, help="provider users to insert (default 100,000)")
    parser.add_argument("--stale", type=int, default=10_000, help="of which inactive for 120 days (default 10,000)")
    parser.add_argument("--sample", type=int, default=1_000, help="users disabled one by one (default 1,000)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"Markdown result (default {RESULTS})")
    args = parser.parse_args()
    if not 0 < args.stale < args.users or args.sample > args.users - args.stale:
        parser.error("need 0 < --stale < --users and --sample <= --users - --stale")
    return args


class QueryClock:
    """Database time per kind of statement: the audit chain's, and everything else."""

    def __init__(self):
        self.seconds = {"audit": 0.0, "users": 0.0}
        self.count = {"audit": 0, "users": 0}

    def __call__(self, execute, sql, params, many, context):
        kind = "audit" if ("audit_auditevent" in sql or "pg_advisory" in sql) else "users"
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] += time.perf_counter() - start
            self.count[kind] += 1


def insert_users(total: int, stale: int) -> tuple[list[int], float]:
    """Insert ``total`` Active provider users; ``stale`` of them last signed in 120 days ago, the
    others within the last 60 days (none in the warning window). Returns the stale positions."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User

    password = make_password(None)  # one unusable password for all: no hashing a million times
    now = timezone.now()
    rng = random.Random(2026)
    stale_positions = set(rng.sample(range(total), stale))
    joined = now - timedelta(days=400)

    def last_login(i: int):
        if i in stale_positions:
            return now - timedelta(days=120, seconds=rng.randrange(86_400))
        return now - timedelta(seconds=rng.randrange(60 * 86_400))

    with timer() as took, transaction.atomic():
        if connection.vendor == "postgresql":
            columns = (
                "password, last_login, is_superuser, uuid, email, full_name, phone, kind, status, "
                "status_changed_at, status_reason, is_staff, session_epoch, date_joined"
            )
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg2's own cursor, for COPY
                for start in range(0, total, 100_000):
                    buffer = io.StringIO()
                    for i in range(start, min(start + 100_000, total)):
                        buffer.write(
                            f"{password}\t{last_login(i).isoformat()}\tf\t{uuid.uuid4()}\tbench{i}@example.test\t"
                            f"Bench User {i}\t\tprovider\tactive\t{joined.isoformat()}\t\tf\t0\t{joined.isoformat()}\n"
                        )
                    buffer.seek(0)
                    raw.copy_expert(f"COPY accounts_user ({columns}) FROM STDIN", buffer)
                cursor.execute("ANALYZE accounts_user")
        else:
            for start in range(0, total, BATCH):
                User.objects.bulk_create(
                    [
                        User(
                            email=f"bench{i}@example.test",
                            full_name=f"Bench User {i}",
                            password=password,
                            status="active",
                            kind="provider",
                            status_changed_at=joined,
                            date_joined=joined,
                            last_login=last_login(i),
                        )
                        for i in range(start, min(start + BATCH, total))
                    ],
                    batch_size=BATCH // 10,  # SQLite's bound-value limit
                )
    return sorted(stale_positions), took["seconds"]


def main() -> None:
    args = parse_args()
    bench_django_setup(query_log=False)
    from django.db import connection, transaction

    from accounts.models import User, UserStatus
    from accounts.services.users import user_status_set
    from audit.models import AuditEvent
    from user_management.jobs import inactivity_enforce

    print(f"Resetting and migrating {connection.settings_dict['NAME']} ({connection.vendor}) ...", flush=True)
    reset_database()
    print(f"Inserting {args.users:,} users ({args.stale:,} stale) ...", flush=True)
    _, insert_seconds = insert_users(args.users, args.stale)
    print(f"  inserted in {insert_seconds:.1f} s", flush=True)

    print("Set-based job (inactivity_enforce) ...", flush=True)
    clock = QueryClock()
    with connection.execute_wrapper(clock), timer() as job:
        result = inactivity_enforce()
    assert result.disabled == args.stale, result
    assert AuditEvent.objects.filter(details__reason="inactivity").count() == args.stale
    print(f"  {result.disabled:,} disabled in {job['seconds']:.2f} s", flush=True)

    print(f"Per-row loop (user_status_set) over a sample of {args.sample:,} ...", flush=True)
    sample_ids = list(
        User.objects.filter(status=UserStatus.ACTIVE).order_by("?").values_list("pk", flat=True)[: args.sample]
    )
    row_clock = QueryClock()
    # One transaction, like the job: no commit per row.
    with connection.execute_wrapper(row_clock), timer() as loop, transaction.atomic():
        for user in User.objects.filter(pk__in=sample_ids).iterator(chunk_size=1000):
            user_status_set(actor=None, user=user, status=UserStatus.DISABLED, reason="inactivity")
    per_row = loop["seconds"] / args.sample
    extrapolated = per_row * args.stale
    print(f"  {args.sample:,} in {loop['seconds']:.2f} s ({per_row * 1000:.2f} ms per user)", flush=True)

    engine = database_version(connection)
    table = "\n".join(
        [
            "| users | stale | set-based job (s) | per-row sample | per-row sample (s) | per-row extrapolated (s) "
            "| speed-up |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {args.users:,} | {args.stale:,} | {job['seconds']:.2f} | {args.sample:,} | {loop['seconds']:.2f} "
            f"| {extrapolated:.1f} | {extrapolated / job['seconds']:.1f}x |",
        ]
    )
    scale = args.stale / args.sample
    split = "\n".join(
        [
            "| database time (s) | set-based job | per-row, extrapolated |",
            "|---|---:|---:|",
            f"| users: select and status change | {clock.seconds['users']:.2f} ({clock.count['users']:,} statements) "
            f"| {row_clock.seconds['users'] * scale:.1f} ({round(row_clock.count['users'] * scale):,} statements) |",
            f"| audit events (hash chain) | {clock.seconds['audit']:.2f} ({clock.count['audit']:,} statements) "
            f"| {row_clock.seconds['audit'] * scale:.1f} ({round(row_clock.count['audit'] * scale):,} statements) |",
        ]
    )
    notes = (
        f"{engine}; {machine_note()}; users inserted in "
        f"{insert_seconds:.1f} s. The set-based job is one SELECT ... FOR UPDATE of the candidates and one "
        "UPDATE ... WHERE id IN (...), then one audit event per disabled user through audit.services.record() "
        "(the hash chain has no bulk append: lock, read the tail, INSERT, per event). The per-row loop calls "
        "user_status_set for each user (lock, save, re-read, audit event) inside one transaction. The rest of "
        "each total is Python: building and hashing the audit events, model instances."
    )
    report = (
        f"## Inactivity job: set-based vs per-row\n\n{table}\n\nWhere the database time goes:\n\n{split}\n\n{notes}\n"
    )
    report_write(report, args.output)


if __name__ == "__main__":
    main()
