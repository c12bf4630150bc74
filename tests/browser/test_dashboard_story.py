"""The home pages as their people use them: an account manager sees the work waiting on the
dashboard and follows a count to the list it counts; payer staff do the same on the Control Panel."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services.registration import registration_submit
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_manager_follows_the_pending_verification_count(page, demo_data):
    registration_submit(full_name="Pat Pending", email="pat@demo.test", phone="(217) 555-0101", tin="123456789")
    registration_submit(full_name="Quinn Queue", email="quinn@demo.test", phone="(217) 555-0102", tin="123456789")
    # Someone waiting at another TIN is not this manager's to count.
    registration_submit(full_name="Otto Other", email="otto@demo.test", phone="(217) 555-0103", tin="987654321")

    sign_in(page, "manager@demo.test")
    expect(page.get_by_role("heading", name="Welcome, Marge Manager")).to_be_visible()
    actions = page.get_by_role("navigation", name="Quick actions")
    for label in ("Add Facility", "New message", "Claims", "Eligibility", "User Management", "Invite a user"):
        expect(actions.get_by_role("link", name=label, exact=True)).to_be_visible()

    pending = page.get_by_role("link", name="2 waiting for verification")
    expect(pending).to_be_visible()
    pending.click()
    expect(page).to_have_url(re.compile(r"/users/\?status=verification_pending$"))
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("User Management")
    expect(page.get_by_role("link", name="Pat Pending")).to_be_visible()
    expect(page.get_by_role("link", name="Quinn Queue")).to_be_visible()
    expect(page.get_by_text("Otto Other")).to_have_count(0)

    # The breadcrumb leads home again; the Control Panel stays closed to a provider user.
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    assert page.goto("/control-panel/").status == 403


def test_biller_sees_no_manager_work_and_reads_help(page, demo_data):
    sign_in(page, "biller@demo.test")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_text("waiting for verification")).to_have_count(0)
    expect(
        page.get_by_role("navigation", name="Quick actions").get_by_role("link", name="Invite a user")
    ).to_have_count(0)
    page.get_by_role("contentinfo").get_by_role("link", name="Help").click()
    page.get_by_role("link", name="Add Facility: asking for more provider IDs").click()
    expect(page.get_by_role("heading", name="Add Facility: asking for more provider IDs")).to_be_visible()
    expect(page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Help")).to_be_visible()
    # A Control Panel help page is not a provider's.
    assert page.goto("/help/mailbox/").status == 404


def test_analyst_follows_the_open_requests_count(page, demo_data):
    from access_requests.services import access_request_create
    from accounts.models import User

    access_request_create(requester=User.objects.get(email="biller@demo.test"), items=[("npi", "1245319599")])
    sign_in(page, "analyst@demo.test")
    expect(page.get_by_role("heading", name="Control Panel")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("requests received and decided per week"))).to_be_visible()
    page.get_by_text("The numbers as a table").click()
    expect(page.get_by_role("table", name="Add Facility requests per week")).to_be_visible()
    page.get_by_role("link", name="1 open").click()
    expect(page).to_have_url(re.compile(r"/control-panel/requests/\?status=open$"))
    expect(page.get_by_role("cell", name="Bill Biller").or_(page.get_by_text("Bill Biller")).first).to_be_visible()
