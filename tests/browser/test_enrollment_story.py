"""The enrollment story, end to end in Chromium:

the Provider Admin creates a facility application and invites a colleague with write on Locations
only and no Submit right; the colleague adds a location, reads the other sections as text, sees no
Submit button (a forged submit is refused with 403); the admin signs, pays with the test processor
and submits; the specialist returns it with one correction; the admin fixes, signs again and
resubmits; the supervisor approves; the provider ID exists in the claim system and each event is
in the admin's Message Box.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import ProviderIdentifier, User
from core.uploads import check_upload
from devdata.enrollment import a_pdf, npi_with_check_digit
from enrollment import services
from enrollment.models import EnrollmentApplication, Section, Status
from mailbox.models import Participant
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

NPI = npi_with_check_digit("190000000")
TIN = "456123789"


def _sections_but_locations(application, admin) -> None:
    """The sections the story does not walk through, filled in through the same services."""
    services.identification_save(
        actor=admin,
        application=application,
        legal_name="Evergreen Terrace Hospital",
        npi=NPI,
        tin=TIN,
        taxonomy_code="282N00000X",
        is_dme_supplier=False,
    )
    today = timezone.localdate()
    services.license_add(
        actor=admin,
        application=application,
        kind="license",
        number="IL-77",
        state="IL",
        issued_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=700),
    )
    services.owner_add(
        actor=admin,
        application=application,
        kind="organization",
        name="Burns Holdings",
        role="owner",
        percent=Decimal("100"),
    )
    services.specialty_add(actor=admin, application=application, name="General acute care hospital", is_primary=True)
    services.bank_account_save(
        actor=admin,
        application=application,
        holder_name="Evergreen",
        routing_number="021000021",
        account_number="99887766",
    )
    services.document_add(actor=admin, application=application, checked=check_upload(a_pdf()), description="W-9")
    services.attestation_save(actor=admin, application=application, attested=True)
    for section in (Section.LICENSES, Section.OWNERSHIP, Section.SPECIALTIES, Section.DOCUMENTS):
        services.section_complete(actor=admin, application=application, section=section)


def _add_location(page, street: str) -> None:
    page.get_by_label("Street address").fill(street)
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State").fill("IL")
    page.get_by_label("ZIP code").fill("62704")
    page.get_by_label("Phone").fill("217-555-0110")
    page.get_by_label("Office hours").fill("Mon–Fri 8:00–17:00")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Mark practice locations complete").click()


def _sign(page, name: str) -> None:
    page.get_by_role("link", name="Sign", exact=True).click()
    page.get_by_label("Your full name").fill(name)
    page.locator("label").filter(has_text="I certify").click()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("The application is signed.")).to_be_visible()


def test_enrollment_from_application_to_provider_id(page, demo_data):
    admin = User.objects.get(email="enroll@demo.test")
    colleague = User.objects.get(email="biller@demo.test")

    # The admin creates the application.
    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Enrollment").click()
    page.get_by_role("link", name="New application").click()
    page.locator("label").filter(has_text="Facility (organization)").click()
    page.get_by_label("Legal name").fill("Evergreen Terrace Hospital")
    page.get_by_role("button", name="Create the application").click()
    expect(page.get_by_text(re.compile(r"Application EN-\d{4}-\d{5} was created"))).to_be_visible()
    application = EnrollmentApplication.objects.get(legal_name="Evergreen Terrace Hospital")
    _sections_but_locations(application, admin)

    # ... and invites the colleague: write on Locations, read elsewhere, no Sign, Pay or Submit.
    page.get_by_role("link", name="Users and rights").click()
    page.get_by_label("Email").fill(colleague.email)
    for section in Section:
        page.locator(f"#id_section_{section.value}").select_option("write" if section == Section.LOCATIONS else "read")
    page.locator("label[for=id_can_message]").click()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text(f"{colleague.email} was invited")).to_be_visible()
    sign_out(page)

    # The colleague adds a location, reads the rest as text and has no Submit button.
    sign_in(page, colleague.email)
    page.goto(f"/enrollment/{application.uuid}/")
    expect(page.get_by_role("button", name=re.compile("Submit"))).to_have_count(0)
    expect(page.get_by_role("link", name="Sign", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Ownership and managing control").click()
    expect(page.get_by_text("You may read this section.")).to_be_visible()
    expect(page.get_by_text("Burns Holdings")).to_be_visible()
    expect(page.locator("main input:not([type=hidden])")).to_have_count(0)
    page.goto(f"/enrollment/{application.uuid}/locations/")
    _add_location(page, "742 Evergreen Terrace")
    expect(page.get_by_text("Practice locations is complete.")).to_be_visible()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"/enrollment/{application.uuid}/submit/", form={"csrfmiddlewaretoken": token}, headers={"Referer": page.url}
    )
    assert forged.status == 403
    assert EnrollmentApplication.objects.get(pk=application.pk).status == Status.DRAFT
    sign_out(page)

    # The admin signs, pays with the test processor and submits.
    sign_in(page, admin.email)
    page.goto(f"/enrollment/{application.uuid}/")
    _sign(page, admin.full_name)
    page.get_by_role("link", name="Pay the fee (test payment)").click()
    page.get_by_role("button", name="Continue to the test payment").click()
    expect(page.get_by_role("heading", name="Test payment")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Pay \$750\.00 \(test payment\)")).click()
    expect(page.get_by_text("Test payment of $750.00 recorded.")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text(re.compile(r"was submitted"))).to_be_visible()
    sign_out(page)

    # The specialist takes it and returns it with one correction.
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Enrollment").click()
    page.get_by_role("link", name=application.reference).click()
    page.get_by_role("button", name="Take for review").click()
    page.get_by_role("textbox", name="Practice locations").fill("Add the suite number to the address.")
    page.get_by_role("button", name="Return for correction").click()
    expect(page.get_by_text("was returned for correction")).to_be_visible()
    sign_out(page)

    # The admin fixes the location, signs again and resubmits.
    sign_in(page, admin.email)
    page.goto(f"/enrollment/{application.uuid}/")
    expect(page.get_by_text("Add the suite number to the address.").first).to_be_visible()
    page.get_by_role("link", name="Practice locations").click()
    page.get_by_role("button", name=re.compile("^Remove")).click()
    _add_location(page, "742 Evergreen Terrace, Suite 2")
    page.goto(f"/enrollment/{application.uuid}/")
    expect(page.get_by_text("The application must be signed again: it changed after signing.")).to_be_visible()
    _sign(page, admin.full_name)
    page.get_by_role("button", name="Resubmit the application").click()
    expect(page.get_by_text(re.compile(r"was submitted"))).to_be_visible()
    assert EnrollmentApplication.objects.get(pk=application.pk).status == Status.RESUBMITTED
    sign_out(page)

    # The supervisor approves.
    sign_in(page, "supervisor@demo.test")
    page.goto(f"/control-panel/enrollment/{application.uuid}/")
    page.get_by_role("button", name="Take for review").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("was approved")).to_be_visible()
    sign_out(page)

    assert ProviderIdentifier.objects.filter(
        kind="npi", value=NPI, organization__tin=TIN, organization__tin_verified=True
    ).exists()
    subjects = set(Participant.objects.filter(user=admin).values_list("thread__subject", flat=True))
    for status in ("Draft", "Submitted", "In review", "Returned for correction", "Resubmitted", "Approved"):
        assert any(s.endswith(status) for s in subjects), (status, subjects)

    # Each event is in the admin's Message Box.
    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name=re.compile("Message Box")
    ).click()
    for words in ("Approved", "Returned for correction", "Resubmitted", "Submitted"):
        expect(page.get_by_text(re.compile(f"{application.reference}: {words}$")).first).to_be_visible()
