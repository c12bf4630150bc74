"""Load the plan's services table from CSV (the demo file: authorizations/data/demo_services.csv)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authorizations.tables import TableLoadError, services_load

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_services.csv"


class Command(BaseCommand):
    help = "Load the services table of prior authorizations from a CSV file (default: the demo file)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEMO))

    def handle(self, *args, path: str, **options):
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                result = services_load(handle)
        except (OSError, TableLoadError) as problem:
            raise CommandError(str(problem)) from problem
        self.stdout.write(f"services: {result}")
