"""A biller asks the status of the pending demo claim and reads the answer in words, then corrects a
claim and finds the replacement in the list, the original saying "Replaced by". Screenshots of the
pages go to SHOTS_DIR when it is set."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from claims.models import Claim, FrequencyCode
from devdata.claim_status import STATUS_CLAIMS
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


def test_biller_asks_a_claims_status_and_corrects_a_claim(page, demo_data):
    number, member_id, _name, day, _code, billed, _status, _received = STATUS_CLAIMS[0]
    sign_in(page, "biller@demo.test")
    page.goto("/claims/")
    page.get_by_role("link", name="Claim status").click()
    expect(page.get_by_role("heading", name="Claim status", level=1)).to_be_visible()
    _shoot(page, "status-form")

    # A wrong birth date answers "No match", and says nothing more.
    page.get_by_label("Member ID").fill(member_id.lower())
    page.get_by_label("Member's date of birth").fill("1956-05-13")
    page.get_by_label("Date of service").fill(day.isoformat())
    page.get_by_label("Billed amount").fill(str(billed))
    page.get_by_role("button", name="Ask the status").click()
    expect(page.get_by_role("heading", name="No match")).to_be_visible()

    page.get_by_label("Member's date of birth").fill("1956-05-12")
    page.get_by_role("button", name="Ask the status").click()
    expect(page.get_by_role("heading", name="Pending: in process (P1)")).to_be_visible()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    _shoot(page, "status-answer")

    # Correct the suspended demo claim: one more unit on its line, a higher charge.
    suspended = STATUS_CLAIMS[1][0]
    page.goto(f"/claims/{suspended}/")
    page.get_by_role("link", name="Correct this claim").click()
    expect(page.get_by_role("heading", name=f"Correct claim {suspended}")).to_be_visible()
    _shoot(page, "correct-form")
    page.get_by_role("button", name="Send the replacement").click()
    expect(page.get_by_text("Nothing was changed")).to_be_visible()
    page.get_by_label("Units").fill("2")
    page.get_by_label("Charge").fill("1225.00")
    page.get_by_role("button", name="Send the replacement").click()
    replacement = f"{suspended}-R1"
    expect(page.get_by_role("heading", name=f"Claim {replacement}")).to_be_visible()
    expect(page.get_by_text(f"Replacement claim {replacement} was received.")).to_be_visible()
    _shoot(page, "correct-replacement")
    new = Claim.objects.get(claim_number=replacement)
    assert new.frequency_code == FrequencyCode.REPLACEMENT and new.replaces.claim_number == suspended

    page.goto("/claims/")
    page.get_by_role("button", name="Show claims").click()
    expect(page.get_by_role("link", name=replacement)).to_be_visible()
    page.goto(f"/claims/{suspended}/")
    expect(page.locator("#corrections ~ ul")).to_contain_text(f"Replaced by claim {replacement}")
    _shoot(page, "correct-original")
