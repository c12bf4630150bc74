"""Load a claim-system CSV extract: ``python manage.py import_claims FILE.csv``.

Good rows are upserted by claim number, bad rows are listed as "line N: reason" and skipped, and
a summary ends the report. Exit status 1 only when the file cannot be imported at all (missing
file, wrong header, unreadable CSV); rejected rows alone still exit 0.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries

from claims.services import DEFAULT_BATCH_SIZE, ClaimImportError, claims_import


class Command(BaseCommand):
    help = "Upsert claims from a CSV extract of the claim system; bad rows are reported and skipped."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with the header row listed in claims.services.COLUMNS")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per upsert statement.")

    def handle(self, *args, file, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            # utf-8-sig drops the byte-order mark spreadsheet programs write.
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CommandError(f"Cannot open {file}: {exc.strerror}.")
        with handle:
            try:
                result = claims_import(
                    lines=handle,
                    batch_size=batch_size,
                    on_error=lambda message: self.stderr.write(message),
                    # With DEBUG on, Django keeps the SQL of the last 9,000 queries: on a large file
                    # that is most of the file again in memory. Nothing here needs that log.
                    on_batch=lambda _result: reset_queries(),
                )
            except ClaimImportError as exc:
                raise CommandError(f"{file}: {exc}")
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        self.stdout.write(
            style(f"Rows read: {result.rows_read}. Upserted: {result.upserted}. Rejected: {result.rejected}.")
        )
