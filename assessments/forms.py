"""The Assessments forms: the member lookup, starting a form, the form built from a Questionnaire
definition, and the list filters. The form only reads typed values; the rules of the definition
(required, ranges, conditions) are checked by the services, which put their messages back here."""

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from assessments.models import AssessmentStatus, FormCode
from assessments.questionnaire import Answers, Definition, Item
from claims.models import MEMBER_ID_REGEX
from core import normalize


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "usa-input"}, format="%Y-%m-%d")


class MemberLookupForm(forms.Form):
    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        help_text="As printed on the member's ID card: letters, digits and dashes.",
        validators=[RegexValidator(MEMBER_ID_REGEX, "A member ID holds only letters, digits and dashes.")],
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(label="Member's date of birth", widget=_date_widget())

    def clean_member_id(self):
        return normalize.member_id(self.cleaned_data["member_id"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth must not be in the future.")
        return born


def _provider_choices(provider_ids) -> list[tuple[str, str]]:
    return [
        (str(identifier.uuid), f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name})")
        for identifier in provider_ids
    ]


class StartForm(forms.Form):
    member = forms.UUIDField(widget=forms.HiddenInput)
    form = forms.ChoiceField(label="Form", widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}))
    provider_identifier = forms.ChoiceField(label="File under provider ID")

    def __init__(self, *args, provider_ids, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_ids = {str(identifier.uuid): identifier for identifier in provider_ids}
        self.fields["form"].choices = [(q.code, f"{q.title} (version {q.version})") for q in questionnaires]
        self.fields["provider_identifier"].choices = _provider_choices(provider_ids)
        self.fields["provider_identifier"].widget.attrs["class"] = "usa-select"

    def clean_provider_identifier(self):
        return self.provider_ids[self.cleaned_data["provider_identifier"]]


def _field_for(item: Item) -> forms.Field:
    common = {"label": item.text, "required": False}
    if item.type == "integer":
        attrs = {"class": "usa-input usa-input--small", "inputmode": "numeric"}
        if item.min_value is not None:
            attrs["min"] = item.min_value
        if item.max_value is not None:
            attrs["max"] = item.max_value
        return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **common)
    if item.type == "decimal":
        attrs = {"class": "usa-input usa-input--small", "inputmode": "decimal", "step": "any"}
        return forms.DecimalField(widget=forms.NumberInput(attrs=attrs), **common)
    if item.type == "date":
        return forms.DateField(widget=_date_widget(), **common)
    if item.type == "boolean":
        return forms.TypedChoiceField(
            choices=[("true", "Yes"), ("false", "No")],
            coerce=lambda value: value == "true",
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            **common,
        )
    if item.type == "choice" and item.repeats:
        return forms.MultipleChoiceField(
            choices=item.options, widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}), **common
        )
    if item.type == "choice":
        return forms.ChoiceField(
            choices=item.options, widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}), **common
        )
    if item.type == "text":
        return forms.CharField(
            widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 4, "maxlength": item.max_length}),
            strip=True,
            **common,
        )
    return forms.CharField(widget=forms.TextInput(attrs={"class": "usa-input", "maxlength": item.max_length}), **common)


def _initial(item: Item, values: list):
    if item.type == "boolean":
        return "true" if values[0] else "false"
    if item.type == "choice" and item.repeats:
        return values
    return values[0]


class AssessmentForm(forms.Form):
    """One field per question of the definition, named by its linkId."""

    def __init__(self, *args, definition: Definition, answers: Answers | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition.answer_items():
            self.fields[item.link_id] = _field_for(item)
            if answers and answers.get(item.link_id):
                self.fields[item.link_id].initial = _initial(item, answers[item.link_id])

    def answers(self) -> Answers:
        """The typed answers given (empty fields left out), for the services to judge."""
        answers: Answers = {}
        for link_id, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            answers[link_id] = list(value) if isinstance(value, list) else [value]
        return answers

    def current_answers(self) -> Answers:
        """The answers as the page shows them, valid or not, to decide which conditional items to
        show when the form comes back with errors."""
        if not self.is_bound:
            answers: Answers = {}
            for link_id, field in self.fields.items():
                if field.initial not in (None, "", []):
                    initial = field.initial
                    if link_id in self.definition.items and self.definition.items[link_id].type == "boolean":
                        initial = initial == "true"
                    answers[link_id] = initial if isinstance(initial, list) else [initial]
            return answers
        answers = {}
        for link_id in self.fields:
            item = self.definition.items[link_id]
            if item.type == "choice" and item.repeats:
                raw = self.data.getlist(link_id)
            else:
                raw = [self.data.get(link_id)] if self.data.get(link_id) else []
            if item.type == "boolean":
                raw = [value == "true" for value in raw if value in ("true", "false")]
            answers[link_id] = raw
        return answers

    def sections(self):
        """The definition's sections with their bound fields, for the template: a list of nodes,
        each a group (with ``children``) or a question (with ``field``), and whether it is shown."""
        answers = self.current_answers()

        def node(item: Item) -> dict:
            shown = self.definition.enabled(item, answers)
            data = {"item": item, "shown": shown, "condition": _js_condition(item)}
            if item.is_group:
                data["children"] = [node(child) for child in item.children]
            else:
                if not shown and not self.errors.get(item.link_id):
                    # Disabled inputs are not sent: a hidden question can never carry an answer.
                    self.fields[item.link_id].widget.attrs["disabled"] = True
                elif self.errors.get(item.link_id):
                    data["shown"] = True
                data["field"] = self[item.link_id]
                data["choices"] = item.type in ("boolean", "choice")
            return data

        return [node(section) for section in self.definition.sections]


def _js_condition(item: Item) -> dict | None:
    """A single ``=``/``!=`` condition, which the static script can evaluate live (others wait
    for the page to be posted)."""
    if len(item.conditions) != 1:
        return None
    condition = item.conditions[0]
    answer = condition.answer
    if isinstance(answer, bool):
        answer = "true" if answer else "false"
    return {"question": condition.question, "operator": condition.operator, "answer": str(answer)}


class AssessmentFilterForm(forms.Form):
    provider_id = forms.ChoiceField(label="Provider ID", required=False)
    form = forms.ChoiceField(label="Form", required=False, choices=[("", "Any form"), *FormCode.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *AssessmentStatus.choices])

    def __init__(self, *args, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        choices = {}
        for identifier in provider_ids:
            choices.setdefault(
                identifier.value, f"{identifier.get_kind_display()} {identifier.value} ({identifier.display_name})"
            )
        self.fields["provider_id"].choices = [("", "All your provider IDs"), *choices.items()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-select"

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"provider_id_value": data["provider_id"], "code": data["form"], "status": data["status"]}


LATE_CHOICES = [("", "Any"), ("late", "Filed late"), ("on_time", "Filed on time")]


class ControlPanelAssessmentFilterForm(forms.Form):
    form = forms.ChoiceField(label="Form", required=False, choices=[("", "Any form"), *FormCode.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *AssessmentStatus.choices])
    date_from = forms.DateField(label="Started on or after", required=False, widget=_date_widget())
    date_to = forms.DateField(label="Started on or before", required=False, widget=_date_widget())
    tin = forms.CharField(
        label="TIN",
        required=False,
        max_length=11,
        help_text="Nine digits; dashes are ignored.",
        widget=forms.TextInput(attrs={"class": "usa-input usa-input--medium", "inputmode": "numeric"}),
    )
    late = forms.ChoiceField(label="NOP timeliness", required=False, choices=LATE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("form", "status", "late"):
            self.fields[name].widget.attrs["class"] = "usa-select"

    def clean_tin(self):
        tin = self.cleaned_data["tin"].replace("-", "").strip()
        if tin and (not tin.isdigit() or len(tin) != 9):
            raise forms.ValidationError("A TIN has nine digits.")
        return tin

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period must not be before its start.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["form"],
            "status": data["status"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "tin": data["tin"],
            "late": data["late"],
        }

    def summary(self) -> dict:
        return {key: str(value) for key, value in self.filters().items() if value}
