"""Assessments as a care coordinator files them: a Notification of Pregnancy for a demo member with
a conditional question answered (shown live by the script), flagged on time, printed; then the
plan's analyst finds it in the Control Panel list."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment
from audit.models import AuditAction, AuditEvent
from tests.browser.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser


def choose(scope, label: str) -> None:
    """Tick a USWDS radio or checkbox by its label: the input itself is drawn off-screen."""
    scope.locator("label").filter(has_text=re.compile(f"^{re.escape(label)}$")).click()


def test_nurse_files_an_nop_on_time_and_the_analyst_finds_it(page, demo_data):
    today = timezone.localdate()
    sign_in(page, "nurse@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="Find a member to start an assessment").click()
    page.get_by_label("Member ID").fill("M100200402")
    page.get_by_label("Member's date of birth").fill("1994-02-20")
    page.get_by_role("button", name="Find member").click()
    expect(page.get_by_role("heading", name="Manjula Nahasapeemapetilon, member ID M100200402")).to_be_visible()
    choose(page, "Notification of Pregnancy (version 1)")
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", name="Notification of Pregnancy")).to_be_visible()
    page.get_by_label("First day of the last menstrual period").fill((today - datetime.timedelta(days=56)).isoformat())
    page.get_by_label("Date of the first prenatal visit").fill((today - datetime.timedelta(days=2)).isoformat())
    page.get_by_label("Number of pregnancies, this one included (gravida)").fill("1")
    page.get_by_label("Number of earlier births (para)").fill("0")
    choose(page.get_by_role("group", name="More than one fetus?"), "No")
    risk_factors = page.get_by_role("group", name="Risk factors", exact=True)
    expect(risk_factors).to_be_hidden()
    choose(page.get_by_role("group", name="Is this a high-risk pregnancy?"), "Yes")
    # The script shows the conditional section as soon as the answer calls for it.
    expect(risk_factors).to_be_visible()
    choose(page, "Hypertension or preeclampsia")
    page.get_by_label("Notes on the risk factors").fill("Chronic hypertension before pregnancy.")
    choose(page.get_by_role("group", name="Refer the member to the plan's maternity case management?"), "Yes")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_text("The assessment was submitted.")).to_be_visible()
    expect(page.locator(".usa-tag", has_text="On time")).to_be_visible()
    expect(page.get_by_text("7 weeks 5 days")).to_be_visible()
    expect(page.get_by_text("Chronic hypertension before pregnancy.")).to_be_visible()
    with page.expect_response(re.compile(r"/print/$")) as printed:
        page.get_by_role("link", name="Print (PDF)").click()
    assert printed.value.status == 200 and printed.value.headers["content-type"] == "application/pdf"
    assessment = Assessment.objects.get(member__member_id="M100200402")
    assert assessment.filed_on_time is True
    assert AuditEvent.objects.filter(
        action=AuditAction.ASSESSMENT_VIEWED, target_id=str(assessment.uuid), details__view="pdf"
    ).exists()

    page.goto("/")
    sign_out(page)
    sign_in(page, "analyst@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Assessments").click()
    page.get_by_label("Form").select_option("NOP")
    page.get_by_label("TIN").fill("123-45-6789")
    page.get_by_label("NOP timeliness").select_option("on_time")
    page.get_by_role("button", name="Show assessments").click()
    row = page.get_by_role("row", name=re.compile("M100200402"))
    expect(row).to_contain_text("On time")
    row.get_by_role("link", name="Notification of Pregnancy").click()
    expect(page.get_by_text("Submitted assessments are read-only.")).to_be_visible()
    expect(page.get_by_text("Chronic hypertension before pregnancy.")).to_be_visible()
