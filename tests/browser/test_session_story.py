"""A biller's reply survives the idle sign-out, and the code page says when codes are paused.

The live server shares this process's settings, so the idle timeout is shortened for the story
(20 seconds, warning 12 seconds before the end) instead of waiting 15 minutes.
"""

import os
import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from devdata.management.commands.seed_demo import DEMO_PASSWORD
from mailbox.models import Message
from mailbox.services import thread_start_with_payer
from tests.browser.axe import axe_violations, format_violations
from tests.browser.helpers import demo_code, fresh_code_for

pytestmark = pytest.mark.browser

SHOTS = "/work/notes/shots"
BILLER = "biller@demo.test"
CODE_LABEL = "Code from your authenticator app, or a backup code"


def shot(page, name):
    """Desktop (1280 px) and phone (390 px) screenshots of what is on screen now."""
    if not os.path.isdir(SHOTS):
        return
    for width, label in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.wait_for_timeout(150)
        page.screenshot(path=f"{SHOTS}/h5-{name}-{label}.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in_quickly(page, email):
    """Password and code one right after the other: with a 20-second idle timeout there is no time
    to wait for the authenticator's next step between them."""
    code = fresh_code_for(email)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label(CODE_LABEL).fill(code)
    page.get_by_role("button", name="Verify").click()


def test_reply_survives_the_idle_sign_out(page, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=20)
    settings.SESSION_IDLE_WARNING_SECONDS = 12
    biller = User.objects.get(email=BILLER)
    thread = thread_start_with_payer(sender=biller, subject="Denied claim C2026000102", body="Why was it denied?")
    thread_path = f"/messages/{thread.uuid}/"
    long_reply = "We sent the operative report on 03/02. " * 20

    page.goto(thread_path)
    sign_in_quickly(page, BILLER)
    expect(page).to_have_url(re.compile(re.escape(thread_path) + "$"))
    reply = page.get_by_label("Your reply")
    reply.fill(long_reply)

    # About 8 seconds after the last request the warning opens, with the focus on its button.
    warning = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(warning).to_be_visible(timeout=15000)
    expect(warning).to_contain_text(re.compile(r"You will be signed out in \d+ seconds"))
    expect(warning).to_contain_text("20 seconds")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    violations = axe_violations(page)
    assert not violations, format_violations("idle warning", violations)
    shot(page, "idle-warning")
    stay.click()
    expect(warning).to_be_hidden()
    # The clock was restarted: past the original 20 seconds the session still works.
    page.wait_for_timeout(13000)
    expect(warning).to_be_visible(timeout=10000)
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was sent.")).to_be_visible()
    assert Message.objects.filter(thread=thread, body=long_reply.strip()).exists()
    expect(page.get_by_label("Your reply")).to_have_value("")

    # The second reply is typed, then the biller is called away and the session expires.
    second = "Also, the member's ID card shows the new plan code."
    page.get_by_label("Your reply").fill(second)
    signed_out = page.get_by_role("alertdialog", name="You were signed out")
    expect(signed_out).to_be_visible(timeout=30000)
    expect(signed_out).to_contain_text("20 seconds")
    # Back at the desk, they send it anyway from the keyboard: the server asks them to sign in.
    page.get_by_role("button", name="Send reply").press("Enter")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_text("You were signed out after 20 seconds without activity.")).to_be_visible()
    assert Message.objects.filter(thread=thread).count() == 2  # nothing was sent while signed out

    sign_in_quickly(page, BILLER)
    # Back on the thread, not on a bare 405, with the typed reply restored.
    expect(page).to_have_url(re.compile(re.escape(thread_path) + "$"))
    expect(page.get_by_role("heading", name="Denied claim C2026000102")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value(second)
    expect(page.get_by_text("We restored the text you typed before you were signed out.")).to_be_visible()
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was sent.")).to_be_visible()
    assert Message.objects.filter(thread=thread, body=second).exists()

    # A sent draft is gone, and signing out clears what is left.
    page.reload()
    expect(page.get_by_label("Your reply")).to_have_value("")
    page.get_by_label("Your reply").fill("Draft never sent")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('portal-draft:')).length") == 0


def test_the_code_page_says_codes_are_paused_after_a_wrong_one(page, settings):
    # A factor of 8: the first wrong code pauses the app's codes for 8 seconds.
    settings.OTP_TOTP_THROTTLE_FACTOR = 8
    page.goto("/login/")
    page.get_by_label("Email").fill(BILLER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    right = fresh_code_for(BILLER)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    page.get_by_label(CODE_LABEL).fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    page.get_by_label(CODE_LABEL).fill(right)
    page.get_by_role("button", name="Verify").click()
    message = page.get_by_text(re.compile(r"Too many wrong codes: wait [1-8] seconds? and enter the newest code"))
    expect(message).to_be_visible()
    expect(page.get_by_text("already used")).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, format_violations("code page, paused", violations)
    shot(page, "mfa-throttle")
    # After the wait, the newest code signs in.
    time.sleep(8.5)
    page.get_by_label(CODE_LABEL).fill(demo_code())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()


def test_admin_refuses_a_provider_and_the_add_facility_note_survives(page, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=20)
    settings.SESSION_IDLE_WARNING_SECONDS = 12
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    sign_in_quickly(page, BILLER)
    # Not an administrator: the styled 403 page, not an endless redirect.
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()

    page.goto("/profile/add-facility/")
    note = "New location at 742 Evergreen Terrace, opening in March; please add both NPIs."
    page.get_by_label("Note for the reviewer (optional)").fill(note)
    expect(page.get_by_role("alertdialog", name="You were signed out")).to_be_visible(timeout=35000)
    page.get_by_role("button", name="Send request").press("Enter")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2Fprofile%2Fadd-facility%2F$"))
    sign_in_quickly(page, BILLER)
    expect(page).to_have_url(re.compile(r"/profile/add-facility/$"))
    expect(page.get_by_label("Note for the reviewer (optional)")).to_have_value(note)
