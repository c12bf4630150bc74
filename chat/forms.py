"""The leave-a-message form: what the chat box becomes without script or with nobody online."""

from mailbox.forms import MessageBodyField

from core.forms import Form


class LeaveMessageForm(Form):
    body = MessageBodyField(label="Your message", draft="chat-message")
