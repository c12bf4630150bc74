"""The biller keys a professional claim with two lines, saves it as a draft, submits it and finds
it as received in the Claims list; the 837P download validates with pyx12. Screenshots of the
pages go to SHOTS_DIR when it is set."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim, ClaimDraft
from claims.x12_837 import validate_837p
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR")


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"claims-submit-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_biller_keys_submits_and_downloads_a_claim(page, demo_data):
    today = timezone.localdate().isoformat()
    sign_in(page, "biller@demo.test")
    page.goto("/claims/")
    page.get_by_role("link", name="Submit a claim").click()
    expect(page.get_by_role("heading", name="Submit a claim")).to_be_visible()
    _shoot(page, "form")

    page.get_by_label("Billing provider NPI (box 33a)").select_option(index=1)
    page.get_by_label("Member ID (box 1a)").fill("m100200301")
    page.get_by_label("Member's date of birth (box 3)").fill("1956-05-12")
    page.get_by_label("Patient account number (box 26)").fill("ACCT-2001")
    page.get_by_label("Diagnosis A").fill("E11.9")
    page.get_by_label("Diagnosis B").fill("E11")  # a category, not billable
    first = page.locator("#line-1")
    first.get_by_label("CPT/HCPCS").fill("99213")
    first.get_by_label("Modifiers").fill("25")
    first.get_by_label("Diagnosis pointers").fill("A,B")
    first.get_by_label("From").fill(today)
    first.get_by_label("Charge ($)").fill("125.00")
    second = page.locator("#line-2")
    second.get_by_label("CPT/HCPCS").fill("81002")
    second.get_by_label("Diagnosis pointers").fill("C")  # no diagnosis C
    second.get_by_label("From").fill(today)
    second.get_by_label("Charge ($)").fill("12.50")
    page.get_by_role("button", name="Save draft").click()

    # Both mistakes come back next to their fields, with what was typed, and nothing is saved.
    expect(page.get_by_role("heading", name="Correct the marked fields; nothing was saved")).to_be_visible()
    expect(page.get_by_text("E11 is not a billable ICD-10-CM code.").first).to_be_visible()
    expect(page.get_by_text("No diagnosis C is entered above.").first).to_be_visible()
    expect(first.get_by_label("CPT/HCPCS")).to_have_value("99213")
    assert not ClaimDraft.objects.exists()
    _shoot(page, "errors")

    page.get_by_label("Diagnosis B").fill("I10")
    second.get_by_label("Diagnosis pointers").fill("B")
    # "Add a line" posts back one more blank row, keeping what was typed.
    page.get_by_role("button", name="Add a line").click()
    expect(page.locator("#line-3")).to_be_visible()
    expect(page.locator("#line-2").get_by_label("CPT/HCPCS")).to_have_value("81002")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("heading", name="Claim draft")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("2 in all, $137.50 billed")
    expect(page.get_by_text("E11.9: Type 2 diabetes mellitus without complications")).to_be_visible()
    _shoot(page, "draft")

    page.get_by_role("button", name="Submit claim").click()
    claim = Claim.objects.get(draft__isnull=False)
    expect(page.get_by_role("heading", name=f"Claim {claim.claim_number}")).to_be_visible()
    expect(page.get_by_text(f"Claim {claim.claim_number} is submitted and received.")).to_be_visible()

    page.goto("/claims/")
    page.get_by_label("Claim number").fill(claim.claim_number.lower())
    page.get_by_role("button", name="Show claims").click()
    row = page.get_by_role("row").filter(has_text=claim.claim_number)
    expect(row).to_contain_text("Received")
    _shoot(page, "list")

    page.goto(f"/claims/submit/{claim.draft.uuid}/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download 837P").click()
    text = Path(info.value.path()).read_text()
    assert f"CLM*{claim.claim_number}*137.5" in text
    assert validate_837p(text) == []
