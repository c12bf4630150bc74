"""Load an eligibility-system CSV extract: ``python manage.py import_members FILE.csv``.

One row per coverage span. Members are upserted by member ID and spans by (member, plan code,
coverage start); bad rows are listed as "line N: reason" and skipped, and a summary ends the
report. Exit status 1 only when the file cannot be imported at all (missing file, wrong header,
unreadable CSV); rejected rows alone still exit 0.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries

from claims.services import DEFAULT_BATCH_SIZE, MemberImportError, members_import


class Command(BaseCommand):
    help = "Upsert members and their coverage from a CSV extract; bad rows are reported and skipped."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with the header row listed in claims.services.MEMBER_COLUMNS")
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
                result = members_import(
                    lines=handle,
                    batch_size=batch_size,
                    on_error=lambda message: self.stderr.write(message),
                    # With DEBUG on, Django keeps the SQL of the last 9,000 queries: on a large file
                    # that is most of the file again in memory. Nothing here needs that log.
                    on_batch=lambda _result: reset_queries(),
                )
            except MemberImportError as exc:
                raise CommandError(f"{file}: {exc}")
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        self.stdout.write(
            style(f"Rows read: {result.rows_read}. Upserted: {result.upserted}. Rejected: {result.rejected}.")
        )
