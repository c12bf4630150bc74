"""Fill an empty database with a large, coherent, deterministic data set for load tests.

    python manage.py generate_load_data --users 100000 --tins 10000 --provider-ids 50000 \
        --messages 1000000 --claims 1000000 --events 1000000 --seed 42

The logic lives in ``devdata.loaddata``. It runs ``seed_demo`` first, so the demo personas can log
in, and gives them the big share (see ``devdata.loaddata.LoadSizes``).
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devdata.loaddata import LoadDataGenerator, LoadSizes, database_is_empty

DEFAULTS = LoadSizes()


class Command(BaseCommand):
    help = "Generate a large, coherent, deterministic data set (demo personas included) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=DEFAULTS.users, help=f"default {DEFAULTS.users:,}")
        parser.add_argument("--tins", type=int, default=DEFAULTS.tins, help=f"organizations, default {DEFAULTS.tins:,}")
        parser.add_argument(
            "--provider-ids", type=int, default=DEFAULTS.provider_ids, help=f"NPIs, default {DEFAULTS.provider_ids:,}"
        )
        parser.add_argument("--messages", type=int, default=DEFAULTS.messages, help=f"default {DEFAULTS.messages:,}")
        parser.add_argument("--claims", type=int, default=DEFAULTS.claims, help=f"default {DEFAULTS.claims:,}")
        parser.add_argument("--members", type=int, default=0, help="default: a tenth of --claims")
        parser.add_argument(
            "--demo-claims",
            type=int,
            default=0,
            help="claims under biller@demo.test's provider IDs (default: a fiftieth of --claims, at most 20,000)",
        )
        parser.add_argument(
            "--events", type=int, default=DEFAULTS.events, help=f"audit events, default {DEFAULTS.events:,}"
        )
        parser.add_argument(
            "--authorizations",
            type=int,
            default=DEFAULTS.authorizations,
            help=f"prior authorization requests, default {DEFAULTS.authorizations:,}",
        )
        parser.add_argument(
            "--chats",
            type=int,
            default=0,
            help="live chat conversations (default: a twentieth of --users, at least 10)",
        )
        parser.add_argument(
            "--enrollments",
            type=int,
            default=0,
            help="provider enrollment applications (default: a fifth of --tins, at least 10)",
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--anchor",
            type=datetime.date.fromisoformat,
            default=None,
            help="the data's 'today' (YYYY-MM-DD, default today in UTC); same seed and anchor, same rows",
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_load_data creates the demo personas with known passwords: it refuses to run with DEBUG "
                "off without --force."
            )
        sizes = LoadSizes(
            users=options["users"],
            tins=options["tins"],
            provider_ids=options["provider_ids"],
            messages=options["messages"],
            claims=options["claims"],
            events=options["events"],
            members=options["members"],
            authorizations=options["authorizations"],
            chats=options["chats"],
            enrollments=options["enrollments"],
            demo_claims=options["demo_claims"],
        )
        if (
            min(sizes.users, sizes.tins, sizes.provider_ids, sizes.claims) < 1
            or min(sizes.messages, sizes.events, sizes.authorizations, sizes.chats, sizes.enrollments) < 0
        ):
            raise CommandError("--users, --tins, --provider-ids and --claims must be at least 1.")
        if sizes.users < 20:
            raise CommandError("--users must be at least 20 (payer staff, account managers and the demo TIN's users).")
        if not database_is_empty():
            raise CommandError("The database already holds generated data: use an empty, migrated database.")
        anchor = options["anchor"] or datetime.datetime.now(datetime.UTC).date()
        verbosity = options["verbosity"]
        self.stdout.write(
            f"Generating into {connection.settings_dict['NAME']} ({connection.vendor}), seed {options['seed']}, "
            f"anchor {anchor}: {sizes.users:,} users, {sizes.tins:,} TINs, {sizes.provider_ids:,} provider IDs, "
            f"{sizes.messages:,} messages, {sizes.claims:,} claims, {sizes.member_count:,} members, "
            f"{sizes.events:,} audit events, {sizes.authorizations:,} prior authorizations, "
            f"{sizes.chat_count:,} live chats, {sizes.enrollment_count:,} enrollment applications"
        )
        generator = LoadDataGenerator(
            sizes=sizes,
            seed=options["seed"],
            anchor=anchor,
            log=(lambda line: self.stdout.write(line)) if verbosity >= 1 else None,
        )
        summary = generator.run()
        if verbosity >= 2:
            for label, count in sorted(summary["rows"].items()):
                self.stdout.write(f"  {label}: {count:,} rows")
        self.stdout.write(self.style.SUCCESS(f"Generated in {summary['seconds']:.1f} s."))
