"""The forms of provider enrollment. They parse input; the services validate the rules (NPI check
digit, expired licenses, ownership total, ABA checksum) and their errors come back next to the field."""

from django import forms

from core.forms import Form
from enrollment.models import ApplicantKind, LicenseKind, OwnerKind, Section, SectionAccess, Status

TEXT = {"maxlength": 200}


class ApplicationFilterForm(Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)


class ApplicationNewForm(Form):
    kind = forms.ChoiceField(label="Who is enrolling", choices=ApplicantKind.choices, widget=forms.RadioSelect)
    legal_name = forms.CharField(
        label="Legal name", max_length=200, help_text="As registered with the IRS or the licensing board."
    )
    is_dme_supplier = forms.BooleanField(label="This is a durable medical equipment (DME) supplier", required=False)


class IdentificationForm(Form):
    legal_name = forms.CharField(label="Legal name", max_length=200)
    npi = forms.CharField(
        label="NPI", max_length=10, help_text="10 digits.", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    tin = forms.CharField(
        label="TIN",
        max_length=9,
        required=False,
        help_text="9 digits, no dash. Required for a facility.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    taxonomy_code = forms.CharField(
        label="Taxonomy code", max_length=10, help_text="For example 207Q00000X (Family Medicine)."
    )
    is_dme_supplier = forms.BooleanField(label="This is a durable medical equipment (DME) supplier", required=False)


class LocationForm(Form):
    address_line1 = forms.CharField(label="Street address", max_length=200)
    city = forms.CharField(max_length=100)
    state = forms.CharField(max_length=2, help_text="Two letters, for example TX.")
    postal_code = forms.CharField(label="ZIP code", max_length=10)
    phone = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    hours = forms.CharField(label="Office hours", max_length=200, help_text="For example: Mon–Fri 8:00–17:00.")


class LicenseForm(Form):
    kind = forms.ChoiceField(choices=LicenseKind.choices)
    number = forms.CharField(max_length=40)
    state = forms.CharField(max_length=2, help_text="Two letters, for example TX.")
    issued_on = forms.DateField(label="Issue date", widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label="Expiry date", widget=forms.DateInput(attrs={"type": "date"}))


class OwnerForm(Form):
    kind = forms.ChoiceField(choices=OwnerKind.choices)
    name = forms.CharField(max_length=200)
    role = forms.CharField(max_length=100, help_text="For example: owner, managing employee, officer.")
    percent = forms.DecimalField(label="Ownership %", min_value=0, max_value=100, decimal_places=2, max_digits=5)


class SpecialtyForm(Form):
    name = forms.CharField(label="Specialty", max_length=120)
    is_primary = forms.BooleanField(label="Primary specialty", required=False)


class BankAccountForm(Form):
    holder_name = forms.CharField(label="Account holder", max_length=200)
    routing_number = forms.CharField(
        label="ABA routing number", max_length=9, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=17,
        help_text="Stored encrypted; shown afterwards as its last four digits.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class DocumentForm(Form):
    description = forms.CharField(max_length=200, help_text="For example: W-9, license copy, liability insurance.")
    file = forms.FileField(help_text="PDF, TIFF, JPEG or PNG.")


class AttestationForm(Form):
    attested = forms.BooleanField(
        label="I attest that I have read the plan's participation requirements and that the applicant meets them.",
        required=False,
    )


class SignForm(Form):
    typed_name = forms.CharField(label="Your full name", max_length=150)
    attest = forms.BooleanField(
        label="I certify that the information in this application is true, correct and complete.", required=False
    )


RIGHT_LABELS = (("sign", "Sign"), ("pay", "Pay fee"), ("submit", "Submit"), ("message", "Message Box"))


class GrantForm(Form):
    """Per section none/read/write, and the four rights."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in Section:
            self.fields[f"section_{section.value}"] = forms.ChoiceField(
                label=section.label, choices=SectionAccess.choices, initial=SectionAccess.NONE
            )
        for right, label in RIGHT_LABELS:
            self.fields[f"can_{right}"] = forms.BooleanField(label=label, required=False)

    def section_fields(self):
        return [self[f"section_{s.value}"] for s in Section]

    def right_fields(self):
        return [self[f"can_{r}"] for r, _ in RIGHT_LABELS]

    def sections(self) -> dict[str, str]:
        return {s.value: self.cleaned_data[f"section_{s.value}"] for s in Section}

    def rights(self) -> dict[str, bool]:
        return {r: self.cleaned_data[f"can_{r}"] for r, _ in RIGHT_LABELS}


class InviteForm(GrantForm):
    email = forms.EmailField(max_length=254)
    full_name = forms.CharField(
        label="Full name", max_length=150, required=False, help_text="Needed when the person has no login yet."
    )

    field_order = ["email", "full_name"]


class QueueFilterForm(Form):
    status = forms.ChoiceField(
        choices=[("", "Open (waiting on the plan)"), *[c for c in Status.choices if c[0] != Status.DRAFT]],
        required=False,
    )
    sort = forms.ChoiceField(
        choices=[
            ("submitted", "Oldest submitted first"),
            ("-submitted", "Newest submitted first"),
            ("name", "Legal name"),
            ("status", "Status"),
        ],
        required=False,
    )
    mine = forms.BooleanField(label="Only those assigned to me", required=False)


class ReturnForm(Form):
    """One correction box per section: the ones filled in are returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in Section:
            self.fields[f"fix_{section.value}"] = forms.CharField(
                label=section.label, required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
            )

    def items(self):
        return [(s.value, self.cleaned_data[f"fix_{s.value}"]) for s in Section]


class DenyForm(Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="The provider reads this."
    )


class ReassignForm(Form):
    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"] = forms.ChoiceField(
            label="Assign to",
            choices=[(str(m.user.uuid), f"{m.user.full_name} ({m.get_role_display()})") for m in team],
        )
