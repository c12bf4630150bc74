"""Control Panel forms for payer staff acting on a provider user."""

from django import forms

from accounts.models import AccessLevel, ProviderIdKind
from core import normalize
from core.forms import Form


class UserSearchForm(Form):
    q = forms.CharField(
        label="Search by name, email, TIN or NPI",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")],
    )

    def __init__(self, *args, **kwargs):
        from accounts.models import UserStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status")] + UserStatus.choices

    def clean_q(self):
        return normalize.search_query(self.cleaned_data["q"])


class ScopeAddForm(Form):
    kind = forms.ChoiceField(label="Kind of ID", choices=ProviderIdKind.choices)
    value = forms.CharField(label="Provider ID", max_length=24)

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("value"):
            data["value"] = normalize.provider_id(data["kind"], data["value"])
        return data


class LevelsForm(Form):
    levels = forms.MultipleChoiceField(
        label="Access levels",
        required=False,
        choices=AccessLevel.choices,
        widget=forms.CheckboxSelectMultiple(),
    )


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )
