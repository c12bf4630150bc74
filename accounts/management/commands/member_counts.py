"""``manage.py member_counts [--fix]``: check User Management's member counts against the members."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services.member_counts import member_counts_differences, member_counts_rebuild


class Command(BaseCommand):
    help = "Check the member counts per organization and status against the members (--fix rebuilds them)."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rebuild the counts from the members")

    def handle(self, *args, fix: bool = False, **options):
        wrong = member_counts_rebuild() if fix else member_counts_differences()
        for organization_id, status, kept, actual in wrong[:50]:
            self.stdout.write(f"organization {organization_id}, {status}: kept {kept}, members {actual}")
        if not wrong:
            self.stdout.write("Member counts match the members.")
        elif fix:
            self.stdout.write(f"Rebuilt: {len(wrong)} counts were wrong.")
        else:
            raise CommandError(f"{len(wrong)} counts differ from the members; run with --fix to rebuild them.")
