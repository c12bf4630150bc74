"""Forms of access reviews."""

from django import forms

from accounts.models import AccessLevel, Organization
from core.forms import Form


class CampaignForm(Form):
    name = forms.CharField(label="Name", max_length=120)
    due_on = forms.DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))
    tins = forms.CharField(
        label="TINs (leave empty for every organization)",
        required=False,
        max_length=5000,
        help_text="9-digit TINs separated by commas or spaces.",
    )
    grace_days = forms.IntegerField(
        label="Grace period after the due date (days)",
        min_value=0,
        max_value=90,
        initial=14,
        widget=forms.NumberInput(attrs={"class": "usa-input--small"}),
    )
    disable_unreviewed = forms.BooleanField(
        label="Disable users nobody reviewed once the grace period ends",
        required=False,
    )
    repeat_quarterly = forms.BooleanField(
        label="Repeat every quarter",
        required=False,
    )

    def clean_tins(self):
        values = [v for v in self.cleaned_data["tins"].replace(",", " ").split() if v]
        if not values:
            return None
        organizations = list(Organization.objects.filter(tin__in=values))
        missing = sorted(set(values) - {o.tin for o in organizations})
        if missing:
            raise forms.ValidationError(f"Unknown TINs: {', '.join(missing[:10])}.")
        return organizations


class DecideForm(Form):
    user = forms.UUIDField()
    decision = forms.ChoiceField(choices=[("keep", "Keep"), ("change", "Change"), ("remove", "Remove")])
    levels = forms.MultipleChoiceField(choices=AccessLevel.choices, required=False)


class KeepManyForm(Form):
    users = forms.TypedMultipleChoiceField(coerce=str, choices=[], required=True)

    def __init__(self, *args, user_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = [(str(u.uuid), u.full_name) for u in user_choices]


class PlanKeepForm(Form):
    user = forms.UUIDField()
