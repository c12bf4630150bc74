"""The page benchmark (``make bench``): the hot pages under load on a large plan's data, in production mode.

    .venv/bin/python bench/run.py                      # full sizes (see --help), data generated if missing
    .venv/bin/python bench/run.py --duration 5 --users 10000 --tins 1000 --provider-ids 5000 \
        --messages 100000 --claims 100000 --events 100000   # a quicker, smaller run

1. Two PostgreSQL databases (names must contain "bench": --regenerate drops them): the big one
   with the sizes given (default: the full sizes of "Proof at scale") and a small one (1,000 users),
   each filled by ``manage.py generate_load_data`` when missing or generated with other sizes (the
   sizes are kept in the database's COMMENT). Both are migrated first.
2. Queries per request, in-process: a subprocess with the production settings opens each page with
   Django's test client under ``CaptureQueriesContext``, on the small and the big database, with a
   session made directly in the database (``force_login`` + the OTP device's id in the session, as
   after the second factor). It also finds the pages' URLs (a thread, the review panel, the 200th
   Claims page by following the "Next page" cursors, ...) and EXPLAINs (ANALYZE, BUFFERS) the
   slowest query of every page whose slowest query takes over 5 ms.
3. ``collectstatic``, then gunicorn (``portal.wsgi``, sync workers as in the Procfile) on 127.0.0.1
   with DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, an https SITE_URL and
   SECURE_SSL_REDIRECT=0 (loopback is plain HTTP; the Secure cookies are sent by the client anyway).
4. The personas log in through the real /login/ and /mfa/ pages with the demo TOTP secret.
5. For every page, in a second process (bench/loadgen.py): a warm-up, the saturated throughput
   (closed loop, 2 requests in flight per worker), then the latency at half that rate (open loop).
   The floor (an existing minimal authenticated page, /password/change/: session, user, OTP device,
   the navigation's levels and unread badge, a short form) is measured the same way at the start
   and at the end, for a provider and for payer staff.
6. bench/results/benchmark.md and benchmark.csv; gunicorn is stopped whatever happens.
"""

import argparse
import contextlib
import csv
import datetime
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from common import (
    BENCH,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    LOOPBACK,
    PYTHON,
    RESULTS,
    ROOT,
    admin_connection,
    chromium_processes,
    database_marker,
    dev_env,
    django_setup,
    free_port,
    machine_note,
    production_env,
    start_gunicorn,
    stop_gunicorn,
)

FULL = {
    "users": 100_000,
    "tins": 10_000,
    "provider_ids": 50_000,
    "messages": 1_000_000,
    "claims": 1_000_000,
    "events": 1_000_000,
    "authorizations": 1_000_000,
    "chats": 5_000,
    "enrollments": 2_000,
}
SMALL = {
    "users": 1_000,
    "tins": 100,
    "provider_ids": 500,
    "messages": 10_000,
    "claims": 10_000,
    "events": 10_000,
    "authorizations": 10_000,
    "chats": 50,
    "enrollments": 20,
}
SEED = 42
PERSONAS = {
    "biller": "biller@demo.test",
    "manager": "manager@demo.test",
    "analyst": "analyst@demo.test",
    "enroll": "enroll@demo.test",
    "supervisor": "supervisor@demo.test",
}
# Payer staff personas: their pages are compared with the payer floor.
PAYER_PERSONAS = {"analyst", "supervisor"}
DEEP_PAGE = 200
EXPLAIN_OVER_MS = 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, value in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value, help=f"default {value:,}")
    parser.add_argument("--db", default="portal_load_bench", help="the big database (default portal_load_bench)")
    parser.add_argument("--small-db", default="portal_load_small_bench", help="the 1,000-user database")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate both databases")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as the Procfile)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per page (default 2)")
    parser.add_argument("--only", default="", help="comma-separated page keys to measure (default all)")
    parser.add_argument("--output", type=Path, default=RESULTS / "benchmark.md")
    parser.add_argument("--probe", default="", help=argparse.SUPPRESS)  # internal: the in-process subprocess
    args = parser.parse_args()
    for name in (args.db, args.small_db):
        if "bench" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
            parser.error("database names must contain 'bench' (they may be dropped) and be [a-z0-9_]")
    return args


# --- databases ---------------------------------------------------------------------------------------


def ensure_database(name: str, sizes: dict, regenerate: bool) -> dict:
    """Migrated and filled with ``sizes``; returns the marker (sizes, seed, generation seconds)."""
    marker = database_marker(name)
    wanted = {"sizes": sizes, "seed": SEED}
    fresh = marker is None or regenerate or {k: marker.get(k) for k in wanted} != wanted
    if fresh:
        with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
            if marker is not None:
                print(f"Dropping {name} (generated with {marker.get('sizes')}) ...", flush=True)
                cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
    print(f"Migrating {name} ...", flush=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=dev_env(name), check=True)
    if not fresh:
        print(f"{name}: already generated ({marker.get('seconds', '?')} s), sizes {sizes}", flush=True)
        return marker
    options = [f"--{key.replace('_', '-')}={value}" for key, value in sizes.items()]
    print(f"Generating {name}: {sizes} ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", "generate_load_data", f"--seed={SEED}", *options],
        cwd=ROOT,
        env=dev_env(name),
        check=True,
    )
    marker = {**wanted, "seconds": round(time.perf_counter() - started, 1), "load": os.getloadavg()[0]}
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [json.dumps(marker)])
    return marker


# --- the in-process probe (runs in a subprocess with the production settings) ------------------------


def probe(explain: bool) -> dict:
    """Find each page's URL, count its queries, and EXPLAIN the slow ones. Printed as JSON."""
    django_setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access_requests.models import AccessRequest, RequestStatus
    from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
    from accounts.models import Membership, User, UserComment, UserKind, UserStatus
    from authorizations.models import AuthorizationRequest
    from authorizations.models import RequestStatus as AuthStatus
    from claims.selectors import remittances_visible_to
    from mailbox.models import Thread

    users = {key: User.objects.get(email=email) for key, email in PERSONAS.items()}
    clients = {}
    for key, user in users.items():
        client = Client(HTTP_HOST=LOOPBACK)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
        session[SESSION_STARTED] = session[SESSION_LAST_SEEN] = time.time()
        session.save()
        clients[key] = client

    biller, manager = users["biller"], users["manager"]
    thread = Thread.objects.filter(
        participants__user=biller, subject="Claims follow-up for Springfield Family Clinic"
    ).first()
    review = (
        AccessRequest.objects.filter(requester=biller, status=RequestStatus.OPEN)
        .annotate(n=Count("items"))
        .order_by("-n", "id")
        .select_related("thread")
        .first()
    )
    demo_org = manager.memberships.get(organization__tin="123456789").organization
    commented = UserComment.objects.filter(organization=demo_org).values("user")
    subject = (
        Membership.objects.filter(organization=demo_org, user__status=UserStatus.ACTIVE, user__kind=UserKind.PROVIDER)
        .exclude(user=manager)
        .filter(user__in=commented)
        .select_related("user")
        .order_by("user__full_name", "user_id")
        .first()
        or Membership.objects.filter(organization=demo_org).exclude(user=manager).select_related("user").first()
    ).user
    # A surname of the demo TIN (User Management) and of the whole plan (Control Panel), and one
    # user's own email address part, which matches a single row.
    surname = subject.full_name.split()[-1].lower()
    rare = subject.email.split("@")[0]

    # The manager's newest partly approved request (lines approved and denied, an appeal offered)
    # and the queue's first open request.
    decided = (
        AuthorizationRequest.objects.filter(
            requesting_provider__value="1234567893", status=AuthStatus.PARTIALLY_APPROVED
        )
        .order_by("-created_at", "-id")
        .first()
    )
    waiting = AuthorizationRequest.objects.filter(status=AuthStatus.IN_REVIEW).order_by("due_at", "id").first()

    # The biller's newest payment (its claims' page of the remittance).
    payment = remittances_visible_to(user=biller).order_by("-payment_date", "-id").first()

    deep, page_number, path = "/claims/", 1, "/claims/"
    while page_number < DEEP_PAGE:
        response = clients["biller"].get(path)
        match = re.search(
            r'href="\?([^"]*after=[^"]*)" class="usa-pagination__link usa-pagination__next-page"',
            response.content.decode(),
        )
        if not match:
            break
        path = "/claims/?" + match.group(1).replace("&amp;", "&")
        deep, page_number = path, page_number + 1

    pages = [
        ("floor_provider", "Floor (provider): /password/change/", "biller", "/password/change/"),
        ("floor_payer", "Floor (payer staff): /password/change/", "analyst", "/password/change/"),
        ("dashboard", "Dashboard", "biller", "/"),
        ("profile", "My Profile", "biller", "/profile/"),
        ("inbox", "Message Box inbox", "biller", "/messages/"),
        ("thread", "Message Box thread (12 messages)", "biller", f"/messages/{thread.uuid}/"),
        ("claims_first", "Claims list, page 1", "biller", "/claims/"),
        ("claims_deep", f"Claims list, page {page_number} (cursor)", "biller", deep),
        *[
            (f"claims_{sort}", f"Claims list sorted {sort}", "biller", f"/claims/?sort={sort}")
            for sort in ("service_desc", "billed_desc", "paid_asc", "status", "member_asc")
        ],
        ("claims_filtered", "Claims list, status denied (count)", "biller", "/claims/?status=denied"),
        ("users_list", "User Management list", "manager", "/users/"),
        ("users_search", f"User Management search ({surname})", "manager", f"/users/?q={surname}"),
        ("update_user", "Update User", "manager", f"/users/{subject.uuid}/"),
        ("cp_mailbox", "Control Panel Mailbox", "analyst", "/control-panel/mailbox/"),
        ("cp_review", f"Review panel ({review.n} IDs)", "analyst", f"/control-panel/mailbox/{review.thread.uuid}/"),
        ("cp_users_search", f"Control Panel Users search ({surname})", "analyst", f"/control-panel/users/?q={surname}"),
        (
            "cp_users_rare",
            "Control Panel Users search (one match)",
            "analyst",
            f"/control-panel/users/?q={urllib.parse.quote(rare)}",
        ),
        ("cp_audit", "Control Panel Audit", "analyst", "/control-panel/audit/"),
        ("auth_list", "Authorizations list, page 1", "manager", "/authorizations/"),
        (
            "auth_detail",
            f"Authorization {decided.reference} (partly approved)",
            "manager",
            f"/authorizations/{decided.uuid}/",
        ),
        ("cp_auth_queue", "Control Panel authorizations queue", "analyst", "/control-panel/authorizations/"),
        (
            "cp_auth_review",
            f"Control Panel review of {waiting.reference}",
            "analyst",
            f"/control-panel/authorizations/{waiting.uuid}/",
        ),
        ("payments", "Payments list", "biller", "/claims/payments/"),
        ("payment", f"Payment {payment.trace_number} (newest)", "biller", f"/claims/payments/{payment.uuid}/"),
        ("eligibility", "Eligibility form", "biller", "/eligibility/"),
        ("enrollment_list", "Enrollment list", "enroll", "/enrollment/"),
        ("cp_enrollment_queue", "Control Panel enrollment queue", "supervisor", "/control-panel/enrollment/"),
        ("cp_chat", "Control Panel Chat", "analyst", "/control-panel/chat/"),
    ]
    result = {"pages": [], "users": User.objects.count()}
    for key, label, persona, url in pages:
        client = clients[persona]
        for _ in range(2):  # warm: caches, the session's last-seen write
            client.get(url)
        # The session's last-seen time is written at most once a minute (one UPDATE on one request
        # in many): refreshed here so that it does not land in the request counted.
        session = client.session
        session[SESSION_LAST_SEEN] = time.time()
        session.save()
        clock = _QueryClock()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(clock):
            response = client.get(url)
        # Django also logs BEGIN and COMMIT, which do not pass through the execute wrapper.
        statements = [q for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK")]
        assert len(clock.rows) == len(statements), label
        index = max(range(len(clock.rows)), key=lambda i: clock.rows[i][2]) if clock.rows else None
        slowest_ms = clock.rows[index][2] if index is not None else 0.0
        entry = {
            "key": key,
            "label": label,
            "persona": persona,
            "path": url,
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "sql_ms": round(sum(ms for _sql, _params, ms in clock.rows), 2),
            "slowest_ms": round(slowest_ms, 2),
            "slowest_sql": statements[index]["sql"][:4000] if index is not None else "",
        }
        # Time per request in-process, median of 7 (one request at a time: no queueing, no HTTP),
        # with the part spent rendering templates and how many were rendered.
        totals, sqls, renders = [], [], []
        for _ in range(7):
            clock = _QueryClock()
            started = time.perf_counter()
            with connection.execute_wrapper(clock), _TemplateClock() as templates:
                client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
            sqls.append(sum(ms for _sql, _params, ms in clock.rows))
            renders.append(templates)
        entry["inprocess_ms"] = round(statistics.median(totals), 1)
        entry["inprocess_sql_ms"] = round(statistics.median(sqls), 1)
        # Template time without the queries that templates ran (lazy querysets, related objects).
        entry["template_ms"] = round(statistics.median(t.ms - t.sql_ms for t in renders), 1)
        entry["template_renders"] = renders[-1].count
        entry["template_most"] = renders[-1].most()
        if explain and slowest_ms > EXPLAIN_OVER_MS and entry["slowest_sql"].lstrip().upper().startswith("SELECT"):
            sql, params, _ms = clock.rows[index]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                entry["explain"] = "\n".join(row[0] for row in cursor.fetchall())
        result["pages"].append(entry)
    return result


class _QueryClock:
    """Each statement's SQL, parameters and time in ms (CaptureQueriesContext keeps only whole ms)."""

    def __init__(self):
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            self.rows.append((sql, params, ms))
            if _TemplateClock.rendering is not None:
                _TemplateClock.rendering.sql_ms += ms


class _TemplateClock:
    """Django template renders during one request: how many (every include and widget template
    counts) and the time spent in the outermost ones, with the part of it that queries took."""

    rendering = None  # the clock whose outermost render is running, for _QueryClock

    def __init__(self):
        self.ms = 0.0
        self.sql_ms = 0.0
        self.count = 0
        self.names: dict[str, int] = {}
        self._depth = 0

    def __enter__(self):
        from django.template.base import Template

        self._original = original = Template.render
        clock = self

        def render(template, context):
            clock.count += 1
            clock.names[template.origin.template_name or "?"] = clock.names.get(template.origin.template_name, 0) + 1
            if clock._depth:
                return original(template, context)
            clock._depth += 1
            _TemplateClock.rendering = clock
            started = time.perf_counter()
            try:
                return original(template, context)
            finally:
                clock.ms += (time.perf_counter() - started) * 1000
                clock._depth -= 1
                _TemplateClock.rendering = None

        Template.render = render
        return self

    def __exit__(self, *exc):
        from django.template.base import Template

        Template.render = self._original

    def most(self) -> list:
        """The three templates rendered most often, with their counts."""
        return sorted(self.names.items(), key=lambda item: (-item[1], item[0]))[:3]


def run_probe(db_name: str, secret_key: str, explain: bool) -> dict:
    env = production_env(db_name, secret_key)
    completed = subprocess.run(
        [PYTHON, str(Path(__file__)), "--probe", "explain" if explain else "count"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode:
        sys.exit(f"the probe of {db_name} failed:\n{completed.stderr[-5000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- gunicorn and the load --------------------------------------------------------------------------


def load(port: int, path: str, cookie: str, *, mode: str, duration: float, **options) -> dict:
    command = [
        PYTHON,
        str(BENCH / "loadgen.py"),
        "--port",
        str(port),
        "--path",
        path,
        "--mode",
        mode,
        "--duration",
        str(duration),
    ]
    for name, value in options.items():
        command += [f"--{name}", str(value)]
    completed = subprocess.run(
        command,
        env={**os.environ, "BENCH_COOKIE": cookie},
        check=True,
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    return json.loads(completed.stdout)


def measure(port: int, page: dict, cookie: str, args) -> dict:
    concurrency = 2 * args.workers
    load(port, page["path"], cookie, mode="closed", duration=args.warmup, concurrency=concurrency)
    before = os.getloadavg()[0]
    browsers = chromium_processes()
    saturated = load(port, page["path"], cookie, mode="closed", duration=args.duration, concurrency=concurrency)
    rate = max(1.0, saturated["rps"] / 2)
    paced = load(port, page["path"], cookie, mode="open", duration=args.duration, rate=rate, threads=32)
    return {
        "saturated": saturated,
        "paced": paced,
        "load_before": before,
        "load_after": os.getloadavg()[0],
        "chromium": browsers,
    }


# --- the report ----------------------------------------------------------------------------------------


def write_report(args, pages, small, big, floors, markers, started, environment) -> None:
    floor_rps = {
        "provider": sum(f["saturated"]["rps"] for f in floors["floor_provider"]) / len(floors["floor_provider"]),
        "payer": sum(f["saturated"]["rps"] for f in floors["floor_payer"]) / len(floors["floor_payer"]),
    }
    small_counts = {p["key"]: p["queries"] for p in small["pages"]}
    big_info = {p["key"]: p for p in big["pages"]}
    rows = []
    for page in pages:
        key = page["key"]
        result = page["result"]
        kind = "payer" if page["persona"] in PAYER_PERSONAS else "provider"
        sat, paced = result["saturated"], result["paced"]
        ratio = sat["rps"] / floor_rps[kind] if floor_rps[kind] else 0.0
        is_floor = key.startswith("floor_")
        rows.append(
            {
                "page": page["label"],
                "side": kind,
                "persona": PERSONAS[page["persona"]],
                "path": page["path"] if len(page["path"]) < 60 else page["path"][:57] + "...",
                "queries_1k": small_counts.get(key),
                "queries_big": big_info[key]["queries"],
                "ms_inprocess": big_info[key]["inprocess_ms"],
                "sql_ms_inprocess": big_info[key]["inprocess_sql_ms"],
                "template_ms": big_info[key]["template_ms"],
                "template_renders": big_info[key]["template_renders"],
                "template_most": "; ".join(f"{name} ×{n}" for name, n in big_info[key]["template_most"]),
                "rps": sat["rps"],
                "floor_pct": round(100 * ratio),
                "sat_p50": sat["p50_ms"],
                "sat_p95": sat["p95_ms"],
                "sat_p99": sat["p99_ms"],
                "paced_rps": paced["target_rps"],
                "p50": paced["p50_ms"],
                "p95": paced["p95_ms"],
                "p99": paced["p99_ms"],
                "errors": sat["errors"] + paced["errors"],
                "load": f"{result['load_before']:.1f}/{result['load_after']:.1f}",
                "chromium": result["chromium"],
                "throughput_ok": is_floor or ratio >= 0.5,
                "p95_ok": paced["p95_ms"] <= 50,
                "queries_ok": small_counts.get(key) == big_info[key]["queries"],
            }
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output.with_suffix(".csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    def mark(ok: bool) -> str:
        return "yes" if ok else "**no**"

    lines = [
        "## Hot pages under load (bench/run.py)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC. {environment}",
        "",
        "Data: "
        + "; ".join(
            f"{label} `{name}` ({_sizes_text(marker['sizes'])}; generated in {marker.get('seconds', '?')} s)"
            for label, name, marker in markers
        ),
        "",
        f"Floor throughput (mean of the start and end runs): provider {floor_rps['provider']:.1f} req/s "
        f"({', '.join(str(f['saturated']['rps']) for f in floors['floor_provider'])}), payer staff "
        f"{floor_rps['payer']:.1f} req/s ({', '.join(str(f['saturated']['rps']) for f in floors['floor_payer'])}).",
        "",
        "| page | persona | queries 1k / big | in-process ms (SQL ms) | templates ms (renders) | req/s | % of floor "
        "| saturated p50 / p95 / p99 ms | paced at req/s | p50 / p95 / p99 ms | errors | load 1-min (start/end) "
        "| ≥ 50 % floor | p95 ≤ 50 ms "
        "| same queries |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|:-:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['page']} | {row['persona']} | {row['queries_1k']} / {row['queries_big']} "
            f"| {row['ms_inprocess']} ({row['sql_ms_inprocess']}) | {row['template_ms']} ({row['template_renders']}) "
            f"| {row['rps']} | {row['floor_pct']} % | {row['sat_p50']} / {row['sat_p95']} / {row['sat_p99']} "
            f"| {row['paced_rps']} | {row['p50']} / {row['p95']} / {row['p99']} | {row['errors']} | {row['load']} "
            f"| {mark(row['throughput_ok'])} | {mark(row['p95_ok'])} | {mark(row['queries_ok'])} |"
        )
    lines += [
        "",
        "Columns: *queries* per request counted in-process (Django test client + CaptureQueriesContext, "
        "production settings, third request of a warm session) on the 1,000-user database and on the big one; "
        "*in-process ms* is the median time of one request through the whole Django stack on the big database "
        "(7 requests, one at a time, no HTTP), with its database part in brackets; *templates ms* is the part spent "
        "rendering Django templates (the queries they ran taken out), with the number of templates rendered (each "
        "include and each widget template counts); *req/s* is the saturated throughput "
        f"(closed loop, {2 * args.workers} requests in flight, {args.duration:g} s, {args.workers} gunicorn sync "
        "workers); *paced* is an open loop at half that rate, latencies measured from each request's scheduled "
        "start. Paths: " + "; ".join(f"{row['page']}: `{row['path']}`" for row in rows) + ".",
        "",
    ]
    lines += _causes(rows)
    explained = [p for p in big["pages"] if p.get("explain")]
    if explained:
        lines += ["### Slowest query of the pages whose slowest query took over 5 ms (big database)", ""]
        for page in explained:
            lines += [
                f"**{page['label']}**: {page['slowest_ms']} ms of {page['sql_ms']} ms in {page['queries']} queries.",
                "",
                "```sql",
                page["slowest_sql"],
                "```",
                "",
                "```",
                page["explain"],
                "```",
                "",
            ]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines[:40]))
    print(f"Written to {args.output} and {args.output.with_suffix('.csv')}")


def _causes(rows: list[dict]) -> list[str]:
    """Where the time of each page below a target goes, from the in-process measurement."""
    floors = {row["side"]: row for row in rows if row["page"].startswith("Floor")}
    missed = [
        row for row in rows if not row["page"].startswith("Floor") and not (row["throughput_ok"] and row["p95_ok"])
    ]
    if not missed or set(floors) != {"provider", "payer"}:
        return []
    lines = [
        "### Where the time goes on the pages below a target",
        "",
        "In-process, one request at a time, on the big database. "
        + "; ".join(
            f"The {side} floor takes {floor['ms_inprocess']} ms (SQL {floor['sql_ms_inprocess']} ms, templates "
            f"{floor['template_ms']} ms in {floor['template_renders']} renders)"
            for side, floor in floors.items()
        )
        + ". 50 % of the floor's throughput means about twice its time.",
        "",
        "| page | in-process ms | × floor | SQL ms | templates ms (renders; rendered most) "
        "| the rest ms (view, forms, middleware) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for row in missed:
        floor = floors[row["side"]]
        rest = max(0.0, row["ms_inprocess"] - row["sql_ms_inprocess"] - row["template_ms"])
        times = row["ms_inprocess"] / floor["ms_inprocess"] if floor["ms_inprocess"] else 0
        lines.append(
            f"| {row['page']} | {row['ms_inprocess']} | {times:.1f} | {row['sql_ms_inprocess']} "
            f"| {row['template_ms']} ({row['template_renders']}; {row['template_most']}) | {rest:.1f} |"
        )
    return [*lines, ""]


def _sizes_text(sizes: dict) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in sizes.items())


def environment_note() -> str:
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    settings["jit"] += " on the server, off for the portal's connections (portal/settings.py)"
    return (
        f"{version} ({', '.join(f'{k} {v}' for k, v in settings.items())}); {machine_note()} shared by gunicorn, "
        "PostgreSQL, the load generator and whatever else runs on the machine (load average at start "
        f"{os.getloadavg()[0]:.1f}; other people's test runs and Chromium browser tests were running: see the "
        "load column)."
    )


def main() -> None:
    args = parse_args()
    if args.probe:
        print(json.dumps(probe(explain=args.probe == "explain")))
        return
    started = datetime.datetime.now(datetime.UTC)
    environment = environment_note()
    sizes = {key: getattr(args, key) for key in FULL}
    small_marker = ensure_database(args.small_db, SMALL, args.regenerate)
    big_marker = ensure_database(args.db, sizes, args.regenerate)
    secret_key = secrets.token_urlsafe(60)

    print("collectstatic ...", flush=True)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(args.db, secret_key),
        check=True,
    )
    print("Counting queries per page (in-process) on the small and the big database ...", flush=True)
    small = run_probe(args.small_db, secret_key, explain=False)
    big = run_probe(args.db, secret_key, explain=True)
    bad = [p["label"] for p in small["pages"] + big["pages"] if p["status"] != 200]
    if bad:
        sys.exit(f"pages not answering 200 in-process: {bad}")

    from loadgen import fetch, login

    port = free_port()
    gunicorn = None
    try:
        gunicorn = start_gunicorn(args.db, secret_key, port, args.workers)
        print(f"gunicorn on {LOOPBACK}:{port} with {args.workers} workers; logging in ...", flush=True)
        cookies = {
            key: login(LOOPBACK, port, email, DEMO_PASSWORD, DEMO_TOTP_SECRET).cookie_header
            for key, email in PERSONAS.items()
        }
        pages = [dict(p) for p in big["pages"]]
        for page in pages:
            status, _headers, _body = fetch(LOOPBACK, port, page["path"], cookies[page["persona"]])
            if status != 200:
                raise RuntimeError(f"{page['label']} answers HTTP {status} over HTTP")
        only = set(filter(None, args.only.split(",")))
        order = [p for p in pages if p["key"].startswith("floor_")]
        order += [p for p in pages if not p["key"].startswith("floor_") and (not only or p["key"] in only)]
        order += [p for p in pages if p["key"].startswith("floor_")]
        floors: dict[str, list] = {"floor_provider": [], "floor_payer": []}
        measured = {}
        for page in order:
            print(f"  {page['label']} ...", flush=True)
            result = measure(port, page, cookies[page["persona"]], args)
            sat, paced = result["saturated"], result["paced"]
            print(
                f"    {sat['rps']} req/s saturated (p95 {sat['p95_ms']} ms); at {paced['target_rps']} req/s: "
                f"p50 {paced['p50_ms']} p95 {paced['p95_ms']} p99 {paced['p99_ms']} ms; "
                f"errors {sat['errors'] + paced['errors']}; load {result['load_before']:.1f}",
                flush=True,
            )
            if page["key"] in floors:
                floors[page["key"]].append(result)
            measured.setdefault(page["key"], result)
        results = [{**page, "result": measured[page["key"]]} for page in pages if page["key"] in measured]
    finally:
        stop_gunicorn(gunicorn)
    markers = [("small", args.small_db, small_marker), ("big", args.db, big_marker)]
    write_report(args, results, small, big, floors, markers, started, environment)


if __name__ == "__main__":
    main()
