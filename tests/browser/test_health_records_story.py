"""Health Records as a care coordinator uses them: an attributed member's record with a care gap
and its evidence; an unattributed member and an opted-out member are not available; every view is
in the audit log."""

import re

import pytest
from playwright.sync_api import expect

from audit.models import AuditAction, AuditEvent
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def look_up(page, member_id: str, born: str) -> None:
    page.goto("/health-records/")
    page.get_by_label("Member ID").fill(member_id)
    page.get_by_label("Member's date of birth").fill(born)
    page.get_by_role("button", name="Open record").click()


def test_nurse_sees_a_care_gap_and_nothing_of_members_out_of_reach(page, demo_data):
    sign_in(page, "nurse@demo.test")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Health Records").click()
    page.get_by_role("link", name="Care gaps of your attributed members").click()
    page.get_by_label("Sort by").select_option("member")
    page.get_by_role("button", name="Show care gaps").click()
    row = page.get_by_role("row", name=re.compile("M100200301"))
    expect(row).to_contain_text("Diabetes care: HbA1c test in the last 12 months")
    expect(page.get_by_text("M100200306")).to_have_count(0)  # Ned opted out
    row.get_by_role("link", name="Homer Simpson").click()

    expect(page.get_by_role("heading", name="Homer Simpson")).to_be_visible()
    evidence = page.get_by_role("row", name=re.compile("Diabetes care"))
    expect(evidence).to_contain_text("metformin 500 MG")
    expect(evidence).to_contain_text("the last HbA1c result was on 06/20/2025")
    page.get_by_role("navigation", name="Sections of the record").get_by_role("link", name="Lab results").click()
    expect(page.get_by_role("row", name=re.compile("Hemoglobin A1c"))).to_contain_text("8.1 %")
    page.get_by_role("navigation", name="Sections of the record").get_by_role("link", name="Visits").click()
    expect(page.get_by_role("table")).to_contain_text("Julius Hibbert MD")
    expect(page.get_by_role("table")).to_contain_text("Office visit")
    expect(page.get_by_role("table")).to_contain_text("E11.9 Type 2 diabetes mellitus without complications")

    # Breast cancer screening reads claims: Marge has no mammogram claim, Edna had one in March.
    look_up(page, "M100200302", "1956-10-01")
    gap = page.get_by_role("row", name=re.compile("Breast cancer screening"))
    expect(gap).to_contain_text("no mammogram claim is on record")
    look_up(page, "M100200310", "1968-02-21")
    expect(page.get_by_text("No open care gaps.")).to_be_visible()
    page.get_by_role("navigation", name="Sections of the record").get_by_role("link", name="Visits").click()
    mammogram = page.get_by_role("row", name=re.compile("C2025900001"))
    expect(mammogram).to_contain_text("Mammogram")
    expect(mammogram).to_contain_text("Z12.31 Encounter for screening mammogram")

    # Luann has no claim under the nurse's provider IDs: not attributed.
    look_up(page, "M100200401", "1992-06-15")
    expect(page.get_by_role("heading", name="This health record is not available")).to_be_visible()
    # Ned is attributed but asked the plan not to share his record.
    look_up(page, "M100200306", "1959-03-27")
    expect(page.get_by_role("heading", name="This health record is not available")).to_be_visible()
    expect(page.get_by_text("metformin")).to_have_count(0)

    viewed = AuditEvent.objects.filter(action=AuditAction.HEALTH_RECORD_VIEWED, actor__email="nurse@demo.test")
    assert {event.details["section"] for event in viewed} == {"care-gaps", "labs", "visits"}
    assert {event.details["member_id"] for event in viewed} == {"M100200301", "M100200302", "M100200310"}
    refused = AuditEvent.objects.filter(action=AuditAction.HEALTH_RECORD_REFUSED, actor__email="nurse@demo.test")
    assert {event.details["member_id"] for event in refused} == {"M100200401", "M100200306"}
