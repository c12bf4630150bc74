"""Accessibility of every page of both faces, in Chromium, with axe-core (tests/browser/axe.py).

One test per persona: it signs in once, visits each page that persona sees (the objects the pages
need are created through the services), collects every failure and fails once with the full
list. Pages are checked in the states people meet them in: empty, filled, with server-side errors,
and a few on a phone-sized screen. A last test walks Add Facility with the keyboard alone.
"""

import base64
import contextlib
import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from access_requests.services import access_request_create
from access_reviews.services import campaign_open
from accounts.models import Organization, ProviderIdKind, User, UserStatus
from accounts.services.registration import registration_link_issue, registration_submit
from accounts.services.users import user_create
from assessments.models import Assessment
from claims.models import Claim, Member
from devdata.claims import DEMO_TRACE
from devdata.management.commands.seed_demo import DEMO_PASSWORD
from mailbox.services import thread_start_with_payer
from tests.browser.axe import AxeAudit
from tests.browser.helpers import fresh_code_for, sign_in
from tests.browser.walk import WALK

pytestmark = pytest.mark.browser

NEW_NPI = "1245319599"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 720}


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _open_request_for_biller():
    return access_request_create(
        requester=_user("biller@demo.test"),
        items=[(ProviderIdKind.NPI, NEW_NPI)],
        note="New pediatrics location",
    )


def _open_campaign():
    return campaign_open(
        actor=_user("analyst@demo.test"),
        name="Quarterly access review",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        organizations=[Organization.objects.get(tin="123456789")],
    )


def _password_step(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _code_for_secret_on_page(page) -> str:
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    return f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"


def _assert_walked(audit: AxeAudit, test_name: str) -> None:
    """The test checked every page tests/browser/walk.py lists for it."""
    names = set()
    for url in audit.urls:
        with contextlib.suppress(Resolver404):  # the 404 page has no URL name
            names.add(resolve(urlsplit(url).path).view_name)
    missing = WALK[test_name] - names
    assert not missing, f"{test_name} did not check {sorted(missing)} (it checked {sorted(names)})"


def _check_on_a_phone(page, audit: AxeAudit, paths: list[str]) -> None:
    page.set_viewport_size(PHONE)
    for path in paths:
        page.goto(path)
        audit.check(f"{path} on a phone")
    page.set_viewport_size(DESKTOP)


def test_signed_out_pages_and_second_factor(page, demo_data):
    user_create(
        actor=None,
        email="newcomer@demo.test",
        full_name="Nina Newcomer",
        status=UserStatus.ACTIVE,
        password=DEMO_PASSWORD,
    )
    invited = user_create(actor=None, email="invited@demo.test", full_name="Ivan Invited", status=UserStatus.UNVERIFIED)
    registration_token = registration_link_issue(
        user=invited, actor=None, organization=Organization.objects.get(tin="123456789")
    )
    biller = _user("biller@demo.test")
    reset_path = (
        f"/password-reset/{urlsafe_base64_encode(force_bytes(biller.pk))}/{default_token_generator.make_token(biller)}/"
    )
    audit = AxeAudit(page)

    page.goto("/login/")
    audit.check("Sign in")
    page.get_by_label("Email").fill("biller@demo.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("Sign in, wrong password")

    page.goto("/register/")
    audit.check("Register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Register, with errors")

    page.goto("/password-reset/")
    audit.check("Password reset")
    page.get_by_label("Email").fill("biller@demo.test")
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    audit.check("Password reset, sent")
    page.goto(reset_path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    audit.check("Password reset, new password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Password reset, new password with errors")
    page.goto("/password-reset/done/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check("Password reset, done")

    page.goto(f"/register/complete/{registration_token}/")
    expect(page.get_by_role("heading", name="Welcome, Ivan Invited")).to_be_visible()
    audit.check("Registration link, password")
    page.get_by_label("New password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Repeat the new password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=re.compile("^Step 2 of 2"))).to_be_visible()
    audit.check("Registration link, authenticator")
    page.goto("/register/complete/not-a-token/")
    audit.check("Registration link expired")

    page.goto("/help/signing-in/")
    audit.check("Help, signing in, signed out")
    page.goto("/prior-authorization/metrics/")
    audit.check("Prior authorization metrics, public")
    page.goto("/prior-authorization/services/")
    audit.check("Services that need prior authorization, public")

    page.goto("/this-page-does-not-exist/")
    audit.check("404, signed out")

    page.goto("/login/")
    page.context.clear_cookies()  # the form's CSRF token no longer matches a cookie
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This form expired")).to_be_visible()
    audit.check("403, form expired")

    _password_step(page, "biller@demo.test")
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    audit.check("MFA code")
    page.get_by_label("Code from your authenticator app, or a backup code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    audit.check("MFA code, wrong code")
    page.get_by_role("button", name="Cancel and sign out").click()

    _password_step(page, "newcomer@demo.test")
    expect(page).to_have_url(re.compile(r"/mfa/enroll/"))
    audit.check("MFA enroll")
    page.get_by_label("Code from your authenticator app, or a backup code").fill("12345")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("MFA enroll, with errors")
    page.get_by_label("Code from your authenticator app, or a backup code").fill(_code_for_secret_on_page(page))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    audit.check("MFA backup codes")

    _assert_walked(audit, "test_signed_out_pages_and_second_factor")
    audit.assert_clean()


def _open_appeal():
    """A reconsideration the demo biller filed on a denied claim, as the service files it."""
    from accounts.models import User
    from claims.appeal_services import appeal_submit

    claim = Claim.objects.filter(provider_identifier__value="1234567893", status="denied").order_by("claim_number")[0]
    return appeal_submit(
        actor=User.objects.get(email="biller@demo.test"),
        claim=claim,
        kind="reconsideration",
        reason="medical_necessity",
        note="The records show the service was needed.",
        files=[],
    )


def test_biller_pages(page, demo_data):
    access_request = _open_request_for_biller()
    claim = Claim.objects.filter(provider_identifier__value="1234567893").order_by("claim_number").first()
    audit = AxeAudit(page)
    sign_in(page, "biller@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Bill Biller")).to_be_visible()
    audit.check("Dashboard")

    page.goto("/profile/")
    audit.check("My Profile")
    page.goto("/profile/backup-codes/")
    audit.check("Backup codes")
    page.get_by_role("button", name="Make new backup codes").click()
    audit.check("Backup codes, confirm")
    page.get_by_role("button", name="Make new backup codes").click()
    audit.check("Backup codes, new codes")
    page.goto("/profile/")
    page.get_by_role("searchbox", name="Search your provider IDs").fill("no such provider")
    page.get_by_role("button", name="Search").click()
    audit.check("My Profile, search without result")
    page.goto("/profile/details/")
    page.get_by_label("Full name").fill("x")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter your full name.")).to_be_visible()
    audit.check("Edit your details, error")

    page.goto("/profile/add-facility/")
    audit.check("Add Facility")
    page.get_by_label("ID", exact=True).first.fill("1234567893")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("You already have NPI 1234567893.")).to_be_visible()
    audit.check("Add Facility, server-side error")
    page.get_by_label("ID", exact=True).nth(1).fill("1234567890")
    expect(page.get_by_text("This NPI's check digit is wrong.")).to_be_visible()
    audit.check("Add Facility, checked as typed")

    page.goto(f"/profile/requests/{access_request.uuid}/")
    audit.check("Request page")

    page.goto("/security/")
    audit.check("Security")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Security, name missing")
    page.get_by_label("Name this passkey").fill("Office laptop")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Create passkey")).to_be_visible()
    audit.check("Add a passkey")
    WebAuthnCredential.objects.create(
        user=_user("biller@demo.test"), name="My phone", credential_id=b"a11y-passkey", public_key=b"\x00"
    )
    page.goto("/mfa/passkey/")
    expect(page.get_by_role("heading", name="Use your passkey to open the Control Panel")).to_be_visible()
    audit.check("Passkey step-up")
    page.goto("/security/")
    audit.check("Security, with a passkey")
    _check_on_a_phone(page, audit, ["/security/"])
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", name=re.compile("^Remove the passkey"))).to_be_visible()
    audit.check("Remove a passkey, confirm")

    page.goto("/messages/")
    audit.check("Message Box inbox")
    page.goto(f"/messages/{access_request.thread.uuid}/")
    audit.check("Message Box thread")
    page.get_by_role("button", name="Archive this thread").click()
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    audit.check("Message Box, archived with Undo")
    page.goto("/messages/?archived=1")
    audit.check("Message Box archive")
    page.goto("/messages/new/")
    audit.check("Message Box compose")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Message Box compose, with errors")

    page.goto("/chat/")
    audit.check("Live chat, leave a message")
    page.get_by_role("button", name="Send to the team").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Live chat, leave a message with errors")
    page.goto("/messages/")
    page.get_by_role("button", name="Live chat").click()
    expect(page.get_by_role("heading", name="Live chat with the Demo Health Plan team")).to_be_visible()
    audit.check("Live chat box, open")
    page.get_by_role("button", name="Minimize").click()

    page.goto("/claims/")
    audit.check("Claims, form")
    page.get_by_role("button", name="Show claims").click()
    expect(page.get_by_role("table")).to_be_visible()
    audit.check("Claims, results")
    page.goto("/claims/?service_from=not-a-date")
    audit.check("Claims, bad filter")
    page.goto(f"/claims/{claim.claim_number}/")
    audit.check("Claim detail")
    page.goto("/claims/?sort=billed_desc&status=denied")
    audit.check("Claims, sorted by a column")
    page.goto(f"/claims/{claim.claim_number}/appeal/")
    audit.check("Appeal form")
    page.get_by_role("button", name="Send to the plan").click()
    expect(page.get_by_role("heading", name="Correct the marked fields")).to_be_visible()
    audit.check("Appeal form, with errors")
    page.goto(f"/claims/{claim.claim_number}/correct/")
    audit.check("Correct a claim")
    page.goto("/claims/status/")
    audit.check("Claim status, form")
    page.get_by_role("button", name="Ask the status").click()
    expect(page.get_by_role("heading", name="Correct the marked fields")).to_be_visible()
    audit.check("Claim status, with errors")
    page.get_by_label("Member ID").fill("M100200301")
    page.get_by_label("Member's date of birth").fill("1956-05-12")
    page.get_by_label("Date of service").fill("2026-11-20")
    page.get_by_label("Billed amount").fill("245.00")
    page.get_by_role("button", name="Ask the status").click()
    expect(page.get_by_role("heading", name="Pending: in process (P1)")).to_be_visible()
    audit.check("Claim status, answer")
    page.goto("/claims/payments/")
    audit.check("Payments")
    page.get_by_role("link", name=DEMO_TRACE).click()
    expect(page.get_by_role("heading", name=f"Payment {DEMO_TRACE}")).to_be_visible()
    audit.check("Payment detail")

    page.goto("/claims/submit/")
    audit.check("Submit a claim, form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name=re.compile("^Correct the marked fields"))).to_be_visible()
    audit.check("Submit a claim, with errors")
    page.get_by_label("Billing provider NPI (box 33a)").select_option(index=1)
    page.get_by_label("Member ID (box 1a)").fill("M100200301")
    page.get_by_label("Member's date of birth (box 3)").fill("1956-05-12")
    page.get_by_label("Diagnosis A").fill("E11.9")
    line = page.locator("#line-1")
    line.get_by_label("CPT/HCPCS").fill("99213")
    line.get_by_label("Diagnosis pointers").fill("A")
    line.get_by_label("From").fill(timezone.localdate().isoformat())
    line.get_by_label("Charge ($)").fill("95")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Claim draft")).to_be_visible()
    audit.check("Claim draft")
    page.get_by_role("link", name="Edit").click()
    audit.check("Claim draft, edit")
    page.goto("/claims/submit/drafts/")
    audit.check("Claim drafts")

    page.goto("/eligibility/")
    audit.check("Eligibility, form")
    page.get_by_label("Member ID").fill("M100200301")
    page.get_by_label("Member's date of birth").fill("1956-05-12")
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.get_by_role("heading", name=re.compile("^Covered on"))).to_be_visible()
    audit.check("Eligibility, covered")
    page.get_by_label("Member ID").fill("M100200308")
    page.get_by_label("Member's date of birth").fill("1960-11-24")
    page.get_by_label("Date of service").fill("2026-09-15")
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.get_by_role("heading", name=re.compile("^Not covered on"))).to_be_visible()
    audit.check("Eligibility, not covered")
    page.get_by_label("Member's date of birth").fill("1960-11-25")
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.get_by_role("heading", name="No match")).to_be_visible()
    audit.check("Eligibility, no match")
    page.get_by_label("Member ID").fill("")
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Eligibility, with errors")

    page.goto("/password/change/")
    audit.check("Change password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Change password, with errors")

    assert page.goto("/users/").status == 403
    audit.check("403")
    assert page.goto("/claims/NO-SUCH-CLAIM/").status == 404
    audit.check("404")

    page.goto("/help/")
    audit.check("Help index")
    page.goto("/help/add-facility/")
    audit.check("Help, Add Facility")

    _check_on_a_phone(
        page,
        audit,
        [
            "/",
            "/profile/add-facility/",
            "/claims/?sort=received_desc",
            "/claims/payments/",
            "/messages/",
            "/chat/",
            "/help/add-facility/",
        ],
    )
    _assert_walked(audit, "test_biller_pages")
    audit.assert_clean()


def test_authorizations_pages(page, demo_data):
    from authorizations.models import AuthorizationRequest, RequestStatus

    waiting = AuthorizationRequest.objects.get(status=RequestStatus.INFO_REQUESTED)
    decided = AuthorizationRequest.objects.get(status=RequestStatus.PARTIALLY_APPROVED)
    draft = AuthorizationRequest.objects.get(status=RequestStatus.DRAFT)
    audit = AxeAudit(page)
    sign_in(page, "manager@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Marge Manager")).to_be_visible()
    page.goto("/authorizations/")
    audit.check("Authorizations list")
    page.goto("/authorizations/?created_from=not-a-date")
    audit.check("Authorizations list, bad filter")
    page.goto("/authorizations/needed/?codes=72148+99213+ZZZZZ")
    audit.check("Is an authorization needed, answer")
    page.goto("/authorizations/needed/?codes=")
    audit.check("Is an authorization needed, with errors")
    page.goto("/authorizations/new/")
    audit.check("New request, member")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("New request, member with errors")
    for step in ("member", "providers", "diagnoses", "services", "attachments", "review"):
        page.goto(f"/authorizations/drafts/{draft.uuid}/{step}/")
        audit.check(f"Draft, {step}")
    page.goto(f"/authorizations/drafts/{draft.uuid}/diagnoses/")
    page.get_by_label("Diagnosis 1 (primary)").fill("E11")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Draft, diagnoses with errors")
    page.goto(f"/authorizations/drafts/{draft.uuid}/review/")
    page.get_by_role("button", name="Delete the draft").click()
    audit.check("Delete the draft, confirm")
    page.goto(f"/authorizations/{decided.uuid}/")
    audit.check("Authorization, decided")
    page.goto(f"/authorizations/{decided.uuid}/appeal/")
    audit.check("Appeal the decision")
    page.get_by_role("button", name="Submit the appeal").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Appeal the decision, with errors")
    page.goto(f"/authorizations/{waiting.uuid}/")
    audit.check("Authorization, information requested")
    page.goto(f"/authorizations/{waiting.uuid}/information/")
    audit.check("Send information")
    page.goto(f"/authorizations/{waiting.uuid}/")
    page.get_by_role("button", name="Withdraw the request").click()
    audit.check("Withdraw, confirm")
    _check_on_a_phone(page, audit, ["/authorizations/", f"/authorizations/{decided.uuid}/"])
    _assert_walked(audit, "test_authorizations_pages")
    audit.assert_clean()


def test_account_manager_pages(page, demo_data):
    _open_campaign()
    registration_submit(full_name="Pat Pending", email="pending@demo.test", phone="(217) 555-0199", tin="123456789")
    biller = _user("biller@demo.test")
    audit = AxeAudit(page)
    sign_in(page, "manager@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Marge Manager")).to_be_visible()
    audit.check("Dashboard")
    page.goto("/profile/")
    audit.check("My Profile")
    page.goto("/profile/backup-codes/")
    audit.check("Backup codes")
    page.get_by_role("button", name="Make new backup codes").click()
    audit.check("Backup codes, confirm")
    page.get_by_role("button", name="Make new backup codes").click()
    audit.check("Backup codes, new codes")
    page.goto("/profile/")

    page.goto("/users/")
    audit.check("User Management")
    page.goto("/users/?status=verification_pending")
    audit.check("User Management, verification pending")
    page.goto(f"/users/{biller.uuid}/")
    audit.check("Update User")
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave site?" when unsaved changes are left behind
    page.get_by_label("Comment", exact=True).first.fill("Checked with the billing office. " * 6)
    audit.check("Update User, comment typed")
    page.get_by_label("Add provider IDs of this TIN").fill("0000000000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Not provider IDs of this TIN: 0000000000.")).to_be_visible()
    audit.check("Update User, with errors")
    page.get_by_label("Add provider IDs of this TIN").fill("")
    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("heading", name="Disable Bill Biller?")).to_be_visible()
    audit.check("Update User, asked before disabling")
    page.goto(f"/users/{_user('pending@demo.test').uuid}/")
    audit.check("Update User, verification pending")
    page.get_by_role("button", name="Verify and enable user").click()
    expect(page.get_by_text(re.compile("Choose at least one access level or a role"))).to_be_visible()
    audit.check("Update User, verification without a level")
    page.goto(f"/users/{_user('manager@demo.test').uuid}/")
    audit.check("Update User, own page")
    page.goto("/users/invite/")
    audit.check("Invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Invite, with errors")

    page.goto("/users/reviews/")
    audit.check("Access reviews to do")
    page.get_by_role("link", name=re.compile("Quarterly access review")).click()
    expect(page.get_by_text(re.compile(r"Progress: 0 of \d+ users reviewed"))).to_be_visible()
    audit.check("Access review task")
    page.locator("summary").first.click()
    audit.check("Access review task, change opened")
    page.get_by_role("button", name="Keep Bill Biller").click()
    expect(page.get_by_text(re.compile(r"Progress: 1 of \d+ users reviewed"))).to_be_visible()
    audit.check("Access review task, one decided")

    page.goto("/users/audit/")
    audit.check("Audit log of your TINs")
    page.goto("/users/audit/?date_from=not-a-date")
    audit.check("Audit log of your TINs, bad filter")

    assert page.goto("/control-panel/").status == 403
    audit.check("403")
    assert page.goto("/users/00000000-0000-0000-0000-000000000000/").status == 404
    audit.check("404")

    page.goto("/help/user-management/")
    audit.check("Help, User Management")

    page.goto("/assessments/")
    audit.check("Assessments")
    page.goto("/assessments/member/")
    audit.check("Assessments, find a member")
    page.get_by_label("Member ID").fill("M100200402")
    page.get_by_label("Member's date of birth").fill("1994-02-20")
    page.get_by_role("button", name="Find member").click()
    audit.check("Assessments, member found")
    page.locator("label", has_text="Notification of Pregnancy (version 1)").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Notification of Pregnancy")).to_be_visible()
    audit.check("Assessment form")
    page.get_by_label("Number of pregnancies, this one included (gravida)").fill("99")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Nothing was saved")).to_be_visible()
    audit.check("Assessment form, with errors")
    submitted = Assessment.objects.filter(status="submitted").first()
    page.goto(f"/assessments/{submitted.uuid}/")
    audit.check("Assessment, submitted")

    homer = Member.objects.get(member_id="M100200301")
    page.goto("/health-records/")
    audit.check("Health Records")
    page.goto(f"/health-records/members/{homer.uuid}/")
    audit.check("Health record, care gaps")
    page.goto(f"/health-records/members/{homer.uuid}/labs/")
    audit.check("Health record, labs")
    page.goto(f"/health-records/members/{Member.objects.get(member_id='M100200306').uuid}/")
    audit.check("Health record, not available")
    page.goto("/health-records/care-gaps/?sort=member")
    audit.check("Care gaps")

    _check_on_a_phone(
        page,
        audit,
        [
            "/",
            "/users/",
            f"/users/{biller.uuid}/",
            f"/users/{_user('pending@demo.test').uuid}/",
            "/help/",
            "/assessments/",
            f"/assessments/{submitted.uuid}/",
            f"/health-records/members/{homer.uuid}/",
            "/health-records/care-gaps/",
        ],
    )
    _assert_walked(audit, "test_account_manager_pages")
    audit.assert_clean()


def test_control_panel_pages(page, demo_data):
    access_request = _open_request_for_biller()
    question = thread_start_with_payer(
        sender=_user("manager@demo.test"),
        subject="Question about a remittance",
        body="Where is the remittance for claim C-1? See https://example.test/remit",
        organization=Organization.objects.get(tin="123456789"),
    )
    campaign = _open_campaign()
    registration_submit(full_name="Newt Neworg", email="newt@demo.test", phone="(217) 555-0123", tin="111222333")
    biller = _user("biller@demo.test")
    audit = AxeAudit(page)
    sign_in(page, "analyst@demo.test")
    expect(page.get_by_role("heading", name="Control Panel")).to_be_visible()
    audit.check("Control Panel home")

    page.goto("/control-panel/mailbox/")
    audit.check("Mailbox")
    page.goto("/control-panel/mailbox/?show=requests")
    audit.check("Mailbox, open requests")
    page.goto(f"/control-panel/mailbox/{question.uuid}/")
    audit.check("Mailbox thread")
    page.goto(f"/control-panel/mailbox/{access_request.thread.uuid}/")
    expect(page.get_by_role("table", name="Requested IDs checked against the claim system")).to_be_visible()
    audit.check("Mailbox thread with the review panel")
    page.get_by_role("button", name=re.compile("^Take this thread")).click()
    audit.check("Mailbox thread, taken")
    page.locator("label").filter(has_text=re.compile("^Deny$")).click()
    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_role("alert").filter(has_text="Nothing was applied yet")).to_be_visible()
    audit.check("Mailbox thread, decision with errors")
    page.locator("label").filter(has_text=re.compile("^Approve$")).click()
    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_text(f"Request {access_request.reference}: approved.")).to_be_visible()
    audit.check("Mailbox thread, request decided")

    page.goto("/control-panel/users/")
    audit.check("Users")
    page.goto("/control-panel/users/?q=biller")
    audit.check("Users, search")
    page.goto(f"/control-panel/users/{biller.uuid}/")
    audit.check("User page")
    page.get_by_role("button", name="Remove NPI 1234567893").click()
    expect(page.get_by_role("heading", name=re.compile("^Remove NPI 1234567893"))).to_be_visible()
    audit.check("Confirmation page")
    page.goto("/control-panel/organizations/")
    audit.check("Organizations")
    organization = Organization.objects.get(tin="123456789")
    page.goto(f"/control-panel/organizations/{organization.uuid}/")
    audit.check("Organization page")
    page.goto("/control-panel/requests/")
    audit.check("Requests")
    page.goto("/control-panel/reviews/")
    audit.check("Reviews")
    page.get_by_role("button", name="Open the review").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Reviews, with errors")
    page.goto(f"/control-panel/reviews/{campaign.uuid}/")
    audit.check("Review campaign")
    page.goto("/control-panel/audit/")
    audit.check("Audit")
    page.goto("/control-panel/emails/?show=all")
    audit.check("Email delivery")
    page.get_by_role("button", name="Retry the email to no-such-user@springfield-clinic.test").click()
    expect(page.get_by_role("heading", name=re.compile("^Retry the email to"))).to_be_visible()
    audit.check("Email delivery, retry confirmation")
    page.get_by_role("button", name="Retry the email").click()
    expect(page.get_by_text("is back in the queue")).to_be_visible()
    audit.check("Email delivery, retried")
    page.goto("/control-panel/assessments/?late=late")
    audit.check("Assessments, late")
    page.goto(f"/control-panel/assessments/{Assessment.objects.first().uuid}/")
    audit.check("Assessment, Control Panel")
    page.goto("/control-panel/health-records/?member_id=M100200306")
    audit.check("Health Records, Control Panel")
    appeal = _open_appeal()
    page.goto("/control-panel/appeals/")
    audit.check("Appeals")
    page.get_by_role("link", name=appeal.claim.claim_number).click()
    audit.check("Appeal")
    page.get_by_role("button", name=re.compile("^Take this")).click()
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_role("heading", name="Correct the marked fields")).to_be_visible()
    audit.check("Appeal, decision with errors")
    from authorizations.models import AuthorizationRequest, RequestStatus

    page.goto("/control-panel/authorizations/")
    audit.check("Authorizations queue")
    waiting = AuthorizationRequest.objects.get(status=RequestStatus.INFO_REQUESTED)
    page.goto(f"/control-panel/authorizations/{waiting.uuid}/")
    audit.check("Authorization review")
    page.get_by_role("button", name="Decide and send the letter").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Authorization review, decision with errors")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Authorization review, extension with errors")
    decided = AuthorizationRequest.objects.get(status=RequestStatus.PARTIALLY_APPROVED)
    page.goto(f"/control-panel/authorizations/{decided.uuid}/")
    audit.check("Authorization review, decided")
    page.goto("/help/")
    audit.check("Help index, plan staff")
    page.goto("/help/mailbox/")
    audit.check("Help, Mailbox")
    page.goto("/control-panel/chat/")
    audit.check("Chat")
    page.goto("/help/chat/")
    audit.check("Help, Chat")

    assert page.goto("/profile/").status == 403
    audit.check("403")
    assert page.goto("/control-panel/users/00000000-0000-0000-0000-000000000000/").status == 404
    audit.check("404")

    _check_on_a_phone(
        page,
        audit,
        [
            "/control-panel/",
            f"/control-panel/mailbox/{access_request.thread.uuid}/",
            "/control-panel/audit/",
            "/control-panel/assessments/",
            f"/control-panel/organizations/{organization.uuid}/",
            "/control-panel/authorizations/",
            f"/control-panel/authorizations/{waiting.uuid}/",
            "/control-panel/chat/",
        ],
    )
    _assert_walked(audit, "test_control_panel_pages")
    audit.assert_clean()


# --- keyboard only ------------------------------------------------------------------------------

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    className: typeof el.className === "string" ? el.className : "",
    text: (el.innerText || el.value || "").trim(),
    name: el.getAttribute("name") || "",
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor,
  };
}"""


def _focused(page) -> dict | None:
    return page.evaluate(_ACTIVE)


def _assert_focus_visible(focused: dict) -> None:
    assert focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2, f"no visible focus on {focused}"


def _tab_to(page, matches, limit: int = 40) -> dict:
    """Press Tab until the focused element matches; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused is None:
            continue
        _assert_focus_visible(focused)
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached the element (last focus: {_focused(page)})")


def test_add_facility_with_the_keyboard_alone(page, demo_data):
    # Otto (another TIN) asks for the pediatrics NPI: any provider user may ask for any ID, and
    # this persona's authenticator step is not used by the other tests of this module.
    email = "outsider@demo.test"
    page.goto("/login/")
    # The Email field has autofocus: type there, then Tab on.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email)
    _tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    expect(page.get_by_label("Code from your authenticator app, or a backup code")).to_be_focused()
    page.keyboard.type(fresh_code_for(email))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, Otto Outsider")).to_be_visible()

    # On a page without autofocus, the first Tab stop is the skip link.
    first = _tab_to(page, lambda f: True, limit=1)
    assert "usa-skipnav" in first["className"], first
    assert first["text"] == "Skip to main content"
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "My Profile")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My Profile")).to_be_visible()

    # The skip link jumps over the header: the next Tab stops are the page's breadcrumbs, then its
    # first control.
    _tab_to(page, lambda f: "usa-skipnav" in f["className"], limit=1)
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    home = _tab_to(page, lambda f: True, limit=1)
    assert "usa-breadcrumb__link" in home["className"] and home["text"] == "Home", home
    add_facility = _tab_to(page, lambda f: True, limit=1)
    assert add_facility["text"] == "Add Facility", add_facility
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add Facility")).to_be_visible()

    _tab_to(page, lambda f: f["name"] == "ids-0-value")
    page.keyboard.type(NEW_NPI)
    submit = _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Send request")
    _assert_focus_visible(submit)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^Request R-"))).to_be_visible()
    expect(page.get_by_text("Status: Open")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(NEW_NPI))).to_be_visible()


def test_enrollment_pages(page, demo_data):
    from enrollment import services as enrollment_services
    from enrollment.models import EnrollmentApplication, Section, Status

    admin = _user("enroll@demo.test")
    draft = EnrollmentApplication.objects.get(created_by=admin, status=Status.DRAFT)
    submitted = EnrollmentApplication.objects.get(created_by=admin, status=Status.SUBMITTED)
    payment_url = enrollment_services.payment_start(actor=admin, application=draft)
    audit = AxeAudit(page)
    sign_in(page, admin.email)
    page.goto("/enrollment/")
    audit.check("Enrollment list")
    page.goto("/enrollment/?status=submitted")
    audit.check("Enrollment list, filtered")
    page.goto("/enrollment/new/")
    audit.check("New application")
    page.get_by_role("button", name="Create the application").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("New application, with errors")
    page.goto(f"/enrollment/{draft.uuid}/")
    audit.check("Summary, draft")
    for section in Section:
        page.goto(f"/enrollment/{draft.uuid}/{section.value}/")
        audit.check(f"Section {section.label}")
    page.goto(f"/enrollment/{draft.uuid}/identification/")
    page.get_by_label("NPI").fill("1234567890")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".usa-error-message").first).to_be_visible()
    audit.check("Identification, with errors")
    page.goto(f"/enrollment/{submitted.uuid}/")
    audit.check("Summary, submitted")
    page.goto(f"/enrollment/{submitted.uuid}/ownership/")
    audit.check("Section read as text")
    page.goto(f"/enrollment/{draft.uuid}/users/")
    audit.check("Users and rights")
    page.goto(f"/enrollment/{draft.uuid}/sign/")
    audit.check("Sign")
    page.goto(f"/enrollment/{draft.uuid}/pay/")
    audit.check("Application fee")
    page.goto(payment_url)
    audit.check("Test payment")
    page.goto(f"/enrollment/{draft.uuid}/pay/return/")
    audit.check("Payment return")
    page.goto(f"/enrollment/{draft.uuid}/submit/")
    audit.check("Submit, not ready")
    page.goto("/help/enrollment/")
    audit.check("Help, enrollment")
    _check_on_a_phone(page, audit, ["/enrollment/", f"/enrollment/{submitted.uuid}/"])
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "supervisor@demo.test")
    page.goto("/control-panel/enrollment/")
    audit.check("Enrollment queue")
    page.goto(f"/control-panel/enrollment/{submitted.uuid}/")
    audit.check("Enrollment review")
    page.get_by_role("button", name="Take for review").click()
    audit.check("Enrollment review, in review")
    page.goto("/help/enrollment-review/")
    audit.check("Help, enrollment review")
    _check_on_a_phone(page, audit, ["/control-panel/enrollment/", f"/control-panel/enrollment/{submitted.uuid}/"])
    _assert_walked(audit, "test_enrollment_pages")
    audit.assert_clean()
