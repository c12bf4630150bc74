"""The filter of the Control Panel's Email delivery page."""

from django import forms

from core.forms import Form
from outbox.selectors import SHOW_CHOICES, SHOW_FAILED


class EmailFilterForm(Form):
    show = forms.ChoiceField(label="Show", required=False, choices=SHOW_CHOICES, initial=SHOW_FAILED)
    to = forms.CharField(
        label="Recipient contains",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_show(self):
        return self.cleaned_data["show"] or SHOW_FAILED

    def clean_to(self):
        return " ".join(self.cleaned_data["to"].split()).lower()
