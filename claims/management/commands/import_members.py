"""Load an eligibility-system CSV extract: ``python manage.py import_members FILE.csv``.

One row per coverage span. Members are upserted by member ID and spans by (member, plan code,
coverage start); bad rows are listed as "line N: reason" and skipped, and a summary ends the
report. Exit status 1 only when the file cannot be imported at all (missing file, wrong header,
unreadable CSV); rejected rows alone still exit 0 (core.management.csv_import).
"""

from claims.services import DEFAULT_BATCH_SIZE, MemberImportError, members_import
from core.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Upsert members and their coverage from a CSV extract; bad rows are reported and skipped."
    columns_help = "CSV file with the header row listed in claims.services.MEMBER_COLUMNS"
    default_batch_size = DEFAULT_BATCH_SIZE
    import_error = MemberImportError

    def run_import(self, **kwargs):
        return members_import(**kwargs)
