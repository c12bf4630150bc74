"""Benchmark (``make bench-claims``): the Claims pages' query counts and times at 1,000 and at
1,000,000 claims in biller@demo.test's TIN, on PostgreSQL, in production mode.

    .venv/bin/python bench/claims_queries.py                     # 1,000 and 1,000,000 claims
    .venv/bin/python bench/claims_queries.py --claims 100000     # a quicker run

1. Two PostgreSQL databases (names must contain "bench"; ``--regenerate`` drops them), each filled
   by ``manage.py generate_load_data`` when missing or generated with other sizes (kept in the
   database's COMMENT, as bench/run.py does): the same small plan (1,000 users, 100 TINs, 500
   provider IDs, 1,000 messages and audit events) with ``--small-claims`` and ``--claims`` claims,
   all of them under the biller's provider IDs (``--demo-claims``), each with 1 to 3 service lines
   and their adjustments, the paid ones in weekly remittances.
2. In a subprocess with the production settings (DEBUG off), Django's test client signed in as
   biller@demo.test (a session made in the database, the second factor verified, as bench/run.py)
   opens the Claims list in every sort, the list filtered by status (its bounded count), a later
   page (the "Next page" cursor followed 20 times), a claim page (a paid claim with lines and a
   payment), the payments list and a payment's page, counting every statement sent; then times
   each (median of 5, with its SQL part).
   (``collectstatic`` first, for the production settings' static manifest.)
3. bench/results/claims_queries.md: queries at both sizes, equal or not, and the times.
"""

import argparse
import datetime
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import LOOPBACK, PYTHON, RESULTS, ROOT, django_setup, machine_note, production_env
from run import _QueryClock, ensure_database

PLAN = {"users": 1_000, "tins": 100, "provider_ids": 500, "messages": 1_000, "events": 1_000}
LATER_PAGE = 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims of the big database (default 1,000,000)")
    parser.add_argument("--small-claims", type=int, default=1_000, help="claims of the small one (default 1,000)")
    parser.add_argument("--db", default="portal_claims_bench", help="the big database (default portal_claims_bench)")
    parser.add_argument("--small-db", default="portal_claims_small_bench")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate both databases")
    parser.add_argument("--output", type=Path, default=RESULTS / "claims_queries.md")
    parser.add_argument("--note", default="", help="a sentence added to the report (e.g. why a size was not run)")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)  # internal: the subprocess
    return parser.parse_args()


def sizes_for(claims: int) -> dict:
    return {**PLAN, "claims": claims, "demo_claims": claims}


# --- the in-process probe (a subprocess with the production settings) --------------------------------


def probe() -> dict:
    django_setup()
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
    from accounts.models import User
    from claims.forms import SORTS
    from claims.models import ClaimStatus, Remittance
    from claims.selectors import claims_visible_to

    biller = User.objects.get(email="biller@demo.test")
    client = Client(HTTP_HOST=LOOPBACK)
    client.force_login(biller)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=biller, confirmed=True).persistent_id
    session[SESSION_STARTED] = session[SESSION_LAST_SEEN] = time.time()
    session.save()

    visible = claims_visible_to(user=biller)
    claim = (
        visible.filter(status=ClaimStatus.PAID, claim_number__startswith="LC", payments__isnull=False)
        .order_by("claim_number")
        .first()
    )
    payment = Remittance.objects.filter(organization__tin="123456789").order_by("-payment_date", "-id").first()

    later, path = "/claims/", "/claims/"
    for _ in range(LATER_PAGE - 1):
        match = re.search(
            r'href="\?([^"]*after=[^"]*)" class="usa-pagination__link usa-pagination__next-page"',
            client.get(path).content.decode(),
        )
        if not match:
            break
        path = later = "/claims/?" + match.group(1).replace("&amp;", "&")

    pages = [
        *[(f"list_{key}", f"Claims list sorted {key}", f"/claims/?sort={key}") for key in SORTS],
        ("list_later", f"Claims list, page {LATER_PAGE} (cursor)", later),
        ("list_denied", "Claims list, status denied (bounded count)", "/claims/?status=denied"),
        (
            "claim",
            f"Claim page ({claim.lines.count()} service line(s), {claim.payments.count()} payment)",
            f"/claims/{claim.claim_number}/",
        ),
        ("payments", "Payments list", "/claims/payments/"),
        ("payment", f"Payment page ({payment.claim_payments.count():,} claims)", f"/claims/payments/{payment.uuid}/"),
    ]
    result = {
        "claims_visible": visible.count(),
        "claims_in_tin": visible.model.objects.filter(provider_identifier__organization__tin="123456789").count(),
        "pages": [],
        "load": os.getloadavg()[0],
    }
    for key, label, url in pages:
        for _ in range(2):  # warm: caches, the session's last-seen write
            client.get(url)
        session = client.session
        session[SESSION_LAST_SEEN] = time.time()  # keep the once-a-minute write out of the counted request
        session.save()
        counted = _QueryClock()  # every statement sent (CaptureQueriesContext's log may be full: DEBUG is off)
        with connection.execute_wrapper(counted):
            response = client.get(url)
        totals, sqls = [], []
        for _ in range(5):
            clock = _QueryClock()
            started = time.perf_counter()
            with connection.execute_wrapper(clock):
                client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
            sqls.append(sum(ms for _sql, _params, ms in clock.rows))
        result["pages"].append(
            {
                "key": key,
                "label": label,
                "path": url,
                "status": response.status_code,
                "queries": len(counted.rows),
                "ms": round(statistics.median(totals), 1),
                "sql_ms": round(statistics.median(sqls), 1),
            }
        )
    return result


def run_probe(db_name: str, secret_key: str) -> dict:
    completed = subprocess.run(
        [PYTHON, str(Path(__file__)), "--probe"],
        cwd=ROOT,
        env=production_env(db_name, secret_key),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode:
        sys.exit(f"the probe of {db_name} failed:\n{completed.stderr[-5000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- the report --------------------------------------------------------------------------------------


def write_report(args, small, big, markers, started) -> str:
    by_key = {page["key"]: page for page in small["pages"]}
    rows, unequal = [], []
    for page in big["pages"]:
        other = by_key[page["key"]]
        equal = other["queries"] == page["queries"]
        if not equal:
            unequal.append(page["label"])
        rows.append(
            f"| {page['label']} | {other['queries']} | {page['queries']} | {'yes' if equal else '**no**'} "
            f"| {other['ms']} ({other['sql_ms']}) | {page['ms']} ({page['sql_ms']}) |"
        )
    small_n, big_n = small["claims_in_tin"], big["claims_in_tin"]
    lines = [
        f"# Claims pages: queries at {small_n:,} and {big_n:,} claims in the biller's TIN (PostgreSQL)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {machine_note()}; load average {small['load']:.1f} (small) and "
        f"{big['load']:.1f} (big) when measured (2 cores shared: the times are indicative, the counts exact).",
        "",
        f"biller@demo.test sees {small['claims_visible']:,} claims on the small database and "
        f"{big['claims_visible']:,} on the big one (every claim of the TIN is under the biller's provider IDs; "
        "each has 1 to 3 service lines with their adjustments, the paid ones are in one remittance per "
        "payment Friday). Production settings (DEBUG off), Django's test client, one request at a time; "
        "ms is the median of 5 requests, with its SQL part in brackets.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += [
        f"| page | queries at {small_n:,} | queries at {big_n:,} | equal | ms at {small_n:,} (SQL) "
        f"| ms at {big_n:,} (SQL) |",
        "|---|---:|---:|---|---:|---:|",
        *rows,
        "",
        "Query counts: " + ("**equal on every page**." if not unequal else f"**not equal** on {', '.join(unequal)}."),
        "",
        "Databases (generated by `manage.py generate_load_data`, seed 42):",
        "",
        *[
            f"- {label}: `{name}`, {json.dumps(marker.get('sizes'))}, generated in {marker.get('seconds', '?')} s"
            for label, name, marker in markers
        ],
        "",
    ]
    text = "\n".join(lines)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return text


def main() -> None:
    args = parse_args()
    if args.probe:
        print(json.dumps(probe()))
        return
    started = datetime.datetime.now(datetime.UTC)
    small_marker = ensure_database(args.small_db, sizes_for(args.small_claims), args.regenerate)
    big_marker = ensure_database(args.db, sizes_for(args.claims), args.regenerate)
    secret_key = secrets.token_urlsafe(60)
    print("collectstatic ...", flush=True)  # the manifest the production settings' static storage reads
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(args.db, secret_key),
        check=True,
    )
    print("Counting queries and timing the Claims pages on both databases ...", flush=True)
    small = run_probe(args.small_db, secret_key)
    big = run_probe(args.db, secret_key)
    bad = [p["label"] for p in small["pages"] + big["pages"] if p["status"] != 200]
    if bad:
        sys.exit(f"pages not answering 200: {bad}")
    markers = [("small", args.small_db, small_marker), ("big", args.db, big_marker)]
    print(write_report(args, small, big, markers, started))


if __name__ == "__main__":
    main()
