"""The filters of the Claims list and the Eligibility lookup. They validate input; the queries are
built in the selectors and services."""

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from claims.corrections import VOID_REASON_MAX_LENGTH
from claims.models import (
    APPEAL_DECISION_MAX_LENGTH,
    APPEAL_NOTE_MAX_LENGTH,
    APPEAL_OUTCOMES,
    MEMBER_ID_REGEX,
    AppealKind,
    AppealReason,
    AppealStatus,
    ClaimStatus,
)
from core import normalize
from core.forms import Form

# Sort key → keyset order. Every order ends with the primary key, so it is total.
SORTS = {
    "received_desc": ("Received date, newest first", ("-received_date", "-id")),
    "received_asc": ("Received date, oldest first", ("received_date", "id")),
    "service_desc": ("Service date, newest first", ("-service_date_from", "-id")),
    "service_asc": ("Service date, oldest first", ("service_date_from", "id")),
    "billed_desc": ("Billed amount, highest first", ("-billed_amount", "-id")),
    "billed_asc": ("Billed amount, lowest first", ("billed_amount", "id")),
    "paid_desc": ("Paid amount, highest first", ("-paid_amount", "-id")),
    "paid_asc": ("Paid amount, lowest first", ("paid_amount", "id")),
    "status": ("Status", ("status", "-id")),
    "member_asc": ("Member ID", ("member_id", "id")),
}
# Column → (sort when first clicked, sort when clicked again): the column headers toggle.
COLUMN_SORTS = {
    "service": ("service_desc", "service_asc"),
    "received": ("received_desc", "received_asc"),
    "billed": ("billed_desc", "billed_asc"),
    "paid": ("paid_desc", "paid_asc"),
    "status": ("status", "status"),
    "member": ("member_asc", "member_asc"),
}
DEFAULT_SORT = "received_desc"
# Up to this many provider IDs the filter is a list to pick from; past it, a box to type one in.
PICK_LIMIT = 25


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProviderIdChoiceField(forms.ChoiceField):
    """One of the user's provider IDs, picked or typed; typed with spaces or dashes it still matches."""

    def to_python(self, value):
        value = super().to_python(value)
        plain = normalize.digits(value)
        return plain if plain.isdigit() else plain.upper()


class ClaimFilterForm(Form):
    provider_id = ProviderIdChoiceField(label="Provider ID", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *ClaimStatus.choices])
    service_from = forms.DateField(
        label="Service on or after",
        required=False,
        help_text="Claims with any service date on or after this day.",
        widget=_date_widget(),
    )
    service_to = forms.DateField(
        label="Service on or before",
        required=False,
        help_text="Claims with any service date on or before this day.",
        widget=_date_widget(),
    )
    member_id = forms.CharField(label="Member ID", required=False, max_length=30)
    claim_number = forms.CharField(
        label="Claim number",
        required=False,
        max_length=20,
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
    )

    def __init__(self, *args, provider_ids, **kwargs):
        """``provider_ids``: the provider IDs whose claims the user may see; only they can be chosen."""
        super().__init__(*args, **kwargs)
        choices = {}
        for identifier in provider_ids:
            choices.setdefault(
                identifier.value,
                f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name})",
            )
        field = self.fields["provider_id"]
        field.choices = [("", "All your provider IDs"), *choices.items()]
        if len(choices) > PICK_LIMIT:
            # A billing office with hundreds of IDs types one: a <select> of them all was most of the
            # page's weight and rendering time, and no one scrolls 500 options.
            field.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            field.help_text = (
                f"You may see the claims of {len(choices):,} provider IDs: type one, or leave it empty for all."
            )
            field.error_messages["invalid_choice"] = "That is not one of the provider IDs whose claims you may see."

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean_claim_number(self):
        return normalize.claim_number(self.cleaned_data["claim_number"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("service_from"), cleaned.get("service_to")
        if start and end and end < start:
            self.add_error("service_to", "The end of the service period must not be before its start.")
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments of ``claims_search``."""
        data = self.cleaned_data
        return {
            "provider_id_value": data["provider_id"],
            "status": data["status"],
            "service_from": data["service_from"],
            "service_to": data["service_to"],
            "member_id": data["member_id"],
            "claim_number": data["claim_number"],
        }

    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def order(self) -> tuple[str, ...]:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT][1]

    def sort_label(self) -> str:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT][0]


class EligibilityForm(Form):
    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        help_text="As printed on the member's ID card: letters, digits and dashes.",
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID holds only letters, digits and dashes.")],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(label="Member's date of birth", widget=_date_widget())
    date_of_service = forms.DateField(
        label="Date of service",
        required=False,
        help_text="Empty: today.",
        widget=_date_widget(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_service"].initial = timezone.localdate

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth must not be in the future.")
        return born

    def clean_date_of_service(self):
        return self.cleaned_data["date_of_service"] or timezone.localdate()

    def lookup(self) -> dict:
        """The cleaned input as keyword arguments of ``eligibility_check``."""
        return {name: self.cleaned_data[name] for name in ("member_id", "date_of_birth", "date_of_service")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (core.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"class": "usa-file-input", "accept": ".pdf,.tif,.tiff,.jpg,.jpeg,.png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AppealForm(forms.Form):
    kind = forms.ChoiceField(
        label="What you ask for",
        choices=AppealKind.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        help_text="A reconsideration is a first look again; an appeal is the formal review.",
    )
    reason = forms.ChoiceField(label="Reason", choices=[("", "- Select -"), *AppealReason.choices])
    note = forms.CharField(
        label="Why the decision should change",
        max_length=APPEAL_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 6}),
    )
    files = MultipleFileField(
        label="Documents",
        required=False,
        help_text="PDF, TIFF, JPEG or PNG; up to 5 files.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["class"] = "usa-select"


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[(value, label) for value, label in AppealStatus.choices if value in APPEAL_OUTCOMES],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    reason = forms.CharField(
        label="Reason for the decision",
        max_length=APPEAL_DECISION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 5}),
        help_text="The provider reads this in the decision letter.",
    )


class ClaimStatusInquiryForm(Form):
    """The question of a 276: which member, born when, served when, billed how much."""

    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        help_text="As printed on the member's ID card: letters, digits and dashes.",
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID holds only letters, digits and dashes.")],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(label="Member's date of birth", widget=_date_widget())
    service_date = forms.DateField(
        label="Date of service", help_text="Any day the claim covers.", widget=_date_widget()
    )
    billed_amount = forms.DecimalField(
        label="Billed amount",
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text="The claim's total charges in dollars, for example 125.00.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth must not be in the future.")
        return born

    def lookup(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("member_id", "date_of_birth", "service_date", "billed_amount")
        }


class ReplacementLineForm(Form):
    """One line of a replacement claim: what may change (units, charge, date of service)."""

    line_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    units = forms.DecimalField(
        label="Units",
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    billed_amount = forms.DecimalField(
        label="Charge",
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    service_date = forms.DateField(label="Date of service", widget=_date_widget())


ReplacementLineFormSet = forms.formset_factory(ReplacementLineForm, extra=0, max_num=999, validate_max=True)


class ReplacementTotalForm(Form):
    """A claim without service lines is corrected by its billed amount."""

    billed_amount = forms.DecimalField(
        label="Billed amount",
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class VoidForm(Form):
    reason = forms.CharField(
        label="Why the claim is voided",
        max_length=VOID_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 4}),
        help_text="For example: billed under the wrong member, or the service was not given.",
    )
