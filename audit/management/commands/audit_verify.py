"""Check the audit trail's hash chain from the first event to the last; exit 1 at the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from audit.services import VERIFY_CHUNK_SIZE, audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exits non-zero, naming the event, at the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=VERIFY_CHUNK_SIZE,
            help=f"Events read per round trip (default {VERIFY_CHUNK_SIZE}).",
        )

    def handle(self, *args, chunk_size: int, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        result = audit_chain_verify(chunk_size=chunk_size)
        if not result.ok:
            raise CommandError(result.describe())
        self.stdout.write(self.style.SUCCESS(result.describe()))
