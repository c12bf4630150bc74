"""An access review in Chromium: the analyst opens it; the account manager, who cannot review
their own access, removes a user after confirming and still sees them listed as removed with
the right progress; the removed user loses access at once; the plan reviews the manager, the
only one of the TIN, on the campaign page, and the review is done."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditAction, AuditEvent
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_review_remove_with_confirmation_and_the_plan_reviews_the_manager(page, demo_data):
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Reviews").click()
    page.get_by_label("Name").fill("Quarterly access review")
    page.get_by_label("Due date", exact=True).fill(due)
    page.get_by_label("TINs (leave empty for every organization)").fill("123456789")
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_text("0 of 1 TINs done")).to_be_visible()
    review_url = page.url
    sign_out(page)

    sign_in(page, "manager@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="User Management").click()
    page.get_by_role("link", name="Review TIN 123456789").click()
    task_url = page.url
    expect(page.get_by_text("Progress: 0 of 3 users reviewed (0%)")).to_be_visible()
    # Her own row cannot be kept by herself: the plan reviews it.
    own_row = page.get_by_role("row", name=re.compile("Marge Manager"))
    expect(own_row.get_by_text("Reviewed by the plan")).to_be_visible()
    expect(page.get_by_role("button", name="Keep Marge Manager")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Select Marge Manager")).to_have_count(0)

    # Remove asks first; Cancel changes nothing.
    page.get_by_role("button", name="Remove Bill Biller").click()
    expect(page.get_by_role("heading", name="Remove Bill Biller from Springfield Family Clinic?")).to_be_visible()
    expect(page.get_by_text("They are signed out everywhere")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(task_url)
    expect(page.get_by_text("Progress: 0 of 3 users reviewed (0%)")).to_be_visible()
    page.get_by_role("button", name="Remove Bill Biller").click()
    page.get_by_role("button", name="Remove Bill Biller").click()
    expect(page.get_by_text("Bill Biller: removed from the TIN.")).to_be_visible()
    # Bill stays in the list, as removed, by whom; no button for him any more.
    biller_row = page.get_by_role("row", name=re.compile("Bill Biller"))
    expect(biller_row.get_by_text("Removed", exact=True)).to_be_visible()
    expect(biller_row.get_by_text(re.compile("^by Marge Manager"))).to_be_visible()
    expect(page.get_by_role("button", name="Remove Bill Biller")).to_have_count(0)
    expect(page.get_by_text("Progress: 1 of 3 users reviewed (33%)")).to_be_visible()
    # Nora keeps her access.
    page.get_by_role("button", name="Keep Nora Nurse").click()
    expect(page.get_by_text("Progress: 2 of 3 users reviewed (67%)")).to_be_visible()
    sign_out(page)

    # The removed user has lost access at once, and the review is not his to open.
    sign_in(page, "biller@demo.test")
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Claims")).to_have_count(0)
    expect(page.get_by_role("heading", name="You have no access levels yet")).to_be_visible()
    assert page.goto("/claims/").status == 403
    assert page.goto(task_url).status == 403
    sign_out(page)

    # The plan sees the same progress, and the manager waiting for it.
    sign_in(page, "analyst@demo.test")
    page.goto(review_url)
    expect(page.get_by_text("2 of 3 users reviewed (67%)")).to_be_visible()
    expect(page.get_by_role("heading", name="Account managers for the plan to review (1)")).to_be_visible()
    page.get_by_role("button", name="Keep Marge Manager").click()
    expect(page.get_by_text("Marge Manager keeps their access to Springfield Family Clinic")).to_be_visible()
    expect(page.get_by_text("3 of 3 users reviewed (100%)")).to_be_visible()
    expect(page.get_by_text("1 of 1 TINs done")).to_be_visible()
    decided = AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED)
    assert sorted((e.actor_email, e.details["decision"]) for e in decided) == [
        ("analyst@demo.test", "keep"),
        ("manager@demo.test", "keep"),
        ("manager@demo.test", "remove"),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_REMOVED, target_repr="biller@demo.test").exists()
