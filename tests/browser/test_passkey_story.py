"""A biller adds a passkey on the Security page, then signs in with password + passkey, and with
the passkey alone. Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) plays the
phone or laptop: it holds the key and answers "yes, the user verified" like a fingerprint would.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit.models import AuditAction, AuditEvent
from devdata.management.commands.seed_demo import DEMO_PASSWORD
from outbox.models import OutboundEmail
from tests.browser.axe import AxeAudit
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

SHOTS = "/work/notes/shots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def passkey_page(page, live_server, settings):
    """The page with a virtual authenticator, and the live server's origin allowed for passkeys
    (its port changes per run; the RP ID is localhost, the live server's host)."""
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.cdp = cdp
    page.authenticator_id = authenticator["authenticatorId"]
    return page


def _shoot(page, name: str) -> None:
    import os

    if not os.path.isdir(SHOTS):
        return
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=f"{SHOTS}/h8-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SHOTS}/h8-{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_biller_adds_a_passkey_and_signs_in_with_it(passkey_page, live_server):
    page = passkey_page
    biller = User.objects.get(email="biller@demo.test")

    # Signed in the usual way, the biller opens Security from the header.
    sign_in(page, "biller@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("My Profile")
    expect(page.get_by_text("You have no passkey yet.")).to_be_visible()

    # Continue without a name: the form comes back with the error next to the field.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".usa-error-message")).to_contain_text("This field is required")

    page.get_by_label("Name this passkey").fill("Office laptop")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Create the passkey “Office laptop”")).to_be_visible()
    _shoot(page, "passkey-create")
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_text("The passkey “Office laptop” was added")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Office laptop")).to_be_visible()
    assert OutboundEmail.objects.filter(to=biller.email, subject__contains="A passkey was added").exists()
    credentials = page.cdp.send("WebAuthn.getCredentials", {"authenticatorId": page.authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    _shoot(page, "security")

    # Someone else's passkey, or none at all, is not there for them.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/security/passkeys/{'0' * 64}/remove/",
        form={"csrfmiddlewaretoken": csrf, "confirmed": "yes"},
    )
    assert response.status == 404
    sign_out(page)

    # Password, then the passkey instead of a code.
    page.get_by_label("Email").fill("biller@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    audit = AxeAudit(page)
    audit.check("MFA, with a passkey")
    _shoot(page, "mfa-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    sign_out(page)

    # The passkey alone, from the sign-in page.
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    _shoot(page, "login-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    page.goto("/profile/")
    expect(page.get_by_role("heading", name="My Profile")).to_be_visible()

    login = AuditEvent.objects.filter(action=AuditAction.LOGIN, actor_email=biller.email).latest("id")
    assert login.details == {"step": "passkey", "method": "passkey"}
    mfa = AuditEvent.objects.filter(action=AuditAction.MFA_VERIFIED, actor_email=biller.email).latest("id")
    assert mfa.details["method"] == "passkey"
    audit.assert_clean()


def test_a_disabled_user_cannot_sign_in_with_their_passkey(passkey_page):
    page = passkey_page
    sign_in(page, "biller@demo.test")
    page.goto("/security/")
    page.get_by_label("Name this passkey").fill("My phone")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_text("The passkey “My phone” was added")).to_be_visible()
    sign_out(page)

    User.objects.filter(email="biller@demo.test").update(status="disabled")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_text("This account cannot sign in.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_payer_staff_required_to_use_a_passkey(passkey_page, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    page = passkey_page
    audit = AxeAudit(page)

    # With the authenticator app only, the Control Panel sends the analyst to add a passkey.
    sign_in(page, "analyst@demo.test")
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    expect(page.get_by_text("The Control Panel needs a passkey.").first).to_be_visible()
    audit.check("Security, passkey required")
    page.get_by_label("Name this passkey").fill("Work laptop")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_text("The passkey “Work laptop” was added")).to_be_visible()
    sign_out(page)

    # Next time the app code is not enough: the passkey is asked for, then the Control Panel opens.
    sign_in(page, "analyst@demo.test")
    expect(page.get_by_role("heading", name="Use your passkey to open the Control Panel")).to_be_visible()
    audit.check("Use your passkey (Control Panel)")
    _shoot(page, "passkey-step-up")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Control Panel", exact=True)).to_be_visible()
    audit.assert_clean()
