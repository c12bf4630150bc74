"""The live chat story, end to end in Chromium against a real ASGI server (daphne, a process of
its own on the test database; the channel layer is Redis when CHANNEL_LAYER_URL is set, as in
CI, else the in-memory one):

the analyst opens the Control Panel's Chat page and is online; the biller opens the Live chat box
in the bottom right corner of the dashboard, asks a question with markup in it, and waits; the
analyst takes it from the queue and answers; the biller moves to another page and the box follows
the conversation; the analyst closes it. The transcript is a Message Box thread for the biller and
a Mailbox thread for the team; another provider (the outsider) cannot read it. Every line shows as
the text typed: no markup, no dialog, no CSP violation.
"""

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, ConversationStatus
from tests.browser.conftest import CHROMIUM, HAVE_CHROMIUM, LAUNCH_ARGS
from tests.browser.helpers import sign_in
from tests.integration.helpers import AsgiServer

pytestmark = pytest.mark.browser

QUESTION = 'Is claim <b>C1</b> paid? <img src=x onerror=alert(1)> "quoted" & more'
ANSWER = "Yes: paid on 03/02 with check 4410. <script>alert(2)</script>"


@pytest.fixture
def asgi_server(demo_data, tmp_path):
    server = AsgiServer(log_path=tmp_path / "asgi.log")
    yield server
    server.stop()


@pytest.fixture
def browser(asgi_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    assert HAVE_CHROMIUM, f"REQUIRE_BROWSER=1 but Chromium is not at {CHROMIUM}"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def person(browser, server, problems: list[str]):
    """One person's browser: a context of its own; dialogs and CSP violations are noted."""
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return page


def test_provider_and_analyst_chat_in_real_time(browser, asgi_server):
    problems: list[str] = []
    analyst = person(browser, asgi_server, problems)
    sign_in(analyst, "analyst@demo.test")
    analyst.goto("/control-panel/chat/")
    expect(analyst.get_by_role("heading", name="Chat", exact=True)).to_be_visible()
    expect(analyst.get_by_text("You are online for the chat")).to_be_visible()

    biller = person(browser, asgi_server, problems)
    sign_in(biller, "biller@demo.test")
    box = biller.get_by_role("complementary", name="Live chat")
    box.get_by_role("button", name="Live chat").click()
    expect(box.get_by_text("The Demo Health Plan team is online. Type your question to start.")).to_be_visible()
    box.get_by_label("Your message").fill(QUESTION)
    box.get_by_role("button", name="Send").click()
    expect(box.get_by_text("Waiting for someone from the team to answer.")).to_be_visible()
    expect(box.locator(".portal-chat__body").last).to_have_text(QUESTION)

    # The analyst takes it from the queue, which updated without a reload.
    analyst.get_by_role("button", name="Take the chat with Bill Biller").click()
    chat = analyst.get_by_role("region", name="Chat with Bill Biller")
    expect(chat.locator(".portal-chat__body").first).to_have_text(QUESTION)
    expect(box.get_by_text("Andrea Analyst joined the chat.")).to_be_visible()
    expect(box.get_by_text("You are chatting with Andrea Analyst of the Demo Health Plan team.")).to_be_visible()
    chat.get_by_label("Answer Bill Biller").fill(ANSWER)
    chat.get_by_role("button", name="Send").click()
    expect(box.locator(".portal-chat__body").last).to_have_text(ANSWER)

    # Another page: the box opens again by itself with the conversation so far.
    biller.goto("/profile/")
    box = biller.get_by_role("complementary", name="Live chat")
    expect(box.locator(".portal-chat__body")).to_have_text([QUESTION, ANSWER])
    box.get_by_label("Your message").fill("Thank you!")
    box.get_by_label("Your message").press("Enter")
    expect(chat.locator(".portal-chat__body").last).to_have_text("Thank you!")
    # Text, never markup: neither side holds an element the site did not write.
    for page in (biller, analyst):
        assert page.locator(".portal-chat__lines img, .portal-chat__lines b, .portal-chat__lines script").count() == 0

    chat.get_by_role("button", name="Close conversation").click()
    expect(box.get_by_text("The team closed the chat. The conversation is saved in your Message Box.")).to_be_visible()
    expect(chat.get_by_text("You closed the conversation.")).to_be_visible()

    conversation = Conversation.objects.select_related("thread").get(thread__messages__body=QUESTION)
    assert conversation.status == ConversationStatus.CLOSED
    thread = conversation.thread
    bodies = list(thread.messages.order_by("created_at", "id").values_list("body", flat=True))
    assert bodies[:3] == [QUESTION, ANSWER, "Thank you!"] and bodies[3].startswith("The live chat was closed")

    # The transcript: a Message Box thread for the biller, a Mailbox thread for the team.
    biller.goto("/messages/")
    # Two chats started in one minute share a subject: the link is found by its thread.
    biller.locator(f'main a[href="/messages/{thread.uuid}/"]').first.click()
    expect(biller.get_by_role("heading", name=thread.subject)).to_be_visible()
    expect(biller.locator(".portal-message__body").first).to_have_text(QUESTION)
    analyst.goto(f"/control-panel/mailbox/{thread.uuid}/")
    expect(analyst.locator(".portal-message__body").nth(1)).to_have_text(ANSWER)

    # Another provider cannot read it, and their own box starts empty. The analyst left the Chat
    # page, so nobody is online: the box says so and offers to leave a message.
    outsider = person(browser, asgi_server, problems)
    sign_in(outsider, "outsider@demo.test")
    assert outsider.goto(f"/messages/{thread.uuid}/").status == 404
    outsider.goto("/")
    other_box = outsider.get_by_role("complementary", name="Live chat")
    other_box.get_by_role("button", name="Live chat").click()
    expect(other_box.get_by_role("status")).to_have_text(
        "No one from the team is online right now. Leave a message and the answer comes to your Message Box."
    )
    assert other_box.locator(".portal-chat__line").count() == 0
    other_box.get_by_role("link", name="Leave a message for the team").click()
    outsider.get_by_label("Your message").fill("Please call me back about <b>C9</b>.")
    outsider.get_by_role("button", name="Send to the team").click()
    expect(outsider.get_by_text("Your message was sent to the team.")).to_be_visible()
    expect(outsider.locator(".portal-message__body").first).to_have_text("Please call me back about <b>C9</b>.")
    assert not problems, problems
