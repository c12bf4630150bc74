"""Load the demo organizations, provider IDs and personas. Safe to run again: it converges."""

import base64
import binascii

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    AccessLevel,
    Organization,
    ProviderIdentifier,
    ProviderIdKind,
    User,
    UserKind,
    UserStatus,
)
from accounts.roles import role_templates_sync
from accounts.services.access import access_levels_set, organization_create, provider_identifier_create, scope_add
from accounts.services.users import user_create

DEMO_PASSWORD = "Demo-Password-2026!"  # noqa: S105  (published demo login; refused with DEBUG off)
DEMO_TOTP_SECRET = "MRSW23ZNOBXXE5DBNQWXI33UOAWWWZLZ"  # noqa: S105  (published demo secret)

ORGANIZATIONS = [
    {"name": "Springfield Family Clinic", "tin": "123456789", "city": "Springfield", "state": "IL"},
    {"name": "Shelbyville Medical Group", "tin": "987654321", "city": "Shelbyville", "state": "IL"},
    {"name": "Capital City Hospital", "tin": "456789123", "city": "Capital City", "state": "IL"},
]
PROVIDER_IDS = [
    ("123456789", ProviderIdKind.NPI, "1234567893", "Julius Hibbert MD"),
    ("123456789", ProviderIdKind.NPI, "1245319599", "Springfield Pediatrics"),
    ("123456789", ProviderIdKind.TIN, "123456789", "Springfield Family Clinic"),
    ("987654321", ProviderIdKind.NPI, "1987654328", "Nick Riviera MD"),
    ("456789123", ProviderIdKind.NPI, "1456789019", "Capital City Hospital"),
]
ALL_LEVELS = list(AccessLevel.values)
PERSONAS = [
    {"email": "admin@demo.test", "full_name": "Ada Admin", "kind": UserKind.PAYER_STAFF, "superuser": True},
    {"email": "analyst@demo.test", "full_name": "Andrea Analyst", "kind": UserKind.PAYER_STAFF},
    # Enrollment: the supervisor decides applications (the analyst is the specialist); the Provider
    # Admin of two applications has a portal login but no TIN in the claim system yet.
    {"email": "supervisor@demo.test", "full_name": "Sam Supervisor", "kind": UserKind.PAYER_STAFF},
    {"email": "enroll@demo.test", "full_name": "Edna Enroller"},
    {
        "email": "manager@demo.test",
        "full_name": "Marge Manager",
        "levels": {"123456789": ALL_LEVELS},
        "scope": [("npi", "1234567893"), ("tin", "123456789")],
    },
    {
        "email": "biller@demo.test",
        "full_name": "Bill Biller",
        "levels": {
            "123456789": [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX],
        },
        "scope": [("npi", "1234567893")],
    },
    {
        "email": "nurse@demo.test",
        "full_name": "Nora Nurse",
        "levels": {"123456789": [AccessLevel.ASSESSMENTS, AccessLevel.HEALTH_RECORDS]},
        "scope": [("npi", "1234567893")],
    },
    {
        "email": "outsider@demo.test",
        "full_name": "Otto Outsider",
        "levels": {"987654321": ALL_LEVELS},
        "scope": [("npi", "1987654328")],
    },
]


def demo_totp_key() -> str:
    """The demo TOTP secret as the hex key django-otp stores."""
    return binascii.hexlify(base64.b32decode(DEMO_TOTP_SECRET)).decode()


class Command(BaseCommand):
    help = "Create the demo organizations, provider IDs and personas (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates known passwords: it refuses to run with DEBUG off without --force.")
        # The role templates come from data migrations; a database emptied after migrating (the
        # test runner flushes tables between browser tests) gets them back here.
        role_templates_sync()
        organizations = {}
        for data in ORGANIZATIONS:
            organization = Organization.objects.filter(tin=data["tin"]).first()
            if organization is None:
                organization = organization_create(actor=None, tin_verified=True, **data)
            organizations[data["tin"]] = organization
        identifiers = {}
        for tin, kind, value, name in PROVIDER_IDS:
            identifier = ProviderIdentifier.objects.filter(kind=kind, value=value).first()
            if identifier is None:
                identifier = provider_identifier_create(
                    actor=None, organization=organizations[tin], kind=kind, value=value, display_name=name
                )
            identifiers[(kind.value, value)] = identifier
        for persona in PERSONAS:
            user = User.objects.filter(email=persona["email"]).first()
            if user is None:
                user = user_create(
                    actor=None,
                    email=persona["email"],
                    full_name=persona["full_name"],
                    phone="(217) 555-0100",
                    kind=persona.get("kind", UserKind.PROVIDER),
                    status=UserStatus.ACTIVE,
                    password=DEMO_PASSWORD,
                )
            if persona.get("superuser") and not user.is_superuser:
                User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
            for tin, levels in persona.get("levels", {}).items():
                access_levels_set(actor=None, user=user, organization=organizations[tin], levels=levels)
            scope_add(
                actor=None,
                user=user,
                provider_identifiers=[identifiers[key] for key in persona.get("scope", [])],
            )
            TOTPDevice.objects.update_or_create(
                user=user,
                name="Demo authenticator",
                defaults={"key": demo_totp_key(), "confirmed": True, "step": 30, "digits": 6},
            )
        from devdata.claims import seed_demo_claims

        seed_demo_claims()
        from devdata.claim_status import seed_demo_status_claims

        seed_demo_status_claims()
        from devdata.assessments import seed_demo_assessments

        seed_demo_assessments()
        from devdata.health_records import seed_demo_health_records

        seed_demo_health_records()
        from devdata.authorizations import seed_demo_authorizations

        seed_demo_authorizations()
        from devdata.outbox import seed_demo_outbox

        seed_demo_outbox()
        from devdata.enrollment import seed_demo_enrollment

        seed_demo_enrollment()
        from devdata.chat import seed_demo_chat

        seed_demo_chat()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(PERSONAS)} personas, password {DEMO_PASSWORD}"))
