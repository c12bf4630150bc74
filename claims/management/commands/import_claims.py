"""Load a claim-system CSV extract: ``python manage.py import_claims FILE.csv [--lines LINES.csv]``.

Good rows are upserted by claim number, bad rows are listed as "line N: reason" and skipped, and
a summary ends the report. With ``--lines``, the claims' service lines and adjustments are loaded
after the claims, the same way. Exit status 1 only when a file cannot be imported at all (missing
file, wrong header, unreadable CSV); rejected rows alone still exit 0 (core.management.csv_import).
"""

from claims.line_services import ClaimLineImportError, claim_lines_import
from claims.services import DEFAULT_BATCH_SIZE, ClaimImportError, claims_import
from core.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Upsert claims from a CSV extract of the claim system; bad rows are reported and skipped."
    columns_help = "CSV file with the header row listed in claims.services.COLUMNS"
    default_batch_size = DEFAULT_BATCH_SIZE
    import_error = ClaimImportError

    def run_import(self, **kwargs):
        return claims_import(**kwargs)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--lines", help="CSV file of the claims' service lines and adjustments")

    def handle(self, *args, file, batch_size, lines=None, **options):
        super().handle(*args, file=file, batch_size=batch_size, **options)
        if lines:
            self.import_file(
                lines, importer=claim_lines_import, import_error=ClaimLineImportError, batch_size=batch_size
            )
