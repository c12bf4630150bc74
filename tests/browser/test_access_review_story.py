"""An access review in Chromium: the analyst opens it, the account manager keeps one user and
removes another, the removed user loses access at once, and the review shows 100% done."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditAction, AuditEvent
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_review_keep_one_remove_another(page, demo_data):
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
    expect(page.get_by_text("Progress: 0 of 2 users reviewed (0%)")).to_be_visible()
    page.get_by_role("button", name="Keep Marge Manager").click()
    expect(page.get_by_text("Progress: 1 of 2 users reviewed (50%)")).to_be_visible()
    page.get_by_role("button", name="Remove Bill Biller").click()
    expect(page.get_by_text("Progress: 2 of 2 users reviewed (100%)")).to_be_visible()
    sign_out(page)

    # The removed user has lost access at once.
    sign_in(page, "biller@demo.test")
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Claims")).to_have_count(0)
    expect(page.get_by_text("You have no access levels yet.")).to_be_visible()
    assert page.goto("/claims/").status == 403
    sign_out(page)

    sign_in(page, "analyst@demo.test")
    page.goto(review_url)
    expect(page.get_by_text("1 of 1 TINs done")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 of 2 users \(100%\)"))).to_be_visible()
    decided = AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED)
    assert sorted(e.details["decision"] for e in decided) == ["keep", "remove"]
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_REMOVED, target_repr="biller@demo.test").exists()
