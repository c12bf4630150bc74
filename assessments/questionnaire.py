"""Assessment forms as data: a FHIR R4 Questionnaire read into items, which answers are validated
against, and the QuestionnaireResponse that stores them.

The definitions are checked with fhir.resources' R4B models (R4B shares R4's Questionnaire and
QuestionnaireResponse) and then against what the portal can render: the item types below,
``enableWhen`` naming an earlier question with ``=`` or ``!=``, ranges as the standard
``minValue``/``maxValue`` extensions. Answers live in memory as ``{linkId: [value, ...]}`` with
Python values (date, int, Decimal, bool, str); ``to_response`` and ``answers_from_response`` turn
them into the stored QuestionnaireResponse JSON and back.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQuestionnaireResponse
from pydantic import ValidationError as PydanticValidationError

MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
ANSWER_TYPES = {"string", "text", "integer", "decimal", "date", "boolean", "choice"}
OPERATORS = {"=", "!="}
DEFAULT_MAX_LENGTH = 1000

Answers = dict[str, list[Any]]


class DefinitionError(Exception):
    """A Questionnaire the portal cannot load; ``messages`` says every reason."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Condition:
    question: str
    operator: str
    answer: Any  # a code (choice), a bool, an int, a date or a string


@dataclass
class Item:
    link_id: str
    type: str
    text: str
    required: bool = False
    repeats: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    min_value: Any = None
    max_value: Any = None
    max_length: int | None = None
    conditions: list[Condition] = field(default_factory=list)
    behavior: str = "all"
    children: list[Item] = field(default_factory=list)
    parent: Item | None = field(default=None, repr=False)

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    def option_display(self, code: str) -> str:
        return dict(self.options).get(code, code)


def _extension_value(raw: dict, url: str):
    for extension in raw.get("extension") or []:
        if extension.get("url") == url:
            for key in ("valueInteger", "valueDecimal", "valueDate"):
                if key in extension:
                    value = extension[key]
                    if key == "valueDecimal":
                        return decimal.Decimal(str(value))
                    if key == "valueDate":
                        return datetime.date.fromisoformat(value)
                    return value
    return None


def _condition(raw: dict) -> Condition:
    for key, value in raw.items():
        if key == "answerCoding":
            return Condition(raw["question"], raw["operator"], value.get("code"))
        if key == "answerDate":
            return Condition(raw["question"], raw["operator"], datetime.date.fromisoformat(value))
        if key.startswith("answer"):
            return Condition(raw["question"], raw["operator"], value)
    raise DefinitionError([f"enableWhen on {raw.get('question')!r} has no answer"])


class Definition:
    """One version of a form: its identity, sections (top-level groups) and every item by linkId."""

    def __init__(self, data: dict):
        self.data = data
        self.url: str = data.get("url", "")
        self.version: str = data.get("version", "")
        self.name: str = data.get("name", "")
        self.title: str = data.get("title", "")
        self.status: str = data.get("status", "")
        self.sections: list[Item] = []
        self.items: dict[str, Item] = {}
        self.order: list[str] = []
        self._read()

    @classmethod
    def from_json(cls, data: dict) -> Definition:
        """The definition, or DefinitionError with every problem found."""
        try:
            FhirQuestionnaire.model_validate(data)
        except PydanticValidationError as exc:
            raise DefinitionError(
                [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()]
            ) from None
        return cls(data)

    def _read(self) -> None:
        problems = []
        for key in ("url", "version", "name", "title"):
            if not self.data.get(key):
                problems.append(f"Questionnaire.{key} is required")
        for raw in self.data.get("item") or []:
            item = self._item(raw, None, problems)
            if item is not None:
                self.sections.append(item)
        for link_id in self.order:
            item = self.items[link_id]
            for condition in item.conditions:
                earlier = self.items.get(condition.question)
                if earlier is None or self.order.index(condition.question) >= self.order.index(link_id):
                    problems.append(f"{link_id}: enableWhen must name an earlier question ({condition.question})")
                elif earlier.is_group:
                    problems.append(f"{link_id}: enableWhen names a group ({condition.question})")
        if not self.sections:
            problems.append("Questionnaire has no items")
        if problems:
            raise DefinitionError(problems)

    def _item(self, raw: dict, parent: Item | None, problems: list[str]) -> Item | None:
        link_id, kind = raw.get("linkId", ""), raw.get("type", "")
        if link_id in self.items:
            problems.append(f"{link_id}: linkId used twice")
            return None
        if kind != "group" and kind not in ANSWER_TYPES:
            problems.append(f"{link_id}: item type {kind!r} is not supported")
            return None
        if parent is None and kind != "group":
            problems.append(f"{link_id}: top-level items must be groups (the form's sections)")
        conditions = []
        for when in raw.get("enableWhen") or []:
            if when.get("operator") not in OPERATORS:
                problems.append(f"{link_id}: enableWhen operator {when.get('operator')!r} is not supported")
                continue
            try:
                conditions.append(_condition(when))
            except DefinitionError as exc:
                problems.extend(exc.messages)
        item = Item(
            link_id=link_id,
            type=kind,
            text=raw.get("text", ""),
            required=bool(raw.get("required", False)),
            repeats=bool(raw.get("repeats", False)),
            options=[
                (option["valueCoding"]["code"], option["valueCoding"].get("display", option["valueCoding"]["code"]))
                for option in raw.get("answerOption") or []
                if "valueCoding" in option
            ],
            min_value=_extension_value(raw, MIN_VALUE_URL),
            max_value=_extension_value(raw, MAX_VALUE_URL),
            max_length=raw.get("maxLength") or (DEFAULT_MAX_LENGTH if kind in ("string", "text") else None),
            conditions=conditions,
            behavior=raw.get("enableBehavior", "all"),
            parent=parent,
        )
        if kind == "choice" and not item.options:
            problems.append(f"{link_id}: a choice item needs answerOption codings")
        self.items[link_id] = item
        self.order.append(link_id)
        for child in raw.get("item") or []:
            if kind != "group":
                problems.append(f"{link_id}: only groups hold items")
                break
            built = self._item(child, item, problems)
            if built is not None:
                item.children.append(built)
        return item

    # --- conditions ---------------------------------------------------------------------------------

    def enabled(self, item: Item, answers: Answers) -> bool:
        """Whether the item is shown: its own conditions and every enclosing group's hold."""
        node: Item | None = item
        while node is not None:
            if node.conditions:
                results = [self._holds(condition, answers) for condition in node.conditions]
                if not (all(results) if node.behavior == "all" else any(results)):
                    return False
            node = node.parent
        return True

    def _holds(self, condition: Condition, answers: Answers) -> bool:
        question = self.items[condition.question]
        if not self.enabled(question, answers):
            return False
        given = answers.get(condition.question) or []
        matched = condition.answer in given
        return matched if condition.operator == "=" else (bool(given) and not matched)

    def answer_items(self) -> list[Item]:
        return [self.items[link_id] for link_id in self.order if not self.items[link_id].is_group]

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, answers: Answers, *, complete: bool) -> dict[str, list[str]]:
        """Every problem of ``answers`` by linkId (empty: valid). ``complete``: a submission, so
        every required item that is shown must be answered; a draft may leave them empty."""
        errors: dict[str, list[str]] = {}
        for link_id in answers:
            if link_id not in self.items or self.items[link_id].is_group:
                errors.setdefault(link_id, []).append("This form has no such question.")
        for item in self.answer_items():
            values = [value for value in answers.get(item.link_id) or [] if value not in (None, "")]
            shown = self.enabled(item, answers)
            if values and not shown:
                errors.setdefault(item.link_id, []).append(
                    "This question does not apply given the earlier answers; leave it empty."
                )
                continue
            if not values:
                if complete and shown and item.required:
                    errors.setdefault(item.link_id, []).append("Answer this question.")
                continue
            if len(values) > 1 and not item.repeats:
                errors.setdefault(item.link_id, []).append("Give one answer.")
            for value in values:
                problem = self._value_problem(item, value)
                if problem:
                    errors.setdefault(item.link_id, []).append(problem)
                    break
        return errors

    def _value_problem(self, item: Item, value: Any) -> str:
        kind = item.type
        expected = {
            "integer": int,
            "decimal": decimal.Decimal,
            "date": datetime.date,
            "boolean": bool,
            "string": str,
            "text": str,
            "choice": str,
        }[kind]
        if kind == "integer" and isinstance(value, bool) or not isinstance(value, expected):
            return {
                "integer": "Enter a whole number.",
                "decimal": "Enter a number.",
                "date": "Enter a date.",
                "boolean": "Choose yes or no.",
            }.get(kind, "Enter text.")
        if kind == "choice" and value not in dict(item.options):
            return "Choose one of the options given."
        if kind in ("string", "text") and item.max_length and len(value) > item.max_length:
            return f"Use at most {item.max_length} characters."
        if kind == "decimal" and not value.is_finite():
            return "Enter a number."
        if item.min_value is not None and value < item.min_value:
            return (
                f"Enter a value from {item.min_value} to {item.max_value}."
                if item.max_value is not None
                else (f"Enter {item.min_value} or more.")
            )
        if item.max_value is not None and value > item.max_value:
            return (
                f"Enter a value from {item.min_value} to {item.max_value}."
                if item.min_value is not None
                else (f"Enter {item.max_value} or less.")
            )
        return ""

    # --- QuestionnaireResponse ----------------------------------------------------------------------

    @property
    def canonical(self) -> str:
        return f"{self.url}|{self.version}"

    def to_response(self, answers: Answers, *, status: str) -> dict:
        """The answers as QuestionnaireResponse JSON (only items shown and answered), checked with
        fhir.resources before it is stored."""

        def build(item: Item) -> dict | None:
            if item.is_group:
                children = [built for child in item.children if (built := build(child))]
                return {"linkId": item.link_id, "text": item.text, "item": children} if children else None
            values = [value for value in answers.get(item.link_id) or [] if value not in (None, "")]
            if not values or not self.enabled(item, answers):
                return None
            return {"linkId": item.link_id, "text": item.text, "answer": [self._answer(item, v) for v in values]}

        response = {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": self.canonical,
            "status": status,
            "item": [built for section in self.sections if (built := build(section))],
        }
        if not response["item"]:
            del response["item"]
        FhirQuestionnaireResponse.model_validate(response)
        return response

    def _answer(self, item: Item, value: Any) -> dict:
        if item.type == "choice":
            return {"valueCoding": {"code": value, "display": item.option_display(value)}}
        if item.type == "date":
            return {"valueDate": value.isoformat()}
        if item.type == "decimal":
            # JSON has no decimal type; FHIR's valueDecimal is a JSON number.
            return {"valueDecimal": float(value)}
        key = {"integer": "valueInteger", "boolean": "valueBoolean"}.get(item.type, "valueString")
        return {key: value}


def answers_from_response(response: dict) -> Answers:
    """The ``{linkId: [values]}`` of a stored QuestionnaireResponse."""
    answers: Answers = {}

    def walk(items: list[dict]) -> None:
        for node in items:
            for answer in node.get("answer") or []:
                for key, value in answer.items():
                    if key == "valueCoding":
                        value = value.get("code")
                    elif key == "valueDate":
                        value = datetime.date.fromisoformat(value)
                    elif key == "valueDecimal":
                        value = decimal.Decimal(str(value))
                    answers.setdefault(node["linkId"], []).append(value)
            walk(node.get("item") or [])

    walk(response.get("item") or [])
    return answers


def first(answers: Answers, link_id: str):
    values = answers.get(link_id) or []
    return values[0] if values else None
