"""A stranger guesses a biller's password: sign-in pauses for that email (the same words as for an
unknown email), the biller's manager sees the failed sign-ins, and a flood of reset requests
meets the styled 429 page that keeps what was typed."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import AxeAudit
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SHOTS_DIR", "")


def shot(page, name):
    """Desktop and phone screenshots when SHOTS_DIR is set (for the notes)."""
    if not SHOTS:
        return
    for label, width in (("desktop", 1280), ("phone", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/h7-{page_name(name)}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def page_name(name):
    return re.sub(r"[^a-z0-9-]+", "-", name.lower())


def guess(page, email, password="Not-the-password-1"):  # noqa: S107  (a wrong guess)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_guesses_pause_one_email_and_the_manager_sees_them(page):
    audit = AxeAudit(page)
    page.goto("/login/")
    for _ in range(4):
        guess(page, "biller@demo.test")
        expect(page.get_by_text("do not match an active account")).to_be_visible()
    guess(page, "biller@demo.test")
    alert = page.get_by_role("alert").filter(has_text="Sign-in paused")
    expect(alert).to_contain_text("too many failed sign-in attempts for this email from your network")
    expect(alert).to_contain_text(
        re.compile(r"Try again after \d{1,2}:\d\d [AP]M( on [A-Z][a-z]{2} \d{1,2})? \(in 1[45] minutes\)")
    )
    # The right password does not help during the pause; the email stays in the form.
    guess(page, "biller@demo.test", "Demo-Password-2026!")
    expect(page.get_by_text("Sign-in paused")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("biller@demo.test")
    shot(page, "signin-paused")
    audit.check("Sign in, paused")
    known = page.get_by_role("alert").filter(has_text="Sign-in paused").inner_text()

    # An email nobody has: the same words after the same number of guesses. (The network's own
    # limit, ten failures a minute across emails, is emptied first so that it does not answer.)
    from django.core.cache import cache

    cache.clear()
    page.goto("/login/")
    for _ in range(5):
        guess(page, "nobody-here@demo.test")
    unknown = page.get_by_role("alert").filter(has_text="Sign-in paused").inner_text()
    strip = re.compile(r"after .*?\)")
    assert strip.sub("", known) == strip.sub("", unknown)

    # The biller's account manager, from another network, sees what happened.
    page.context.clear_cookies()
    sign_in(page, "manager@demo.test")
    from accounts.models import User

    page.goto(f"/users/{User.objects.get(email='biller@demo.test').uuid}/")
    section = page.locator("section", has=page.get_by_role("heading", name="Failed sign-ins"))
    expect(section).to_contain_text(re.compile(r"\d+ failed sign-ins"))
    expect(section).to_contain_text("127.0.0.1")
    expect(section).to_contain_text("it ends by itself")
    section.scroll_into_view_if_needed()
    shot(page, "failed-sign-ins")
    audit.check("Update User, failed sign-ins")
    sign_out(page)
    audit.assert_clean()


def test_a_flood_of_reset_requests_meets_the_429_page_with_the_address_kept(page):
    audit = AxeAudit(page)
    for n in range(20):
        page.goto("/password-reset/")
        page.get_by_label("Email").fill(f"someone{n}@demo.test")
        page.get_by_role("button", name="Send the reset link").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Too many requests")
    page.goto("/password-reset/")
    page.get_by_label("Email").fill("the-last-one@demo.test")
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", name="Too many requests", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"limit of 20 an hour .*Try again after .*\(in \d+ minutes?\)")
    )
    expect(page.get_by_label("Email")).to_have_value("the-last-one@demo.test")
    shot(page, "429")
    audit.check("Too many requests")
    audit.assert_clean()
    # Sent again once the limit has room, the kept address goes through.
    from django.core.cache import cache

    cache.clear()
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Too many requests")
