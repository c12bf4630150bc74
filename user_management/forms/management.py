"""Forms of registration, User Management and invitations. They validate; services write."""

from django import forms

from accounts.models import AccessLevel, ProviderIdentifier, RoleTemplate, UserStatus
from core import normalize
from core.forms import Form
from user_management.services.users import COMMENT_MAX_LENGTH


class CommentField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Comment")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", COMMENT_MAX_LENGTH)
        kwargs.setdefault("help_text", f"Up to {COMMENT_MAX_LENGTH} characters; required when disabling.")
        kwargs.setdefault(
            "widget",
            forms.Textarea(
                attrs={
                    "class": "usa-character-count__field",
                    "rows": 3,
                    "maxlength": COMMENT_MAX_LENGTH,
                }
            ),
        )
        super().__init__(**kwargs)


def parse_provider_values(text: str) -> list[str]:
    """Provider IDs typed in one box, separated by commas or spaces, without duplicates."""
    seen: dict[str, None] = {}
    for value in (text or "").replace(",", " ").split():
        seen.setdefault(value.strip(), None)
    return list(seen)


class UpdateUserForm(Form):
    """The one form of Update User: what the Save writes, and the button that was pressed.

    ``edit`` marks a POST that carries the whole form (a status button elsewhere on the site posts
    only its action); ``levels`` are read only when the levels are on the form.
    """

    ACTIONS = [
        ("save", "Save"),
        ("enable", "Enable"),
        ("disable", "Disable"),
        ("registration_email", "Send registration email"),
        ("password_reset", "Send password reset email"),
        ("revoke", "Revoke invitation"),
        ("remove", "Remove from this TIN"),
    ]
    COMMENT_REQUIRED = {"disable", "remove"}

    action = forms.ChoiceField(choices=ACTIONS, required=False)
    template = forms.ModelChoiceField(
        label="Start from a role",
        queryset=RoleTemplate.objects.all(),
        required=False,
        empty_label="Choose the levels below",
    )
    levels = forms.MultipleChoiceField(label="Can access", required=False, choices=AccessLevel.choices)
    remove_ids = forms.ModelMultipleChoiceField(
        label="Provider IDs this user may act for",
        queryset=ProviderIdentifier.objects.none(),
        required=False,
        to_field_name="uuid",
        error_messages={
            "invalid_choice": "A provider ID ticked for removal is not in this user's list any more: "
            "someone changed it meanwhile. Check the list and save again."
        },
    )
    add_ids = forms.CharField(
        label="Add provider IDs of this TIN",
        required=False,
        max_length=2000,
        help_text="NPIs, vendor or office IDs of this TIN, separated by commas or spaces.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    ends_on = forms.DateField(
        label="Access ends after (optional)",
        required=False,
        help_text="For temporary staff or a billing company: the access to this TIN is removed after this day.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    comment = CommentField()

    def __init__(self, *args, organization, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        # Only the user's own provider IDs of this TIN get a box: a TIN may have thousands.
        self.fields["remove_ids"].queryset = ProviderIdentifier.objects.filter(pk__in=[pid.pk for pid in scope])
        self.scope = scope

    def clean_comment(self):
        return (self.cleaned_data.get("comment") or "").strip()

    def clean(self):
        data = super().clean()
        data["action"] = data.get("action") or "save"
        if data["action"] in self.COMMENT_REQUIRED and not data.get("comment") and "comment" not in self.errors:
            self.add_error("comment", "Write a comment: it is required for this action.")
        levels = set(data.get("levels") or [])
        if data.get("template") is not None:
            levels |= set(data["template"].levels)
        data["all_levels"] = sorted(levels)
        values = parse_provider_values(data.get("add_ids") or "")
        data["add_identifiers"] = []
        if values:
            found = {
                pid.value: pid
                for pid in ProviderIdentifier.objects.filter(organization=self.organization, value__in=values[:100])
            }
            missing = [v for v in values if v not in found]
            if len(values) > 100:
                self.add_error("add_ids", "Add at most 100 provider IDs at a time.")
            elif missing:
                self.add_error("add_ids", f"Not provider IDs of this TIN: {', '.join(missing[:5])}.")
            data["add_identifiers"] = list(found.values())
        return data


class UserFilterForm(Form):
    q = forms.CharField(
        label="Search by name or email",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *UserStatus.choices],
    )
    tin = forms.ChoiceField(label="TIN", required=False)

    def clean_q(self):
        return normalize.search_query(self.cleaned_data["q"])

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.uuid): o for o in organizations}
        self.fields["tin"].choices = [("", "All your TINs")] + [
            (key, f"{o.tin} · {o.name}") for key, o in self.organizations.items()
        ]


class InvitationForm(Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(label="Email", max_length=254)
    organization = forms.ChoiceField(label="TIN")
    template = forms.ModelChoiceField(
        label="Start from a role",
        queryset=RoleTemplate.objects.all(),
        required=False,
        empty_label="Choose the levels below",
    )
    levels = forms.MultipleChoiceField(
        label="Access levels",
        required=False,
        choices=AccessLevel.choices,
        widget=forms.CheckboxSelectMultiple(),
    )
    provider_ids = forms.CharField(
        label="Provider IDs to add (optional)",
        required=False,
        max_length=2000,
        help_text="NPIs or other IDs of this TIN, separated by commas or spaces.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.uuid): o for o in organizations}
        self.fields["organization"].choices = [(key, f"{o.tin} · {o.name}") for key, o in self.organizations.items()]

    def clean_email(self):
        return normalize.email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        template = data.get("template")
        levels = set(data.get("levels") or [])
        if template is not None:
            levels |= set(template.levels)
        data["all_levels"] = sorted(levels)
        organization = self.organizations.get(data.get("organization") or "")
        data["organization_obj"] = organization
        # Separated by commas or spaces, so only dashes can be dropped inside one ID.
        typed = (data.get("provider_ids") or "").replace(",", " ").split()
        values = [value for value in (normalize.provider_id("", v) for v in typed) if value]
        identifiers = []
        if organization is not None and values:
            found = {
                pid.value: pid for pid in ProviderIdentifier.objects.filter(organization=organization, value__in=values)
            }
            missing = [v for v in values if v not in found]
            if missing:
                self.add_error("provider_ids", f"Not provider IDs of this TIN: {', '.join(missing[:5])}.")
            identifiers = list(found.values())
        data["identifiers"] = identifiers
        return data


class OrganizationSearchForm(Form):
    q = forms.CharField(
        label="Search by name or TIN",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    flag = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All organizations"),
            ("unverified", "TIN not verified"),
            ("no_manager", "No active account manager"),
        ],
    )

    def clean_q(self):
        return normalize.search_query(self.cleaned_data["q"])


class RegistrationDecisionForm(Form):
    organization_name = forms.CharField(
        label="Organization name (for a TIN not yet known)", max_length=200, required=False
    )
    reason = forms.CharField(label="Reason for rejecting", max_length=200, required=False)
