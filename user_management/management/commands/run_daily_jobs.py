"""Run the daily lifecycle jobs by hand: the same services as the nightly task."""

from django.core.management.base import BaseCommand

from user_management.jobs import daily_lifecycle_run


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Run the daily lifecycle jobs now: inactivity warnings and disabling, the payer team's "
        "no-manager notice, the account managers' digest, time-limited access. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would change; everything is rolled back and no email is sent.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        result = daily_lifecycle_run(dry_run=dry_run)
        would = "would be " if dry_run else ""
        if dry_run:
            self.stdout.write("Dry run: nothing is saved and no email is sent.")
        self.stdout.write(f"{_n(result.warned, 'user')} {would}warned of inactivity")
        self.stdout.write(f"{_n(result.disabled, 'user')} {would}disabled for inactivity")
        self.stdout.write(f"{_n(result.tins_without_manager, 'TIN')} left without an active account manager")
        self.stdout.write(f"{_n(result.digests, 'account manager digest')} {would}sent")
        self.stdout.write(f"{_n(result.memberships_removed, 'time-limited membership')} {would}ended")
        for line in result.skipped:
            self.stdout.write(self.style.WARNING(f"Skipped: {line}"))
        for step in result.errors:
            self.stderr.write(self.style.ERROR(f"Failed: {step} (see the log)"))
