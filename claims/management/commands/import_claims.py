"""Load a claim-system CSV extract: ``python manage.py import_claims FILE.csv``.

Good rows are upserted by claim number, bad rows are listed as "line N: reason" and skipped, and
a summary ends the report. Exit status 1 only when the file cannot be imported at all (missing
file, wrong header, unreadable CSV); rejected rows alone still exit 0 (core.management.csv_import).
"""

from claims.services import DEFAULT_BATCH_SIZE, ClaimImportError, claims_import
from core.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Upsert claims from a CSV extract of the claim system; bad rows are reported and skipped."
    columns_help = "CSV file with the header row listed in claims.services.COLUMNS"
    default_batch_size = DEFAULT_BATCH_SIZE
    import_error = ClaimImportError

    def run_import(self, **kwargs):
        return claims_import(**kwargs)
