"""Import an X12 5010 835 remittance file: ``python manage.py import_remittance FILE.835``.

The file is validated against the 835 guide; every problem is listed with its line and segment
and nothing is imported (exit status 1). Payments already imported (same trace number) are
skipped, so running it twice changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from claims.remittance import RemittanceImportError, remittance_import

MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Import the payments of an X12 5010 835 file; a bad file is reported and nothing imported."

    def add_arguments(self, parser):
        parser.add_argument("file", help="X12 835 file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="ascii", errors="strict") as handle:
                text = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot open {file}: {exc.strerror}.")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: byte {exc.start}: an X12 file holds only ASCII text. Nothing imported.")
        if len(text) > MAX_BYTES:
            raise CommandError(f"{file}: larger than {MAX_BYTES // (1024 * 1024)} MB. Nothing imported.")
        try:
            result = remittance_import(text=text, source_name=str(file))
        except RemittanceImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{file}: {len(exc.problems)} problems found. Nothing imported.")
        self.stdout.write(self.style.SUCCESS(f"{file}: {result}."))
