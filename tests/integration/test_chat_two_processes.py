"""The live chat across processes: a line sent through one ASGI server process reaches a socket
held by another, through the real Redis channel layer (channels-redis), as with several chat
processes behind one proxy in production.

Runs when CHANNEL_LAYER_URL is set (CI sets it); REQUIRE_SERVICES=1 turns a missing one into a
failure instead of a skip.
"""

import json

import pytest
import websocket
from django.conf import settings

from chat.models import Conversation, ConversationStatus
from chat.tests.helpers import session_key
from tests.integration.helpers import REQUIRED, AsgiServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CHANNEL_LAYER_URL and not REQUIRED, reason="CHANNEL_LAYER_URL is not set (CI sets it)"
    ),
]


def connect(server: AsgiServer, path: str, key: str) -> websocket.WebSocket:
    return websocket.create_connection(
        server.ws_url + path,
        origin=server.url,
        cookie=f"{settings.SESSION_COOKIE_NAME}={key}",
        timeout=10,
    )


def frame_of(socket: websocket.WebSocket, kind: str) -> dict:
    for _ in range(50):
        frame = json.loads(socket.recv())
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind!r} frame")


def closed_as_too_big(socket: websocket.WebSocket, payload: str) -> bool:
    try:
        socket.send(payload)
        for _ in range(50):
            opcode, data = socket.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") == 1009
    except (ConnectionError, websocket.WebSocketConnectionClosedException):
        return True
    return False


@pytest.fixture
def servers(tmp_path, transactional_db):
    assert settings.CHANNEL_LAYER_URL, "REQUIRE_SERVICES=1 but CHANNEL_LAYER_URL is not set"
    # Both processes share the channel layer and, for the analysts' presence, a Redis cache.
    env = {"CHANNEL_LAYER_URL": settings.CHANNEL_LAYER_URL, "CACHE_URL": settings.CHANNEL_LAYER_URL}
    started = []
    try:
        for name in ("a", "b"):
            started.append(AsgiServer(log_path=tmp_path / f"asgi-{name}.log", env=env))
        yield started
    finally:
        for server in started:
            server.stop()


def test_a_line_sent_through_one_process_reaches_a_socket_held_by_another(servers, biller, payer_staff):
    first, second = servers
    assert first.port != second.port
    staff = connect(first, "/ws/chat/staff/", session_key(payer_staff))
    provider = connect(second, "/ws/chat/", session_key(biller))
    try:
        assert frame_of(staff, "queue")["waiting"] == []
        # The analyst's heartbeat went through the first process; the second sees them online.
        assert frame_of(provider, "state")["online"] is True

        provider.send(json.dumps({"type": "message", "body": "Asked through process B"}))
        frame_of(provider, "conversation")
        waiting = frame_of(staff, "queue")["waiting"]
        assert [item["provider"] for item in waiting] == [biller.full_name]

        staff.send(json.dumps({"type": "take", "conversation": waiting[0]["conversation"]}))
        assert frame_of(provider, "taken")["staff"] == payer_staff.full_name
        staff.send(
            json.dumps({"type": "message", "conversation": waiting[0]["conversation"], "body": "Answered through A"})
        )
        assert frame_of(provider, "line")["body"] == "Answered through A"
        assert frame_of(staff, "line")["body"] == "Answered through A"  # its own copy, through Redis too
        provider.send(json.dumps({"type": "message", "body": "Thanks, B here"}))
        assert frame_of(staff, "line")["body"] == "Thanks, B here"

        # A 100 KB frame never reaches the application: daphne fails the socket (close code 1009,
        # "too big"; the client may see the reset before the close frame while it is still sending).
        assert closed_as_too_big(provider, json.dumps({"type": "message", "body": "x" * 100_000}))
        # The server goes on: the provider's next page reconnects and resumes the conversation.
        again = connect(second, "/ws/chat/", session_key(biller))
        assert [line["body"] for line in frame_of(again, "state")["conversation"]["lines"]][-1] == "Thanks, B here"
        again.close()
    finally:
        staff.close()
        provider.close()

    conversation = Conversation.objects.get()
    assert conversation.status == ConversationStatus.ACTIVE and conversation.staff == payer_staff
    assert list(conversation.thread.messages.values_list("body", flat=True)) == [
        "Asked through process B",
        "Answered through A",
        "Thanks, B here",
    ]
