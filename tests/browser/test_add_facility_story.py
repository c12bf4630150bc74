"""The Add Facility story of the training video, end to end in Chromium:

the biller asks for NPI 1245319599 (and mistypes another), the analyst approves it on one screen,
and the biller then sees the reply, the new provider ID and its claims.
"""

import re

import pytest
from playwright.sync_api import expect

from access_requests.models import AccessRequest, RequestStatus
from outbox.models import OutboundEmail
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

NEW_NPI = "1245319599"


def provider_filter_options(page):
    page.goto("/claims/")
    return page.get_by_label("Provider ID").locator("option").all_inner_texts()


def test_add_facility_from_request_to_claims(page, demo_data):
    # The biller cannot see the pediatrics claims yet.
    sign_in(page, "biller@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    assert not any(NEW_NPI in option for option in provider_filter_options(page))

    # My Profile → Add Facility.
    nav = page.get_by_role("navigation", name="Primary navigation")
    nav.get_by_role("link", name="My Profile").click()
    expect(page.get_by_role("rowheader", name="1234567893")).to_be_visible()
    page.get_by_role("link", name="Add Facility").click()
    expect(page.get_by_role("heading", name="Add Facility")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred script checks IDs as they are typed

    first = page.get_by_label("ID", exact=True).nth(0)
    second = page.get_by_label("ID", exact=True).nth(1)
    first.fill(NEW_NPI)
    second.fill("1234567890")
    # Checked as it is typed…
    expect(page.get_by_text("This NPI's check digit is wrong.")).to_be_visible()
    page.get_by_label("Note for the reviewer (optional)").fill("New pediatrics location <script>alert(1)</script>")
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    page.get_by_role("button", name="Send request").click()
    # …and again on the server, which refuses the whole request.
    expect(page.get_by_text("This NPI's check digit is wrong.")).to_be_visible()
    assert AccessRequest.objects.count() == 0
    page.get_by_label("ID", exact=True).nth(1).fill("")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Request R-"))).to_be_visible()
    expect(page.get_by_text("Status: Open")).to_be_visible()
    request = AccessRequest.objects.get()
    sign_out(page)

    # The analyst handles it in one screen.
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Mailbox").click()
    page.get_by_label("Show").select_option("requests")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name=re.compile(request.reference)).click()
    panel = page.get_by_role("table", name="Requested IDs checked against the claim system")
    expect(panel.get_by_text("Found")).to_be_visible()
    expect(panel.get_by_text("Springfield Pediatrics, Springfield Family Clinic, TIN 123456789")).to_be_visible()
    expect(page.get_by_text("New pediatrics location <script>alert(1)</script>")).to_be_visible()
    expect(page.get_by_label("Reply to the provider")).to_contain_text("We have added these provider IDs")
    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_text(f"Request {request.reference}: approved.")).to_be_visible()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert OutboundEmail.objects.filter(to="biller@demo.test", template="new_message").exists()
    assert OutboundEmail.objects.filter(template="payer_new_request").exists()
    sign_out(page)

    # The biller reads the reply and sees the new ID and its claims.
    sign_in(page, "biller@demo.test")
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name=re.compile("Message Box"))).to_contain_text("1")
    nav.get_by_role("link", name=re.compile("Message Box")).click()
    page.get_by_role("link", name=re.compile(request.reference)).click()
    expect(page.get_by_text("Added to your account:")).to_be_visible()
    expect(page.get_by_text("We have added these provider IDs to your account:")).to_be_visible()
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="My Profile").click()
    expect(page.get_by_role("rowheader", name=NEW_NPI)).to_be_visible()
    options = provider_filter_options(page)
    label = next(option for option in options if NEW_NPI in option)
    page.get_by_label("Provider ID").select_option(label=label)
    page.get_by_role("button", name="Show claims").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_contain_text(NEW_NPI)
    assert rows.count() > 0
