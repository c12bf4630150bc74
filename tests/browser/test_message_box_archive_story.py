"""A biller in Chromium archives a thread from the Message Box, and undoes it at once."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_biller_archives_a_thread_and_undoes_it(page, demo_data):
    sign_in(page, "biller@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name=re.compile("Message Box")
    ).click()
    page.get_by_role("link", name="New message").first.click()
    page.get_by_label("Subject").fill("Remittance for March")
    page.get_by_label("Message").fill("Where is the remittance advice for March?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your message was sent.")).to_be_visible()

    page.get_by_role("button", name="Archive this thread").click()
    expect(page.get_by_text("Archived “Remittance for March”")).to_be_visible()
    expect(page.get_by_role("link", name="Remittance for March")).to_have_count(0)
    page.get_by_role("button", name=re.compile("^Undo")).click()
    expect(page.get_by_text("“Remittance for March” is back in the inbox.")).to_be_visible()
    expect(page.get_by_role("link", name="Remittance for March")).to_be_visible()

    # Archived for good this time: it waits under Archived threads.
    page.get_by_role("link", name="Remittance for March").click()
    page.get_by_role("button", name="Archive this thread").click()
    page.get_by_role("status").get_by_role("link", name="Archived threads").click()
    expect(page.get_by_role("link", name="Remittance for March")).to_be_visible()
