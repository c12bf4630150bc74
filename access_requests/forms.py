"""Add Facility and decision forms. Validation here mirrors the service, which checks again."""

from django import forms
from django.core.exceptions import ValidationError

from access_requests.models import MAX_ITEMS, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from access_requests.services import item_problems, normalize_value, validate_item
from accounts.models import AccessLevel, ProviderIdKind
from mailbox.forms import MessageBodyField

LEVEL_CHOICES = [(level.value, level.label) for level in AccessLevel if level != AccessLevel.MANAGE_ACCOUNT]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of ID",
        choices=ProviderIdKind.choices,
        initial=ProviderIdKind.NPI,
        widget=forms.Select(attrs={"class": "usa-select", "data-id-kind": ""}),
    )
    value = forms.CharField(
        label="ID",
        max_length=24,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "usa-input", "data-id-value": "", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value") or ""
        if kind and value.strip():
            value = normalize_value(kind, value)
            try:
                validate_item(kind, value)
            except ValidationError as error:
                self.add_error("value", error)
            data["value"] = value
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def items(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["kind"], form.cleaned_data["value"])
            for form in self.forms
            if form.cleaned_data.get("value")
        ]

    def clean(self):
        if any(self.errors):
            return
        items = self.items()
        if not items:
            raise ValidationError("List at least one provider ID.")
        if len(items) > MAX_ITEMS:
            raise ValidationError(f"A request holds at most {MAX_ITEMS} provider IDs.")
        problems = item_problems(user=self.user, items=items)
        filled = [form for form in self.forms if form.cleaned_data.get("value")]
        for index, message in problems.items():
            filled[index].add_error("value", message)


ItemFormSet = forms.formset_factory(
    ItemForm,
    formset=BaseItemFormSet,
    extra=3,
    max_num=MAX_ITEMS,
    absolute_max=MAX_ITEMS,
    validate_max=True,
)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the reviewer (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=f"For example, the new location these IDs are for. Up to {NOTE_MAX_LENGTH:,} characters.",
        widget=forms.Textarea(
            attrs={"class": "usa-textarea", "rows": 4, "maxlength": NOTE_MAX_LENGTH, "data-draft": "note"}
        ),
    )


class DecisionForm(forms.Form):
    """The analyst's decision: one approve/deny, reason and levels per item, plus the reply.

    Field names carry the item's id; ids not in the request are ignored (a forged id cannot add
    anything), and the service checks that every item was decided.
    """

    reply = MessageBodyField(
        label="Reply to the provider",
        required=False,
        help_text="Prefilled; edit it before sending. The exact list of what was added and refused is posted too.",
    )

    def __init__(self, *args, rows, default_levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            item_id = row.item.pk
            self.fields[f"decision_{item_id}"] = forms.ChoiceField(
                label=f"Decision for {row.item}",
                choices=[("approve", "Approve"), ("deny", "Deny")],
                initial="approve" if row.found else "deny",
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            )
            self.fields[f"reason_{item_id}"] = forms.CharField(
                label=f"Reason for refusing {row.item}",
                required=False,
                max_length=REASON_MAX_LENGTH,
                initial="" if row.found else "Not found in our claim system.",
                widget=forms.TextInput(attrs={"class": "usa-input"}),
            )
            if row.needs_levels:
                self.fields[f"levels_{item_id}"] = forms.MultipleChoiceField(
                    label=f"Access levels to grant on TIN {row.provider_identifier.organization.tin}",
                    choices=LEVEL_CHOICES,
                    required=False,
                    initial=default_levels,
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
                )
            row.fields = {
                "decision": self[f"decision_{item_id}"],
                "reason": self[f"reason_{item_id}"],
                "levels": self[f"levels_{item_id}"] if row.needs_levels else None,
            }

    def choices(self):
        from access_requests.services import ItemChoice

        result = {}
        for row in self.rows:
            item_id = row.item.pk
            approve = self.cleaned_data[f"decision_{item_id}"] == "approve"
            result[item_id] = ItemChoice(
                approve=approve,
                reason=self.cleaned_data.get(f"reason_{item_id}", ""),
                levels=list(self.cleaned_data.get(f"levels_{item_id}", [])) if approve else [],
            )
        return result
