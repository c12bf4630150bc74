"""Personas and a filled-in application for the enrollment tests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import UserKind, UserStatus
from accounts.tests.factories import UserFactory
from core.uploads import check_upload
from enrollment import services
from enrollment.models import ApplicantKind, EnrollmentStaff, Section, SectionAccess, StaffRole

VALID_NPI = "1234567893"
VALID_TIN = "555123456"
VALID_ROUTING = "021000021"


def a_pdf(name="w9.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def admin_user(db):
    """A Provider Admin: a provider login with no TIN in the claim system."""
    return UserFactory(email="enroll@example.test", full_name="Edna Krabappel", status=UserStatus.ACTIVE)


@pytest.fixture
def colleague(db):
    return UserFactory(email="colleague@example.test", full_name="Seymour Skinner", status=UserStatus.ACTIVE)


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.test", full_name="Hans Moleman", status=UserStatus.ACTIVE)


@pytest.fixture
def specialist(db):
    user = UserFactory(email="specialist@example.test", full_name="Lisa Specialist", kind=UserKind.PAYER_STAFF)
    EnrollmentStaff.objects.create(user=user, role=StaffRole.SPECIALIST)
    return user


@pytest.fixture
def supervisor(db):
    user = UserFactory(email="supervisor@example.test", full_name="Marge Supervisor", kind=UserKind.PAYER_STAFF)
    EnrollmentStaff.objects.create(user=user, role=StaffRole.SUPERVISOR)
    return user


@pytest.fixture
def application(admin_user):
    return services.application_create(actor=admin_user, kind=ApplicantKind.FACILITY, legal_name="Springfield General")


def fill(application, actor):
    """Every section filled in and complete."""
    services.identification_save(
        actor=actor,
        application=application,
        legal_name="Springfield General",
        npi=VALID_NPI,
        tin=VALID_TIN,
        taxonomy_code="282N00000X",
        is_dme_supplier=False,
    )
    services.location_add(
        actor=actor,
        application=application,
        address_line1="1 Main St",
        city="Springfield",
        state="IL",
        postal_code="62701",
        phone="217-555-0100",
        hours="Mon-Fri 8-17",
    )
    today = timezone.localdate()
    services.license_add(
        actor=actor,
        application=application,
        kind="license",
        number="H-1",
        state="IL",
        issued_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=400),
    )
    services.owner_add(
        actor=actor,
        application=application,
        kind="person",
        name="C. Montgomery Burns",
        role="owner",
        percent=Decimal("60"),
    )
    services.specialty_add(actor=actor, application=application, name="General acute care hospital", is_primary=True)
    services.bank_account_save(
        actor=actor,
        application=application,
        holder_name="Springfield General",
        routing_number=VALID_ROUTING,
        account_number="000123456789",
    )
    services.document_add(actor=actor, application=application, checked=check_upload(a_pdf()), description="W-9")
    services.attestation_save(actor=actor, application=application, attested=True)
    for section in services.LIST_SECTIONS:
        services.section_complete(actor=actor, application=application, section=section)
    application.refresh_from_db()
    return application


def ready(application, actor):
    """Filled, signed and paid (test processor)."""
    fill(application, actor)
    services.application_sign(actor=actor, application=application, typed_name=actor.full_name, attest=True)
    services.payment_start(actor=actor, application=application)
    services.payment_confirm(payment=application.payments.get(), actor=actor)
    application.refresh_from_db()
    return application


def locations_writer(application, admin_user, user):
    sections = {s.value: SectionAccess.READ for s in Section}
    sections[Section.LOCATIONS] = SectionAccess.WRITE
    return services.grant_invite(
        actor=admin_user,
        application=application,
        email=user.email,
        full_name="",
        sections=sections,
        rights={"sign": False, "pay": False, "submit": False, "message": True},
    )
