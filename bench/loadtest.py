"""The load drill (``make loadtest``): many people at once on the portal's everyday flows, with locust.

    .venv/bin/python bench/loadtest.py                       # 200 users for 60 s on portal_load_bench
    .venv/bin/python bench/loadtest.py --users 20 --duration 15 --db portal_load_small_bench   # a quick run

1. The database (default ``portal_load_bench``, the large plan of ``make bench``; the name must
   contain "bench") must be complete: its COMMENT holds the sizes it was generated with, which
   ``bench/run.py`` writes once ``generate_load_data`` has finished (``--wait`` waits for it).
   Nothing is dropped or regenerated here.
2. The load accounts, created once through the portal's own services (``user_create``,
   ``access_levels_set``, ``scope_add``) and reused by later runs: ``load-provider-NNNN@bench.test``,
   provider users of the demo TIN (123456789) with Claims, Eligibility, Message Box and
   Authorizations and the biller's scope (the busy provider IDs of the large plan), and
   ``load-analyst-NNN@bench.test``, payer staff. Each has its own TOTP device with its own random
   secret (a code works once per 30-second step per device, so every simulated person signs in
   with their own). The accounts, their secrets and the data the flows need (members covered on a
   day, a requesting provider ID, service codes) go to ``var/loadtest-accounts.json``.
3. ``collectstatic``, then gunicorn with the production settings on 127.0.0.1 (``common.start_gunicorn``,
   the environment of ``bench/run.py``).
4. locust, headless, from ``bench/locustfile.py``: ``--users`` people arriving at ``--spawn-rate``
   a second, each signing in through /login/ and /mfa/ and then working at a person's pace; the run
   lasts the ramp plus ``--duration`` seconds at full strength, and is killed if it outlives that
   by ``--grace`` seconds. Every request has a client timeout (``--request-timeout``).
5. ``bench/results/loadtest.md`` (the table) and locust's CSVs (``loadtest_stats.csv``, ...). The
   run fails (exit status 1) on any server error (5xx), any client-side timeout or connection
   error, and any other unexpected answer; a 429 where a throttle refuses by design is counted
   and reported, not failed.
"""

import argparse
import contextlib
import csv
import datetime
import json
import math
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import (
    LOOPBACK,
    PYTHON,
    RESULTS,
    ROOT,
    chromium_processes,
    database_marker,
    dev_env,
    free_port,
    production_env,
    start_gunicorn,
    stop_gunicorn,
)
from loadgen import percentile

ACCOUNTS_FILE = ROOT / "var" / "loadtest-accounts.json"
SUMMARY_FILE = ROOT / "var" / "loadtest-summary.json"
LOCUST_LOG = ROOT / "var" / "loadtest-locust.log"
GUNICORN_LOG = ROOT / "var" / "loadtest-gunicorn.log"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
# The load accounts' password: they exist only in databases whose name contains "bench".
LOAD_PASSWORD = "Load-Drill-Password-2026!"  # noqa: S105  (throw-away accounts of the bench databases)
DEMO_TIN = "123456789"
PROVIDER_EMAIL = "load-provider-{:04d}@bench.test"
ANALYST_EMAIL = "load-analyst-{:03d}@bench.test"
DEVICE_NAME = "Load drill authenticator"
# One analyst for this many people (locust's weights: ProviderUser 9, AnalystUser 1).
ANALYST_SHARE = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="simulated people at once (default 200)")
    parser.add_argument("--duration", type=int, default=60, help="seconds at full strength (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="people arriving per second (default 10)")
    parser.add_argument(
        "--sign-in-rate",
        type=float,
        default=0.5,
        help="sign-ins through /login/ and /mfa/ per second during the run (default 0.5)",
    )
    parser.add_argument(
        "--sign-in-at-arrival",
        action="store_true",
        help="every person signs in through the pages when they arrive (no session made in the database)",
    )
    parser.add_argument("--db", default="portal_load_bench", help="the database (default portal_load_bench)")
    parser.add_argument("--wait", type=int, default=0, help="seconds to wait for the database to be complete")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as the Procfile)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1: sync workers)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--think-min", type=float, default=5.0, help="shortest pause between pages, s (default 5)")
    parser.add_argument("--think-max", type=float, default=15.0, help="longest pause between pages, s (default 15)")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="client timeout per request, s")
    parser.add_argument("--grace", type=int, default=90, help="seconds past the planned end before locust is killed")
    parser.add_argument("--output", type=Path, default=RESULTS / "loadtest.md")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)  # internal: the Django step
    args = parser.parse_args()
    if "bench" not in args.db or not re.fullmatch(r"[a-z0-9_]+", args.db):
        parser.error("the database's name must contain 'bench' and be [a-z0-9_]")
    if args.users < 1 or args.duration < 1 or args.spawn_rate <= 0 or not 0 < args.think_min <= args.think_max:
        parser.error("--users, --duration and --spawn-rate must be positive, --think-min <= --think-max")
    return args


# --- the load accounts and the flows' data (runs in a Django subprocess) ------------------------------


def prepare(providers: int, analysts: int, sessions: bool) -> dict:
    """Create (or find) the load accounts and pick the data the flows use; with ``sessions``, a
    signed-in session for each account, made in the database (``force_login`` plus the TOTP
    device's id, as after the second factor: ``conftest.verified_login``, ``bench/run.py``) with the
    run's SECRET_KEY. Printed as JSON."""
    from common import bench_django_setup

    bench_django_setup(postgres_only=True, query_log=False)
    import base64
    import binascii

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
    from accounts.models import (
        AccessLevel,
        Organization,
        ProviderIdentifier,
        ProviderIdentifierUserObjectPermission,
        User,
        UserKind,
        UserStatus,
    )
    from accounts.services.access import SCOPE_PERMISSION, access_levels_set, scope_add
    from accounts.services.users import user_create
    from authorizations.models import AuthorizationService, Category
    from claims.models import Coverage, CoverageStatus

    organization = Organization.objects.get(tin=DEMO_TIN)
    biller = User.objects.get(email="biller@demo.test")
    scope = list(
        ProviderIdentifier.objects.filter(
            pk__in=ProviderIdentifierUserObjectPermission.objects.filter(
                user=biller, permission__codename=SCOPE_PERMISSION
            ).values("content_object_id")
        ).order_by("pk")
    )
    levels = [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX, AccessLevel.AUTHORIZATIONS]
    # One PBKDF2 hash for all: each sign-in still verifies it in full, at the production cost.
    hashed = make_password(LOAD_PASSWORD)

    def account(email: str, name: str, kind: str) -> dict:
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(
                    actor=None, email=email, full_name=name, phone="(217) 555-0199", kind=kind, status=UserStatus.ACTIVE
                )
                User.objects.filter(pk=user.pk).update(password=hashed)
                # The session below carries a hash of the password: of this one, not of the
                # unusable one user_create set (Django ends a session whose hash no longer matches).
                user.password = hashed
            if kind == UserKind.PROVIDER:
                access_levels_set(actor=None, user=user, organization=organization, levels=levels)
                scope_add(actor=None, user=user, provider_identifiers=scope, reason="Load drill account")
            device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=user, name=DEVICE_NAME, key=secrets.token_hex(20), confirmed=True, step=30, digits=6
                )
        made = {"email": email, "totp": base64.b32encode(binascii.unhexlify(device.key)).decode()}
        if sessions:
            client = Client()
            client.force_login(user)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session[SESSION_STARTED] = session[SESSION_LAST_SEEN] = time.time()
            session.save()
            made["session"] = session.session_key
        return made

    started = time.perf_counter()
    provider_accounts = [
        account(PROVIDER_EMAIL.format(n), f"Load Provider {n:04d}", UserKind.PROVIDER) for n in range(1, providers + 2)
    ]
    analyst_accounts = [
        account(ANALYST_EMAIL.format(n), f"Load Analyst {n:03d}", UserKind.PAYER_STAFF) for n in range(1, analysts + 2)
    ]
    seconds = round(time.perf_counter() - started, 1)

    # Members covered from today through the next 60 days (Eligibility and the authorization's dates).
    today = timezone.localdate()
    until = today + datetime.timedelta(days=60)
    spans = (
        Coverage.objects.filter(status=CoverageStatus.ACTIVE, coverage_start__lte=today)
        .filter(Q(coverage_end__isnull=True) | Q(coverage_end__gte=until))
        .select_related("member")
        .order_by("member_id")[: 4 * providers]
    )
    members, seen = [], set()
    for span in spans:
        if span.member_id not in seen:
            seen.add(span.member_id)
            members.append({"member_id": span.member.member_id, "date_of_birth": span.member.date_of_birth.isoformat()})
    requesting = next((p for p in scope if p.value == "1234567893"), scope[0])
    codes = sorted(
        s.code
        for s in AuthorizationService.objects.filter(requires_authorization=True)
        if Category.OUTPATIENT in (s.categories or [])
    )
    return {
        "password": LOAD_PASSWORD,
        # The last of each signs in before the run to warm the workers (``warm_up``).
        "providers": provider_accounts[:-1],
        "analysts": analyst_accounts[:-1],
        "warm_up": {"provider": provider_accounts[-1], "analyst": analyst_accounts[-1]},
        "members": members,
        "requesting_provider": str(requesting.uuid),
        "servicing_npi": "1234567893",
        "codes": codes,
        "diagnoses": ["M54.50", "M17.11", "G47.33", "I10"],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "scope_size": len(scope),
        "created_in_s": seconds,
    }


def run_prepare(db_name: str, providers: int, analysts: int, *, secret_key: str, sessions: bool) -> dict:
    env = {**dev_env(db_name), "SECRET_KEY": secret_key, "LOADTEST_ANALYSTS": str(analysts)}
    command = [PYTHON, str(Path(__file__)), "--prepare", "--users", str(providers), "--db", db_name]
    completed = subprocess.run(
        [*command, *(["--sign-in-at-arrival"] if not sessions else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode:
        sys.exit(f"preparing the load accounts failed:\n{completed.stderr[-5000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------------


def wait_for_database(name: str, seconds: int) -> dict:
    """The database's marker once it is complete; exits if it is missing or not complete in time."""
    deadline = time.time() + seconds
    while True:
        marker = database_marker(name)
        if marker is None:
            sys.exit(f"{name} does not exist: generate it first (make bench, or manage.py generate_load_data)")
        if marker.get("sizes"):
            return marker
        if time.time() >= deadline:
            sys.exit(f"{name} is not complete yet (no sizes in its COMMENT): retry later or pass --wait SECONDS")
        print(f"Waiting for {name} to be complete ...", flush=True)
        time.sleep(15)


def other_benchmarks() -> list[str]:
    """Other benchmark processes on the machine (they share the 2 cores and the database server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if re.search(r"bench/(run|claims_queries|inactivity)\.py|generate_load_data|locust ", command):
                    found.append(command.strip()[:160])
    return found


def warm_up(port: int, accounts: dict, parallel: int, *, within: float = 240.0) -> dict:
    """Until every worker answers every page of the flows quickly. gunicorn listens before its
    workers have loaded Django, and a worker's first request of a page also loads the code it
    imports on first use and compiles its templates (seconds each on a busy machine): the drill
    measures a running service, so the reserved warm-up accounts sign in and open the flows' pages
    in rounds of ``parallel`` requests each (spread over the workers) until a whole round answers
    within 1.5 s, three rounds at most. Returns the seconds it took, the rounds and the slowest
    first answer of each page."""
    import concurrent.futures

    from loadgen import fetch, login

    started = time.perf_counter()
    anonymous = [("", "/login/")]
    for _attempt in range(int(within)):
        try:
            fetch(LOOPBACK, port, "/login/", "")
            break
        except OSError:
            time.sleep(1)
    password, reserved = accounts["password"], accounts["warm_up"]
    provider = login(LOOPBACK, port, reserved["provider"]["email"], password, reserved["provider"]["totp"])
    analyst = login(LOOPBACK, port, reserved["analyst"]["email"], password, reserved["analyst"]["totp"])
    provider, analyst = provider.cookie_header, analyst.cookie_header

    def links(cookie: str, path: str, pattern: str = r"[0-9a-f-]{36}/") -> list[str]:
        """The first links of a list page to its items (``path`` + ``pattern``)."""
        return re.findall(f'href="({re.escape(path)}{pattern})"', fetch(LOOPBACK, port, path, cookie)[2].decode())[:3]

    provider_paths = ["/", "/profile/", "/messages/", "/messages/new/", "/claims/", "/eligibility/"]
    provider_paths += ["/authorizations/new/", *links(provider, "/claims/", r"C[0-9A-Z]+/")]
    analyst_paths = ["/control-panel/", "/control-panel/mailbox/", "/control-panel/authorizations/"]
    analyst_paths += links(analyst, "/control-panel/mailbox/") + links(analyst, "/control-panel/authorizations/")
    pages = anonymous + [(provider, path) for path in provider_paths] + [(analyst, path) for path in analyst_paths]

    def one(page):
        cookie, path = page
        begun = time.perf_counter()
        try:
            status = fetch(LOOPBACK, port, path, cookie)[0]
        except OSError:
            status = 0
        return path, status, time.perf_counter() - begun

    first: dict[str, float] = {}
    rounds = 0
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        while time.perf_counter() - started < within and rounds < 3:
            rounds += 1
            answers = list(pool.map(one, [page for page in pages for _ in range(parallel)]))
            if rounds == 1:
                for path, _status, seconds in answers:
                    first[path] = round(max(first.get(path, 0.0), seconds), 2)
            if all(status == 200 and seconds < 1.5 for _path, status, seconds in answers):
                break
    return {"seconds": time.perf_counter() - started, "rounds": rounds, "slowest_first": first}


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children still running
    (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            # After the command: state, ppid, ... utime is field 14 and stime 15 of the whole line.
            if int(entry.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_locust(args, port: int, csv_prefix: Path) -> tuple[int, float]:
    """locust headless; returns (exit status, seconds). Killed, with its process group, past the grace."""
    ramp = math.ceil(args.users / args.spawn_rate)
    run_time = ramp + args.duration
    command = [
        str(Path(PYTHON).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://{LOOPBACK}:{port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "15",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "INFO",
        "--logfile",
        str(LOCUST_LOG),
        "--accounts",
        str(ACCOUNTS_FILE),
        "--summary",
        str(SUMMARY_FILE),
        "--think-min",
        str(args.think_min),
        "--think-max",
        str(args.think_max),
        "--request-timeout",
        str(args.request_timeout),
        "--sign-in-rate",
        str(args.sign_in_rate),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    try:
        status = process.wait(timeout=run_time + 15 + args.grace)
    except subprocess.TimeoutExpired:
        status = -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return status, time.perf_counter() - started


def read_stats(csv_prefix: Path) -> tuple[list[dict], list[dict]]:
    with open(f"{csv_prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    with open(f"{csv_prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return stats, failures


def steady_rows(summary: dict) -> list[dict]:
    """Per endpoint, the requests started once every person had arrived (from the locustfile's log)."""
    since = summary.get("spawned_at") or 0
    by_name: dict[tuple[str, str], list] = {}
    for started, method, name, ms, failed in summary["samples"]:
        if started >= since:
            by_name.setdefault((method, name), []).append((ms, failed))
    rows = []
    for (method, name), samples in sorted(by_name.items(), key=lambda item: item[0][1]):
        times = sorted(ms for ms, _failed in samples)
        rows.append(
            {
                "method": method,
                "name": name,
                "requests": len(samples),
                "failures": sum(1 for _ms, failed in samples if failed),
                "p50": percentile(times, 0.50),
                "p95": percentile(times, 0.95),
                "p99": percentile(times, 0.99),
            }
        )
    return rows


def gunicorn_problems(log_path: Path) -> dict:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return {
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "booted": text.count("Booting worker"),
    }


def _ms(value) -> str:
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return str(value)


def write_report(args, context: dict) -> bool:
    stats, failures, summary = context["stats"], context["failures"], context["summary"]
    total = next(row for row in stats if row["Name"] == "Aggregated")
    server_errors = sum(summary["server_errors"].values())
    timeouts = sum(summary["timeouts"].values())
    failed = sum(1 for sample in summary["samples"] if sample[4])
    requests = int(total["Request Count"])
    other = max(0, failed - server_errors - timeouts)
    throttled = summary["throttled"]
    passed = (
        context["locust_status"] in (0, 1)
        and int(total["Request Count"]) > 0
        and int(total["Failure Count"]) == 0
        and failed == 0
        and not summary["accounts_missing"]
    )
    load_before, load_after = context["load_before"], context["load_after"]
    slowest = ", ".join(
        f"`{path}` {seconds:.1f} s"
        for path, seconds in sorted(context["warm_up"]["slowest_first"].items(), key=lambda item: -item[1])[:4]
    )
    sizes = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in context["marker"]["sizes"].items())
    lines = [
        "## Load drill (bench/loadtest.py, `make loadtest`)",
        "",
        f"Run {context['started']:%Y-%m-%d %H:%M} UTC, commit {context['commit']}. "
        f"**{'PASSED' if passed else 'FAILED'}**: {server_errors} server errors (5xx), {timeouts} client-side "
        f"timeouts or connection errors, {other} other unexpected answers; "
        f"{sum(throttled.values())} requests refused by a throttle by design (429, counted as expected).",
        "",
        f"- Load: {args.users} simulated people ({summary['started_users'].get('ProviderUser', 0)} provider users, "
        f"{summary['started_users'].get('AnalystUser', 0)} payer analysts), arriving at {args.spawn_rate:g} a second, "
        f"then {args.duration} s with all of them; a pause of {args.think_min:g}–{args.think_max:g} s between pages "
        f"(a person's pace), 1–3 s between the steps of a form. "
        + (
            "Each person signs in through /login/ and /mfa/ with their own TOTP device when they arrive. "
            if args.sign_in_at_arrival
            else "Each person arrives signed in (a session made in the database before the run: `force_login` "
            "plus their TOTP device's id, with the run's SECRET_KEY), and people sign out and back in through "
            f"/login/ and /mfa/, each with their own TOTP device, at {args.sign_in_rate:g} a second across the run "
            f"({summary['sign_ins']} sign-ins). "
        )
        + f"Client timeout {args.request_timeout:g} s per request. Run took "
        f"{context['locust_seconds']:.0f} s (locust exit status {context['locust_status']}).",
        f"- Server: gunicorn {args.workers} workers × {args.threads} thread{'s' if args.threads > 1 else ''} "
        f"({'gthread' if args.threads > 1 else 'sync'}), production settings (DEBUG off), on 127.0.0.1; "
        f"PostgreSQL {context['pg_version']} (max_connections {context['max_connections']}), Redis cache for the "
        f"throttles. gunicorn log: {context['gunicorn']['worker_timeouts']} worker timeouts, "
        f"{context['gunicorn']['tracebacks']} tracebacks. Before the run the workers were warmed "
        f"({context['warm_up']['seconds']:.0f} s, {context['warm_up']['rounds']} rounds of the flows' pages); the "
        f"slowest first answers: {slowest}.",
        f"- CPU: the gunicorn processes used {context['server_cpu']:.1f} CPU-seconds for the run's {requests:,} "
        f"requests ({1000 * context['server_cpu'] / max(1, requests):.0f} ms of CPU a request, PostgreSQL's share "
        f"not counted), locust {context['locust_cpu']:.1f} CPU-seconds; the machine offers {os.cpu_count()} "
        "CPU-seconds a second, shared.",
        f"- Data: `{args.db}` ({sizes}); "
        f"the load accounts act for {context['accounts']['scope_size']} provider IDs each (the biller's scope).",
        f"- Machine: {os.cpu_count()} CPUs, **shared with other work** (other people's tests and benchmarks run "
        f"on the same 2 cores, and locust itself runs here too). Load average (1/5/15 min) before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, after {load_after[0]:.2f} / "
        f"{load_after[1]:.2f} / {load_after[2]:.2f}; Chromium processes at the start: {context['chromium']}."
        + (
            f" Other benchmark processes running at the start: {len(context['others'])}."
            if context["others"]
            else " No other benchmark was running at the start."
        ),
        "",
        "### Whole run (ramp included), from locust's CSV",
        "",
        "| method | endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stats:
        if row["Name"] == "Aggregated":
            continue
        lines.append(
            f"| {row['Type']} | `{row['Name']}` | {int(row['Request Count']):,} | {int(row['Failure Count']):,} "
            f"| {_ms(row['50%'])} | {_ms(row['95%'])} | {_ms(row['99%'])} | {_ms(row['Max Response Time'])} "
            f"| {float(row['Requests/s']):.2f} |"
        )
    lines.append(
        f"| | **total** | **{int(total['Request Count']):,}** | **{int(total['Failure Count']):,}** "
        f"| **{_ms(total['50%'])}** | **{_ms(total['95%'])}** | **{_ms(total['99%'])}** "
        f"| **{_ms(total['Max Response Time'])}** | **{float(total['Requests/s']):.2f}** |"
    )
    steady = steady_rows(summary)
    if steady:
        count = sum(r["requests"] for r in steady)
        all_times = sorted(ms for s in summary["samples"] if s[0] >= (summary.get("spawned_at") or 0) for ms in [s[3]])
        lines += [
            "",
            f"### With all {args.users} people signed in (requests started after the last one arrived)",
            "",
            "| method | endpoint | requests | failures | p50 ms | p95 ms | p99 ms |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for row in steady:
            lines.append(
                f"| {row['method']} | `{row['name']}` | {row['requests']:,} | {row['failures']:,} "
                f"| {row['p50']:,.0f} | {row['p95']:,.0f} | {row['p99']:,.0f} |"
            )
        lines.append(
            f"| | **total** | **{count:,}** | **{sum(r['failures'] for r in steady):,}** "
            f"| **{percentile(all_times, 0.5):,.0f}** | **{percentile(all_times, 0.95):,.0f}** "
            f"| **{percentile(all_times, 0.99):,.0f}** |"
        )
    lines += ["", "### Failures", ""]
    if failures:
        lines += ["| method | endpoint | error | count |", "|---|---|---|---:|"]
        for row in failures:
            lines.append(f"| {row['Method']} | `{row['Name']}` | {row['Error'][:200]} | {row['Occurrences']} |")
    else:
        lines.append("None.")
    lines += ["", "### Throttles (429 by design)", ""]
    if throttled:
        lines.append(
            "Refused by a throttle and counted as expected, not as failures: "
            + "; ".join(f"`{name}` {count}" for name, count in sorted(throttled.items()))
            + ". The limits are per user (RATE_ELIGIBILITY_MINUTE 30/m and _DAY 300/d, RATE_MESSAGE_SEND 20/h): "
            "an account reused by many runs within an hour uses up its message allowance."
        )
    else:
        lines.append(
            "None: each person's pace stays under the per-user limits (Eligibility 30 a minute and 300 a day, "
            "messages 20 an hour; a person sends at most 2 messages and checks eligibility at most 6 times in a run). "
            "A 429 from those two throttles would be counted as expected and listed here, not failed."
        )
    if summary["totp_waits"]:
        lines += [
            "",
            f"{summary['totp_waits']} sign-ins waited for the next 30-second TOTP step (their code had just been "
            "used by an earlier run); that is the second factor refusing a replayed code, as designed.",
        ]
    lines += [
        "",
        "Reading it: *p50/p95/p99* are locust's response times (its CSV rounds them to 2 significant digits above "
        "100 ms); the second table is computed from every request's own time. `POST /login/` is dominated by the "
        "password hash (PBKDF2, Django's default iterations), which is meant to be slow. CSVs: "
        f"`{context['csv_prefix'].name}_stats.csv`, `_failures.csv`, `_exceptions.csv`, `_stats_history.csv`.",
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"Written to {args.output}")
    return passed


def main() -> None:
    args = parse_args()
    if args.prepare:
        analysts = int(os.environ["LOADTEST_ANALYSTS"])
        print(json.dumps(prepare(args.users, analysts, sessions=not args.sign_in_at_arrival)))
        return
    # A SIGTERM (make's timeout) unwinds like an error, so gunicorn and locust are stopped.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    started = datetime.datetime.now(datetime.UTC)
    marker = wait_for_database(args.db, args.wait)
    analysts = math.ceil(args.users / ANALYST_SHARE) + 1
    print(f"Load accounts on {args.db}: {args.users} provider users, {analysts} analysts ...", flush=True)
    secret_key = secrets.token_urlsafe(60)
    accounts = run_prepare(args.db, args.users, analysts, secret_key=secret_key, sessions=not args.sign_in_at_arrival)
    ACCOUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    ACCOUNTS_FILE.write_text(json.dumps(accounts))
    print(f"  ready ({accounts['created_in_s']} s); {len(accounts['members'])} members for the flows", flush=True)
    print("collectstatic ...", flush=True)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(args.db, secret_key),
        check=True,
        timeout=600,
    )
    port = args.port or free_port()
    csv_prefix = args.output.with_suffix("")
    SUMMARY_FILE.unlink(missing_ok=True)
    LOCUST_LOG.unlink(missing_ok=True)
    gunicorn = None
    try:
        gunicorn = start_gunicorn(args.db, secret_key, port, args.workers, threads=args.threads, log_path=GUNICORN_LOG)
        print(f"gunicorn on {LOOPBACK}:{port}: {args.workers} workers x {args.threads} threads", flush=True)
        warmed = warm_up(port, accounts, 2 * args.workers * args.threads)
        print(f"  every worker answering quickly after {warmed['seconds']:.0f} s ({warmed['rounds']} rounds)")
        load_before = os.getloadavg()
        chromium, others = chromium_processes(), other_benchmarks()
        print(f"locust: {args.users} users at {args.spawn_rate:g}/s, then {args.duration} s (log {LOCUST_LOG})")
        server_cpu = process_tree_cpu(gunicorn.pid)
        children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_status, locust_seconds = run_locust(args, port, csv_prefix)
        load_after = os.getloadavg()
        server_cpu = process_tree_cpu(gunicorn.pid) - server_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = after.ru_utime + after.ru_stime - children_cpu.ru_utime - children_cpu.ru_stime
    finally:
        stop_gunicorn(gunicorn)
    if not SUMMARY_FILE.exists():
        sys.exit(f"locust wrote no summary (exit status {locust_status}); see {LOCUST_LOG}")
    stats, failures = read_stats(csv_prefix)
    from common import admin_connection

    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        max_connections = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    passed = write_report(
        args,
        {
            "stats": stats,
            "failures": failures,
            "summary": json.loads(SUMMARY_FILE.read_text()),
            "locust_status": locust_status,
            "locust_seconds": locust_seconds,
            "load_before": load_before,
            "load_after": load_after,
            "chromium": chromium,
            "others": others,
            "marker": marker,
            "accounts": accounts,
            "gunicorn": gunicorn_problems(GUNICORN_LOG),
            "warm_up": warmed,
            "server_cpu": server_cpu,
            "locust_cpu": locust_cpu,
            "pg_version": pg_version,
            "max_connections": max_connections,
            "commit": commit or "?",
            "started": started,
            "csv_prefix": csv_prefix,
        },
    )
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
