"""The public prior authorization metrics of one calendar year as CSV (figure,value rows)."""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from authorizations.selectors import metrics_for_year


class Command(BaseCommand):
    help = "Write the public prior authorization metrics of a calendar year as CSV (default: last year)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year: int | None, **options):
        year = year or timezone.localdate().year - 1
        if not 2000 <= year <= 9998:
            raise CommandError("Give a year from 2000 to 9998.")
        writer = csv.writer(self.stdout)
        writer.writerow(["figure", "value"])
        writer.writerows(metrics_for_year(year=year).rows())
