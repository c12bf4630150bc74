"""Load a claim-system CSV extract: ``python manage.py import_claims FILE.csv [--lines LINES.csv]``.

With ``--lines``, the service lines extract (header ``claims.line_services.LINE_COLUMNS``) is
imported after the claims, so its lines find their claims.

Good rows are upserted by claim number, bad rows are listed as "line N: reason" and skipped, and
a summary ends the report. Exit status 1 only when the file cannot be imported at all (missing
file, wrong header, unreadable CSV); rejected rows alone still exit 0.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries

from claims.line_services import ClaimLineImportError, claim_lines_import
from claims.services import DEFAULT_BATCH_SIZE, ClaimImportError, claims_import


class Command(BaseCommand):
    help = "Upsert claims from a CSV extract of the claim system; bad rows are reported and skipped."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with the header row listed in claims.services.COLUMNS")
        parser.add_argument("--lines", help="CSV file of the claims' service lines and adjustments")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per upsert statement.")

    def handle(self, *args, file, batch_size, lines=None, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self._import(file, claims_import, ClaimImportError, batch_size)
        if lines:
            self._import(lines, claim_lines_import, ClaimLineImportError, batch_size)

    def _import(self, file, service, error, batch_size):
        try:
            # utf-8-sig drops the byte-order mark spreadsheet programs write.
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CommandError(f"Cannot open {file}: {exc.strerror}.")
        with handle:
            try:
                result = service(
                    lines=handle,
                    batch_size=batch_size,
                    on_error=lambda message: self.stderr.write(message),
                    # With DEBUG on, Django keeps the SQL of the last 9,000 queries: on a large file
                    # that is most of the file again in memory. Nothing here needs that log.
                    on_batch=lambda _result: reset_queries(),
                )
            except error as exc:
                raise CommandError(f"{file}: {exc}")
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        self.stdout.write(
            style(f"Rows read: {result.rows_read}. Upserted: {result.upserted}. Rejected: {result.rejected}.")
        )
