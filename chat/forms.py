"""The leave-a-message form: what the chat box becomes without script or with nobody online."""

from core.forms import Form
from mailbox.forms import MessageBodyField


class LeaveMessageForm(Form):
    body = MessageBodyField(label="Your message", draft="chat-message")
