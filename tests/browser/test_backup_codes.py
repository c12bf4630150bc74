"""A biller makes new backup codes from My Profile, copies them, and signs in with one; a used
code and an old code are refused."""

import pytest
from playwright.sync_api import expect

from devdata.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

CODE_FIELD = "Code from your authenticator app, or a backup code"


def _password_step(page, email):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _make_new_codes(page) -> list[str]:
    page.goto("/profile/")
    page.get_by_role("link", name="Backup codes for signing in without your phone").click()
    expect(page.get_by_role("heading", name="Backup codes", exact=True)).to_be_visible()
    page.get_by_role("button", name="Make new backup codes").click()
    expect(page.get_by_text("Your current backup codes stop working at once")).to_be_visible()
    page.get_by_role("button", name="Make new backup codes").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    return [code.strip() for code in page.get_by_role("list", name="Backup codes").locator("li").all_inner_texts()]


def test_new_codes_copy_and_sign_in_once(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "biller@demo.test")
    first = _make_new_codes(page)
    codes = _make_new_codes(page)
    assert len(codes) == 10 and not set(first) & set(codes)

    # Script is on: the no-script hint is gone, Copy and Print are offered.
    expect(page.get_by_text("use your browser's Print command")).to_be_hidden()
    expect(page.get_by_role("button", name="Print codes")).to_be_visible()
    page.get_by_role("button", name="Copy codes").click()
    expect(page.get_by_role("status").filter(has_text="The 10 codes are copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").split() == codes

    # Printed, only the codes and whose they are remain.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Copy codes")).to_be_hidden()
    expect(page.get_by_text("backup codes for biller@demo.test")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="I saved my codes, continue").click()
    sign_out(page)

    # An old code is refused; a new one works once.
    _password_step(page, "biller@demo.test")
    page.get_by_label(CODE_FIELD).fill(first[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("not right")).to_be_visible()
    page.wait_for_timeout(1100)  # one failure delays the next try by a second
    page.get_by_label(CODE_FIELD).fill(codes[3])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Enter your security code")
    assert "/mfa/" not in page.url
    sign_out(page)
    _password_step(page, "biller@demo.test")
    page.get_by_label(CODE_FIELD).fill(codes[3])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("not right")).to_be_visible()


def test_without_script_the_page_says_how_to_keep_the_codes(page, live_server):
    context = page.context.browser.new_context(base_url=live_server.url, java_script_enabled=False)
    plain = context.new_page()
    sign_in(plain, "analyst@demo.test")
    plain.goto("/profile/backup-codes/")
    plain.get_by_role("button", name="Make new backup codes").click()
    plain.get_by_role("button", name="Make new backup codes").click()
    expect(plain.get_by_role("list", name="Backup codes").locator("li")).to_have_count(10)
    expect(plain.get_by_text("use your browser's Print command, or select the codes and copy them")).to_be_visible()
    expect(plain.get_by_role("button", name="Copy codes")).to_be_hidden()
    expect(plain.get_by_role("button", name="Print codes")).to_be_hidden()
    context.close()
