"""The chat's sockets, through the real ASGI application (portal.asgi) and a real session cookie.

The channel layer is the in-memory one, or Redis when CHANNEL_LAYER_URL is set (CI sets it), so the
same tests run against the real channels-redis layer there. ``transactional_db``: the consumers'
database calls run through channels' database_sync_to_async, which closes connections as a
request would, so the test cannot hold its rows in an open transaction.
"""

import json
import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_LAST_SEEN
from accounts.models import UserStatus
from accounts.services.users import user_status_set
from audit.models import AuditAction, AuditEvent
from chat import presence
from chat.models import Conversation, ConversationStatus
from chat.tests.helpers import (
    PROVIDER_PATH,
    STAFF_PATH,
    communicator,
    flush_layer,
    receive_type,
    session_key,
)
from conftest import verified_login
from mailbox.models import Message, Thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_layer():
    async_to_sync(flush_layer)()
    yield
    async_to_sync(flush_layer)()


def run(scenario):
    async_to_sync(scenario)()


# --- who may open a socket ----------------------------------------------------------------------


def _refused(path, key, **kwargs):
    result = {}

    async def scenario():
        socket = communicator(path, key, **kwargs)
        result["connected"], result["code"] = await socket.connect()
        await socket.disconnect()

    run(scenario)
    return result


def test_no_session_is_refused(biller):
    assert _refused(PROVIDER_PATH, None) == {"connected": False, "code": 4401}
    assert _refused(STAFF_PATH, None) == {"connected": False, "code": 4401}
    assert _refused(PROVIDER_PATH, "not-a-session-key") == {"connected": False, "code": 4401}


def test_a_session_without_the_second_factor_is_refused(biller, payer_staff):
    assert _refused(PROVIDER_PATH, session_key(biller, verified=False)) == {"connected": False, "code": 4401}
    assert _refused(STAFF_PATH, session_key(payer_staff, verified=False)) == {"connected": False, "code": 4401}


def test_a_disabled_user_is_refused(biller):
    key = session_key(biller)
    user_status_set(actor=None, user=biller, status=UserStatus.DISABLED, reason="Left")
    assert _refused(PROVIDER_PATH, key) == {"connected": False, "code": 4401}


def test_an_idle_session_is_refused(biller, settings):
    key = session_key(biller)
    session = SessionStore(key)
    session[SESSION_LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    assert _refused(PROVIDER_PATH, key) == {"connected": False, "code": 4401}


def test_a_signed_out_session_is_refused(biller):
    client = Client()
    verified_login(client, biller)
    client.get(reverse("help:index"))
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert _refused(PROVIDER_PATH, key) == {"connected": False, "code": 4401}


def test_who_may_use_which_socket(biller, no_level_user, payer_staff):
    # The chat is a Message Box thread: without that level, no chat; staff answer, never ask.
    assert _refused(PROVIDER_PATH, session_key(no_level_user)) == {"connected": False, "code": 4403}
    assert _refused(PROVIDER_PATH, session_key(payer_staff)) == {"connected": False, "code": 4403}
    assert _refused(STAFF_PATH, session_key(biller)) == {"connected": False, "code": 4403}


def test_a_page_of_another_site_cannot_open_the_socket(biller):
    assert _refused(PROVIDER_PATH, session_key(biller), origin="https://evil.example")["connected"] is False


def test_a_frame_after_the_session_ended_closes_the_socket_and_saves_nothing(biller, payer_staff):
    key = session_key(biller)
    presence.staff_heartbeat(user=payer_staff)

    async def scenario():
        socket = communicator(PROVIDER_PATH, key)
        assert (await socket.connect())[0]
        await receive_type(socket, "state")
        from channels.db import database_sync_to_async

        await database_sync_to_async(user_status_set)(
            actor=None, user=biller, status=UserStatus.DISABLED, reason="Left"
        )
        await socket.send_json_to({"type": "message", "body": "Still here?"})
        error = await receive_type(socket, "error")
        assert error["code"] == "signed_out"
        assert (await socket.receive_output(2))["type"] == "websocket.close"
        await socket.disconnect()

    run(scenario)
    assert not Conversation.objects.exists() and not Message.objects.exists()


# --- what a frame may carry ----------------------------------------------------------------------


def _provider_errors(user, frames, staff=None) -> list[dict]:
    key = session_key(user)
    if staff is not None:
        presence.staff_heartbeat(user=staff)
    errors = []

    async def scenario():
        socket = communicator(PROVIDER_PATH, key)
        assert (await socket.connect())[0]
        await receive_type(socket, "state")
        for frame in frames:
            await socket.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
            while True:
                reply = json.loads(await socket.receive_from(timeout=3))
                if reply["type"] in ("error", "conversation", "line"):
                    break
            errors.append(reply)
        await socket.disconnect()

    run(scenario)
    return errors


def test_a_100_kb_frame_is_refused_with_a_message_and_nothing_saved(biller, payer_staff):
    frame = json.dumps({"type": "message", "body": "x" * 100_000})
    (reply,) = _provider_errors(biller, [frame], staff=payer_staff)
    assert reply["type"] == "error" and reply["code"] == "too_large"
    assert "at most 2,000 characters" in reply["message"] and "Nothing was sent" in reply["message"]
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.CHAT_REFUSED, details__reason="frame_too_large").exists()


def test_a_message_over_2000_characters_is_refused(biller, payer_staff):
    (reply,) = _provider_errors(biller, [{"type": "message", "body": "y" * 2001}], staff=payer_staff)
    assert reply == {"type": "error", "code": "invalid", "message": "A chat message is at most 2,000 characters."}
    assert not Message.objects.exists()
    (reply,) = _provider_errors(biller, [{"type": "message", "body": "   "}], staff=payer_staff)
    assert reply["code"] == "invalid" and not Message.objects.exists()


def test_frames_the_chat_does_not_know_are_answered_not_obeyed(biller, payer_staff):
    replies = _provider_errors(biller, ["not json", {"type": "take"}, {"no": "type"}], staff=payer_staff)
    assert [reply["code"] for reply in replies] == ["bad_frame", "bad_frame", "bad_frame"]
    assert not Message.objects.exists()


def test_messages_over_the_rate_are_refused_and_not_saved(biller, payer_staff, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat-message": (3, 60)}
    replies = _provider_errors(biller, [{"type": "message", "body": f"Line {n}"} for n in range(4)], staff=payer_staff)
    assert [reply["type"] for reply in replies] == ["conversation", "line", "line", "error"]
    assert replies[-1]["code"] == "rate" and "faster than the chat allows" in replies[-1]["message"]
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == ["Line 0", "Line 1", "Line 2"]


def test_with_no_analyst_online_the_box_says_so_and_nothing_is_saved(biller, payer_staff):
    (reply,) = _provider_errors(biller, [{"type": "message", "body": "Anyone there?"}])
    assert reply["code"] == "offline" and "Leave a message" in reply["message"]
    assert not Conversation.objects.exists() and not Thread.objects.exists()


def test_the_state_says_whether_the_team_is_online(biller, payer_staff):
    key = session_key(biller)
    states = []

    async def scenario():
        from channels.db import database_sync_to_async

        for beat in (False, True):
            if beat:
                await database_sync_to_async(presence.staff_heartbeat)(user=payer_staff)
            socket = communicator(PROVIDER_PATH, key)
            assert (await socket.connect())[0]
            states.append(await receive_type(socket, "state"))
            await socket.send_json_to({"type": "presence"})
            states.append(await receive_type(socket, "presence"))
            await socket.disconnect()

    run(scenario)
    assert [state["online"] for state in states] == [False, False, True, True]
    assert states[0]["conversation"] is None and states[0]["max_length"] == 2000


# --- the conversation ----------------------------------------------------------------------------


def test_provider_and_analyst_exchange_and_the_transcript_is_a_thread(biller, payer_staff, client):
    provider_key, staff_key = session_key(biller), session_key(payer_staff)
    seen = {}

    async def scenario():
        staff = communicator(STAFF_PATH, staff_key)
        assert (await staff.connect())[0]
        assert (await receive_type(staff, "queue"))["waiting"] == []
        provider = communicator(PROVIDER_PATH, provider_key)
        assert (await provider.connect())[0]
        assert (await receive_type(provider, "state"))["online"] is True

        await provider.send_json_to({"type": "message", "body": "Is claim <b>C1</b> paid?"})
        started = await receive_type(provider, "conversation")
        assert started["status"] == "waiting" and [line["body"] for line in started["lines"]] == [
            "Is claim <b>C1</b> paid?"
        ]
        queue = await receive_type(staff, "queue")
        assert [item["provider"] for item in queue["waiting"]] == [biller.full_name]
        conversation = queue["waiting"][0]["conversation"]

        await staff.send_json_to({"type": "take", "conversation": conversation})
        taken = await receive_type(staff, "conversation")
        assert taken["status"] == "active" and taken["lines"][0]["role"] == "provider"
        assert (await receive_type(provider, "taken"))["staff"] == payer_staff.full_name
        assert (await receive_type(staff, "queue"))["waiting"] == []

        await staff.send_json_to({"type": "message", "conversation": conversation, "body": "Yes, on 03/02."})
        for socket in (provider, staff):
            line = await receive_type(socket, "line")
            assert line["body"] == "Yes, on 03/02." and line["role"] == "staff"
        await provider.send_json_to({"type": "message", "body": "Thank you!"})
        for socket in (provider, staff):
            assert (await receive_type(socket, "line"))["body"] == "Thank you!"

        await staff.send_json_to({"type": "close", "conversation": conversation})
        for socket in (provider, staff):
            assert (await receive_type(socket, "closed"))["by"] == "staff"
        seen["conversation"] = conversation
        await provider.disconnect()
        await staff.disconnect()

    run(scenario)

    conversation = Conversation.objects.select_related("thread").get(uuid=seen["conversation"])
    assert conversation.status == ConversationStatus.CLOSED and conversation.staff == payer_staff
    thread = conversation.thread
    assert thread.assigned_to == payer_staff and thread.subject.startswith("Live chat on ")
    assert not thread.payer_unread  # the analyst read each line as it came
    lines = list(thread.messages.order_by("created_at", "id").values_list("body", "from_payer"))
    assert lines[:3] == [("Is claim <b>C1</b> paid?", False), ("Yes, on 03/02.", True), ("Thank you!", False)]
    assert lines[3][0].startswith("The live chat was closed by the team")
    # The provider reads it in the Message Box, escaped; the team in the Mailbox.
    verified_login(client, biller)
    page = client.get(reverse("mailbox:thread", args=[thread.uuid]))
    assert page.status_code == 200
    assert b"Is claim &lt;b&gt;C1&lt;/b&gt; paid?" in page.content and b"<b>C1</b>" not in page.content
    verified_login(client, payer_staff)
    assert b"Yes, on 03/02." in client.get(reverse("control_panel:mailbox_thread", args=[thread.uuid])).content
    actions = list(AuditEvent.objects.filter(target_id=str(thread.uuid)).values_list("action", flat=True))
    for action in (AuditAction.CHAT_STARTED, AuditAction.CHAT_TAKEN, AuditAction.CHAT_CLOSED):
        assert action in actions
    assert actions.count(AuditAction.MESSAGE_SENT) == 3
    # A live chat sends no "new message" emails: both sides were on the line.
    from outbox.models import OutboundEmail

    assert not OutboundEmail.objects.exists()


def test_a_second_page_resumes_the_open_conversation(biller, payer_staff):
    key = session_key(biller)
    presence.staff_heartbeat(user=payer_staff)

    async def scenario():
        first = communicator(PROVIDER_PATH, key)
        assert (await first.connect())[0]
        await receive_type(first, "state")
        await first.send_json_to({"type": "message", "body": "First line"})
        await receive_type(first, "conversation")
        await first.disconnect()
        second = communicator(PROVIDER_PATH, key)
        assert (await second.connect())[0]
        state = await receive_type(second, "state")
        assert [line["body"] for line in state["conversation"]["lines"]] == ["First line"]
        await second.send_json_to({"type": "message", "body": "Second line"})
        assert (await receive_type(second, "line"))["body"] == "Second line"
        await second.send_json_to({"type": "close"})
        assert (await receive_type(second, "closed"))["by"] == "provider"
        await second.disconnect()

    run(scenario)
    assert Conversation.objects.get().status == ConversationStatus.CLOSED
    assert Thread.objects.count() == 1


def test_a_third_user_cannot_join_or_read_a_conversation(biller, outsider, payer_staff, client):
    """Another provider hears nothing of it and gets 404 for its thread; a second analyst cannot
    take it once taken, nor write into it, nor hear it."""
    from accounts.models import UserKind
    from accounts.tests.factories import UserFactory

    second_analyst = UserFactory(email="second@example.test", kind=UserKind.PAYER_STAFF)
    keys = {
        name: session_key(user)
        for name, user in [
            ("biller", biller),
            ("outsider", outsider),
            ("staff", payer_staff),
            ("second", second_analyst),
        ]
    }
    seen = {}

    async def scenario():
        staff = communicator(STAFF_PATH, keys["staff"])
        second = communicator(STAFF_PATH, keys["second"])
        provider = communicator(PROVIDER_PATH, keys["biller"])
        other = communicator(PROVIDER_PATH, keys["outsider"])
        for socket in (staff, second, provider, other):
            assert (await socket.connect())[0]
        await receive_type(provider, "state")
        assert (await receive_type(other, "state"))["conversation"] is None
        for socket in (staff, second):
            assert (await receive_type(socket, "queue"))["waiting"] == []
        await provider.send_json_to({"type": "message", "body": "My member's claim"})
        await receive_type(provider, "conversation")
        conversation = (await receive_type(staff, "queue"))["waiting"][0]["conversation"]
        await staff.send_json_to({"type": "take", "conversation": conversation})
        await receive_type(staff, "conversation")

        await second.send_json_to({"type": "take", "conversation": conversation})
        assert (await receive_type(second, "error"))["code"] == "taken"
        await second.send_json_to({"type": "message", "conversation": conversation, "body": "Let me in"})
        assert (await receive_type(second, "error"))["code"] == "not_found"
        await second.send_json_to({"type": "close", "conversation": conversation})
        assert (await receive_type(second, "error"))["code"] == "not_found"

        await staff.send_json_to({"type": "message", "conversation": conversation, "body": "Private answer"})
        assert (await receive_type(provider, "line"))["body"] == "Private answer"
        # Nothing of the conversation reaches the other provider or the second analyst.
        while not await other.receive_nothing(timeout=0.3):
            assert "Private answer" not in await other.receive_from()
        while not await second.receive_nothing(timeout=0.3):
            assert "Private answer" not in await second.receive_from()
        # The other provider's first line starts their own conversation, not this one.
        await other.send_json_to({"type": "message", "body": "Mine"})
        mine = await receive_type(other, "conversation")
        assert mine["conversation"] != conversation and [line["body"] for line in mine["lines"]] == ["Mine"]
        seen["conversation"] = conversation
        for socket in (staff, second, provider, other):
            await socket.disconnect()

    run(scenario)
    conversation = Conversation.objects.get(uuid=seen["conversation"])
    assert list(conversation.thread.messages.values_list("body", flat=True)) == ["My member's claim", "Private answer"]
    verified_login(client, outsider)
    assert client.get(reverse("mailbox:thread", args=[conversation.thread.uuid])).status_code == 404
