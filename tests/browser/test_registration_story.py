"""Registration to access, in Chromium (seeds 002 and 004): a person registers under TIN 123456789,
the account manager verifies them with a comment and chooses their levels, the person finishes
registration from the emailed link (password, then authenticator), and sees only what their
levels open; when the manager unticks Claims, the Claims menu goes and /claims/ refuses them."""

import base64
import re
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from outbox.models import OutboundEmail
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

EMAIL = "nora.new@demo.test"
PASSWORD = "Front-Desk-Passphrase-2026"


def code_from_secret(secret: str, last_step: list) -> str:
    step = int(time.time() // 30)
    if last_step and last_step[-1] == step:
        time.sleep(30 - (time.time() % 30) + 0.5)
        step = int(time.time() // 30)
    last_step.append(step)
    return f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"


def test_register_verify_finish_and_lose_claims(page, demo_data):
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    page.goto("/register/")
    page.get_by_label("Full name").fill("Nora New")
    page.get_by_label("Work email").fill(EMAIL)
    page.get_by_label("Telephone").fill("(217) 555-0199")
    page.get_by_label("Your organization's TIN (Tax ID)").fill("123456789")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=re.compile("registration was received"))).to_be_visible()

    # The account manager verifies the registration and chooses the levels.
    sign_in(page, "manager@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="User Management").click()
    page.get_by_role("link", name=re.compile("1 registration waiting")).click()
    page.get_by_role("link", name="Verify account of Nora New").click()
    comment = page.locator("#id_comment")
    comment.fill("Front desk <script>alert(1)</script>")
    expect(page.get_by_text(re.compile(r"\d+ characters? left"))).to_be_visible()
    # USWDS draws its own checkbox: a person clicks the label. The levels go with the verification.
    page.locator("label[for='level-level_claims']").click()
    page.locator("label[for='level-level_message_box']").click()
    expect(page.get_by_label("Claims", exact=True)).to_be_checked()
    page.get_by_role("button", name="Verify and enable user").click()
    expect(page.get_by_text(re.compile(r"Nora New is verified with Claims and Message Box\."))).to_be_visible()
    expect(page.get_by_role("cell", name="Front desk <script>alert(1)</script>").first).to_be_visible()
    sign_out(page)

    # Nora follows the emailed link: password, then authenticator.
    body = OutboundEmail.objects.filter(to=EMAIL, template="registration").latest("created_at").body
    link = re.search(r"https?://\S+(/register/complete/\S+/)", body).group(1)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Step 2 of 2: set up two-step sign-in")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "").strip()
    steps: list[int] = []
    page.get_by_label("Code from your authenticator app, or a backup code").fill(code_from_secret(secret, steps))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    page.get_by_role("link", name="I saved my codes, continue").click()
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Claims")).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("Message Box"))).to_be_visible()
    expect(nav.get_by_role("link", name="User Management")).to_have_count(0)
    expect(nav.get_by_role("link", name="Eligibility")).to_have_count(0)
    sign_out(page)

    # The manager unticks Claims.
    sign_in(page, "manager@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="User Management").click()
    page.get_by_role("link", name="Update user Nora New").click()
    page.locator("label[for='level-level_claims']").click()
    expect(page.get_by_label("Claims", exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Save the changes for Nora New?")).to_be_visible()
    expect(page.get_by_text("The Claims level is removed.")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved for Nora New: Claims removed.")).to_be_visible()
    sign_out(page)

    # Nora signs in again: no Claims menu, and the page refuses her.
    page.goto("/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a backup code").fill(code_from_secret(secret, steps))
    page.get_by_role("button", name="Verify").click()
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Claims")).to_have_count(0)
    response = page.goto("/claims/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
