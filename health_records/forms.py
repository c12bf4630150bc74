"""The Health Records forms: the member lookup, the care-gap list's filters and sort, and the
Control Panel's member lookup."""

from django import forms
from django.core.validators import RegexValidator

from assessments.forms import MemberLookupForm
from claims.models import MEMBER_ID_REGEX
from core import normalize
from health_records.models import CareGapRule

SORTS = {
    "measure": ("Measure", ("rule__measure", "member__member_id", "id")),
    "member": ("Member ID", ("member__member_id", "rule__measure", "id")),
    "member_name": ("Member's last name", ("member__last_name", "member__first_name", "id")),
    "computed": ("Found, newest first", ("-computed_on", "-id")),
}
DEFAULT_SORT = "measure"

__all__ = ["MemberLookupForm", "CareGapFilterForm", "PayerMemberForm"]


class CareGapFilterForm(forms.Form):
    provider_id = forms.ChoiceField(label="Provider ID", required=False)
    measure = forms.ChoiceField(label="Measure", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        choices = {}
        for identifier in provider_ids:
            choices.setdefault(
                identifier.value, f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name})"
            )
        self.fields["provider_id"].choices = [("", "All your provider IDs"), *choices.items()]
        self.fields["measure"].choices = [
            ("", "Every measure"),
            *CareGapRule.objects.filter(active=True).values_list("code", "measure"),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-select"

    def filters(self) -> dict:
        return {"provider_id_value": self.cleaned_data["provider_id"], "measure": self.cleaned_data["measure"]}

    def order(self) -> tuple[str, ...]:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT][1]

    def sort_label(self) -> str:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT][0]


class PayerMemberForm(forms.Form):
    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID holds only letters, digits and dashes.")],
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])
