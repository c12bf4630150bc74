"""Load assessment form definitions (FHIR R4 Questionnaire JSON files); with no file, the shipped ones."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.questionnaire import DefinitionError
from assessments.services import questionnaire_load

SHIPPED = Path(__file__).resolve().parents[2] / "definitions"


class Command(BaseCommand):
    help = "Load versioned assessment forms (FHIR Questionnaire JSON). Without a path: the shipped HRA and NOP."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Questionnaire JSON files")

    def handle(self, *args, **options):
        say = self.stdout.write if options["verbosity"] >= 1 else (lambda message: None)
        paths = [Path(p) for p in options["paths"]] or sorted(SHIPPED.glob("*.json"))
        failed = False
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                result = questionnaire_load(data=data)
            except (OSError, ValueError) as exc:
                self.stderr.write(f"{path}: not a readable JSON file ({exc})")
                failed = True
                continue
            except DefinitionError as exc:
                for message in exc.messages:
                    self.stderr.write(f"{path}: {message}")
                failed = True
                continue
            q = result.questionnaire
            if result.created:
                retired = f", retired {result.retired} earlier version(s)" if result.retired else ""
                say(f"{path.name}: loaded {q.code} version {q.version}{retired}")
            else:
                say(f"{path.name}: {q.code} version {q.version} already loaded, unchanged")
        if failed:
            raise CommandError("Some definitions were not loaded; see above.")
