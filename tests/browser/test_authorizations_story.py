"""The prior authorization story, end to end in Chromium:

the biller (given Authorizations) submits an expedited request with two service lines, one
ICD-10-CM code and a PDF; the analyst sees it first in the queue with its time left and asks for
more information; the biller uploads it; the analyst approves line 1 and denies line 2 with a coded
reason; the biller sees both decisions and downloads the letter; the public metrics page counts it.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import AccessLevel, Organization, User
from accounts.services.access import access_levels_set
from authorizations.models import AuthorizationRequest, LineDecision, RequestStatus
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def _choose(scope, label) -> None:
    """Tick a USWDS radio or checkbox as a person does: by clicking its label."""
    scope.locator("label").filter(has_text=label).first.click()


def _pdf(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% clinical notes\n%%EOF\n")
    return str(path)


def test_prior_authorization_from_request_to_letter(page, demo_data, tmp_path):
    # The demo's own requests are set aside, so the new one is the first due in the queue.
    AuthorizationRequest.objects.all().delete()
    biller = User.objects.get(email="biller@demo.test")
    levels = [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX, AccessLevel.AUTHORIZATIONS]
    access_levels_set(actor=None, user=biller, organization=Organization.objects.get(tin="123456789"), levels=levels)
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    sign_in(page, "biller@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Authorizations").click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Member ID").fill("M100200301")
    page.get_by_label("Date of birth").fill("1956-05-12")
    page.get_by_label("Planned date of service").fill(day)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Requesting provider ID").select_option(label="NPI 1234567893 (Julius Hibbert MD)")
    page.get_by_label("Servicing provider or facility NPI").fill("1234567893")
    page.get_by_label("Servicing provider or facility name").fill("Springfield General <b>Hospital</b>")
    page.get_by_label("Category").select_option("outpatient")
    page.get_by_label("Place of service").select_option("22")
    _choose(page, "Expedited")
    page.get_by_role("button", name="Save and continue").click()
    # Expedited without the attestation is refused, the error beside the box.
    expect(page.get_by_text("An expedited request needs the attestation.").first).to_be_visible()
    _choose(page, "I attest")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Diagnosis 1 (primary)").fill("M54.50")
    page.get_by_role("button", name="Save and continue").click()

    for index, code in enumerate(["72148", "97110"]):
        line = page.get_by_role("group", name=f"Line {index + 1}")
        line.get_by_label("CPT/HCPCS code").fill(code)
        line.get_by_label("Units").fill("1" if index == 0 else "8")
        line.get_by_label("From").fill(day)
        line.get_by_label("To").fill(day)
    page.get_by_role("button", name="Save and continue").click()

    page.locator("input[type=file]").set_input_files(_pdf(tmp_path, "mri-order.pdf"))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=re.compile("Review and submit"))).to_be_visible()
    expect(page.get_by_text("mri-order.pdf")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Submit to")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Authorization PA-"))).to_be_visible()
    authorization = AuthorizationRequest.objects.get()
    assert authorization.status == RequestStatus.SUBMITTED and authorization.lines.count() == 2
    sign_out(page)

    # The analyst: first in the queue, with its time left.
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Authorizations").click()
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text(authorization.reference)
    expect(first_row).to_contain_text(re.compile(r"(2 days|71 hours|1 day).* left|left"))
    first_row.get_by_role("link", name=authorization.reference).click()
    page.get_by_role("button", name="Take").click()
    page.get_by_label("What is needed").fill("The order signed by the physician.")
    page.get_by_label("Answer by").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Ask the provider").click()
    expect(page.get_by_text("The provider was asked for the information.")).to_be_visible()
    sign_out(page)

    # The biller sends it.
    sign_in(page, "biller@demo.test")
    page.goto(f"/authorizations/{authorization.uuid}/")
    expect(page.get_by_text("The order signed by the physician.", exact=True)).to_be_visible()
    page.get_by_role("link", name="Send the information you were asked for").click()
    page.get_by_label("Your answer").fill("Signed order attached.")
    page.locator("input[type=file]").set_input_files(_pdf(tmp_path, "signed-order.pdf"))
    page.get_by_role("button", name=re.compile("^Send to")).click()
    expect(page.get_by_text("Your information was sent to the plan.")).to_be_visible()
    sign_out(page)

    # The analyst decides: line 1 approved, line 2 denied with a coded reason.
    sign_in(page, "analyst@demo.test")
    page.goto(f"/control-panel/authorizations/{authorization.uuid}/")
    expect(page.get_by_role("link", name="signed-order.pdf")).to_be_visible()
    line1 = page.get_by_role("group", name=re.compile("^Line 1:"))
    line1.locator("label").filter(has_text=re.compile("^Approve$")).click()
    line2 = page.get_by_role("group", name=re.compile("^Line 2:"))
    _choose(line2, "Deny")
    page.get_by_role("button", name="Decide and send the letter").click()
    expect(page.get_by_text("A denied line needs a coded reason.").first).to_be_visible()
    line2 = page.get_by_role("group", name=re.compile("^Line 2:"))
    line2.get_by_label("Denial reason (required to deny)").select_option("ALT01")
    line2.get_by_label("Note to the provider").fill("Try a home exercise program first.")
    page.get_by_role("button", name="Decide and send the letter").click()
    expect(page.get_by_text(re.compile("was decided; the letter was posted"))).to_be_visible()
    sign_out(page)

    # The biller sees both decisions and downloads the letter.
    sign_in(page, "biller@demo.test")
    page.goto(f"/authorizations/{authorization.uuid}/")
    expect(page.get_by_text("Partially approved").first).to_be_visible()
    expect(page.get_by_text(re.compile("ALT01"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the decision letter (PDF)").click()
    assert download.value.suggested_filename == f"{authorization.reference}-decision.pdf"
    assert [line.decision for line in authorization.lines.all()] == [LineDecision.APPROVED, LineDecision.DENIED]
    sign_out(page)

    # The public metrics page counts it.
    page.goto(f"/prior-authorization/metrics/?year={timezone.now().year}")
    expect(page.get_by_role("row", name=re.compile(r"^Expedited requests decided 1$"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Expedited requests approved \(%\) 100\.0$"))).to_be_visible()
