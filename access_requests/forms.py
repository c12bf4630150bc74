"""Add Facility and decision forms. Validation here mirrors the service, which checks again."""

from django import forms
from django.core.exceptions import ValidationError

from access_requests.models import MAX_ITEMS, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from access_requests.services import item_problems, normalize_value, validate_item
from accounts.models import AccessLevel, ProviderIdKind
from core.forms import Form
from mailbox.forms import MessageBodyField
from mailbox.models import MESSAGE_MAX_LENGTH

LEVEL_CHOICES = [(level.value, level.label) for level in AccessLevel if level != AccessLevel.MANAGE_ACCOUNT]


class ItemForm(Form):
    kind = forms.ChoiceField(
        label="Kind of ID",
        choices=ProviderIdKind.choices,
        initial=ProviderIdKind.NPI,
        widget=forms.Select(attrs={"data-id-kind": ""}),
    )
    value = forms.CharField(
        label="ID",
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"data-id-value": "", "autocomplete": "off", "spellcheck": "false"}),
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


class NoteForm(Form):
    note = forms.CharField(
        label="Note for the reviewer (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=f"For example, the new location these IDs are for. Up to {NOTE_MAX_LENGTH:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH, "data-draft": "note"}),
    )


REPLY_SUGGESTED, REPLY_OWN = "suggested", "own"


def _same_text(a: str, b: str) -> bool:
    def norm(text):
        return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))

    return norm(a) == norm(b)


class DecisionForm(Form):
    """The analyst's decision: one approve/deny, reason and levels per item (for a TIN, the whole
    TIN or the provider IDs ticked), plus the reply.

    Field names carry the item's id; ids not in the request are ignored (a forged id cannot add
    anything), and the service checks everything again. The reply is either the one the server
    writes for the decision actually chosen ("suggested") or the analyst's own text, which must
    not say that a refused ID was added.
    """

    reply_mode = forms.ChoiceField(
        label="Reply to send",
        required=False,
        choices=[
            (REPLY_SUGGESTED, "The reply written for this decision (it follows your choices above)"),
            (REPLY_OWN, "My own reply, as written below"),
        ],
        initial=REPLY_SUGGESTED,
        widget=forms.RadioSelect(attrs={"data-reply-mode": ""}),
    )
    reply = MessageBodyField(
        label="Reply to the provider",
        required=False,
        help_text="Written for the choices above. If you edit it, choose “My own reply”. "
        "The exact list of what was added and refused is posted too.",
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": MESSAGE_MAX_LENGTH, "data-reply": ""}),
    )
    # The suggested text as the page showed it, to tell an edited reply from an untouched one.
    reply_shown = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-reply-shown": ""}))

    def __init__(self, *args, access_request, rows, default_levels, **kwargs):
        from access_requests.services import NOT_FOUND_REASON, default_reply

        super().__init__(*args, **kwargs)
        self.access_request = access_request
        self.rows = rows
        self.final_reply = ""
        if not self.is_bound:
            suggestion = default_reply(access_request=access_request, rows=rows)
            self.initial.setdefault("reply", suggestion)
            self.initial.setdefault("reply_shown", suggestion)
        for row in rows:
            item_id = row.item.pk
            choices = [("approve", "Approve"), ("deny", "Deny")]
            if row.is_tin and row.found:
                count = row.tin_id_count
                choices = [
                    (
                        "approve",
                        f"Approve the whole TIN (all {count} provider IDs)"
                        if count != 1
                        else "Approve the whole TIN (its 1 provider ID)",
                    ),
                    ("approve_some", "Approve only the provider IDs ticked below"),
                    ("deny", "Deny"),
                ]
            self.fields[f"decision_{item_id}"] = forms.ChoiceField(
                label=f"Decision for {row.item}",
                choices=choices,
                initial="approve" if row.found else "deny",
                widget=forms.RadioSelect(attrs={"data-decision": ""}),
            )
            self.fields[f"reason_{item_id}"] = forms.CharField(
                label=f"Reason for refusing {row.item}",
                required=False,
                max_length=REASON_MAX_LENGTH,
                initial="" if row.found else NOT_FOUND_REASON,
                widget=forms.TextInput(attrs={"data-reason": ""}),
            )
            if row.needs_levels:
                self.fields[f"levels_{item_id}"] = forms.MultipleChoiceField(
                    label=f"Access levels to grant on TIN {row.target_organization.tin}",
                    choices=LEVEL_CHOICES,
                    required=False,
                    initial=default_levels,
                    widget=forms.CheckboxSelectMultiple(),
                )
            if row.is_tin and row.tin_ids_to_tick:
                # Rendered with a plain loop in the template (no widget per provider ID).
                self.fields[f"pids_{item_id}"] = forms.MultipleChoiceField(
                    label=f"Provider IDs of TIN {row.item.value} to approve",
                    choices=[(key, key) for key in row.tin_ids_to_tick],
                    required=False,
                )
            row.selected_pids = set(self.data.getlist(f"pids_{item_id}")) if self.is_bound else set()
            row.fields = {
                "decision": self[f"decision_{item_id}"],
                "reason": self[f"reason_{item_id}"],
                "levels": self[f"levels_{item_id}"] if row.needs_levels else None,
                "pids": self[f"pids_{item_id}"] if f"pids_{item_id}" in self.fields else None,
            }

    def _choices_from(self, data) -> dict:
        from access_requests.services import ItemChoice

        result = {}
        for row in self.rows:
            item_id = row.item.pk
            decision = data.get(f"decision_{item_id}")
            if decision not in ("approve", "approve_some", "deny"):
                continue
            approve = decision != "deny"
            result[item_id] = ItemChoice(
                approve=approve,
                reason=data.get(f"reason_{item_id}", "") or "",
                levels=list(data.get(f"levels_{item_id}", []) or []) if approve else [],
                whole_tin=decision != "approve_some",
                provider_ids=list(data.get(f"pids_{item_id}", []) or []) if decision == "approve_some" else [],
            )
        return result

    def choices(self) -> dict:
        return self._choices_from(self.cleaned_data)

    def suggested_reply(self) -> str:
        """The reply for the choices as submitted (valid or not), for the page and the preview."""
        from access_requests.services import decision_reply

        data = {}
        for row in self.rows:
            item_id = row.item.pk
            data[f"decision_{item_id}"] = self.data.get(f"decision_{item_id}")
            data[f"reason_{item_id}"] = self.data.get(f"reason_{item_id}", "")
            data[f"levels_{item_id}"] = self.data.getlist(f"levels_{item_id}")
            data[f"pids_{item_id}"] = self.data.getlist(f"pids_{item_id}")
        return decision_reply(access_request=self.access_request, rows=self.rows, choices=self._choices_from(data))

    def clean(self):
        from access_requests.services import decision_problems, reply_problem

        data = super().clean()
        choices = self.choices()
        for item_id, part, message in decision_problems(rows=self.rows, choices=choices):
            name = f"{part}_{item_id}" if part != "provider_ids" else f"pids_{item_id}"
            self.add_error(name if name in self.fields else f"decision_{item_id}", message)
        if len(choices) != len(self.rows):
            return data
        suggestion = self.suggested_reply()
        reply = data.get("reply", "")
        mode = data.get("reply_mode") or (REPLY_OWN if reply.strip() else REPLY_SUGGESTED)
        if mode == REPLY_SUGGESTED:
            edited = reply.strip() and not any(
                _same_text(reply, text) for text in (data.get("reply_shown", ""), suggestion)
            )
            if edited:
                self.add_error(
                    "reply",
                    "You edited the reply, but chose to send the reply written for this decision. "
                    "Choose “My own reply” to send your text.",
                )
            else:
                self.final_reply = suggestion
                # Show the text that goes with the choices as submitted.
                self.data = self.data.copy()
                self.data["reply"] = self.data["reply_shown"] = suggestion
        else:
            if not reply.strip():
                self.add_error("reply", "Write your reply, or choose the reply written for this decision.")
            else:
                problem = reply_problem(reply=reply, rows=self.rows, choices=choices)
                if problem:
                    self.add_error("reply", problem)
                self.final_reply = reply
        return data

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the error summary, in the order of the page."""
        links = []
        order = {name: index for index, name in enumerate(self.fields)}
        late = {"reply_mode", "reply", "reply_shown"}  # declared first, shown last

        def position(name):
            return (name in late, order.get(name, -1))

        for name, errors in sorted(self.errors.items(), key=lambda pair: position(pair[0])):
            if name == "__all__":
                links += [("", message) for message in errors]
                continue
            bound = self[name]
            multiple = isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
            anchor = f"{bound.auto_id}_0" if multiple or name.startswith("pids_") else bound.auto_id
            links += [(anchor, message) for message in errors]
        return links
