"""The live chat's two sockets: a provider's box (/ws/chat/) and an analyst's Chat page
(/ws/chat/staff/). JSON frames; every line is saved (and audited) before anyone receives it.

Groups on the channel layer (Redis in production, so any process reaches any socket):
- ``chat-staff``: every analyst's Chat page (the waiting queue changed);
- ``chat-user-<uuid>``: every socket of one login (another tab joins what this one took or started);
- ``chat-conversation-<uuid>``: the provider's and the answering analyst's sockets of one conversation.

Refusals: a socket without an acceptable session is closed before it opens (4401 signed out or
session ended, 4403 not allowed to chat); a frame larger than CHAT_FRAME_MAX_BYTES, a line over
CHAT_MESSAGE_MAX_LENGTH or over RATE_CHAT_MESSAGE gets an ``error`` frame and nothing is saved;
a frame that arrives after the session ended closes the socket with 4401.
"""

import json
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chat import presence, selectors, services
from chat.models import Conversation, ConversationStatus
from chat.sockets import session_user
from core import ratelimit

STAFF_GROUP = "chat-staff"
CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403


def user_group(user) -> str:
    return f"chat-user-{user.uuid.hex}"


def conversation_group(conversation_uuid) -> str:
    return f"chat-conversation-{conversation_uuid.hex}"


def _who(user) -> str:
    return user.full_name or user.email


def line_payload(message, conversation: Conversation) -> dict:
    """One line as the sockets send it; the page sets it as text (textContent), never as markup."""
    if message.sender_id is None:
        author, role = "", "system"
    elif message.from_payer:
        author, role = f"{_who(message.sender)} ({settings.PAYER_NAME})", "staff"
    else:
        author, role = _who(message.sender), "provider"
    return {
        "type": "line",
        "conversation": str(conversation.uuid),
        "id": str(message.uuid),
        "author": author,
        "role": role,
        "body": message.body,
        "at": timezone.localtime(message.created_at).strftime("%I:%M %p").lstrip("0"),
    }


def conversation_payload(conversation: Conversation, *, with_lines: bool = True) -> dict:
    payload = {
        "type": "conversation",
        "conversation": str(conversation.uuid),
        "status": conversation.status,
        "provider": _who(conversation.provider),
        "organization": f"{conversation.organization.name} (TIN {conversation.organization.tin})",
        "staff": _who(conversation.staff) if conversation.staff_id else "",
        "thread": str(conversation.thread.uuid),
        "started": timezone.localtime(conversation.created_at).strftime("%I:%M %p").lstrip("0"),
    }
    if with_lines:
        payload["lines"] = [
            line_payload(message, conversation) for message in selectors.conversation_lines(conversation=conversation)
        ]
    return payload


class ChatConsumer(AsyncWebsocketConsumer):
    """What both sockets share: the session check, the frame checks, the group events."""

    user = None
    groups_joined: set[str]

    def may_use(self, user) -> bool:
        raise NotImplementedError

    async def connect(self):
        self.groups_joined = set()
        session = self.scope.get("session")
        checked = await database_sync_to_async(session_user)(getattr(session, "session_key", None))
        if checked.user is None:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        if not await database_sync_to_async(self.may_use)(checked.user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = checked.user
        await self.accept()
        await self.join(user_group(self.user))
        await self.opened()

    async def opened(self):
        raise NotImplementedError

    async def join(self, group: str):
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def leave(self, group: str):
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)

    async def disconnect(self, code):
        for group in list(getattr(self, "groups_joined", ())):
            await self.leave(group)

    async def send_json(self, payload: dict):
        await self.send(text_data=json.dumps(payload))

    async def error(self, code: str, message: str, **extra):
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def receive(self, text_data=None, bytes_data=None):
        if self.user is None:
            return
        raw = text_data if text_data is not None else bytes_data
        size = len(raw.encode() if isinstance(raw, str) else raw or b"")
        if size > settings.CHAT_FRAME_MAX_BYTES:
            await database_sync_to_async(services.chat_refusal_record)(user=self.user, reason="frame_too_large")
            await self.error(
                "too_large",
                f"That message is too large to send. A chat message is at most "
                f"{settings.CHAT_MESSAGE_MAX_LENGTH:,} characters. Nothing was sent.",
            )
            return
        # Every frame re-checks the session: a sign-out, a disable or an idle session ends the chat.
        session = self.scope.get("session")
        checked = await database_sync_to_async(session_user)(getattr(session, "session_key", None))
        if checked.user is None or checked.user.pk != self.user.pk:
            await self.error("signed_out", "Your session has ended. Sign in again to chat.")
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.user = checked.user
        try:
            frame = json.loads(raw)
        except (TypeError, ValueError):
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.error("bad_frame", "The chat did not understand that. Reload the page and try again.")
            return
        handler = getattr(self, f"on_{frame['type']}", None)
        if handler is None:
            await self.error("bad_frame", "The chat did not understand that. Reload the page and try again.")
            return
        await handler(frame)

    async def checked_body(self, frame) -> str | None:
        """The line's text if it may be saved; else an error frame went out and None."""
        try:
            body = services.clean_chat_body(frame.get("body"))
        except ValidationError as error:
            await self.error("invalid", " ".join(error.messages))
            return None
        refusal = await database_sync_to_async(ratelimit.hit)("chat-message", f"user:{self.user.pk}")
        if refusal is not None:
            await database_sync_to_async(services.chat_refusal_record)(user=self.user, reason="rate")
            await self.error(
                "rate",
                f"You are sending messages faster than the chat allows. Try again {refusal.when()}.",
            )
            return None
        return body

    # --- events from the channel layer ---------------------------------------------------------
    async def chat_send(self, event):
        """A payload for the page, as it is."""
        await self.send_json(event["payload"])

    async def chat_join(self, event):
        """Another socket of this login started or took a conversation: follow it here too."""
        conversation_uuid = event["conversation"]
        await self.join(f"chat-conversation-{conversation_uuid}")
        await self.send_json(event["payload"])

    async def chat_closed(self, event):
        await self.send_json(event["payload"])
        await self.leave(f"chat-conversation-{event['conversation_hex']}")

    async def broadcast(self, group: str, payload: dict):
        await self.channel_layer.group_send(group, {"type": "chat.send", "payload": payload})


class ProviderChatConsumer(ChatConsumer):
    """The box on a provider page: one open conversation at a time, resumed on every page."""

    def may_use(self, user) -> bool:
        return selectors.may_chat(user=user)

    def _state(self):
        conversation = selectors.provider_open_conversation(user=self.user)
        return (
            conversation_payload(conversation) if conversation else None,
            conversation.uuid if conversation else None,
            presence.staff_online(),
        )

    async def opened(self):
        payload, conversation_uuid, online = await database_sync_to_async(self._state)()
        if conversation_uuid is not None:
            await self.join(conversation_group(conversation_uuid))
        await self.send_json(
            {"type": "state", "online": online, "conversation": payload, "max_length": settings.CHAT_MESSAGE_MAX_LENGTH}
        )

    async def on_presence(self, frame):
        online = await database_sync_to_async(presence.staff_online)()
        await self.send_json({"type": "presence", "online": online})

    def _send_line(self, body: str):
        """Start the conversation with this line, or add it to the open one."""
        conversation = selectors.provider_open_conversation(user=self.user)
        if conversation is None:
            if not presence.staff_online():
                return None, None, "offline"
            conversation, message = services.conversation_start(provider=self.user, body=body)
            conversation = Conversation.objects.select_related("provider", "organization", "thread", "staff").get(
                pk=conversation.pk
            )
            return conversation, conversation_payload(conversation), "started"
        message = services.conversation_message(conversation=conversation, sender=self.user, body=body)
        return conversation, line_payload(message, conversation), "line"

    async def on_message(self, frame):
        body = await self.checked_body(frame)
        if body is None:
            return
        try:
            conversation, payload, outcome = await database_sync_to_async(self._send_line)(body)
        except (ValidationError, PermissionDenied) as error:
            await self.error("invalid", " ".join(getattr(error, "messages", [str(error)])))
            return
        if outcome == "offline":
            await self.send_json({"type": "presence", "online": False})
            await self.error(
                "offline",
                "No one from the team is online now. Leave a message instead: it goes to the team's "
                "Mailbox and the answer comes to your Message Box.",
            )
            return
        group = conversation_group(conversation.uuid)
        if outcome == "started":
            await self.join(group)
            # This login's other pages follow the new conversation; the analysts see it waiting.
            await self.channel_layer.group_send(
                user_group(self.user), {"type": "chat.join", "conversation": conversation.uuid.hex, "payload": payload}
            )
            await self.channel_layer.group_send(STAFF_GROUP, {"type": "chat.queue"})
        else:
            await self.broadcast(group, payload)

    def _close(self):
        conversation = selectors.provider_open_conversation(user=self.user)
        if conversation is None:
            return None
        return services.conversation_close(conversation=conversation, actor=self.user)

    async def on_close(self, frame):
        conversation = await database_sync_to_async(self._close)()
        if conversation is None:
            await self.error("not_found", "There is no open conversation to close.")
            return
        await announce_closed(self.channel_layer, conversation, by="provider")


async def announce_closed(channel_layer, conversation: Conversation, *, by: str):
    payload = {"type": "closed", "conversation": str(conversation.uuid), "by": by}
    await channel_layer.group_send(
        conversation_group(conversation.uuid),
        {"type": "chat.closed", "payload": payload, "conversation_hex": conversation.uuid.hex},
    )
    await channel_layer.group_send(STAFF_GROUP, {"type": "chat.queue"})


class StaffChatConsumer(ChatConsumer):
    """An analyst's Chat page: the waiting queue and their conversations, several at once."""

    def may_use(self, user) -> bool:
        return selectors.may_answer(user=user)

    def _queue(self):
        return {
            "type": "queue",
            "waiting": [
                conversation_payload(conversation, with_lines=False) | {"type": "waiting"}
                for conversation in selectors.waiting_queue()
            ],
            "online": len(presence.staff_online_ids()),
        }

    def _mine(self):
        return [conversation_payload(c) for c in selectors.staff_conversations(staff=self.user)]

    async def opened(self):
        await self.join(STAFF_GROUP)
        await database_sync_to_async(presence.staff_heartbeat)(user=self.user)
        for payload in await database_sync_to_async(self._mine)():
            await self.join(f"chat-conversation-{payload['conversation'].replace('-', '')}")
            await self.send_json(payload)
        await self.send_json(await database_sync_to_async(self._queue)())
        await self.send_json({"type": "heartbeat", "every": presence.heartbeat_seconds()})

    async def disconnect(self, code):
        if self.user is not None:
            await database_sync_to_async(presence.staff_gone)(user=self.user)
        await super().disconnect(code)

    async def on_heartbeat(self, frame):
        await database_sync_to_async(presence.staff_heartbeat)(user=self.user)

    async def chat_queue(self, event):
        await self.send_json(await database_sync_to_async(self._queue)())

    def _conversation(self, frame):
        try:
            conversation_uuid = uuid.UUID(str(frame.get("conversation", "")))
        except ValueError:
            return None
        return selectors.open_conversation(conversation_uuid=conversation_uuid)

    def _take(self, frame):
        conversation = self._conversation(frame)
        if conversation is None:
            return None, "not_found"
        try:
            conversation = services.conversation_take(conversation=conversation, staff=self.user)
        except services.AlreadyTaken:
            return None, "taken"
        conversation = Conversation.objects.select_related("provider", "organization", "thread", "staff").get(
            pk=conversation.pk
        )
        return conversation, conversation_payload(conversation)

    async def on_take(self, frame):
        conversation, payload = await database_sync_to_async(self._take)(frame)
        if conversation is None:
            if payload == "taken":
                await self.error("taken", "Another analyst has already taken this conversation.")
            else:
                await self.error("not_found", "That conversation is not open any more.")
            await self.send_json(await database_sync_to_async(self._queue)())
            return
        group = conversation_group(conversation.uuid)
        await self.join(group)
        # This analyst's other tabs follow it; the provider learns who answers; the queue shrinks.
        await self.channel_layer.group_send(
            user_group(self.user), {"type": "chat.join", "conversation": conversation.uuid.hex, "payload": payload}
        )
        await self.broadcast(
            group,
            {"type": "taken", "conversation": str(conversation.uuid), "staff": payload["staff"]},
        )
        await self.channel_layer.group_send(STAFF_GROUP, {"type": "chat.queue"})

    def _mine_or_none(self, frame) -> Conversation | None:
        conversation = self._conversation(frame)
        if (
            conversation is None
            or conversation.staff_id != self.user.pk
            or conversation.status != ConversationStatus.ACTIVE
        ):
            return None
        return conversation

    def _answer(self, frame, body):
        conversation = self._mine_or_none(frame)
        if conversation is None:
            return None, None
        message = services.conversation_message(conversation=conversation, sender=self.user, body=body)
        return conversation, line_payload(message, conversation)

    async def on_message(self, frame):
        # Whose conversation first: someone else's is "not found", whatever the text.
        if await database_sync_to_async(self._mine_or_none)(frame) is None:
            await self.error("not_found", "That conversation is not yours or no longer open.")
            return
        body = await self.checked_body(frame)
        if body is None:
            return
        try:
            conversation, payload = await database_sync_to_async(self._answer)(frame, body)
        except (ValidationError, PermissionDenied) as error:
            await self.error("invalid", " ".join(getattr(error, "messages", [str(error)])))
            return
        if conversation is None:
            await self.error("not_found", "That conversation is not yours or no longer open.")
            return
        await self.broadcast(conversation_group(conversation.uuid), payload)

    def _close(self, frame):
        conversation = self._mine_or_none(frame)
        if conversation is None:
            return None
        return services.conversation_close(conversation=conversation, actor=self.user)

    async def on_close(self, frame):
        conversation = await database_sync_to_async(self._close)(frame)
        if conversation is None:
            await self.error("not_found", "That conversation is not yours or no longer open.")
            return
        await announce_closed(self.channel_layer, conversation, by="staff")
