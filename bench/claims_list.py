"""Benchmark: the Claims list at 50,000 claims a TIN — every sort's first and a later page, the
bounded count, and the CSV export's memory.

    createdb -h 127.0.0.1 -U postgres portal_claims_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_claims_bench .venv/bin/python bench/claims_list.py

It wipes the benchmark database (its name must contain "bench"), migrates, makes one TIN with one
NPI and a biller holding Claims with it in scope, inserts ``--claims`` claims under that NPI (and
as many under another TIN, which the biller must not see), then times the list's query for every
sort (first page, and the page after 100 pages' worth of rows), the count bounded at 10,000, and
streams the export of every claim, measuring the Python heap's peak with tracemalloc at a tenth of
the claims and at all of them: a flat export peaks at about the same size for both. The Markdown
table goes to stdout and bench/results/claims_list.md.
"""

import argparse
import datetime
import os
import random
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "claims_list.md"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=50_000, help="claims under the biller's TIN (default 50,000)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if "bench" not in os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1]:
        sys.exit("Set DATABASE_URL to a database whose name contains 'bench': this script wipes it.")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no in-memory query log


def reset_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0, interactive=False)


def make_claims(identifier, count: int, prefix: str, rng: random.Random) -> None:
    from claims.models import Claim, ClaimStatus

    statuses = ClaimStatus.values
    batch = []
    for n in range(count):
        received = datetime.date(2026, 11, 27) - datetime.timedelta(days=rng.randint(0, 700))
        billed = Decimal(rng.randint(4_000, 450_000)) / 100
        batch.append(
            Claim(
                claim_number=f"{prefix}{n:08d}",
                provider_identifier=identifier,
                member_id=f"M{rng.randint(100000000, 100099999)}",
                member_name="Bench Member",
                service_date_from=received - datetime.timedelta(days=9),
                service_date_to=received - datetime.timedelta(days=8),
                billed_amount=billed,
                allowed_amount=billed,
                paid_amount=(billed * Decimal("0.8")).quantize(Decimal("0.01")),
                status=rng.choice(statuses),
                received_date=received,
            )
        )
        if len(batch) == 10_000:
            Claim.objects.bulk_create(batch)
            batch = []
    Claim.objects.bulk_create(batch)


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, (time.perf_counter() - started) * 1000


def main() -> None:
    args = parse_args()
    setup_django()
    reset_database()
    from django.db import connection

    from accounts.models import AccessLevel
    from accounts.services.access import access_levels_set, scope_add
    from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
    from claims.export import claims_csv_rows
    from claims.forms import SORTS
    from claims.selectors import claims_search
    from claims.views import COUNT_BOUND, bounded_count, two_way_page

    rng = random.Random(7)
    org = OrganizationFactory(tin="123456789")
    npi = ProviderIdentifierFactory(organization=org, value="1234567893")
    other = ProviderIdentifierFactory(organization=OrganizationFactory(tin="987654321"), value="1987654328")
    biller = UserFactory(email="biller@bench.test")
    access_levels_set(actor=None, user=biller, organization=org, levels=[AccessLevel.CLAIMS])
    scope_add(actor=None, user=biller, provider_identifiers=[npi])
    make_claims(npi, args.claims, "B", rng)
    make_claims(other, args.claims, "O", rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    rows = []
    claims = claims_search(user=biller)
    for label, order in SORTS.values():
        first, first_ms = timed(lambda o=order: two_way_page(claims, order=o, after=None, before=None, page_size=50))
        cursor = first.next_cursor
        for _ in range(99):  # walk 100 pages in, then time the next one
            cursor = two_way_page(claims, order=order, after=cursor, before=None, page_size=50).next_cursor
        later, later_ms = timed(
            lambda o=order, c=cursor: two_way_page(claims, order=o, after=c, before=None, page_size=50)
        )
        _back, back_ms = timed(
            lambda o=order, p=later: two_way_page(
                claims, order=o, after=None, before=p.extra["previous_cursor"], page_size=50
            )
        )
        rows.append((label, len(first), f"{first_ms:.1f}", f"{later_ms:.1f}", f"{back_ms:.1f}"))
    count, count_ms = timed(lambda: bounded_count(claims))
    filtered, filtered_ms = timed(lambda: bounded_count(claims_search(user=biller, status="denied")))

    def export_peak(limit: int) -> tuple[int, float, int]:
        tracemalloc.start()
        started = time.perf_counter()
        size = lines = 0
        for line in claims_csv_rows(claims.order_by("-received_date", "-id")[:limit]):
            size += len(line)
            lines += 1
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return lines - 1, seconds, peak

    def shown(count: int) -> str:
        return f"more than {COUNT_BOUND:,}" if count > COUNT_BOUND else f"{count:,}"

    small = export_peak(args.claims // 10)
    full = export_peak(args.claims)

    report = [
        f"# Claims list at {args.claims:,} claims a TIN ({connection.vendor})",
        "",
        f"Another TIN holds {args.claims:,} more claims the biller cannot see. Times in ms, one run each.",
        "",
        "| sort | rows | first page | page 101 | previous page from 101 |",
        "|---|---|---|---|---|",
        *[f"| {' | '.join(str(cell) for cell in row)} |" for row in rows],
        "",
        f"Count (bounded at {COUNT_BOUND:,}): {shown(count)}"
        f" in {count_ms:.1f} ms; with status=denied: {shown(filtered)} in {filtered_ms:.1f} ms.",
        "",
        "| export | claims | seconds | Python heap peak |",
        "|---|---|---|---|",
        f"| a tenth | {small[0]:,} | {small[1]:.2f} | {small[2] / 1e6:.2f} MB |",
        f"| all | {full[0]:,} | {full[1]:.2f} | {full[2] / 1e6:.2f} MB |",
        "",
    ]
    text = "\n".join(report)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
