"""Message Box forms: they validate input; the services write."""

from django import forms

from core.forms import Form
from mailbox.models import MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH

PAYER_CHOICE = "payer"


class MessageBodyField(forms.CharField):
    def __init__(self, *, draft: str = "", **kwargs):
        """``draft``: keep what is typed as a draft in this browser tab (static/portal/js/session.js)
        so an idle sign-out does not lose it."""
        kwargs.setdefault("label", "Message")
        kwargs.setdefault("max_length", MESSAGE_MAX_LENGTH)
        kwargs.setdefault("help_text", f"Plain text, up to {MESSAGE_MAX_LENGTH:,} characters. Links become clickable.")
        attrs = {"rows": 6, "maxlength": MESSAGE_MAX_LENGTH}
        if draft:
            attrs["data-draft"] = draft
        kwargs.setdefault("widget", forms.Textarea(attrs=attrs))
        super().__init__(**kwargs)


class ReplyForm(Form):
    body = MessageBodyField(label="Your reply", draft="reply")


class ComposeForm(Form):
    """The recipient is the payer team or a colleague from ``recipients`` (chosen server-side)."""

    to = forms.ChoiceField(label="To")
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX_LENGTH)
    body = MessageBodyField(draft="message")

    def __init__(self, *args, payer_name: str, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.recipients = {str(user.uuid): (user, organization) for user, organization in recipients}
        choices = [(PAYER_CHOICE, f"{payer_name} team")]
        choices += [
            (key, f"{user.full_name} ({organization.name})") for key, (user, organization) in self.recipients.items()
        ]
        self.fields["to"].choices = choices

    def recipient(self):
        """(user, organization) for a colleague, or None for the payer team."""
        value = self.cleaned_data["to"]
        return None if value == PAYER_CHOICE else self.recipients[value]
