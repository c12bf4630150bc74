"""The chat's pages: leave a message (provider, Message Box) and the Control Panel's Chat page."""

import pytest
from django.urls import reverse

from chat import presence
from chat.services import conversation_message, conversation_start, conversation_take
from mailbox.models import Thread
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

LEAVE = reverse("chat:leave_message")
CHAT = reverse("control_panel:chat")


@pytest.fixture
def waiting(biller, payer_staff):
    presence.staff_heartbeat(user=payer_staff)
    conversation, _ = conversation_start(provider=biller, body="Is claim C1 paid?")
    return conversation


def test_anonymous_goes_to_login(client):
    for url in (LEAVE, CHAT):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_without_the_second_factor_the_pages_ask_for_it(client, biller, payer_staff):
    client.force_login(biller)
    assert client.get(LEAVE).url.startswith(reverse("accounts:mfa"))
    client.force_login(payer_staff)
    assert client.get(CHAT).url.startswith(reverse("accounts:mfa"))


def test_wrong_methods(client, login_as, biller, payer_staff):
    login_as(biller)
    assert client.put(LEAVE).status_code == 405
    assert client.delete(LEAVE).status_code == 405
    login_as(payer_staff)
    assert client.post(CHAT).status_code == 405


def test_missing_level_or_role_is_403_and_the_box_is_hidden(client, login_as, no_level_user, biller, payer_staff):
    login_as(no_level_user)
    assert client.get(LEAVE).status_code == 403
    assert b"portal-chat" not in client.get(reverse("help:index")).content
    login_as(biller)
    assert client.get(CHAT).status_code == 403
    login_as(payer_staff)
    assert client.get(LEAVE).status_code == 403
    page = client.get(reverse("control_panel:home"))
    assert b"data-chat-socket" not in page.content
    assert "Chat" in [item["label"] for item in page.context["nav_items"]]


def test_the_box_is_on_every_provider_page_as_a_link_without_script(client, login_as, biller):
    login_as(biller)
    for url in (reverse("portal:dashboard"), reverse("mailbox:inbox"), reverse("accounts:profile")):
        content = client.get(url).content.decode()
        assert 'data-chat-socket="/ws/chat/"' in content
        assert f'<a class="usa-button portal-chat__toggle" href="{LEAVE}"' in content
        assert "portal/js/chat.js" in content


def test_leave_a_message_becomes_a_mailbox_thread_to_the_team(client, login_as, biller, payer_staff):
    login_as(biller)
    page = client.get(LEAVE)
    assert page.status_code == 200 and b"No one from the" in page.content
    response = client.post(LEAVE, {"body": "Please call me about <b>C1</b>."})
    thread = Thread.objects.get(created_by=biller)
    assert response.status_code == 302 and response.url == reverse("mailbox:thread", args=[thread.uuid])
    assert thread.subject == "Message left in the live chat" and thread.payer_unread
    assert list(thread.messages.values_list("body", flat=True)) == ["Please call me about <b>C1</b>."]
    assert OutboundEmail.objects.filter(to__in=["payer-team@demo.test"]).exists()
    shown = client.get(response.url)
    assert b"Your message was sent to the team" in shown.content
    assert b"&lt;b&gt;C1&lt;/b&gt;" in shown.content and b"<b>C1</b>" not in shown.content
    login_as(payer_staff)
    assert b"Message left in the live chat" in client.get(reverse("control_panel:mailbox")).content


def test_a_refused_message_comes_back_with_its_error(client, login_as, biller):
    login_as(biller)
    response = client.post(LEAVE, {"body": ""})
    assert response.status_code == 200 and b"usa-form-group--error" in response.content
    assert not Thread.objects.exists()


def test_leave_a_message_is_throttled_like_the_message_box(client, login_as, biller, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "message-send": (1, 3600)}
    login_as(biller)
    assert client.post(LEAVE, {"body": "First"}).status_code == 302
    response = client.post(LEAVE, {"body": "Second, kept"})
    assert response.status_code == 429 and b"Second, kept" in response.content
    assert Thread.objects.count() == 1


def test_outsider_sees_only_their_own_page(client, login_as, outsider, waiting):
    login_as(outsider)
    page = client.get(LEAVE)
    assert page.status_code == 200
    assert waiting.thread.subject.encode() not in page.content
    assert client.get(reverse("mailbox:thread", args=[waiting.thread.uuid])).status_code == 404


def test_the_provider_is_told_of_their_open_chat(client, login_as, biller, waiting):
    login_as(biller)
    page = client.get(LEAVE)
    assert b"You have a live chat open" in page.content and b"is online" in page.content


def test_control_panel_chat_lists_the_queue_and_my_conversations(client, login_as, biller, payer_staff, waiting):
    login_as(payer_staff)
    page = client.get(CHAT)
    assert page.status_code == 200
    assert page.context["waiting"] == [waiting] and page.context["mine"] == []
    assert biller.full_name.encode() in page.content and b"Springfield Family Clinic" in page.content
    assert b'data-staff-chat="/ws/chat/staff/"' in page.content and b"portal/js/chat_staff.js" in page.content
    conversation_take(conversation=waiting, staff=payer_staff)
    conversation_message(conversation=waiting, sender=biller, body="<script>alert(1)</script>")
    page = client.get(CHAT)
    assert page.context["waiting"] == []
    assert [conversation for conversation, _lines in page.context["mine"]] == [waiting]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content and b"<script>alert(1)" not in page.content
