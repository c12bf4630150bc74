"""The form of a professional claim keyed in the portal (the CMS-1500 / 837P fields): the claim
header with its diagnoses, and a formset of service lines. ``check_claim`` adds the checks that
span several fields (the member and their coverage, the pointers, the rendering provider's TIN)."""

import datetime
import re
import string
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.forms import formset_factory

from accounts.models import ProviderIdentifier
from claims import diagnoses as icd
from claims.models import MEMBER_ID_REGEX
from claims.selectors import member_for_eligibility
from core import normalize
from core.forms import Form

MAX_LINES = 50
BLANK_LINE_ROWS = 2  # rows offered on a new claim; "Add a line" posts back for one more
DIAGNOSIS_LETTERS = string.ascii_uppercase[: icd.MAX_DIAGNOSES]  # A..L, as on the CMS-1500 (box 21)
MAX_POINTERS = 4
SMALL = "usa-input--small"
KEYED_FIELDS = ("procedure_code", "charge", "pointers")
# X12 reserves these as separators: a free-text field may not hold them.
X12_RESERVED = re.compile(r"[~*:^|\\]")

# The places of service most keyed by a professional office (CMS place of service code set).
PLACES_OF_SERVICE = [
    ("11", "11 Office"),
    ("02", "02 Telehealth other than in the patient's home"),
    ("10", "10 Telehealth in the patient's home"),
    ("12", "12 Home"),
    ("19", "19 Off campus outpatient hospital"),
    ("20", "20 Urgent care facility"),
    ("21", "21 Inpatient hospital"),
    ("22", "22 On campus outpatient hospital"),
    ("23", "23 Emergency room, hospital"),
    ("31", "31 Skilled nursing facility"),
    ("32", "32 Nursing facility"),
    ("81", "81 Independent laboratory"),
]
PROCEDURE_REGEX = r"^([0-9]{4}[0-9FTU]|[A-V][0-9]{4})$"
MODIFIER_REGEX = re.compile(r"^[A-Z0-9]{2}$")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _no_separators(value: str) -> None:
    if X12_RESERVED.search(value):
        raise forms.ValidationError("Leave out the characters ~ * : ^ | and \\ (the claim file uses them).")


class ClaimHeaderForm(Form):
    billing_provider = forms.ChoiceField(
        label="Billing provider NPI (box 33a)", help_text="The NPIs of your TINs on which you hold Claims."
    )
    rendering_provider = forms.ChoiceField(
        label="Rendering provider NPI (box 24J)",
        required=False,
        help_text="Empty: the billing provider rendered the services. It must be on the same TIN.",
    )
    member_id = forms.CharField(
        label="Member ID (box 1a)",
        max_length=30,
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID holds only letters, digits and dashes.")],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    member_birth_date = forms.DateField(label="Member's date of birth (box 3)", widget=_date_widget())
    patient_account = forms.CharField(
        label="Patient account number (box 26)",
        max_length=20,
        required=False,
        help_text="Your office's own reference for the patient, up to 20 characters.",
        validators=[_no_separators],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label="Claim note (box 19)",
        max_length=80,
        required=False,
        help_text="Up to 80 characters for the claims examiner.",
        validators=[_no_separators],
    )

    def __init__(self, *args, provider_ids: list[ProviderIdentifier], **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_ids = {pid.value: pid for pid in provider_ids}
        choices = [(pid.value, f"{pid.value} ({pid.organization.name})") for pid in provider_ids]
        self.fields["billing_provider"].choices = [("", "Choose an NPI"), *choices]
        self.fields["rendering_provider"].choices = [("", "Same as the billing provider"), *choices]
        for letter in DIAGNOSIS_LETTERS:
            self.fields[f"diagnosis_{letter}"] = forms.CharField(
                label=f"Diagnosis {letter}",
                max_length=8,
                required=letter == "A",
                help_text="The principal diagnosis." if letter == "A" else "",
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": SMALL}),
            )

    def diagnosis_fields(self):
        return [self[f"diagnosis_{letter}"] for letter in DIAGNOSIS_LETTERS]

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean_member_birth_date(self):
        born = self.cleaned_data["member_birth_date"]
        if born > datetime.date.today():
            raise forms.ValidationError("The date of birth must not be in the future.")
        return born

    def clean(self):
        data = super().clean()
        for letter in DIAGNOSIS_LETTERS:
            raw = (data.get(f"diagnosis_{letter}") or "").strip()
            if not raw:
                continue
            codes, problems = icd.parse_codes(raw)
            if problems or len(codes) != 1:
                self.add_error(f"diagnosis_{letter}", f"{raw} is not a billable ICD-10-CM code.")
            else:
                data[f"diagnosis_{letter}"] = codes[0]
        billing = self.provider_ids.get(data.get("billing_provider") or "")
        rendering = self.provider_ids.get(data.get("rendering_provider") or "")
        if billing and rendering and rendering.organization_id != billing.organization_id:
            self.add_error("rendering_provider", "This NPI is on another TIN than the billing provider.")
        return data

    def diagnoses(self) -> dict[str, str]:
        """Letter → dotted code, for the letters filled in."""
        return {
            letter: self.cleaned_data[f"diagnosis_{letter}"]
            for letter in DIAGNOSIS_LETTERS
            if self.cleaned_data.get(f"diagnosis_{letter}")
        }


class ClaimLineForm(Form):
    procedure_code = forms.CharField(
        label="CPT/HCPCS",
        max_length=5,
        validators=[RegexValidator(PROCEDURE_REGEX, "Enter a 5-character CPT or HCPCS code, such as 99213 or J1100.")],
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "usa-input--small"}),
    )
    modifiers = forms.CharField(
        label="Modifiers",
        max_length=20,
        required=False,
        help_text="Up to 4, such as 25, 59.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "usa-input--small"}),
    )
    pointers = forms.CharField(
        label="Diagnosis pointers",
        max_length=20,
        help_text="1 to 4 letters, such as A or A,B.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "usa-input--small"}),
    )
    date_from = forms.DateField(label="From", widget=_date_widget())
    date_to = forms.DateField(label="To", required=False, help_text="Empty: the same day.", widget=_date_widget())
    place_of_service = forms.ChoiceField(label="Place of service", choices=PLACES_OF_SERVICE, initial="11")
    units = forms.DecimalField(
        label="Units", min_value=Decimal("0.01"), max_digits=7, decimal_places=2, initial=1,
        widget=forms.NumberInput(attrs={"class": "usa-input--small", "step": "any"}),
    )  # fmt: skip
    charge = forms.DecimalField(
        label="Charge ($)", min_value=Decimal("0.01"), max_digits=10, decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "usa-input--small", "step": "0.01"}),
    )  # fmt: skip

    def has_changed(self) -> bool:
        # A row counts as keyed when any field other than the defaults was typed in.
        return any(self.data.get(self.add_prefix(name), "").strip() for name in KEYED_FIELDS)

    def clean_procedure_code(self):
        return self.cleaned_data["procedure_code"].strip().upper()

    def clean_modifiers(self):
        parts = [m for m in re.split(r"[\s,]+", self.cleaned_data["modifiers"].upper()) if m]
        if len(parts) > 4 or not all(MODIFIER_REGEX.match(m) for m in parts):
            raise forms.ValidationError("Enter up to 4 modifiers of 2 letters or digits, separated by commas.")
        return parts

    def clean_pointers(self):
        parts = [p for p in re.split(r"[\s,]+", self.cleaned_data["pointers"].upper()) if p]
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
            parts = list(parts[0])  # "AB" as A, B
        if not 1 <= len(parts) <= MAX_POINTERS or not all(p in DIAGNOSIS_LETTERS for p in parts):
            raise forms.ValidationError("Enter 1 to 4 diagnosis letters (A to L), such as A or A,B.")
        if len(set(parts)) != len(parts):
            raise forms.ValidationError("Point at each diagnosis once.")
        return parts

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and not end:
            data["date_to"] = end = start
        if start and end and end < start:
            self.add_error("date_to", "The last day must not be before the first.")
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def initial_form_count(self) -> int:
        # Rows shown filled in (a draft, a post-back) are rows like any other: one left empty is ignored.
        return 0 if self.is_bound else super().initial_form_count()

    def clean(self):
        if any(self.errors):
            return
        keyed = [form for form in self.forms if form.has_changed()]
        if not keyed:
            raise forms.ValidationError("Enter at least one service line.")
        if len(keyed) > MAX_LINES:
            raise forms.ValidationError(f"A claim holds at most {MAX_LINES} service lines.")


LineFormSet = formset_factory(
    ClaimLineForm,
    formset=BaseLineFormSet,
    extra=0,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES + 10,
)


def keyed_lines(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.has_changed() and form.cleaned_data]


def check_pointers(header: ClaimHeaderForm, lines) -> None:
    """Each line's pointers name a diagnosis typed in (checked even when a code is wrong, so both
    mistakes show at once). Once per form: a pointer error already marked is not repeated."""
    typed = {
        letter
        for letter in DIAGNOSIS_LETTERS
        if (header.data.get(header.add_prefix(f"diagnosis_{letter}")) or "").strip()
    }
    for form in lines.forms:
        if not form.has_changed() or "pointers" not in form.cleaned_data or form.has_error("pointers"):
            continue
        missing = [p for p in form.cleaned_data["pointers"] if p not in typed]
        if missing:
            form.add_error("pointers", f"No diagnosis {', '.join(missing)} is entered above.")


def check_claim(header: ClaimHeaderForm, lines) -> dict | None:
    """After both forms are valid: the member (by member ID and birth date, as in Eligibility),
    their coverage on every service day and the pointers against the diagnoses entered. Adds the
    errors next to the fields; returns the checked claim, or None."""
    data = header.cleaned_data
    diagnoses = header.diagnoses()
    keyed = [form for form in lines.forms if form.has_changed()]
    check_pointers(header, lines)
    member = member_for_eligibility(member_id=data["member_id"], date_of_birth=data["member_birth_date"])
    if member is None:
        header.add_error("member_id", "No member matches this member ID and date of birth.")
    else:
        spans = list(member.coverages.all())
        for form in keyed:
            for name in ("date_from", "date_to"):
                day = form.cleaned_data[name]
                if not any(span.covers(day) for span in spans):
                    form.add_error(name, f"The member has no coverage in effect on {day:%m/%d/%Y}.")
                    break
    if header.errors or any(form.errors for form in keyed):
        return None
    letters = list(diagnoses)
    codes = list(diagnoses.values())
    return {
        "billing_provider": header.provider_ids[data["billing_provider"]],
        "rendering_provider": header.provider_ids.get(data.get("rendering_provider") or ""),
        "member": member,
        "patient_account": data.get("patient_account", ""),
        "note": data.get("note", ""),
        "diagnoses": codes,
        "lines": [
            {
                "procedure_code": form.cleaned_data["procedure_code"],
                "modifiers": form.cleaned_data["modifiers"],
                "pointers": [letters.index(p) + 1 for p in form.cleaned_data["pointers"]],
                "date_from": form.cleaned_data["date_from"].isoformat(),
                "date_to": form.cleaned_data["date_to"].isoformat(),
                "place_of_service": form.cleaned_data["place_of_service"],
                "units": str(form.cleaned_data["units"]),
                "charge": str(form.cleaned_data["charge"]),
            }
            for form in keyed
        ],
    }
