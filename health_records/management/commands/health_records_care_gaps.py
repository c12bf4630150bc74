"""Load the care-gap rules (health_records/care_gap_rules.json) and recompute every member's gaps;
run nightly, as the lookbacks move with the calendar."""

from django.core.management.base import BaseCommand

from health_records.services import care_gap_rules_load, care_gaps_refresh


class Command(BaseCommand):
    help = "Load the care-gap rules and recompute the open care gaps of every member with clinical data."

    def handle(self, *args, **options):
        rules = care_gap_rules_load()
        gaps = care_gaps_refresh()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{rules} rules; {gaps} open care gaps")
