"""Update User as the office manager (manager@demo.test) uses it, in Chromium: one form and one
Save for levels, provider IDs and the end date; a wrong provider ID comes back with everything
else still ticked; leaving with unsaved changes asks first; Disable pressed with unsaved changes
keeps them (and saves them first, after asking); a pending registrant is verified with the Biller
role and the page says what happens next; a user removed from the TIN leaves the manager on the
User Management list, and their page is then a 404.

Set PORTAL_SCREENSHOTS to a folder to keep screenshots of the pages on the way."""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.access import provider_ids_in_scope, user_levels
from accounts.models import AccessLevel, Membership, User, UserStatus
from accounts.services.registration import link_validity, registration_submit
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("PORTAL_SCREENSHOTS", "")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}


def shot(page, name: str) -> None:
    """The page at desktop width, and at phone width when ``name`` has no width of its own."""
    if not SHOTS:
        return
    page.screenshot(path=os.path.join(SHOTS, f"h2-{name}.png"), full_page=True)
    if name.endswith("-desktop"):
        page.set_viewport_size(PHONE)
        page.screenshot(path=os.path.join(SHOTS, f"h2-{name.removesuffix('-desktop')}-phone.png"), full_page=True)
        page.set_viewport_size(DESKTOP)


# The focused element; in the date field, ":focus" is false while its calendar button has focus.
FOCUS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {id: el.id, focus: el.matches(":focus"), outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def tick(page, box_id: str) -> None:
    """USWDS draws its own checkbox: a person clicks the label."""
    page.locator(f"label[for='{box_id}']").click()


def test_office_manager_updates_verifies_and_removes(page, demo_data):
    registration_submit(full_name="Nora Quinn", email="nora@demo.test", phone="(217) 555-0142", tin="123456789")
    biller = User.objects.get(email="biller@demo.test")
    organization = Membership.objects.get(user=biller).organization
    page.set_viewport_size(DESKTOP)
    sign_in(page, "manager@demo.test")
    nav = page.get_by_role("navigation", name="Primary navigation")
    nav.get_by_role("link", name="User Management").click()
    page.get_by_role("link", name="Update user Bill Biller").click()
    expect(page.get_by_role("heading", name="Update user status and permissions for Bill Biller")).to_be_visible()
    shot(page, "update-user-desktop")

    # The date field's calendar button is a Tab stop of its own: it keeps the site's focus outline.
    page.get_by_label("Access ends after (optional)").focus()
    stops = []
    for _ in range(4):
        stops.append(page.evaluate(FOCUS))
        page.keyboard.press("Tab")
    in_field = [stop for stop in stops if stop["id"] == "id_ends_on"]
    assert any(not stop["focus"] for stop in in_field), f"no calendar button stop: {stops}"
    for stop in in_field:
        assert stop["outline"] == "solid" and stop["width"] >= 2, f"no visible focus: {stop}"

    # A level ticked, a provider ID to remove, and a mistyped ID to add: one Save.
    tick(page, "level-level_authorizations")
    page.get_by_text("Remove NPI 1234567893 (Julius Hibbert MD)").click()
    page.get_by_label("Add provider IDs of this TIN").fill("1245319590")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Not provider IDs of this TIN: 1245319590.")).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    expect(page.get_by_label("Authorizations")).to_be_checked()
    expect(page.get_by_label("Remove NPI 1234567893 (Julius Hibbert MD)")).to_be_checked()
    expect(page.get_by_label("Add provider IDs of this TIN")).to_have_value("1245319590")
    page.get_by_label("Add provider IDs of this TIN").fill("1245319599")
    page.get_by_role("button", name="Save", exact=True).click()
    # Removing asks first, and says what goes.
    expect(page.get_by_role("heading", name="Save the changes for Bill Biller?")).to_be_visible()
    expect(page.get_by_text("NPI 1234567893 (Julius Hibbert MD) is removed from their provider IDs.")).to_be_visible()
    shot(page, "confirm-save-desktop")
    page.get_by_role("button", name="Save changes").click()
    expect(
        page.get_by_text("Saved for Bill Biller: Authorizations added; NPI 1245319599 added; NPI 1234567893 removed.")
    ).to_be_visible()
    expect(page.get_by_label("Authorizations")).to_be_checked()
    expect(page.get_by_label("Remove NPI 1245319599 (Springfield Pediatrics)")).not_to_be_checked()
    expect(page.get_by_text("Remove NPI 1234567893")).to_have_count(0)
    assert AccessLevel.AUTHORIZATIONS in user_levels(user=biller, organization=organization)
    assert [pid.value for pid in provider_ids_in_scope(user=biller)] == ["1245319599"]

    # Leaving with an unsaved change asks first (the browser's own question); staying keeps it.
    tick(page, "level-level_health_records")
    questions = []

    def stay(dialog):
        questions.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="User Management").click()
    expect(page.get_by_label("Health Records")).to_be_checked()
    assert questions == ["beforeunload"]
    assert page.url.endswith(f"?tin={organization.uuid}")

    # Disable with that unsaved change and no comment: the comment is required, nothing is lost.
    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_text("Write a comment: it is required for this action.")).to_be_visible()
    expect(page.get_by_label("Health Records")).to_be_checked()
    page.get_by_label("Comment", exact=True).fill("Left the practice on Friday")
    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("heading", name="Disable Bill Biller?")).to_be_visible()
    expect(page.get_by_text("Saved first: Health Records added.")).to_be_visible()
    shot(page, "confirm-disable-desktop")
    page.get_by_role("button", name="Disable Bill Biller").click()
    expect(page.get_by_text("Saved for Bill Biller: Health Records added.")).to_be_visible()
    expect(
        page.get_by_text("Bill Biller is disabled: they can no longer sign in, and their sessions ended.")
    ).to_be_visible()
    expect(page.get_by_label("Health Records")).to_be_checked()
    assert User.objects.get(pk=biller.pk).status == UserStatus.DISABLED

    # Verify the pending registrant: without a level it is refused, with the Biller role it is done.
    nav.get_by_role("link", name="User Management").click()
    page.get_by_role("link", name=re.compile("1 registration waiting")).click()
    page.get_by_role("link", name="Verify account of Nora Quinn").click()
    expect(page.get_by_role("heading", name="Verify this registration")).to_be_visible()
    page.get_by_label("Comment", exact=True).fill("Works at the front desk")
    page.get_by_role("button", name="Verify and enable user").click()
    expect(page.get_by_text(re.compile("Choose at least one access level or a role before verifying"))).to_be_visible()
    expect(page.get_by_label("Comment", exact=True)).to_have_value("Works at the front desk")
    assert User.objects.get(email="nora@demo.test").status == UserStatus.VERIFICATION_PENDING
    page.get_by_label("Start from a role").select_option(label="Biller")
    expect(page.get_by_label("Eligibility", exact=True)).to_be_checked()
    shot(page, "verify-desktop")
    page.get_by_role("button", name="Verify and enable user").click()
    expect(
        page.get_by_text(
            "Nora Quinn is verified with Claims, Eligibility and Message Box. A registration email was sent to "
            f"nora@demo.test; they become Active when they finish it (the link works for {link_validity()})."
        )
    ).to_be_visible()
    expect(
        page.locator(".portal-facts").get_by_text(re.compile(r"^Unverified \(Works at the front desk\)$"))
    ).to_be_visible()
    shot(page, "verify-done-desktop")
    page.goto(f"/users/{biller.uuid}/")

    # Remove Bill from the TIN: asked first, then back on the list with a message; his page is gone.
    page.get_by_label("Comment", exact=True).fill("Moved to the billing company")
    page.get_by_role("button", name="Remove from this TIN").click()
    expect(
        page.get_by_role("heading", name="Remove Bill Biller from Springfield Family Clinic (TIN 123456789)?")
    ).to_be_visible()
    page.get_by_role("button", name="Remove from this TIN").click()
    expect(page.get_by_role("heading", name="User Management")).to_be_visible()
    expect(
        page.get_by_text(
            "Bill Biller was removed from Springfield Family Clinic (TIN 123456789); their access there ended."
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Update user Bill Biller")).to_have_count(0)
    assert page.goto(f"/users/{biller.uuid}/").status == 404
