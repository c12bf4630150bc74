"""The analyst's review panel in Chromium, as the analyst uses it:

- they refuse one of two IDs, and the suggested reply changes with the choice, so the provider is
  never told a refused ID was added;
- they press Apply with a Deny and no reason: the page comes back whole, with the error next to
  the reason and a summary at the top that links to it; all of it with the keyboard alone;
- without script, the reply sent is the one for the decision actually applied;
- a TIN request lists the TIN's provider IDs, and approving the ticked ones grants exactly those;
- the biller, who tries the Control Panel URL of the thread, is refused.
"""

import re

import pytest
from playwright.sync_api import expect

from access_requests.models import AccessRequest, RequestStatus
from access_requests.services import access_request_create
from accounts.access import provider_ids_in_scope
from accounts.models import Organization, ProviderIdKind, User
from accounts.tests.factories import ProviderIdentifierFactory
from mailbox.models import Message
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

PEDIATRICS = "1245319599"  # Springfield Pediatrics, the biller's own TIN
HOSPITAL = "1456789019"  # Capital City Hospital, TIN 456789123, a new TIN for the biller


def _biller() -> User:
    return User.objects.get(email="biller@demo.test")


def _reply_sent(access_request: AccessRequest) -> str:
    return (
        Message.objects.filter(thread=access_request.thread, from_payer=True, sender__isnull=False)
        .values_list("body", flat=True)
        .get()
    )


def _choose(scope, label):
    """Tick a USWDS radio or checkbox as a person does: by clicking its label (the input itself is
    drawn by the label and sits off-screen)."""
    scope.locator("label").filter(has_text=label).first.click()


def _open_thread(page, access_request):
    page.goto(f"/control-panel/mailbox/{access_request.thread.uuid}/")
    expect(page.get_by_role("table", name="Requested IDs checked against the claim system")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred script follows the choices


def test_refusing_an_id_rewrites_the_suggested_reply(page, demo_data):
    access_request = access_request_create(
        requester=_biller(), items=[(ProviderIdKind.NPI, PEDIATRICS), (ProviderIdKind.NPI, HOSPITAL)]
    )
    sign_in(page, "analyst@demo.test")
    _open_thread(page, access_request)
    reply = page.get_by_label("Reply to the provider")
    expect(reply).to_have_value(re.compile(rf"We have added these provider IDs.*NPI {HOSPITAL}", re.S))

    hospital = page.get_by_role("group", name=re.compile(f"NPI {HOSPITAL}"))
    _choose(hospital, "Deny")
    hospital.get_by_label(f"Reason for refusing NPI {HOSPITAL}").fill("This hospital is not your practice.")
    expect(reply).to_have_value(
        re.compile(rf"We could not add these provider IDs:\n- NPI {HOSPITAL}: This hospital is not your practice\.")
    )
    expect(reply).not_to_have_value(re.compile(rf"NPI {HOSPITAL} \(Capital City Hospital\)"))
    expect(reply).to_have_value(re.compile(rf"We have added these provider IDs to your account:\n- NPI {PEDIATRICS} "))
    expect(page.get_by_text("The reply was rewritten for your choices.")).to_be_visible()
    shown = reply.input_value()

    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_text(f"Request {access_request.reference}: partially approved.")).to_be_visible()
    access_request.refresh_from_db()
    assert access_request.status == RequestStatus.PARTIALLY_APPROVED
    assert _reply_sent(access_request) == shown
    values = set(provider_ids_in_scope(user=_biller()).values_list("value", flat=True))
    assert PEDIATRICS in values and HOSPITAL not in values


def test_editing_the_reply_makes_it_the_analysts_own_and_a_false_claim_is_refused(page, demo_data):
    access_request = access_request_create(requester=_biller(), items=[(ProviderIdKind.NPI, HOSPITAL)])
    sign_in(page, "analyst@demo.test")
    _open_thread(page, access_request)
    _choose(page, "Deny")
    page.get_by_label(f"Reason for refusing NPI {HOSPITAL}").fill("Not your practice.")
    reply = page.get_by_label("Reply to the provider")
    expect(reply).to_have_value(re.compile("We could not add these provider IDs"))
    # The analyst writes their own reply, and it says the wrong thing.
    reply.fill(f"Good news: we have added NPI {HOSPITAL} to your account.")
    expect(page.get_by_label("My own reply, as written below")).to_be_checked()
    page.get_by_role("button", name="Apply decision and reply").click()

    summary = page.get_by_role("alert").filter(has_text="Nothing was applied yet")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#id_reply_error")).to_contain_text(f"The reply says NPI {HOSPITAL} was added or approved")
    expect(page.get_by_label("Reply to the provider")).to_have_value(re.compile("Good news: we have added"))
    expect(page.get_by_label("Deny")).to_be_checked()
    assert AccessRequest.objects.get(pk=access_request.pk).status == RequestStatus.OPEN

    page.get_by_label("Reply to the provider").fill("We could not add this ID: it is not your practice.")
    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_text(f"Request {access_request.reference}: denied.")).to_be_visible()
    assert _reply_sent(access_request) == "We could not add this ID: it is not your practice."


def _tab_until(page, predicate, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_a_deny_without_reason_comes_back_whole_with_the_keyboard_alone(page, demo_data):
    access_request = access_request_create(
        requester=_biller(), items=[(ProviderIdKind.NPI, PEDIATRICS), (ProviderIdKind.NPI, HOSPITAL)]
    )
    items = {item.value: item.pk for item in access_request.items.all()}
    sign_in(page, "analyst@demo.test")
    _open_thread(page, access_request)

    # Tab to the pediatrics decision, arrow to Deny, untick Claims for the hospital, then Apply.
    _tab_until(page, f"() => document.activeElement.name === 'decision_{items[PEDIATRICS]}'")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#id_decision_{items[PEDIATRICS]}_1")).to_be_checked()
    _tab_until(page, f"() => document.activeElement.id === 'id_levels_{items[HOSPITAL]}_0'")
    page.keyboard.press("Space")
    expect(page.locator(f"#id_levels_{items[HOSPITAL]}_0")).not_to_be_checked()
    _tab_until(page, "() => document.activeElement.textContent.trim() === 'Apply decision and reply'")
    page.keyboard.press("Enter")

    # The page comes back whole: summary focused at the top, error next to the reason.
    summary = page.get_by_role("alert").filter(has_text="Nothing was applied yet")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))
    link = summary.get_by_role("link", name=f"NPI {PEDIATRICS}: give a reason for refusing it.")
    expect(link).to_be_visible()
    expect(page.locator(f"#id_reason_{items[PEDIATRICS]}_error")).to_have_text(
        f"NPI {PEDIATRICS}: give a reason for refusing it."
    )
    expect(page.locator(f"#id_decision_{items[PEDIATRICS]}_1")).to_be_checked()
    expect(page.locator(f"#id_levels_{items[HOSPITAL]}_0")).not_to_be_checked()
    expect(page.locator(f"#id_levels_{items[HOSPITAL]}_1")).to_be_checked()
    expect(page.get_by_role("button", name="Apply decision and reply")).to_be_visible()

    # The summary's link takes the keyboard to the field; the reason is typed and it is applied.
    _tab_until(
        page,
        "() => document.activeElement.tagName === 'A' && "
        "document.activeElement.closest('[data-error-summary]') !== null",
        limit=5,
    )
    page.keyboard.press("Enter")
    expect(page.locator(f"#id_reason_{items[PEDIATRICS]}")).to_be_focused()
    page.keyboard.type("You asked for it twice; see the other request.")
    reply = page.get_by_label("Reply to the provider")
    expect(reply).to_have_value(re.compile("You asked for it twice"))
    _tab_until(page, "() => document.activeElement.textContent.trim() === 'Apply decision and reply'")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Request {access_request.reference}: partially approved.")).to_be_visible()
    sent = _reply_sent(access_request)
    assert f"- NPI {PEDIATRICS}: You asked for it twice; see the other request." in sent
    assert f"- NPI {HOSPITAL} (Capital City Hospital)" in sent and "Eligibility" in sent


def test_without_script_the_reply_sent_is_the_one_for_the_decision(page, live_server, demo_data):
    access_request = access_request_create(requester=_biller(), items=[(ProviderIdKind.NPI, HOSPITAL)])
    browser = page.context.browser
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.set_default_timeout(15000)
        sign_in(plain, "analyst@demo.test")
        plain.goto(f"/control-panel/mailbox/{access_request.thread.uuid}/")
        expect(plain.get_by_label("Reply to the provider")).to_have_value(re.compile("We have added"))
        _choose(plain, "Deny")
        plain.get_by_label(f"Reason for refusing NPI {HOSPITAL}").fill("Not your practice.")
        # The reply still reads "We have added…": the server writes the one for the decision.
        plain.get_by_role("button", name="Apply decision and reply").click()
        expect(plain.get_by_text(f"Request {access_request.reference}: denied.")).to_be_visible()
    finally:
        context.close()
    sent = _reply_sent(access_request)
    assert "added" not in sent.replace("could not add", "")
    assert f"- NPI {HOSPITAL}: Not your practice." in sent


def test_a_tin_request_offers_its_provider_ids(page, demo_data):
    hospital_org = Organization.objects.get(tin="456789123")
    clinic = ProviderIdentifierFactory(organization=hospital_org, display_name="Capital City Clinic")
    access_request = access_request_create(requester=_biller(), items=[(ProviderIdKind.TIN, "456789123")])
    sign_in(page, "biller@demo.test")
    assert page.goto(f"/control-panel/mailbox/{access_request.thread.uuid}/").status == 403
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "analyst@demo.test")
    _open_thread(page, access_request)
    panel = page.get_by_role("table", name="Requested IDs checked against the claim system")
    expect(panel.get_by_text("Not found")).to_have_count(0)
    expect(panel.get_by_text(re.compile(r"Capital City Hospital, TIN 456789123, \d+ provider IDs?"))).to_be_visible()
    tin = page.get_by_role("group", name=re.compile("TIN 456789123: Capital City Hospital"))
    _choose(tin, "Approve only the provider IDs ticked below")
    expect(tin.get_by_label(re.compile(f"NPI {clinic.value}"))).to_be_visible()
    _choose(tin, re.compile(f"NPI {HOSPITAL}"))
    reply = page.get_by_label("Reply to the provider")
    expect(reply).to_have_value(
        re.compile(rf"TIN 456789123 \(Capital City Hospital\): 1 of its provider IDs \(NPI {HOSPITAL}\)")
    )
    page.get_by_role("button", name="Apply decision and reply").click()
    expect(page.get_by_text(f"Request {access_request.reference}: approved.")).to_be_visible()
    granted = set(
        provider_ids_in_scope(user=_biller()).filter(organization=hospital_org).values_list("value", flat=True)
    )
    assert granted == {HOSPITAL}
    assert clinic.value not in granted
