"""What the benchmark scripts share: the paths, the PostgreSQL server and the benchmark database,
Django's set-up, timing, and the machine line of the reports.

A script in this folder imports it as ``import common`` (Python puts the script's folder first on
the path). Nothing here loads Django or a database driver at import time: bench/loadgen.py uses it
and never loads Django.

The scripts that wipe a database refuse to run unless its name contains "bench"
(``bench_django_setup``), so they can never touch a real one.
"""

import contextlib
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SETTINGS_MODULE = "portal.settings"

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
