"""Load the CARC and RARC descriptions: ``python manage.py load_reason_codes [FILE.csv]``.

Without a file, the demo table shipped in claims/data/reason_codes.csv (a few dozen published
codes with the plan's own short wording) is loaded. Codes are upserted by kind and code.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.line_services import ReasonCodeImportError, reason_codes_load

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "reason_codes.csv"


class Command(BaseCommand):
    help = "Upsert CARC and RARC descriptions from a CSV with the header kind,code,description."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEMO_FILE), help="CSV file (default: the demo table)")

    def handle(self, *args, file, **options):
        try:
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CommandError(f"Cannot open {file}: {exc.strerror}.")
        with handle:
            try:
                result = reason_codes_load(lines=handle, on_error=lambda message: self.stderr.write(message))
            except ReasonCodeImportError as exc:
                raise CommandError(f"{file}: {exc}")
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        self.stdout.write(
            style(f"Rows read: {result.rows_read}. Upserted: {result.upserted}. Rejected: {result.rejected}.")
        )
