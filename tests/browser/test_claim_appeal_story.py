"""A denied claim is appealed and overturned: the biller reads the adjustment in words and appeals
with a PDF; the analyst takes it from the Control Panel's queue and overturns it; the biller sees
the decision on the claim, the Message Box notice, and downloads the decision letter."""

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from claims.models import Claim, ClaimLine
from core.pdf import Paragraph, render_pdf
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR")


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"claims-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_denied_claim_appealed_and_overturned(page, demo_data, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    claim = (
        Claim.objects.filter(provider_identifier__value="1234567893", status="denied", lines__isnull=False)
        .order_by("claim_number")
        .first()
    )
    reason = ClaimLine.objects.filter(claim=claim).first().adjustments.first().reason_code
    records = tmp_path / "records.pdf"
    records.write_bytes(render_pdf(title="Office visit notes", blocks=[Paragraph("Generated for the test.")]))

    sign_in(page, "biller@demo.test")
    page.goto(f"/claims/{claim.claim_number}/")
    adjustment = page.locator("ul.adjustments").first
    expect(adjustment).to_contain_text(f"CO-{reason}")
    expect(adjustment).to_contain_text("The provider writes this off under the contract")
    page.get_by_role("link", name="Appeal / reconsideration").click()
    page.locator("label", has_text=re.compile("^Appeal$")).click()
    page.get_by_label("Reason").select_option("medical_necessity")
    page.get_by_label("Why the decision should change").fill("The visit notes show the service was needed.")
    page.locator("input#id_files").set_input_files(str(records))
    _shoot(page, "appeal-form")
    page.get_by_role("button", name="Send to the plan").click()
    expect(page.get_by_role("heading", name=re.compile("^Appeal submitted"))).to_be_visible()
    expect(page.get_by_role("link", name="records.pdf")).to_be_visible()
    sign_out(page)

    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Appeals").click()
    _shoot(page, "cp-appeals")
    page.get_by_role("link", name=claim.claim_number).click()
    expect(page.get_by_role("link", name="records.pdf")).to_be_visible()
    page.get_by_role("button", name="Take this appeal").click()
    page.locator("label", has_text=re.compile("^Overturned$")).click()
    page.get_by_label("Reason for the decision").fill("The notes support medical necessity; the claim is reprocessed.")
    _shoot(page, "cp-appeal")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Overturned on")).to_be_visible()
    sign_out(page)

    sign_in(page, "biller@demo.test")
    page.goto("/messages/")
    expect(
        page.get_by_role("link", name=re.compile(f"appeal of claim {claim.claim_number} is decided"))
    ).to_be_visible()
    page.goto(f"/claims/{claim.claim_number}/")
    expect(page.get_by_role("heading", name=re.compile("^Appeal submitted .*Overturned"))).to_be_visible()
    _shoot(page, "detail-appealed")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the decision letter (PDF)").click()
    letter = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    text = "".join(p.extract_text() for p in letter.pages)
    assert "Overturned" in text and claim.claim_number in text and "medical necessity" in text
