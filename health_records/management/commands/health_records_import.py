"""Import FHIR R4 bundles (one member each). A bundle with a bad resource imports nothing: each bad
resource is reported with its index in the bundle, and the command fails at the end."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from health_records.services import BundleInvalid, bundle_import

SHIPPED = Path(__file__).resolve().parents[2] / "bundles"


class Command(BaseCommand):
    help = "Import FHIR R4 bundles of members' clinical data. Without a path: the shipped demo bundles."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="FHIR Bundle JSON files")

    def handle(self, *args, **options):
        say = self.stdout.write if options["verbosity"] >= 1 else (lambda message: None)
        paths = [Path(p) for p in options["paths"]] or sorted(SHIPPED.glob("*.json"))
        refused = 0
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                self.stderr.write(f"{path}: not a readable JSON file ({exc}); nothing imported")
                refused += 1
                continue
            try:
                bundle = bundle_import(data=data, source=path.name)
            except BundleInvalid as exc:
                for problem in exc.problems:
                    self.stderr.write(f"{path}: {problem}")
                self.stderr.write(f"{path}: refused, nothing imported")
                refused += 1
                continue
            say(f"{path.name}: imported {bundle.resources} resources for {bundle.member}")
        if refused:
            raise CommandError(f"{refused} bundle(s) refused; see above.")
