"""What the benchmark scripts share: the paths, the PostgreSQL server and the benchmark database,
Django's set-up, timing, and the machine line of the reports.

A script in this folder imports it as ``import common`` (Python puts the script's folder first on
the path). Nothing here loads Django or a database driver at import time: bench/loadgen.py uses it
and never loads Django.

The scripts that wipe a database refuse to run unless its name contains "bench"
(``bench_django_setup``), so they can never touch a real one.
"""

import base64
import contextlib
import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SETTINGS_MODULE = "portal.settings"
PYTHON = sys.executable
GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"
# The demo personas' published sign-in (README, "Demo logins"; devdata/management/commands/seed_demo.py).
DEMO_PASSWORD = "Demo-Password-2026!"  # noqa: S105  (the published demo login, see README)
DEMO_TOTP_SECRET = "MRSW23ZNOBXXE5DBNQWXI33UOAWWWZLZ"  # noqa: S105  (the published demo secret)

# The local PostgreSQL server the benchmarks create their databases on.
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
# The load is sent over loopback only.
LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = (LOOPBACK, "localhost", "::1")


# --- the database ------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    """The URL of the database ``name`` on the benchmark's PostgreSQL server."""
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def admin_connection():
    """An autocommit connection to the server's ``postgres`` database (CREATE/DROP DATABASE, SHOW)."""
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    return conn


def database_marker(name: str) -> dict | None:
    """What a generated database holds (its COMMENT: sizes, seed, generation seconds, as
    ``bench/run.py`` writes it once ``generate_load_data`` has finished), ``{}`` for a database
    without one (not generated, or still being generated), None if it does not exist."""
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except json.JSONDecodeError:
        return {}


def require_bench_database(*, postgres_only: bool) -> None:
    """Exit unless DATABASE_URL names a database whose name contains "bench" (on PostgreSQL if
    ``postgres_only``): the script is about to wipe it."""
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1] or (postgres_only and not url.startswith("postgres")):
        kind = "a PostgreSQL database" if postgres_only else "a database"
        sys.exit(f"Set DATABASE_URL to {kind} whose name contains 'bench': this script wipes it.")


def reset_database() -> None:
    """Start from an empty, migrated schema (dropped rather than truncated: the audit trail is
    append-only, even to TRUNCATE); on SQLite the file is removed."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0, interactive=False)


def database_version(connection) -> str:
    """ "PostgreSQL 15.8" (or the SQLite version) of a Django connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return cursor.fetchone()[0].split(" on ")[0]


# --- the environments of the processes a benchmark starts ----------------------------------------------


def production_env(db_name: str, secret_key: str) -> dict:
    """The production settings, for loopback: no HTTPS redirect, no SMTP; a broker URL because the
    settings require one (``BENCH_BROKER_URL``; nothing consumes it during a run, and the outbox
    sweeper delivers later) and a Redis cache (the throttles', ``BENCH_CACHE_URL``)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=LOOPBACK,
        SITE_URL="https://portal.bench.test",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url(db_name),
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        PAYER_TEAM_EMAILS="payer-team@bench.test",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="portal@bench.test",
        LOG_LEVEL="WARNING",
    )
    # The rest of what production requires: the chat's channel layer, enrollment's key for bank
    # accounts (derived from the run's secret key, so every process of a run shares it) and its processor.
    env.setdefault("CHANNEL_LAYER_URL", os.environ.get("BENCH_CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/15"))
    key = base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode()
    env.setdefault("ENROLLMENT_ENCRYPTION_KEY", key)
    env.setdefault("ENROLLMENT_PAYMENT_PROCESSOR", "test")
    return env


def dev_env(db_name: str) -> dict:
    """DEBUG=1 on the database ``db_name``: for manage.py's migrate and generate_load_data."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="1", DATABASE_URL=database_url(db_name))
    return env


# --- gunicorn ---------------------------------------------------------------------------------------


def free_port() -> int:
    """A free port on loopback, chosen by the kernel."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    db_name: str,
    secret_key: str,
    port: int,
    workers: int,
    *,
    threads: int = 1,
    timeout: int = 60,
    log_path: Path = GUNICORN_LOG,
    env: dict | None = None,
) -> subprocess.Popen:
    """gunicorn serving ``portal.wsgi`` on loopback with the production settings (``env``, default
    ``production_env``), sync workers as in the Procfile, or gthread workers with ``threads`` > 1.
    Returns once the port accepts connections; stop it with ``stop_gunicorn``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115  (closed with the process)
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "portal.wsgi:application",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
    ]
    if threads > 1:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env if env is not None else production_env(db_name, secret_key),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole at the end
    )
    process.log = log
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            log.close()
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(process)
    raise RuntimeError("gunicorn did not start listening within 60 s")


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    """SIGTERM to gunicorn's process group (its workers with it), SIGKILL after 20 s."""
    if process is None:
        return
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    finally:
        process.log.close()


def chromium_processes() -> int:
    """Other people's browser tests on the machine (they perturb the timings)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += (entry / "comm").read_text().strip().startswith("chrom")
    return count


# --- Django -----------------------------------------------------------------------------------------


def django_setup() -> None:
    """Load the project's settings (DJANGO_SETTINGS_MODULE, else portal.settings) and set Django up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def bench_django_setup(*, postgres_only: bool = False, query_log: bool = True) -> None:
    """Django on the throw-away benchmark database named by DATABASE_URL (see
    ``require_bench_database``). DEBUG=1 only lets the settings load without production secrets;
    without ``query_log`` Django's in-memory log of every query, which production does not pay
    for, is turned off again."""
    os.environ.setdefault("DEBUG", "1")
    require_bench_database(postgres_only=postgres_only)
    django_setup()
    if not query_log:
        from django.conf import settings

        settings.DEBUG = False


# --- timing and reports ------------------------------------------------------------------------------


@contextlib.contextmanager
def timer():
    """``with timer() as took: ...`` then ``took["seconds"]``."""
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def best_of(runs: int, func) -> float:
    """Fastest of ``runs`` calls, in milliseconds (after one warm-up call)."""
    func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def machine_note() -> str:
    """ "Python 3.11.2; 2 CPUs", for the notes under a result table."""
    return f"Python {platform.python_version()}; {os.cpu_count()} CPUs"


def report_write(report: str, output: Path) -> None:
    """Print the Markdown report and write it to ``output``."""
    print()
    print(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(f"Written to {output}")
