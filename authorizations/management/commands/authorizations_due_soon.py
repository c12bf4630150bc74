"""Warn payer staff of open prior authorization requests due soon (what the 07:00 beat task does)."""

from django.core.management.base import BaseCommand

from authorizations.services import due_soon_warn


class Command(BaseCommand):
    help = "Email the payer team the counts of open authorization requests due within AUTH_DUE_SOON_HOURS and overdue."

    def handle(self, *args, **options):
        result = due_soon_warn()
        self.stdout.write(f"{result.due_soon} due soon, {result.overdue} overdue, {result.emails} emails queued")
