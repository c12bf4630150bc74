"""A biller works the claims: sorts and filters the list, opens a claim whose lines and
adjustments are explained in words, follows it to the payment that paid it and downloads the
remittance advice; "Back to Claims" keeps the filters. Screenshots of the pages go to
SHOTS_DIR when it is set."""

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from claims.models import ClaimPayment
from devdata.claims import DEMO_TRACE
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR")


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"claims-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_biller_sorts_filters_opens_a_claim_and_its_payment(page, demo_data):
    paid = ClaimPayment.objects.filter(remittance__trace_number=DEMO_TRACE, claim__status="paid").order_by("id")
    claim = paid.first().claim
    sign_in(page, "biller@demo.test")
    page.goto("/claims/")
    _shoot(page, "list-form")

    # Filter by status and a member ID typed in lower case, then sort by a column.
    page.get_by_label("Status").select_option("paid")
    page.get_by_label("Member ID").fill(claim.member_id.lower())
    page.get_by_role("button", name="Show claims").click()
    expect(page.locator("#claim-count")).to_contain_text(re.compile(r"\d+ claims? match"))
    page.get_by_role("link", name="Billed", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("sorted by billed amount, highest first")
    page.get_by_role("link", name="Billed", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("sorted by billed amount, lowest first")
    _shoot(page, "list")

    page.get_by_role("link", name=claim.claim_number).click()
    expect(page.get_by_role("heading", name=f"Claim {claim.claim_number}")).to_be_visible()
    expect(page.get_by_role("heading", name="Service lines")).to_be_visible()
    adjustments = page.locator("ul.adjustments").first
    expect(adjustments).to_contain_text("CO-45")
    expect(adjustments).to_contain_text("The charge is above the fee schedule or contracted amount.")
    expect(adjustments).to_contain_text("The provider writes this off under the contract")
    _shoot(page, "detail")

    # Back to Claims keeps the filters and the sort.
    page.get_by_role("link", name="Back to Claims").click()
    expect(page).to_have_url(re.compile(r"status=paid"))
    expect(page.get_by_role("table")).to_contain_text("lowest first")
    expect(page.get_by_label("Member ID")).to_have_value(claim.member_id.lower())

    page.get_by_role("link", name=claim.claim_number).click()
    page.get_by_role("link", name=DEMO_TRACE).click()
    expect(page.get_by_role("heading", name=f"Payment {DEMO_TRACE}")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"Claim {claim.claim_number}"))).to_be_visible()
    _shoot(page, "payment")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the remittance advice (PDF)").click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Remittance advice" in text and DEMO_TRACE in text and claim.claim_number in text

    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Payments").click()
    expect(page.get_by_role("link", name=DEMO_TRACE)).to_be_visible()
    _shoot(page, "payments")
