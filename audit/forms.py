"""The audit viewer's filters (GET). They validate input; the query is built in the selectors."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.utils import timezone

from audit.models import AuditAction
from core.forms import Form

# Beyond these a day's bounds cannot be turned into aware datetimes (year 1 / 9999 overflow).
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(Form):
    actor = forms.CharField(
        label="Actor email",
        required=False,
        max_length=254,
        help_text="A full address matches exactly; part of one matches every address containing it.",
    )
    target = forms.EmailField(
        label="Target user email",
        required=False,
        max_length=254,
        help_text="The user the event was about (the full address).",
    )
    tin = forms.CharField(
        label="Organization TIN",
        required=False,
        max_length=9,
        validators=[RegexValidator(r"^[0-9]{9}$", "Enter the 9 digits of the TIN.")],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    action = forms.ChoiceField(label="Action", required=False)
    date_from = forms.DateField(label="From", required=False, help_text="On or after this day.", widget=_date_widget())
    date_to = forms.DateField(label="To", required=False, help_text="On or before this day.", widget=_date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import, so actions added to AuditAction later are offered too.
        self.fields["action"].choices = [("", "Any action"), *AuditAction.choices]

    def _clean_day(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(f"Enter a day between {EARLIEST:%m/%d/%Y} and {LATEST:%m/%d/%Y}.")
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean_actor(self):
        return self.cleaned_data["actor"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period must not be before its start.")
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments of ``audit_events_filter``.

        Days are whole days of the portal's time zone: "to" includes the day it names.
        """
        data = self.cleaned_data
        actor = data["actor"]
        try:
            validate_email(actor)
            actor_exact = True
        except ValidationError:
            actor_exact = False
        return {
            "actor": actor,
            "actor_exact": actor_exact,
            "target_email": data["target"],
            "tin": data["tin"],
            "action": data["action"],
            "occurred_from": _start_of(data["date_from"]),
            "occurred_before": _start_of(data["date_to"] + datetime.timedelta(days=1)) if data["date_to"] else None,
        }

    def summary(self) -> dict[str, str]:
        """The filters in use, as text, for the export's own audit record."""
        return {name: str(value) for name, value in self.cleaned_data.items() if value}


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
