"""Print the current authenticator code of the demo personas (development only)."""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from devdata.management.commands.seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the 6-digit code of the demo authenticator secret (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code is for development: it refuses to run with DEBUG off.")
        code = totp(base64.b32decode(DEMO_TOTP_SECRET), step=30, t0=0, digits=6)
        self.stdout.write(f"{code:06d}")
