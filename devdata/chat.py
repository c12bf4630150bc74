"""Demo live chat: one conversation of the biller with the analyst, closed, so the Message Box and
the Mailbox show a chat transcript and the Control Panel's Chat page lists it as recently closed.
Idempotent: nothing is added when the biller already has a conversation."""

from accounts.models import User
from chat.models import Conversation
from chat.services import conversation_close, conversation_message, conversation_start, conversation_take
from mailbox.services import thread_mark_read


def seed_demo_chat() -> None:
    biller = User.objects.filter(email="biller@demo.test").first()
    analyst = User.objects.filter(email="analyst@demo.test").first()
    if biller is None or analyst is None or Conversation.objects.filter(provider=biller).exists():
        return
    conversation, _ = conversation_start(
        provider=biller, body="Hello, where do I see the payment for claim C2026000101?"
    )
    conversation_take(conversation=conversation, staff=analyst)
    conversation_message(
        conversation=conversation,
        sender=analyst,
        body="Open Claims, choose the claim, and its Payments section lists the check or EFT trace with the date.",
    )
    conversation_message(conversation=conversation, sender=biller, body="Found it, thank you!")
    conversation_close(conversation=conversation, actor=analyst)
    # The biller read it as it was typed.
    thread_mark_read(thread=conversation.thread, user=biller)
