"""Sockets of signed-in users for the consumer tests: the real ASGI application, a real session."""

import json

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from conftest import verified_login

ORIGIN = "http://127.0.0.1:8000"
PROVIDER_PATH = "/ws/chat/"
STAFF_PATH = "/ws/chat/staff/"


def session_key(user, *, verified: bool = True) -> str:
    """A session of ``user`` as after signing in (and passing the second factor), with one page
    opened so the session's clocks are set, as the browser's would be."""
    client = Client()
    if verified:
        verified_login(client, user)
    else:
        client.force_login(user)
    client.get(reverse("help:index"))
    return client.session.session_key


def communicator(path: str, key: str | None = None, *, origin: str = ORIGIN) -> WebsocketCommunicator:
    from portal.asgi import application

    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", origin.encode())]
    if key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive_type(socket: WebsocketCommunicator, kind: str, timeout: float = 3.0) -> dict:
    """The next frame of ``kind``, skipping the others (queue refreshes, heartbeats ...)."""
    while True:
        frame = json.loads(await socket.receive_from(timeout=timeout))
        if frame["type"] == kind:
            return frame


async def flush_layer():
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
