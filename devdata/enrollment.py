"""Enrollment demo data: the Provider Admin persona's draft and submitted applications, the
enrollment roles of the plan's staff, and the filled-in applications the test worlds use. Every row
is written through enrollment.services, so the demo obeys the same rules as the portal."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from accounts.validators import luhn_is_valid
from core.uploads import check_upload
from enrollment import services
from enrollment.models import ApplicantKind, EnrollmentApplication, EnrollmentStaff, StaffRole

DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% demo enrollment document\n%%EOF\n"
VALID_ROUTING = "021000021"


def npi_with_check_digit(first_nine: str) -> str:
    """A valid NPI from nine digits: the Luhn check digit over the 80840 prefix appended."""
    for digit in "0123456789":
        if luhn_is_valid("80840" + first_nine + digit):
            return first_nine + digit
    raise AssertionError("unreachable: one check digit always fits")


def a_pdf(name: str = "w9.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def filled_application(
    *,
    admin: User,
    legal_name: str,
    npi: str,
    tin: str,
    kind: str = ApplicantKind.FACILITY,
    sign: bool = True,
    pay: bool = True,
) -> EnrollmentApplication:
    """A draft with every section filled in and complete; signed and paid (test processor) if asked."""
    application = services.application_create(actor=admin, kind=kind, legal_name=legal_name)
    services.identification_save(
        actor=admin,
        application=application,
        legal_name=legal_name,
        npi=npi,
        tin=tin,
        taxonomy_code="282N00000X" if kind == ApplicantKind.FACILITY else "207Q00000X",
        is_dme_supplier=False,
    )
    services.location_add(
        actor=admin,
        application=application,
        address_line1="742 Evergreen Terrace",
        city="Springfield",
        state="IL",
        postal_code="62704",
        phone="217-555-0142",
        hours="Mon–Fri 8:00–17:00",
    )
    today = timezone.localdate()
    services.license_add(
        actor=admin,
        application=application,
        kind="license",
        number="IL-0042",
        state="IL",
        issued_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=700),
    )
    services.owner_add(
        actor=admin, application=application, kind="person", name="Julius Hibbert", role="owner", percent=Decimal("100")
    )
    services.specialty_add(actor=admin, application=application, name="Family medicine", is_primary=True)
    services.bank_account_save(
        actor=admin,
        application=application,
        holder_name=legal_name,
        routing_number=VALID_ROUTING,
        account_number="000123456789",
    )
    services.document_add(actor=admin, application=application, checked=check_upload(a_pdf()), description="W-9")
    services.attestation_save(actor=admin, application=application, attested=True)
    for section in services.LIST_SECTIONS:
        services.section_complete(actor=admin, application=application, section=section)
    application.refresh_from_db()
    if sign:
        services.application_sign(actor=admin, application=application, typed_name=admin.full_name, attest=True)
    if pay and not application.fee_exempt:
        services.payment_start(actor=admin, application=application)
        services.payment_confirm(payment=application.payments.get(), actor=admin)
    application.refresh_from_db()
    return application


def staff_role_set(user: User, role: str) -> None:
    EnrollmentStaff.objects.update_or_create(user=user, defaults={"role": role})


def seed_demo_enrollment() -> None:
    """enroll@demo.test's draft and submitted applications; the analyst is an Enrollment
    Specialist and supervisor@demo.test an Enrollment Supervisor. Idempotent."""
    admin = User.objects.get(email="enroll@demo.test")
    staff_role_set(User.objects.get(email="analyst@demo.test"), StaffRole.SPECIALIST)
    staff_role_set(User.objects.get(email="supervisor@demo.test"), StaffRole.SUPERVISOR)
    if EnrollmentApplication.objects.filter(created_by=admin).exists():
        return
    draft = services.application_create(
        actor=admin, kind=ApplicantKind.FACILITY, legal_name="Evergreen Surgical Center"
    )
    services.location_add(
        actor=admin,
        application=draft,
        address_line1="1 Evergreen Plaza",
        city="Springfield",
        state="IL",
        postal_code="62704",
        phone="217-555-0199",
        hours="Mon–Sat 7:00–19:00",
    )
    submitted = filled_application(
        admin=admin, legal_name="Springfield Sleep Lab", npi=npi_with_check_digit("150000000"), tin="345678912"
    )
    services.application_submit(actor=admin, application=submitted)
