"""The forms of the provider pages and the Control Panel review. They validate input; the rules
live in authorizations.services, whose ValidationErrors the views put back on the form."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator

from authorizations.models import (
    EXPEDITED_ATTESTATION,
    MAX_DIAGNOSES,
    MAX_LINES,
    Category,
    LineDecision,
    PlaceOfService,
    RequestStatus,
    RequestType,
    Urgency,
)
from claims.models import MEMBER_ID_REGEX
from core import normalize

TEXT = {"class": "usa-input"}
AREA = {"class": "usa-textarea", "rows": 4}
SELECT = {"class": "usa-select"}


def _date(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "usa-input", **attrs}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"class": "usa-file-input", "accept": ".pdf,.tif,.tiff,.jpg,.jpeg,.png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class MemberStepForm(forms.Form):
    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID has letters, digits and dashes only.")],
        help_text="As on the member's ID card.",
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=_date())
    planned_service_date = forms.DateField(
        label="Planned date of service", widget=_date(), help_text="Coverage on this day is checked and shown."
    )

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])


class ProvidersStepForm(forms.Form):
    requesting_provider = forms.ChoiceField(label="Requesting provider ID", widget=forms.Select(attrs=SELECT))
    servicing_npi = forms.CharField(
        label="Servicing provider or facility NPI",
        max_length=10,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
        help_text="10 digits; the check digit is verified.",
    )
    servicing_name = forms.CharField(
        label="Servicing provider or facility name", max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    request_type = forms.ChoiceField(
        label="Type of request", choices=RequestType.choices, widget=forms.Select(attrs=SELECT)
    )
    category = forms.ChoiceField(
        label="Category", choices=[("", "Choose"), *Category.choices], widget=forms.Select(attrs=SELECT)
    )
    admission_date = forms.DateField(label="Admission date (inpatient only)", required=False, widget=_date())
    length_of_stay = forms.IntegerField(
        label="Expected length of stay in days (inpatient only)",
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs=TEXT),
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Urgency.choices, widget=forms.RadioSelect(attrs={"class": "usa-radio__input"})
    )
    expedited_attested = forms.BooleanField(
        label=EXPEDITED_ATTESTATION,
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
        help_text="Required for an expedited request.",
    )
    place_of_service = forms.ChoiceField(
        label="Place of service", choices=[("", "Choose"), *PlaceOfService.choices], widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_ids = {str(p.uuid): p for p in provider_ids}
        self.fields["requesting_provider"].choices = [
            ("", "Choose"),
            *[(key, f"{p.get_kind_display()} {p.value} ({p.display_name})") for key, p in self.provider_ids.items()],
        ]

    def clean_servicing_npi(self):
        return normalize.digits(self.cleaned_data["servicing_npi"])


class DiagnosesStepForm(forms.Form):
    """Twelve boxes; empty ones are left out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(1, MAX_DIAGNOSES + 1):
            self.fields[f"code_{index}"] = forms.CharField(
                label=f"Diagnosis {index}" + (" (primary)" if index == 1 else ""),
                required=index == 1,
                max_length=8,
                widget=forms.TextInput(attrs={**TEXT, "class": "usa-input usa-input--small", "autocomplete": "off"}),
            )

    def codes(self) -> list[str]:
        return [self.cleaned_data.get(f"code_{i}", "") for i in range(1, MAX_DIAGNOSES + 1)]


class LineForm(forms.Form):
    code = forms.CharField(
        label="CPT/HCPCS code",
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "class": "usa-input usa-input--small"}),
    )
    modifiers = forms.CharField(
        label="Modifiers",
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "class": "usa-input usa-input--small"}),
    )
    units = forms.IntegerField(
        label="Units",
        required=False,
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={**TEXT, "class": "usa-input usa-input--small"}),
    )
    date_from = forms.DateField(label="From", required=False, widget=_date())
    date_to = forms.DateField(label="To", required=False, widget=_date())

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.fields)


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES)


class AttachmentsStepForm(forms.Form):
    files = MultipleFileField(
        label="Add documents",
        required=False,
        help_text="PDF, TIFF, JPEG or PNG; up to 10 MB each and 50 MB for the request.",
    )


class SubmitForm(forms.Form):
    confirm_duplicate = forms.BooleanField(
        label="Submit anyway: this request is not a duplicate of the open request named above.",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )


class NeededForm(forms.Form):
    codes = forms.CharField(
        label="CPT/HCPCS codes",
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        help_text="One or more codes, separated by spaces or commas (e.g. 72148 E0601).",
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "Any category"), *Category.choices],
        widget=forms.Select(attrs=SELECT),
    )
    member_id = forms.CharField(
        label="Member ID (optional)", max_length=30, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    date_of_birth = forms.DateField(label="Member's date of birth (with the member ID)", required=False, widget=_date())

    def clean_codes(self):
        codes = [c for c in self.cleaned_data["codes"].replace(",", " ").upper().split() if c]
        if not codes:
            raise ValidationError("Enter at least one code.")
        if len(codes) > MAX_LINES:
            raise ValidationError(f"Ask about up to {MAX_LINES} codes at a time.")
        return codes

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("member_id")) != bool(cleaned.get("date_of_birth")):
            raise ValidationError("Give both the member ID and the birth date, or neither.")
        return cleaned


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *RequestStatus.choices],
        widget=forms.Select(attrs=SELECT),
    )
    member_id = forms.CharField(label="Member ID", max_length=30, required=False, widget=forms.TextInput(attrs=TEXT))
    provider_id = forms.ChoiceField(label="Provider ID", required=False, widget=forms.Select(attrs=SELECT))
    reference = forms.CharField(label="Reference", max_length=20, required=False, widget=forms.TextInput(attrs=TEXT))
    created_from = forms.DateField(label="Created on or after", required=False, widget=_date())
    created_to = forms.DateField(label="Created on or before", required=False, widget=_date())

    def __init__(self, *args, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        choices = {p.value: f"{p.get_kind_display()} {p.value} ({p.display_name})" for p in provider_ids}
        self.fields["provider_id"].choices = [("", "All your provider IDs"), *choices.items()]

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", "This day is before the first one.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "member_id": data["member_id"],
            "provider_id_value": data["provider_id"],
            "reference": data["reference"],
            "created_from": data["created_from"],
            "created_to": data["created_to"],
        }


class InformationForm(forms.Form):
    text = forms.CharField(label="Your answer", required=False, max_length=2000, widget=forms.Textarea(attrs=AREA))
    files = MultipleFileField(label="Documents", required=False, help_text="PDF, TIFF, JPEG or PNG; up to 10 MB each.")


class AppealForm(forms.Form):
    reason = forms.CharField(
        label="Why the plan should change its decision",
        max_length=2000,
        widget=forms.Textarea(attrs=AREA),
        error_messages={"required": "Give the reason for the appeal."},
    )
    files = MultipleFileField(
        label="New documents (optional)", required=False, help_text="PDF, TIFF, JPEG or PNG; up to 10 MB each."
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs=AREA)
    )


# --- Control Panel ---------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Every open request"),
            *[
                (s.value, s.label)
                for s in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.INFO_REQUESTED)
            ],
        ],
        widget=forms.Select(attrs=SELECT),
    )
    urgency = forms.ChoiceField(
        label="Urgency", required=False, choices=[("", "Both"), *Urgency.choices], widget=forms.Select(attrs=SELECT)
    )
    mine = forms.BooleanField(
        label="Only requests I took", required=False, widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"})
    )


class InformationRequestForm(forms.Form):
    needed = forms.CharField(label="What is needed", max_length=2000, widget=forms.Textarea(attrs=AREA))
    deadline = forms.DateField(label="Answer by", widget=_date())


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label="More days", min_value=1, widget=forms.NumberInput(attrs=TEXT))
    reason = forms.CharField(label="Reason (the provider is told)", max_length=2000, widget=forms.Textarea(attrs=AREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = settings.AUTH_EXTENSION_MAX_DAYS
        self.fields["days"].max_value = maximum
        self.fields["days"].validators.append(MaxValueValidator(maximum))
        self.fields["days"].widget.attrs["max"] = maximum


class LineDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            (LineDecision.APPROVED, "Approve"),
            (LineDecision.MODIFIED, "Approve with changes"),
            (LineDecision.DENIED, "Deny"),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    units = forms.IntegerField(
        label="Approved units (with changes)",
        required=False,
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={**TEXT, "class": "usa-input usa-input--small"}),
    )
    date_from = forms.DateField(label="Approved from (with changes)", required=False, widget=_date())
    date_to = forms.DateField(label="Approved to (with changes)", required=False, widget=_date())
    reason_code = forms.ChoiceField(
        label="Denial reason (required to deny)", required=False, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(
        label="Note to the provider", required=False, max_length=2000, widget=forms.Textarea(attrs={**AREA, "rows": 2})
    )

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [
            ("", "Choose a reason"),
            *[(r.code, f"{r.code} {r.description}") for r in reasons],
        ]
