"""The analyst in Chromium: opens an organization from Users and sees its account managers,
then removes a provider ID from a user, which asks first; a manager cannot open the page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.access import provider_ids_in_scope
from accounts.models import Organization, User
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_analyst_opens_an_organization_and_removes_a_provider_id_after_confirming(page, demo_data):
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Users").click()
    page.get_by_label("Search by name, email, TIN or NPI").fill("biller@demo.test")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row", name=re.compile("biller@demo.test"))
    row.get_by_role("link", name="Springfield Family Clinic").click()

    expect(page.get_by_role("heading", name="Springfield Family Clinic", level=1)).to_be_visible()
    expect(page.get_by_text("123456789").first).to_be_visible()
    expect(page.get_by_role("heading", name="Active account managers (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Marge Manager").first).to_be_visible()
    expect(page.get_by_role("heading", name="Users (3)")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Marge Manager")).get_by_text("Account manager")).to_be_visible()
    expect(page.get_by_role("heading", name="Provider IDs (3)")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log for TIN 123456789")).to_be_visible()

    # From the organization to Bill, and remove his NPI: the portal asks first.
    page.get_by_role("link", name="Bill Biller").click()
    expect(page.get_by_role("heading", name="Bill Biller", level=1)).to_be_visible()
    page.get_by_role("button", name="Remove NPI 1234567893").click()
    expect(page.get_by_role("heading", name="Remove NPI 1234567893 from Bill Biller?")).to_be_visible()
    biller = User.objects.get(email="biller@demo.test")
    assert provider_ids_in_scope(user=biller).filter(value="1234567893").exists()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("button", name="Remove NPI 1234567893")).to_be_visible()
    page.get_by_role("button", name="Remove NPI 1234567893").click()
    page.get_by_role("button", name="Remove NPI 1234567893").click()
    expect(page.get_by_text(re.compile("^Removed NPI 1234567893"))).to_be_visible()
    expect(page.get_by_text("No provider IDs yet.")).to_be_visible()
    assert not provider_ids_in_scope(user=biller).filter(value="1234567893").exists()
    sign_out(page)

    # The page is the plan's only.
    organization = Organization.objects.get(tin="123456789")
    sign_in(page, "manager@demo.test")
    assert page.goto(f"/control-panel/organizations/{organization.uuid}/").status == 403
