"""A person signs in with password and authenticator code and lands on their dashboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import fresh_code_for, sign_in

pytestmark = pytest.mark.browser


def test_biller_signs_in_with_password_and_totp(page, demo_data):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Email").fill("biller@demo.test")
    page.get_by_label("Password").fill("Demo-Password-2026!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a backup code").fill(fresh_code_for("biller@demo.test"))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="User Management")).to_have_count(0)
    expect(nav.get_by_role("link", name="Control Panel")).to_have_count(0)
    expect(page.get_by_role("cell", name="Claims, Eligibility, Message Box")).to_be_visible()


def test_wrong_code_keeps_the_door_shut(page, demo_data):
    page.goto("/login/")
    page.get_by_label("Email").fill("outsider@demo.test")
    page.get_by_label("Password").fill("Demo-Password-2026!")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a backup code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/mfa/"))


def test_analyst_lands_in_the_control_panel(page, demo_data):
    sign_in(page, "analyst@demo.test")
    expect(page.get_by_role("heading", name="Control Panel", exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="My Profile")).to_have_count(0)
