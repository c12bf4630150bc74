"""Every page of the portal is in the accessibility walk.

The walk (tests/browser/test_accessibility.py) runs axe in Chromium over the pages listed in
tests/browser/walk.py, and asserts it checked each one. This test needs no browser: it walks the URL
resolver and fails, naming the URL, when a page a person sees is neither in the walk nor exempt
below. The exemptions are URLs that render no page on GET (a POST-only action, an export, JSON, a
health probe); the last test opens each of them as every persona and fails if one turns out to be a
page after all.
"""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import verified_login
from tests.browser.walk import WALK, walked
from tests.security.conftest import build_world
from tests.url_walk import arguments, named_urls

pytestmark = pytest.mark.django_db

POST_ONLY = "a POST-only action: it redirects or answers on the page it was sent from"
NOT_PAGES = {
    "accounts:logout": "sign-out is a POST (the Sign out button); GET is refused",
    "accounts:session_keepalive": "JSON for the idle timer's keep-alive",
    "otp_webauthn:credential-registration-begin": "JSON of the WebAuthn ceremony (the passkey pages are walked)",
    "otp_webauthn:credential-registration-complete": "JSON of the WebAuthn ceremony",
    "otp_webauthn:credential-authentication-begin": "JSON of the WebAuthn ceremony",
    "otp_webauthn:credential-authentication-complete": "JSON of the WebAuthn ceremony",
    "otp_webauthn:js-i18n-catalog": "the JavaScript catalog of the passkey script",
    "manager_audit_export": "a CSV download",
    "control_panel:audit_export": "a CSV download",
    "claims:export": "a CSV download",
    "claims:payment_835": "an X12 835 download",
    "claims:submit_837p": "an X12 837P download",
    "claims:submit_send": "a POST-only action",
    "claims:payment_pdf": "a PDF download",
    "claims:appeal_document": "a download of an uploaded document",
    "claims:appeal_letter": "a PDF download",
    "claims:void": POST_ONLY,
    "control_panel:appeal_document": "a download of an uploaded document",
    "control_panel:appeal_take": POST_ONLY,
    "control_panel:appeal_decide": POST_ONLY,
    "healthz": "JSON for the load balancer and monitoring",
    "enrollment:stripe_webhook": "Stripe's POST-only webhook (JSON, signature-verified)",
    "enrollment:section_complete": POST_ONLY,
    "enrollment:row_remove": POST_ONLY,
    "enrollment:user_update": POST_ONLY,
    "enrollment:user_revoke": POST_ONLY,
    "enrollment:document": "a download of an uploaded document",
    "control_panel:enrollment_document": "a download of an uploaded document",
    "control_panel:enrollment_take": POST_ONLY,
    "control_panel:enrollment_return": POST_ONLY,
    "control_panel:enrollment_approve": POST_ONLY,
    "control_panel:enrollment_deny": POST_ONLY,
    "control_panel:enrollment_reassign": POST_ONLY,
    "access_reviews:decide": POST_ONLY,
    "access_reviews:keep_many": POST_ONLY,
    "mailbox:archive": POST_ONLY,
    "control_panel:mailbox_reply": POST_ONLY,
    "control_panel:mailbox_take": POST_ONLY,
    "control_panel:mailbox_decide": POST_ONLY,
    "control_panel:mailbox_reply_preview": "a POST answering with the reply's preview, inside the thread page",
    "control_panel:user_scope_add": POST_ONLY,
    "control_panel:user_levels": POST_ONLY,
    "control_panel:user_status": POST_ONLY,
    "control_panel:user_password_reset": POST_ONLY,
    "control_panel:review_keep": POST_ONLY,
    "control_panel:registration_decide": POST_ONLY,
    "control_panel:organization_verify": POST_ONLY,
    "assessments:start": POST_ONLY,
    "assessments:print": "a PDF download",
    "control_panel:assessments_export": "a CSV download",
    "health_records:care_gaps_export": "a CSV download",
    "control_panel:health_records_opt_out": POST_ONLY,
    "authorizations:letter": "a PDF download (the decision letter)",
    "authorizations:attachment": "a file download (PDF, TIFF, JPEG or PNG)",
    "control_panel:authorization_letter": "a PDF download (the decision letter)",
    "control_panel:authorization_attachment": "a file download (PDF, TIFF, JPEG or PNG)",
    "control_panel:authorization_take": POST_ONLY,
    "control_panel:authorization_information": "a POST; with errors it answers with the review page, walked",
    "control_panel:authorization_extend": "a POST; with errors it answers with the review page, walked",
}


def test_every_page_is_in_the_accessibility_walk():
    names = {name for name, _ in named_urls()}
    missing = sorted(names - walked() - NOT_PAGES.keys())
    assert not missing, (
        f"pages the accessibility walk never checks: {missing}. Visit and check each in the test of "
        "tests/browser/test_accessibility.py for the persona who sees it and list its URL name in "
        "tests/browser/walk.py; or, if it renders no page on GET, add it to NOT_PAGES with the reason."
    )


def test_the_walk_and_the_exemptions_name_real_urls():
    names = {name for name, _ in named_urls()}
    assert walked() - names == set(), "the walk lists URL names that do not exist"
    assert NOT_PAGES.keys() - names == set(), "exempt URL names that do not exist"
    assert walked() & NOT_PAGES.keys() == set(), "a URL is both walked and exempt"
    assert all(NOT_PAGES.values())
    # Each test of the walk is one of the browser module's tests.
    assert set(WALK) == {
        "test_signed_out_pages_and_second_factor",
        "test_biller_pages",
        "test_account_manager_pages",
        "test_authorizations_pages",
        "test_enrollment_pages",
        "test_control_panel_pages",
    }


def test_the_exempt_urls_render_no_page_on_get():
    world = build_world()
    clients = [Client()]  # nobody signed in
    for user in (world.biller, world.manager, world.analyst):
        client = Client()
        verified_login(client, user)
        clients.append(client)
    pages = []
    for name, params in named_urls():
        if name not in NOT_PAGES:
            continue
        for kwargs in arguments(world, name, params):
            path = reverse(name, kwargs=kwargs)
            for client in clients:
                response = client.get(path)
                if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                    pages.append(path)
    assert not pages, f"exempt from the accessibility walk, but these render an HTML page on GET: {pages}"
