"""Proof at scale (issue "Proof at scale", item 3): the injection corpus in every free-text field.

Every string of ``injection_corpus.CORPUS`` goes, through the services, into every free-text field
a person can fill: Message Box subject, message, provider reply and payer reply, Add Facility
note, the analyst's reason for refusing an ID and their reply, the account manager's comments
(seed 004's Comments History, and the status reason they become), registration full name and
telephone, invitation full name, access review name, passkey name, a claim line's adjudication
note, a reason code's description, a payer's name from an 835, an appeal's note and its decision,
a keyed claim's patient account number and note;
and into the search boxes and filters that
echo what was typed (every string in My Profile's, a sample in the others). One string per field
then goes through the real form in Chromium. Every page that shows them is opened in Chromium as
the person who sees it, and must:

- open no dialog, and log no Content-Security-Policy violation (an injected handler that the
  policy blocked still counts: it reached the page);
- hold no element or attribute the site did not write: inline <script>, event-handler attribute,
  javascript:/data: URL, <style>, <base>, <iframe>, <object>, <meta http-equiv>, foreign <link>,
  <svg>/<img>/<b>/<i> or a second <h1> in the main content (the site's own <script src> and chart are fine);
- show the string as text where it is shown (compared with what the database holds, whitespace
  collapsed), in the right element: the heading, the title, the message, the table cell;
- come with a Content-Security-Policy header without 'unsafe-inline' (every HTML document,
  redirects included).

Sign-ins are few (a TOTP code works once per 30-second step): each persona signs in once per test
in a browser context of their own, and stays signed in while the others act.
"""

import base64
import datetime
import re
import time
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from access_requests.models import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, AccessRequest
from access_requests.services import ItemChoice, access_request_create, access_request_decide
from access_reviews.models import ReviewCampaign
from access_reviews.selectors import tasks_for_manager
from access_reviews.services import campaign_open
from accounts.models import Organization, User
from accounts.services import registration as registration_services
from accounts.services.mfa import totp_device_for_enrollment
from accounts.services.passkeys import PASSKEY_NAME_MAX_LENGTH
from claims.appeal_services import appeal_decide, appeal_submit, appeal_take
from claims.models import (
    APPEAL_DECISION_MAX_LENGTH,
    APPEAL_NOTE_MAX_LENGTH,
    Appeal,
    Claim,
    ClaimLine,
    ClaimPayment,
    LineAdjustment,
    Member,
    ReasonCode,
    Remittance,
)
from claims.tests.submission_builder import claim_draft_for
from devdata.claim_status import STATUS_CLAIMS
from devdata.claims import DEMO_TRACE
from mailbox.models import MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Message, Thread
from mailbox.services import message_reply, thread_start_with_payer
from mailbox.text import plain_preview
from outbox import services as outbox
from outbox.models import OutboundEmail
from tests.browser.helpers import sign_in
from tests.browser.injection_corpus import CORPUS, SEED_004, fit
from user_management.services import users as user_actions

pytestmark = pytest.mark.browser

TIN = "123456789"
ORG_NAME = "Springfield Family Clinic"
NAME_MAX = User._meta.get_field("full_name").max_length
PHONE_MAX = User._meta.get_field("phone").max_length
CAMPAIGN_MAX = ReviewCampaign._meta.get_field("name").max_length
COMMENT_MAX = user_actions.COMMENT_MAX_LENGTH
NEW_PASSWORD = "Corpus-Passphrase-2026!"

# What Chromium finds in the page: anything the site did not write, and the texts to compare.
PROBE = r"""() => {
  const problems = [];
  const short = (el) => el.outerHTML.slice(0, 200);
  for (const s of document.scripts) {
    if (!s.hasAttribute('src')) { problems.push('inline script: ' + short(s)); continue; }
    const url = new URL(s.src, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/static/')) problems.push('foreign script: ' + s.src);
  }
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background', 'srcdoc'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`event handler ${name}= on ${short(el)}`);
      if (urlAttributes.includes(name) && /^\s*(javascript|vbscript|data):/i.test(attr.value)
          && !(el.localName === 'img' && /^data:image\//i.test(attr.value))) {
        problems.push(`${name}="${attr.value}" on ${short(el)}`);
      }
    }
  }
  const foreign = 'style, base, iframe, frame, frameset, object, embed, applet, meta[http-equiv], '
    + 'link:not([href^="/static/"]), xmp, plaintext, listing, marquee, math, noscript';
  for (const el of document.querySelectorAll(foreign)) problems.push('injected element: ' + short(el));
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    if (!['http:', 'https:', 'mailto:', 'tel:'].includes(a.protocol)) problems.push('link to ' + a.href);
  }
  const main = document.querySelector('main');
  const text = (el) => (el ? el.innerText : '');
  if (!main) {
    problems.push('no <main>: the page was cut short');
  } else {
    // The portal's own server-drawn chart (Control Panel home) is the one <svg> a page may hold.
    const strangers = 'img:not([src^="/static/"]):not([src^="data:image/"]), svg:not(.portal-chart__svg), b, i, u, font, center, '
      + 'details:not([class]), template:not(#id-row-template), button:not([class]), form:not([method])';
    for (const el of main.querySelectorAll(strangers)) problems.push('injected element in main: ' + short(el));
    if (main.querySelectorAll('h1').length > 1) problems.push('a second <h1> in main');
  }
  const pieces = 'th, td, li, a, p, dd, h1, h2, legend, label, .usa-alert__text, .portal-message__body';
  return {
    problems,
    title: document.title,
    h1: text(main && main.querySelector('h1')),
    main: text(main),
    facts: Object.fromEntries(
      [...document.querySelectorAll('main dl.portal-facts > div')].map((d) => [text(d.querySelector('dt')), text(d.querySelector('dd'))])
    ),
    bodies: [...document.querySelectorAll('main .portal-message__body')].map(text),
    comments: [...document.querySelectorAll('main td.portal-comment')].map(text),
    pieces: main ? [...main.querySelectorAll(pieces)].map(text) : [],
    next: (document.querySelector('main a.usa-pagination__next-page') || {}).href || null,
  };
}"""


def norm(text: str) -> str:
    """Text as a reader sees it: whitespace runs collapsed, ends trimmed."""
    return " ".join((text or "").split())


def tagged(label: str, index: int, text: str, limit: int) -> str:
    """A message or comment: a marker line naming the field, then the string (first line kept for it)."""
    head = f"[{label} #{index}]\n"
    return head + fit(text, limit - len(head))


class Seen:
    """One page as Chromium shows it, with the texts normalised."""

    def __init__(self, where: str, raw: dict):
        self.where = where
        self.problems = raw["problems"]
        self.title = norm(raw["title"])
        self.h1 = norm(raw["h1"])
        self.main = norm(raw["main"])
        self.facts = {norm(k): norm(v) for k, v in raw["facts"].items()}
        self.bodies = [norm(b) for b in raw["bodies"]]
        self.comments = [norm(c) for c in raw["comments"]]
        self.pieces = [norm(p) for p in raw["pieces"]]
        self.next = raw["next"]

    def piece_equal(self, value: str) -> bool:
        return norm(value) in self.pieces

    def piece_ending(self, value: str) -> bool:
        want = norm(value)
        return any(piece.endswith(want) for piece in self.pieces)

    def piece_containing(self, value: str) -> bool:
        want = norm(value)
        return any(want in piece for piece in self.pieces)


class Watch:
    """Watches every page of the test: dialogs, CSP violations, the CSP header of HTML documents,
    and what each visited page holds. Failures are collected, then reported together."""

    def __init__(self):
        self.failures: list[str] = []
        self.documents = []
        self.html_documents = 0
        self.pages_probed = 0

    def attach(self, page):
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("response", self._response)
        page.set_default_timeout(15000)
        return page

    def _dialog(self, dialog):
        self.failures.append(
            f"{dialog.type} dialog opened on {dialog.page.url if dialog.page else '?'}: {dialog.message}"
        )
        dialog.dismiss()

    def _console(self, message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.failures.append(f"CSP violation logged: {message.text[:300]}")

    def _response(self, response):
        if response.request.resource_type == "document":
            self.documents.append(response)

    def check_headers(self):
        for response in self.documents:
            try:
                headers = response.all_headers()
            except Exception:  # a document gone with its context keeps its provisional headers
                headers = response.headers
            if "text/html" not in headers.get("content-type", ""):
                continue
            self.html_documents += 1
            policy = headers.get("content-security-policy")
            where = f"{response.status} {response.url}"
            if not policy:
                self.failures.append(f"no Content-Security-Policy header: {where}")
            elif "unsafe-inline" in policy or "unsafe-eval" in policy:
                self.failures.append(f"Content-Security-Policy allows unsafe code: {where}: {policy}")
            elif not re.search(r"(^|;)\s*(script-src|default-src)\s", policy):
                self.failures.append(f"Content-Security-Policy without script-src or default-src: {where}")
        self.documents.clear()

    def fail(self, seen: Seen, message: str):
        self.failures.append(f"{seen.where}: {message}")

    def expect(self, seen: Seen, ok: bool, message: str):
        if not ok:
            self.fail(seen, message)

    def look(self, page, url: str | None, where: str) -> Seen:
        """Open ``url`` (or take the page as it is) and check it holds nothing injected."""
        if url is not None:
            response = page.goto(url)
            if response is None or response.status >= 400:
                self.failures.append(f"{where}: {url} answered {response.status if response else 'nothing'}")
        seen = Seen(where, page.evaluate(PROBE))
        self.pages_probed += 1
        for problem in seen.problems:
            self.fail(seen, problem)
        return seen

    def look_all_pages(self, page, url: str, where: str, limit: int = 40) -> list[Seen]:
        """A paginated list, page after page (the keyset pager's "Next page")."""
        pages = [self.look(page, url, f"{where} (page 1)")]
        while pages[-1].next and len(pages) < limit:
            pages.append(self.look(page, pages[-1].next, f"{where} (page {len(pages) + 1})"))
        return pages

    def assert_clean(self):
        self.check_headers()
        assert self.html_documents > 0, "no HTML document was seen: the response listener is not working"
        if self.failures:
            shown = "\n".join(f"- {failure}" for failure in self.failures[:80])
            more = f"\n… and {len(self.failures) - 80} more" if len(self.failures) > 80 else ""
            pytest.fail(f"{len(self.failures)} injection problems:\n{shown}{more}", pytrace=False)


def any_page(pages: list[Seen], check) -> bool:
    return any(check(seen) for seen in pages)


def new_page(page, live_server, watch: Watch):
    """Another person's browser: a context of its own in the same Chromium."""
    context = page.context.browser.new_context(base_url=live_server.url)
    return watch.attach(context.new_page())


def sign_in_with_code(page, email: str, password: str, code: str):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a backup code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def persona(email: str) -> User:
    return User.objects.get(email=email)


# --- the whole corpus through the services -------------------------------------------------------


def sampled(rows):
    """Pages that repeat a template already checked with every string: seed 004's strings, every
    fourth string and the two longest."""
    return [row for row in rows if row.i < len(SEED_004) or row.i % 4 == 0 or row.i >= len(CORPUS) - 2]


def seed_corpus(monkeypatch):
    """Every corpus string in every free-text field, written by the services the views call.

    One transaction, and the outbox's emails are not sent (they hold no user text and are not
    under test here): on file-based SQLite that takes the seeding from 50 s to a few seconds.
    """
    org = Organization.objects.get(tin=TIN)
    biller, manager, analyst = persona("biller@demo.test"), persona("manager@demo.test"), persona("analyst@demo.test")
    due = timezone.localdate() + datetime.timedelta(days=30)
    rows = []
    with monkeypatch.context() as patch, transaction.atomic():
        patch.setattr(outbox, "_dispatch", lambda email_id: None)
        for i, text in enumerate(CORPUS):
            rows.append(seed_one(i, text, org=org, biller=biller, manager=manager, analyst=analyst, due=due))
    return rows


def seed_one(i, text, *, org, biller, manager, analyst, due):
    row = SimpleNamespace(i=i, text=text)
    # Message Box: a provider's thread to the payer team, the provider's reply, the payer's reply.
    thread = thread_start_with_payer(
        sender=biller,
        subject=fit(text, SUBJECT_MAX_LENGTH),
        body=tagged("message", i, text, MESSAGE_MAX_LENGTH),
        organization=org,
    )
    message_reply(thread=thread, sender=biller, body=tagged("provider reply", i, text, MESSAGE_MAX_LENGTH))
    message_reply(thread=thread, sender=analyst, body=tagged("payer reply", i, text, MESSAGE_MAX_LENGTH))
    row.thread = Thread.objects.get(pk=thread.pk)
    row.bodies = bodies_of(row.thread)
    # Add Facility: the note; the analyst refuses the ID with a reason and replies.
    access_request = access_request_create(
        requester=biller, items=[("office", f"INJ{i:02d}")], note=tagged("note", i, text, NOTE_MAX_LENGTH)
    )
    item = access_request.items.get()
    access_request_decide(
        access_request=access_request,
        reviewer=analyst,
        choices={item.pk: ItemChoice(approve=False, reason=fit(text, REASON_MAX_LENGTH))},
        reply=tagged("decision reply", i, text, MESSAGE_MAX_LENGTH),
    )
    row.request = AccessRequest.objects.select_related("thread").get(pk=access_request.pk)
    row.item = row.request.items.get()
    row.request_bodies = bodies_of(row.request.thread)
    # Registration under the demo TIN (its account managers verify it): full name and telephone.
    registration = registration_services.registration_submit(
        full_name=fit(text, NAME_MAX),
        email=f"registrant{i:02d}@corpus.test",
        phone=fit(CORPUS[(i + 1) % len(CORPUS)], PHONE_MAX),
        tin=TIN,
    )
    # The account manager verifies them with a comment (it also becomes the status reason) and
    # adds another: seed 004's Comments History.
    user_actions.user_update(
        actor=manager,
        user=registration.user,
        organization=org,
        levels=["level_claims"],
        action="enable",
        comment=fit(text, COMMENT_MAX),
    )
    user_actions.user_comment_add(
        actor=manager, user=registration.user, organization=org, comment=tagged("comment", i, text, COMMENT_MAX)
    )
    row.comments = [fit(text, COMMENT_MAX), tagged("comment", i, text, COMMENT_MAX)]
    row.registrant = User.objects.get(pk=registration.user.pk)
    # Registration under an unknown TIN: it waits on the payer's Organizations page.
    payer_registration = registration_services.registration_submit(
        full_name=fit(f"Payer-routed {i}: {text}", NAME_MAX),
        email=f"newtin{i:02d}@corpus.test",
        phone=fit(CORPUS[(i + 2) % len(CORPUS)], PHONE_MAX),
        tin=f"5550001{i:02d}",
    )
    row.payer_registrant = User.objects.get(pk=payer_registration.user.pk)
    # Invitation by the account manager.
    row.invitee = user_actions.invitation_create(
        actor=manager,
        organization=org,
        email=f"invitee{i:02d}@corpus.test",
        full_name=fit(f"Invitee {i}: {text}", NAME_MAX),
        phone=fit(CORPUS[(i + 3) % len(CORPUS)], PHONE_MAX),
        levels=[],
    )
    # An access review opened by the analyst for the demo TIN.
    row.campaign = campaign_open(actor=analyst, name=fit(text, CAMPAIGN_MAX), due_on=due, organizations=[org])
    return row


def bodies_of(thread: Thread) -> list[str]:
    return list(Message.objects.filter(thread=thread).order_by("created_at", "id").values_list("body", flat=True))


def complete_registration(user: User, manager: User, org: Organization) -> list[str]:
    """The emailed link, the password and the authenticator, through the services: the backup codes."""
    raw = registration_services.registration_link_issue(user=user, actor=manager, organization=org)
    link = registration_services.registration_link_find(raw=raw)
    registration_services.registration_password_set(link=link, password=NEW_PASSWORD)
    device = totp_device_for_enrollment(user=user)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    codes = registration_services.registration_complete(link=link, device=device, token=code)
    assert codes, "the authenticator code was refused"
    return codes


def status_text(user: User) -> str:
    user.refresh_from_db()
    return f"{user.get_status_display()} ({user.status_reason})" if user.status_reason else user.get_status_display()


def search(path: str, text: str, *names: str) -> str:
    """A search page with the string in each of the named boxes or filters."""
    return f"{path}?{urlencode(dict.fromkeys(names, text))}"


def check_input(watch: Watch, seen: Seen, page, selector: str, sent: str):
    """The box shows back exactly what was typed (a one-line box drops line breaks)."""
    value = page.locator(selector).input_value()
    if value != re.sub(r"[\r\n]", "", sent):
        watch.fail(seen, f"{selector} holds {value[:80]!r}, not what was typed")


def check_thread(watch: Watch, seen: Seen, subject: str, bodies: list[str]):
    watch.expect(seen, seen.h1 == norm(subject), f"heading is {seen.h1[:80]!r}, not the subject")
    watch.expect(seen, seen.title.startswith(norm(subject)), f"title is {seen.title[:80]!r}, not the subject")
    watch.expect(
        seen, seen.bodies == [norm(b) for b in bodies], f"messages are not the text sent: {seen.bodies!r:.300}"
    )


def check_audit(watch: Watch, audit: list[Seen], where: str, sentences: list[tuple[str, str]], endings=()):
    for what, sentence in sentences:
        if not any_page(audit, lambda seen, s=sentence: seen.piece_equal(s)):
            watch.failures.append(f"{where}: {what} not shown as text: {sentence[:120]!r}")
    for what, ending in endings:
        if not any_page(audit, lambda seen, e=ending: seen.piece_ending(e)):
            watch.failures.append(f"{where}: {what} not shown as text: {ending[:120]!r}")


def message_and_decision_sentences(row) -> list[tuple[str, str]]:
    return [
        (f"message #{row.i}", f"biller@demo.test sent a secure message in the thread “{row.thread.subject}”"),
        (
            f"decision #{row.i}",
            f"analyst@demo.test decided Add Facility request {row.request.reference} of biller@demo.test: "
            f"denied office INJ{row.i:02d} ({row.item.reason})",
        ),
    ]


def check_provider_pages(watch: Watch, page, rows):
    """The biller: Message Box inbox and threads, request pages, and the search box of My Profile."""
    watch.look(page, "/", "biller's dashboard")
    inbox = watch.look_all_pages(page, "/messages/", "biller inbox")
    for row in rows:
        if not any_page(inbox, lambda seen, s=row.thread.subject: seen.piece_ending(s)):
            watch.failures.append(f"biller inbox: subject #{row.i} not shown as text: {row.thread.subject[:80]!r}")
        for last in (row.bodies[-1], row.request_bodies[-1]):
            preview = f"Demo Health Plan team: {plain_preview(last, 90)}"
            if not any_page(inbox, lambda seen, p=preview: seen.piece_equal(p)):
                watch.failures.append(f"biller inbox: preview #{row.i} not shown as text: {preview[:80]!r}")
    for row in rows:
        seen = watch.look(page, f"/messages/{row.thread.uuid}/", f"biller thread #{row.i}")
        check_thread(watch, seen, row.thread.subject, row.bodies)
        seen = watch.look(page, f"/profile/requests/{row.request.uuid}/", f"biller request page #{row.i}")
        watch.expect(seen, seen.piece_equal(row.item.reason), f"reason not shown as text: {row.item.reason[:80]!r}")
        watch.expect(seen, seen.bodies == [norm(b) for b in row.request_bodies], f"messages: {seen.bodies!r:.300}")
        seen = watch.look(page, search("/profile/", row.text, "q"), f"biller My Profile search #{row.i}")
        check_input(watch, seen, page, "#id_q", row.text)
    # Passkey names on the Security page: one stored passkey per string.
    biller = persona("biller@demo.test")
    names = {row.i: fit(row.text, PASSKEY_NAME_MAX_LENGTH) for row in rows}
    for row in rows:
        WebAuthnCredential.objects.create(
            user=biller, name=names[row.i], credential_id=f"corpus-{row.i}".encode(), public_key=b"\x00"
        )
    seen = watch.look(page, "/security/", "biller Security page")
    for row in rows:
        watch.expect(seen, seen.piece_equal(names[row.i]), f"passkey name #{row.i} not shown as text")
    watch.check_headers()


def check_claim_pages(watch: Watch, page, analyst, rows):
    """The biller's claim and payment pages: a service line's adjudication note and a reason
    code's description (from the claim system's CSV files), the payer's name (from an 835 file)."""
    claim_payment = ClaimPayment.objects.filter(remittance__trace_number=DEMO_TRACE).order_by("id").first()
    claim, remittance = claim_payment.claim, claim_payment.remittance
    line = ClaimLine.objects.filter(claim=claim).order_by("line_number").first()
    codes = set(LineAdjustment.objects.filter(line=line).values_list("reason_code", flat=True))
    for row in sampled(rows):
        note, words = fit(row.text, 500), fit(row.text, 500)
        ClaimLine.objects.filter(pk=line.pk).update(note=note)
        ReasonCode.objects.filter(kind="carc", code__in=codes).update(description=words)
        Remittance.objects.filter(pk=remittance.pk).update(payer_name=fit(row.text, 60))
        seen = watch.look(page, f"/claims/{claim.claim_number}/", f"claim page #{row.i}")
        watch.expect(seen, seen.piece_equal(f"Adjudication note: {note}"), f"line note #{row.i} not shown as text")
        watch.expect(seen, seen.piece_containing(words), f"reason code words #{row.i} not shown as text")
        seen = watch.look(page, f"/claims/payments/{remittance.uuid}/", f"payment page #{row.i}")
        watch.expect(seen, seen.piece_equal(fit(row.text, 60)), f"payer name #{row.i} not shown as text")
    # Appeals: the biller's note and the analyst's decision, on both sides.
    biller, staff = persona("biller@demo.test"), persona("analyst@demo.test")
    for row in sampled(rows):
        text = fit(row.text, APPEAL_NOTE_MAX_LENGTH)
        if not text.strip():
            continue
        appeal = appeal_submit(actor=biller, claim=claim, kind="appeal", reason="other", note=text, files=[])
        appeal_take(actor=staff, appeal=appeal)
        appeal_decide(actor=staff, appeal=appeal, outcome="upheld", reason=fit(row.text, APPEAL_DECISION_MAX_LENGTH))
        appeal.refresh_from_db()
        seen = watch.look(analyst, f"/control-panel/appeals/{appeal.uuid}/", f"Control Panel appeal #{row.i}")
        watch.expect(seen, seen.piece_equal(appeal.note), f"appeal note #{row.i} not shown as text")
        watch.expect(seen, seen.piece_equal(appeal.decision_reason), f"decision #{row.i} not shown as text")
        seen = watch.look(page, f"/claims/{claim.claim_number}/", f"claim page with appeal #{row.i}")
        watch.expect(seen, seen.piece_equal(appeal.note), f"appeal note #{row.i} not shown as text on the claim")
        decision = f"Decision: {appeal.decision_reason}"
        watch.expect(seen, seen.piece_equal(decision), f"decision #{row.i} not shown as text on the claim")
    # A claim keyed in the portal: its patient account number and note, on the draft's page.
    member = Member.objects.filter(member_id=claim.member_id).first() or Member.objects.order_by("id").first()
    for row in sampled(rows):
        account, note = fit(row.text, 20).strip(), fit(row.text, 80).strip()
        if not account or not note:
            continue
        draft = claim_draft_for(
            actor=biller, provider=claim.provider_identifier, member=member, note=note, patient_account=account
        )
        seen = watch.look(page, f"/claims/submit/{draft.uuid}/", f"claim draft #{row.i}")
        watch.expect(seen, seen.piece_equal(account), f"patient account #{row.i} not shown as text")
        watch.expect(seen, seen.piece_equal(note), f"claim note #{row.i} not shown as text")
    watch.check_headers()


def check_manager_pages(watch: Watch, page, rows):
    """The account manager: User Management, Update User, access reviews, their TINs' audit log."""
    manager = persona("manager@demo.test")
    watch.look(page, "/", "manager's dashboard")
    listed = watch.look_all_pages(page, "/users/", "User Management")
    for row in rows:
        for user in (row.registrant, row.invitee):
            if not any_page(listed, lambda seen, n=user.full_name: seen.piece_equal(n)):
                watch.failures.append(f"User Management: name #{row.i} not shown as text: {user.full_name[:80]!r}")
    # The work queue lists the first 20 open reviews.
    for task in tasks_for_manager(manager=manager)[:20]:
        quoted = f"“{task.campaign.name}” for TIN {TIN}"
        if not any_page(listed, lambda seen, q=quoted: seen.piece_containing(q)):
            watch.failures.append(f"User Management work queue: review not shown as text: {quoted[:80]!r}")

    for row in rows:
        user = row.registrant
        seen = watch.look(page, f"/users/{user.uuid}/", f"Update User of registrant #{row.i}")
        heading = f"Update user status and permissions for {user.full_name}"
        watch.expect(seen, seen.h1 == norm(heading), f"heading is {seen.h1[:80]!r}")
        watch.expect(seen, seen.title.startswith(norm(f"Update {user.full_name}")), f"title is {seen.title[:80]!r}")
        watch.expect(seen, seen.facts.get("Name") == norm(user.full_name), f"Name is {seen.facts.get('Name')!r:.80}")
        watch.expect(seen, seen.facts.get("Telephone number") == norm(user.phone), "telephone not shown as text")
        watch.expect(
            seen, seen.facts.get("Status") == norm(status_text(user)), f"Status {seen.facts.get('Status')!r:.80}"
        )
        missing = [c for c in row.comments if norm(c) not in seen.comments]
        watch.expect(seen, not missing, f"Comments History does not show {missing!r:.200} as text")
    for row in sampled(rows):
        seen = watch.look(page, search("/users/", row.text, "q", "status"), f"User Management search #{row.i}")
        check_input(watch, seen, page, "#id_q", row.text)
        invitee = row.invitee
        seen = watch.look(page, f"/users/{invitee.uuid}/", f"Update User of invitee #{row.i}")
        watch.expect(seen, seen.facts.get("Name") == norm(invitee.full_name), "invitee's name not shown as text")
        watch.expect(seen, seen.facts.get("Telephone number") == norm(invitee.phone), "invitee's phone not shown")

    tasks = watch.look(page, "/users/reviews/", "manager's access reviews")
    for row in rows:
        link = f"{row.campaign.name}: {ORG_NAME} (TIN {TIN})"
        watch.expect(tasks, tasks.piece_equal(link), f"review #{row.i} not shown as text: {link[:80]!r}")
    for row in sampled(rows):
        task = row.campaign.tasks.get()
        seen = watch.look(page, f"/users/reviews/{task.uuid}/", f"access review task #{row.i}")
        watch.expect(seen, seen.h1 == norm(f"{row.campaign.name}: {ORG_NAME}"), f"heading is {seen.h1[:80]!r}")
    for other in rows:  # the last task page lists every member by name
        name = other.registrant.full_name
        watch.expect(seen, seen.piece_containing(name), f"member #{other.i} not listed as text: {name[:80]!r}")

    audit = watch.look_all_pages(page, "/users/audit/", "manager audit log")
    for row in rows:
        check_audit(watch, audit, "manager audit log", message_and_decision_sentences(row))
    for row in sampled(rows):
        url = search("/users/audit/", row.text, "actor", "target", "action")
        seen = watch.look(page, url, f"manager audit filters #{row.i}")
        check_input(watch, seen, page, "#id_actor", row.text)
    watch.check_headers()


def check_payer_pages(watch: Watch, page, rows):
    """The analyst: Control Panel Mailbox, threads and review panel, Users, Organizations, Reviews, Audit."""
    mailbox = watch.look_all_pages(page, "/control-panel/mailbox/", "Control Panel Mailbox")
    for row in rows:
        if not any_page(mailbox, lambda seen, s=row.thread.subject: seen.piece_ending(s)):
            watch.failures.append(f"Control Panel Mailbox: subject #{row.i} not shown: {row.thread.subject[:80]!r}")
        for last in (row.bodies[-1], row.request_bodies[-1]):
            preview = f"Us: {plain_preview(last, 80)}"
            if not any_page(mailbox, lambda seen, p=preview: seen.piece_equal(p)):
                watch.failures.append(f"Control Panel Mailbox: preview #{row.i} not shown as text: {preview[:80]!r}")
    for row in rows:
        seen = watch.look(page, f"/control-panel/mailbox/{row.thread.uuid}/", f"Control Panel thread #{row.i}")
        check_thread(watch, seen, row.thread.subject, row.bodies)
        url = f"/control-panel/mailbox/{row.request.thread.uuid}/"
        seen = watch.look(page, url, f"Control Panel request thread #{row.i}")
        watch.expect(seen, seen.bodies == [norm(b) for b in row.request_bodies], f"messages: {seen.bodies!r:.300}")
        watch.expect(seen, seen.piece_equal(f"Denied: {row.item.reason}"), "reason not shown as text in the panel")

    users = watch.look_all_pages(page, "/control-panel/users/", "Control Panel Users")
    for row in rows:
        for user in (row.registrant, row.payer_registrant, row.invitee):
            if not any_page(users, lambda seen, n=user.full_name: seen.piece_equal(n)):
                watch.failures.append(f"Control Panel Users: name #{row.i} not shown as text: {user.full_name[:80]!r}")
    for row in rows:
        user = row.registrant
        seen = watch.look(page, f"/control-panel/users/{user.uuid}/", f"Control Panel user #{row.i}")
        watch.expect(seen, seen.h1 == norm(user.full_name), f"heading is {seen.h1[:80]!r}")
        watch.expect(seen, seen.title.startswith(norm(user.full_name)), f"title is {seen.title[:80]!r}")
        watch.expect(seen, seen.facts.get("Telephone") == norm(user.phone), "telephone not shown as text")
        watch.expect(seen, seen.facts.get("Status") == norm(status_text(user)), "status reason not shown as text")
    for row in sampled(rows):
        seen = watch.look(page, search("/control-panel/users/", row.text, "q", "status"), f"Users search #{row.i}")
        check_input(watch, seen, page, "#id_q", row.text)
        url = search("/control-panel/organizations/", row.text, "q", "flag")
        seen = watch.look(page, url, f"Organizations search #{row.i}")
        check_input(watch, seen, page, "#id_q", row.text)
        watch.look(page, search("/control-panel/mailbox/", row.text, "show"), f"Mailbox filter #{row.i}")
        seen = watch.look(
            page, search("/control-panel/audit/", row.text, "actor", "target", "action"), f"audit filters #{row.i}"
        )
        check_input(watch, seen, page, "#id_actor", row.text)

    biller = persona("biller@demo.test")
    seen = watch.look(page, f"/control-panel/users/{biller.uuid}/", "Control Panel user: the biller's audit trail")
    for row in rows[-5:]:  # the trail shows the user's latest 50 events
        watch.expect(seen, seen.piece_ending(f": {row.thread.subject}"), f"subject #{row.i} not shown as text")
    watch.look(page, "/control-panel/", "Control Panel home")
    watch.look(page, "/control-panel/requests/", "Control Panel requests")

    organizations = watch.look(page, "/control-panel/organizations/", "Organizations")
    for row in rows:
        user = row.payer_registrant
        cell = f"{user.full_name} {user.email} · {user.phone}"
        watch.expect(
            organizations, organizations.piece_equal(cell), f"registration #{row.i} not shown as text: {cell[:80]!r}"
        )

    reviews = watch.look(page, "/control-panel/reviews/", "Reviews")
    for row in rows:
        watch.expect(reviews, reviews.piece_equal(row.campaign.name), f"review #{row.i} not shown as text")
    for row in sampled(rows):
        seen = watch.look(page, f"/control-panel/reviews/{row.campaign.uuid}/", f"review #{row.i}")
        watch.expect(seen, seen.h1 == norm(row.campaign.name), f"heading is {seen.h1[:80]!r}")
        watch.expect(seen, seen.title.startswith(norm(row.campaign.name)), f"title is {seen.title[:80]!r}")

    audit = watch.look_all_pages(page, "/control-panel/audit/", "Control Panel audit log", limit=100)
    for row in rows:
        user = row.registrant
        status = (
            f"manager@demo.test changed the status of {user.email} from Verification pending to Unverified "
            f"(reason: {fit(row.text, COMMENT_MAX)})"
        )
        sentences = [*message_and_decision_sentences(row), (f"status reason #{row.i}", status)]
        check_audit(
            watch, audit, "Control Panel audit log", sentences, [(f"review #{row.i}", f"— {row.campaign.name}")]
        )
    watch.check_headers()


def check_registrant_pages(watch: Watch, page, user: User, rows):
    """A person who registered: the dashboard greets them, My Profile shows their name and telephone.

    Then the name and telephone take every corpus string in turn, as if the person had registered
    with it, and My Profile (and, for a sample, the dashboard) is looked at again.
    """
    for row in rows:
        name, phone = fit(row.text, NAME_MAX), fit(CORPUS[(row.i + 1) % len(CORPUS)], PHONE_MAX)
        User.objects.filter(pk=user.pk).update(full_name=name, phone=phone)
        seen = watch.look(page, "/profile/", f"registrant's My Profile #{row.i}")
        watch.expect(seen, seen.facts.get("Name") == norm(name), f"Name is {seen.facts.get('Name')!r:.80}")
        watch.expect(seen, seen.facts.get("Telephone") == norm(phone), f"Telephone {seen.facts.get('Telephone')!r:.80}")
    for row in sampled(rows):
        name = fit(row.text, NAME_MAX)
        User.objects.filter(pk=user.pk).update(full_name=name)
        seen = watch.look(page, "/", f"registrant's dashboard #{row.i}")
        watch.expect(seen, seen.h1 == norm(f"Welcome, {name}"), f"heading is {seen.h1[:80]!r}")
    watch.check_headers()


def test_every_string_in_every_field_is_shown_as_text(page, live_server, demo_data, monkeypatch):
    started = time.monotonic()
    rows = seed_corpus(monkeypatch)
    registrant = rows[0].registrant
    codes = complete_registration(registrant, persona("manager@demo.test"), Organization.objects.get(tin=TIN))
    seeded = time.monotonic()

    watch = Watch()
    watch.attach(page)
    sign_in(page, "biller@demo.test")
    check_provider_pages(watch, page, rows)

    manager = new_page(page, live_server, watch)
    sign_in(manager, "manager@demo.test")
    check_manager_pages(watch, manager, rows)

    analyst = new_page(page, live_server, watch)
    sign_in(analyst, "analyst@demo.test")
    check_payer_pages(watch, analyst, rows)

    person = new_page(page, live_server, watch)
    sign_in_with_code(person, registrant.email, NEW_PASSWORD, codes[0])
    check_registrant_pages(watch, person, registrant, rows)
    # Last: opening claims and payments writes the biller's audit events, which would push the
    # events the Control Panel's trail is checked for out of its latest 50.
    check_claim_pages(watch, page, analyst, rows)

    print(
        f"\n{len(CORPUS)} strings seeded in {seeded - started:.1f} s; {watch.pages_probed} pages probed, "
        f"{watch.html_documents} HTML documents' headers checked; {time.monotonic() - started:.1f} s in all"
    )
    watch.assert_clean()


# --- one string per field through the real forms --------------------------------------------------

TYPED = {
    "registration name": "</title><script>alert(1)</script> Nora",
    "registration phone": '"><svg onload=alert(1)>',
    "payer-routed name": "'\"><iframe src=javascript:alert(1)> Pat",
    "payer-routed phone": "<img src=x onerror=alert(1)>",
    "subject": SEED_004[0],
    "message": 'Hello,\n</textarea><script>alert(1)</script>\nSee https://example.org/"><script>alert(1)</script>',
    "provider reply": '"><img src=x onerror=alert(1)> {{7*7}}',
    "note": "{% debug %} {{7*7}}\n<style>body{display:none}</style>",
    "payer reply": '<a href="javascript:alert(1)">x</a> javascript:alert(1)',
    "reason": "<IMG SRC=x ONERROR=alert(1)> &lt;b&gt;",
    "decision reply": "<meta http-equiv=refresh content=0;url=//example.org>\n<plaintext>",
    "review name": "<svg onload=alert(1)> {{7*7}} Q3 review",
    # Seed 004's Comments History, typed as the account manager typed it.
    "verify comment": SEED_004[0],
    "comment": SEED_004[1],
    "second comment": SEED_004[2],
    "invitation name": "<details open ontoggle=alert(1)>Ivy</details>",
    # Update User's "Add provider IDs" box: not an ID of the TIN, so it comes back with its error.
    "provider id": '"><img/src=x/onerror=alert(1)>',
    "appeal note": "Line 1\n</p><script>alert(1)</script>\n{{7*7}} <a href=javascript:alert(1)>see</a>",
    "appeal decision": '<iframe srcdoc="<script>alert(1)</script>"></iframe> Upheld {% now "Y" %}',
    "void reason": "Wrong member </p><script>alert(1)</script> {{7*7}} <b onmouseover=alert(1)>x</b>",
}
REGISTRANT_EMAIL = "nora.corpus@demo.test"


def code_from_secret(secret: str) -> str:
    return f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"


def test_one_string_per_field_typed_into_the_real_forms(page, live_server, demo_data):
    started = time.monotonic()
    watch = Watch()
    person = watch.attach(page)
    typed = {field: norm(text) for field, text in TYPED.items()}

    # Registration, first with a wrong TIN: the form comes back holding what was typed.
    person.goto("/register/")
    person.get_by_label("Full name").fill(TYPED["registration name"])
    person.get_by_label("Work email").fill(REGISTRANT_EMAIL)
    person.get_by_label("Telephone").fill(TYPED["registration phone"])
    person.get_by_label("Your organization's TIN (Tax ID)").fill("12345")
    person.get_by_role("button", name="Register").click()
    seen = watch.look(person, None, "registration form sent back")
    check_input(watch, seen, person, "#id_full_name", TYPED["registration name"])
    check_input(watch, seen, person, "#id_phone", TYPED["registration phone"])
    person.get_by_label("Your organization's TIN (Tax ID)").fill(TIN)
    person.get_by_role("button", name="Register").click()
    expect(person.get_by_role("heading", name=re.compile("registration was received"))).to_be_visible()
    # A second person registers under a TIN nobody manages: it goes to the payer.
    person.goto("/register/")
    person.get_by_label("Full name").fill(TYPED["payer-routed name"])
    person.get_by_label("Work email").fill("pat.corpus@demo.test")
    person.get_by_label("Telephone").fill(TYPED["payer-routed phone"])
    person.get_by_label("Your organization's TIN (Tax ID)").fill("555000999")
    person.get_by_role("button", name="Register").click()
    expect(person.get_by_role("heading", name=re.compile("registration was received"))).to_be_visible()

    # The biller writes to the payer team, replies, and sends an Add Facility request.
    biller = new_page(page, live_server, watch)
    sign_in(biller, "biller@demo.test")
    biller.goto("/messages/new/")
    biller.get_by_label("Subject").fill(TYPED["subject"])
    biller.get_by_label("Message").fill(TYPED["message"])
    biller.get_by_role("button", name="Send").click()
    expect(biller.get_by_text("Your message was sent.")).to_be_visible()
    biller.get_by_label("Your reply").fill(TYPED["provider reply"])
    biller.get_by_role("button", name="Send reply").click()
    expect(biller.get_by_text("Your reply was sent.")).to_be_visible()
    thread_url = biller.url
    seen = watch.look(biller, None, "biller's new thread")
    watch.expect(seen, seen.h1 == typed["subject"], f"heading is {seen.h1!r}")
    watch.expect(seen, seen.bodies == [typed["message"], typed["provider reply"]], f"messages: {seen.bodies!r}")
    expect(biller.get_by_role("heading", name=TYPED["subject"])).to_be_visible()

    biller.goto("/profile/add-facility/")
    biller.get_by_label("Kind of ID").first.select_option(label="Office ID")
    biller.get_by_label("ID", exact=True).first.fill("CORPUS1")
    biller.get_by_label("Note for the reviewer (optional)").fill(TYPED["note"])
    biller.get_by_role("button", name="Send request").click()
    expect(biller.get_by_role("heading", name=re.compile(r"^Request R-"))).to_be_visible()
    request_url = biller.url
    access_request = AccessRequest.objects.select_related("thread").get()
    seen = watch.look(biller, None, "biller's request page")
    watch.expect(seen, any(typed["note"] in body for body in seen.bodies), f"note not shown as text: {seen.bodies!r}")

    # The analyst answers in the Control Panel Mailbox, refuses the ID, opens an access review.
    analyst = new_page(page, live_server, watch)
    sign_in(analyst, "analyst@demo.test")
    mailbox = watch.look(analyst, "/control-panel/mailbox/", "Control Panel Mailbox")
    watch.expect(mailbox, mailbox.piece_ending(TYPED["subject"]), "subject not shown as text in the Mailbox")
    analyst.get_by_role("link", name=TYPED["subject"]).click()
    analyst.get_by_label("Your reply").fill(TYPED["payer reply"])
    analyst.get_by_role("button", name="Send a plain reply").click()
    expect(analyst.get_by_text("Reply sent.")).to_be_visible()
    seen = watch.look(analyst, None, "Control Panel thread")
    expected = [typed["message"], typed["provider reply"], typed["payer reply"]]
    watch.expect(seen, seen.bodies == expected, f"messages: {seen.bodies!r}")

    analyst.goto(f"/control-panel/mailbox/{access_request.thread.uuid}/")
    analyst.get_by_label("Reason for refusing Office ID CORPUS1").fill(TYPED["reason"])
    analyst.get_by_label("Reply to the provider").fill(TYPED["decision reply"])
    analyst.get_by_role("button", name="Apply decision and reply").click()
    expect(analyst.get_by_text(f"Request {access_request.reference}: denied.")).to_be_visible()
    seen = watch.look(analyst, None, "Control Panel request thread")
    watch.expect(seen, seen.piece_equal(f"Denied: {TYPED['reason']}"), "reason not shown as text in the panel")
    watch.expect(seen, seen.bodies[-1:] == [typed["decision reply"]], f"reply not shown as text: {seen.bodies!r}")

    analyst.goto("/control-panel/reviews/")
    analyst.get_by_label("Name").fill(TYPED["review name"])
    analyst.get_by_label("Due date", exact=True).fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    analyst.get_by_label("TINs (leave empty for every organization)").fill(TIN)
    analyst.get_by_role("button", name="Open the review").click()
    expect(analyst.get_by_text(f"Review “{typed['review name']}” opened for 1 organizations.")).to_be_visible()
    seen = watch.look(analyst, None, "review opened")
    watch.expect(seen, seen.h1 == typed["review name"], f"heading is {seen.h1!r}")
    reviews = watch.look(analyst, "/control-panel/reviews/", "Reviews")
    watch.expect(reviews, reviews.piece_equal(TYPED["review name"]), "review name not shown as text")
    organizations = watch.look(analyst, "/control-panel/organizations/", "Organizations")
    cell = f"{TYPED['payer-routed name']} pat.corpus@demo.test · {TYPED['payer-routed phone']}"
    watch.expect(organizations, organizations.piece_equal(cell), "waiting registration not shown as text")

    # The biller appeals a denied claim; the analyst takes and decides it.
    denied = Claim.objects.filter(provider_identifier__value="1234567893", status="denied").order_by("claim_number")[0]
    biller.goto(f"/claims/{denied.claim_number}/appeal/")
    biller.locator("label", has_text=re.compile("^Appeal$")).click()
    biller.get_by_label("Reason").select_option("other")
    biller.get_by_label("Why the decision should change").fill(TYPED["appeal note"])
    biller.get_by_role("button", name="Send to the plan").click()
    expect(biller.get_by_role("heading", name=re.compile("^Appeal submitted"))).to_be_visible()
    appeal = Appeal.objects.get(claim=denied)
    seen = watch.look(biller, None, "claim page with the appeal")
    watch.expect(seen, seen.piece_equal(appeal.note), "appeal note not shown as text on the claim")
    analyst.goto(f"/control-panel/appeals/{appeal.uuid}/")
    analyst.get_by_role("button", name="Take this appeal").click()
    analyst.locator("label", has_text=re.compile("^Upheld")).click()
    analyst.get_by_label("Reason for the decision").fill(TYPED["appeal decision"])
    analyst.get_by_role("button", name="Decide").click()
    expect(analyst.get_by_text(re.compile("^Upheld: the decision stands on"))).to_be_visible()
    appeal.refresh_from_db()
    seen = watch.look(analyst, None, "Control Panel appeal decided")
    watch.expect(seen, seen.piece_equal(appeal.note), "appeal note not shown as text in the Control Panel")
    watch.expect(seen, seen.piece_equal(appeal.decision_reason), "decision not shown as text in the Control Panel")
    seen = watch.look(biller, f"/claims/{denied.claim_number}/", "claim page with the decision")
    watch.expect(seen, seen.piece_equal(f"Decision: {appeal.decision_reason}"), "decision not shown as text")

    # The biller voids the pending demo claim with a reason; the void's page shows it as text.
    pending = STATUS_CLAIMS[0][0]
    biller.goto(f"/claims/{pending}/correct/")
    biller.get_by_label("Why the claim is voided").fill(TYPED["void reason"])
    biller.get_by_role("button", name="Void the claim").click()
    expect(biller.get_by_role("heading", name=f"Void claim {pending}?")).to_be_visible()
    biller.get_by_role("button", name="Void the claim").click()
    expect(biller.get_by_role("heading", name=f"Claim {pending}-V1")).to_be_visible()
    seen = watch.look(biller, None, "void claim page")
    watch.expect(seen, seen.piece_containing(TYPED["void reason"]), "void reason not shown as text")

    # The account manager verifies the registrant with seed 004's three comments and invites someone.
    manager = new_page(page, live_server, watch)
    sign_in(manager, "manager@demo.test")
    manager.goto("/users/")
    seen = watch.look(manager, None, "User Management")
    watch.expect(seen, seen.piece_equal(TYPED["registration name"]), "registrant's name not shown as text")
    watch.expect(seen, seen.piece_containing(f"“{typed['review name']}”"), "review not shown in the work queue")
    manager.get_by_role("link", name=re.compile("1 registration waiting")).click()
    manager.get_by_role("link", name=f"Verify account of {typed['registration name']}").click()
    manager.locator("#id_comment").fill(TYPED["verify comment"])
    manager.locator("label[for='level-level_claims']").click()
    manager.get_by_role("button", name="Verify and enable user").click()
    expect(manager.get_by_text(f"{typed['registration name']} is verified with Claims.")).to_be_visible()
    for field in ("comment", "second comment"):
        manager.locator("#id_comment").fill(TYPED[field])
        manager.get_by_role("button", name="Save", exact=True).click()
        expect(manager.get_by_text("Comment saved; nothing else changed.")).to_be_visible()
        expect(manager.get_by_role("cell", name=TYPED[field], exact=True)).to_be_visible()
    manager.get_by_label("Add provider IDs of this TIN").fill(TYPED["provider id"])
    manager.get_by_role("button", name="Save", exact=True).click()
    seen = watch.look(manager, None, "Update User, provider ID refused")
    check_input(watch, seen, manager, "#id_add_ids", TYPED["provider id"])
    refused = f"Not provider IDs of this TIN: {typed['provider id']}."
    watch.expect(seen, refused in seen.main, "refused provider ID not shown as text")
    manager.get_by_label("Add provider IDs of this TIN").fill("")
    manager.get_by_role("button", name="Save", exact=True).click()
    expect(manager.get_by_text("Nothing changed.")).to_be_visible()
    seen = watch.look(manager, None, "Update User")
    comments = [typed["second comment"], typed["comment"], typed["verify comment"]]
    watch.expect(seen, seen.comments[:3] == comments, f"Comments History is {seen.comments!r}")
    watch.expect(seen, seen.facts.get("Name") == typed["registration name"], "name not shown as text")
    watch.expect(seen, seen.facts.get("Telephone number") == typed["registration phone"], "phone not shown as text")
    watch.expect(seen, seen.facts.get("Status") == f"Unverified ({typed['verify comment']})", "status reason")

    manager.goto("/users/invite/")
    manager.get_by_label("Full name").fill(TYPED["invitation name"])
    manager.get_by_label("Email").fill("ivy.corpus@demo.test")
    manager.locator("#invite-form").get_by_text("Claims", exact=True).click()
    manager.get_by_role("button", name="Send invitation").click()
    expect(manager.get_by_text("Invitation sent to ivy.corpus@demo.test. It works for 7 days.")).to_be_visible()
    seen = watch.look(manager, None, "Update User of the invitee")
    watch.expect(seen, seen.facts.get("Name") == typed["invitation name"], "invitee's name not shown as text")
    seen = watch.look(manager, "/users/", "User Management")
    watch.expect(seen, seen.piece_equal(TYPED["invitation name"]), "invitee's name not shown as text")
    tasks = watch.look(manager, "/users/reviews/", "manager's access reviews")
    watch.expect(tasks, tasks.piece_equal(f"{typed['review name']}: {ORG_NAME} (TIN {TIN})"), "review name")
    audit = watch.look_all_pages(manager, "/users/audit/", "manager audit log")
    # (A thread composed to the payer team names no organization: only the payer's log shows it.)
    decision = (
        f"analyst@demo.test decided Add Facility request {access_request.reference} of biller@demo.test: "
        f"denied office CORPUS1 ({typed['reason']})"
    )
    check_audit(watch, audit, "manager audit log", [("decision", decision)])

    # Back in the Control Panel: Users, the registrant, the audit log.
    registrant = User.objects.get(email=REGISTRANT_EMAIL)
    users = watch.look_all_pages(analyst, "/control-panel/users/", "Control Panel Users")
    for name in (TYPED["registration name"], TYPED["payer-routed name"], TYPED["invitation name"]):
        if not any_page(users, lambda seen, n=name: seen.piece_equal(n)):
            watch.failures.append(f"Control Panel Users: {name!r} not shown as text")
    seen = watch.look(analyst, f"/control-panel/users/{registrant.uuid}/", "Control Panel user")
    watch.expect(seen, seen.h1 == typed["registration name"], f"heading is {seen.h1!r}")
    audit = watch.look_all_pages(analyst, "/control-panel/audit/", "Control Panel audit log")
    status = (
        f"manager@demo.test changed the status of {REGISTRANT_EMAIL} from Verification pending to Unverified "
        f"(reason: {typed['verify comment']})"
    )
    sentences = [
        ("message", f"biller@demo.test sent a secure message in the thread “{typed['subject']}”"),
        ("decision", decision),
        ("status reason", status),
    ]
    check_audit(watch, audit, "Control Panel audit log", sentences)
    check_audit(watch, audit, "Control Panel audit log", [], [("review", f"— {typed['review name']}")])

    # The registrant follows the emailed link: the password, the authenticator, then My Profile.
    body = OutboundEmail.objects.filter(to=REGISTRANT_EMAIL, template="registration").latest("created_at").body
    person.goto(re.search(r"https?://\S+(/register/complete/\S+/)", body).group(1))
    seen = watch.look(person, None, "registration: choose a password")
    watch.expect(seen, seen.h1 == f"Welcome, {typed['registration name']}", f"heading is {seen.h1!r}")
    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Save and continue").click()
    secret = person.locator("#totp-secret").inner_text().replace(" ", "").strip()
    person.get_by_label("Code from your authenticator app, or a backup code").fill(code_from_secret(secret))
    person.get_by_role("button", name="Confirm and continue").click()
    person.get_by_role("link", name="I saved my codes, continue").click()
    seen = watch.look(person, None, "registrant's dashboard")
    watch.expect(seen, seen.h1 == f"Welcome, {typed['registration name']}", f"heading is {seen.h1!r}")
    seen = watch.look(person, "/profile/", "registrant's My Profile")
    watch.expect(seen, seen.facts.get("Name") == typed["registration name"], "name not shown as text")
    watch.expect(seen, seen.facts.get("Telephone") == typed["registration phone"], "telephone not shown as text")

    # The biller, still signed in, reads the answers.
    seen = watch.look(biller, thread_url, "biller's thread with the answer")
    watch.expect(seen, seen.bodies == expected, f"messages: {seen.bodies!r}")
    seen = watch.look(biller, request_url, "biller's request page, decided")
    watch.expect(seen, seen.piece_equal(TYPED["reason"]), "reason not shown as text")
    watch.expect(seen, seen.bodies[-1:] == [typed["decision reply"]], f"reply not shown as text: {seen.bodies!r}")
    expect(biller.get_by_text(TYPED["reason"], exact=True)).to_be_visible()
    inbox = watch.look(biller, "/messages/", "biller inbox")
    watch.expect(inbox, inbox.piece_ending(TYPED["subject"]), "subject not shown as text in the inbox")
    watch.look(biller, "/profile/", "biller's My Profile")

    print(f"\n{len(TYPED)} fields typed; {watch.pages_probed} pages probed; {time.monotonic() - started:.1f} s")
    watch.assert_clean()


# --- Assessments: the free-text answers -----------------------------------------------------------


def test_assessment_free_text_answers_are_shown_as_text(page, live_server, demo_data):
    """Every corpus string as the HRA's "Other needs" answer (a text item) and, sampled, the NOP's
    "Planned delivery facility" (a string item), through the services; each submitted assessment
    opened by the provider who filed it and by the analyst in the Control Panel."""
    from assessments.models import Assessment
    from assessments.services import assessment_start, assessment_submit
    from claims.models import Member

    manager = persona("manager@demo.test")
    npi = manager_npi()
    homer = Member.objects.get(member_id="M100200301")
    filed = []
    for i, text in enumerate(CORPUS):
        hra = assessment_start(actor=manager, member=homer, provider_identifier=npi, code="HRA")
        answers = {
            "general-health": ["good"],
            "height-in": [70],
            "weight-lb": [Decimal("180")],
            "tobacco": [False],
            "exercise-days": [2],
            "needs": [fit(text, 1000).strip() or "x"],
        }
        assessment_submit(actor=manager, assessment=hra, answers=answers)
        filed.append((i, Assessment.objects.get(pk=hra.pk), answers["needs"][0]))

    watch = Watch()
    watch.attach(page)
    sign_in(page, "manager@demo.test")
    for i, assessment, text in filed:
        seen = watch.look(page, f"/assessments/{assessment.uuid}/", f"assessment #{i}")
        watch.expect(seen, seen.piece_equal(text), f"the answer is not shown as text: {text[:80]!r}")
    analyst = new_page(page, live_server, watch)
    sign_in(analyst, "analyst@demo.test")
    for i, assessment, text in filed[:: max(1, len(filed) // 6)]:
        seen = watch.look(analyst, f"/control-panel/assessments/{assessment.uuid}/", f"Control Panel assessment #{i}")
        watch.expect(seen, seen.piece_equal(text), f"the answer is not shown as text: {text[:80]!r}")
    watch.assert_clean()


def manager_npi():
    from accounts.models import ProviderIdentifier

    return ProviderIdentifier.objects.get(kind="npi", value="1234567893")


# --- prior authorizations --------------------------------------------------------------------------


def test_authorization_fields_show_strings_as_text(page, live_server, demo_data):
    """The prior authorization free-text fields (servicing provider name, the plan's request for
    information and the provider's answer, the extension reason, the decision note) hold a sample
    of the corpus; the provider's detail and the analyst's review show each as text."""
    from accounts.models import ProviderIdentifier
    from authorizations import services as authorizations
    from authorizations.models import Category, LineDecision, PlaceOfService, RequestType, Urgency
    from claims.models import Member
    from devdata.authorizations import draft_for

    manager, analyst = persona("manager@demo.test"), persona("analyst@demo.test")
    provider = ProviderIdentifier.objects.get(kind="npi", value="1234567893")
    member = Member.objects.prefetch_related("coverages").get(member_id="M100200301")
    rows = []
    for row in sampled([SimpleNamespace(i=i, text=text) for i, text in enumerate(CORPUS)]):
        text = row.text
        row.name = fit(text, 200) or "Springfield General"
        row.long = fit(text, 2000) or "Notes"
        draft = draft_for(requester=manager, provider=provider, member=member, codes=("E0601",))
        authorizations.draft_providers_set(
            actor=manager,
            draft=draft,
            data=authorizations.ProvidersInput(
                requesting_provider=provider,
                servicing_npi="1234567893",
                servicing_name=row.name,
                request_type=RequestType.INITIAL,
                category=Category.DME,
                urgency=Urgency.STANDARD,
                place_of_service=PlaceOfService.HOME,
            ),
        )
        row.authorization = authorizations.authorization_submit(actor=manager, draft=draft, confirm_duplicate=True)
        authorizations.information_request(
            analyst=analyst, authorization=row.authorization, needed=row.long, deadline=timezone.localdate()
        )
        authorizations.information_send(actor=manager, authorization=row.authorization, text=row.long)
        authorizations.authorization_extend(analyst=analyst, authorization=row.authorization, days=2, reason=row.long)
        authorizations.authorization_decide(
            analyst=analyst,
            authorization=row.authorization,
            choices={1: authorizations.LineChoice(decision=LineDecision.DENIED, reason_code="MN01", note=row.long)},
        )
        row.authorization.refresh_from_db()
        rows.append(row)

    watch = Watch()
    watch.attach(page)
    sign_in(page, "manager@demo.test")
    for row in rows:
        seen = watch.look(page, f"/authorizations/{row.authorization.uuid}/", f"authorization {row.i}")
        for value in (row.name, row.long):
            watch.expect(seen, norm(value) in seen.main, f"does not show {value[:60]!r} as text")
    analyst_page = new_page(page, live_server, watch)
    sign_in(analyst_page, "analyst@demo.test")
    for row in rows[:: max(1, len(rows) // 10)]:
        seen = watch.look(analyst_page, f"/control-panel/authorizations/{row.authorization.uuid}/", f"review {row.i}")
        watch.expect(seen, norm(row.long) in seen.main, f"review does not show {row.long[:60]!r} as text")
    watch.assert_clean()


# --- live chat -------------------------------------------------------------------------------------


def test_chat_lines_show_strings_as_text(page, live_server, demo_data):
    """Every corpus string as a live chat line (cut to the chat's 2,000 characters), the provider's
    and the analyst's in turn, through the services; the conversation opened by the analyst on the
    Control Panel's Chat page (its lines drawn by the server) and in the Mailbox, and by the provider
    in the Message Box. The live box and Chat page set each line with textContent; their socket
    path is tried with corpus strings in tests/browser/test_chat_story.py."""
    from django.conf import settings

    from chat.services import conversation_message, conversation_start, conversation_take

    biller, analyst_user = persona("biller@demo.test"), persona("analyst@demo.test")
    texts = [fit(text, settings.CHAT_MESSAGE_MAX_LENGTH).strip() or "x" for text in CORPUS]
    conversation, _ = conversation_start(provider=biller, body=texts[0])
    conversation_take(conversation=conversation, staff=analyst_user)
    for i, text in enumerate(texts[1:], 1):
        conversation_message(conversation=conversation, sender=analyst_user if i % 2 else biller, body=text)
    bodies = bodies_of(conversation.thread)
    assert len(bodies) == len(CORPUS)

    watch = Watch()
    watch.attach(page)
    sign_in(page, "analyst@demo.test")
    seen = watch.look(page, "/control-panel/chat/", "Control Panel Chat")
    for i, body in enumerate(bodies):
        watch.expect(seen, seen.piece_ending(body), f"chat line #{i} is not shown as text: {body[:80]!r}")
    seen = watch.look(page, f"/control-panel/mailbox/{conversation.thread.uuid}/", "Mailbox thread of the chat")
    watch.expect(seen, seen.bodies == [norm(b) for b in bodies], "the chat's messages are not the text sent")
    provider = new_page(page, live_server, watch)
    sign_in(provider, "biller@demo.test")
    seen = watch.look(provider, f"/messages/{conversation.thread.uuid}/", "Message Box thread of the chat")
    check_thread(watch, seen, conversation.thread.subject, bodies)
    watch.assert_clean()


# --- provider enrollment ---------------------------------------------------------------------------


def test_enrollment_fields_show_strings_as_text(page, live_server, demo_data):
    """A sample of the corpus in an application's free-text fields (legal name, a practice
    location's address, city and hours, an owner's name and role, a specialty) and in the plan's
    correction note, through the services; the Provider Admin's summary and locations section and
    the specialist's review in the Control Panel show each as text."""
    from devdata.enrollment import filled_application, npi_with_check_digit
    from enrollment import services as enrollment
    from enrollment.models import OwnerKind, Section

    admin, analyst = persona("enroll@demo.test"), persona("analyst@demo.test")
    rows = []
    for row in sampled([SimpleNamespace(i=i, text=text) for i, text in enumerate(CORPUS)]):
        text = row.text
        row.name = fit(text, 200) or "Corpus Clinic"
        row.city = fit(text, 100) or "Springfield"
        row.role = fit(text, 100) or "owner"
        row.specialty = fit(text, 120) or "Family medicine"
        application = filled_application(
            admin=admin, legal_name=row.name, npi=npi_with_check_digit(f"16{row.i:07d}"), tin=f"34{row.i:07d}"
        )
        enrollment.location_add(
            actor=admin,
            application=application,
            address_line1=row.name,
            city=row.city,
            state="IL",
            postal_code="62704",
            phone="217-555-0143",
            hours=row.name,
        )
        enrollment.owner_add(
            actor=admin,
            application=application,
            kind=OwnerKind.PERSON,
            name=row.name,
            role=row.role,
            percent=Decimal("0"),
        )
        enrollment.specialty_add(actor=admin, application=application, name=row.specialty, is_primary=False)
        for section in (Section.LOCATIONS, Section.OWNERSHIP, Section.SPECIALTIES):
            enrollment.section_complete(actor=admin, application=application, section=section)
        application.refresh_from_db()
        if not enrollment.signature_is_valid(application):
            enrollment.application_sign(actor=admin, application=application, typed_name=admin.full_name, attest=True)
        enrollment.application_submit(actor=admin, application=application)
        enrollment.application_take(actor=analyst, application=application)
        row.note = fit(text, 2000) or "Fix the address."
        enrollment.application_return(
            actor=analyst,
            application=application,
            corrections=[enrollment.CorrectionItem(section=Section.LOCATIONS, note=row.note)],
        )
        row.application = application
        rows.append(row)

    watch = Watch()
    watch.attach(page)
    sign_in(page, "enroll@demo.test")
    for row in rows:
        base = f"/enrollment/{row.application.uuid}/"
        seen = watch.look(page, base, f"application summary {row.i}")
        watch.expect(seen, norm(row.name) in seen.main, f"summary does not show {row.name[:60]!r} as text")
        seen = watch.look(page, f"{base}locations/", f"locations {row.i}")
        for value in (row.name, row.city, row.note):
            watch.expect(seen, norm(value) in seen.main, f"locations do not show {value[:60]!r} as text")
    analyst_page = new_page(page, live_server, watch)
    sign_in(analyst_page, "analyst@demo.test")
    for row in rows:
        seen = watch.look(analyst_page, f"/control-panel/enrollment/{row.application.uuid}/", f"review {row.i}")
        for value in (row.name, row.role, row.specialty, row.note):
            watch.expect(seen, norm(value) in seen.main, f"review does not show {value[:60]!r} as text")
    watch.look(analyst_page, "/control-panel/enrollment/", "enrollment queue")
    watch.assert_clean()
