"""A service's ValidationError on the form's fields or as messages."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.errors import apply_to_form, to_messages


class _Form(forms.Form):
    name = forms.CharField(required=False)
    body = forms.CharField(required=False)


def _bound_form() -> _Form:
    form = _Form({"name": "x", "body": "y"})
    assert form.is_valid()
    return form


def test_a_dict_error_lands_on_the_fields_it_names():
    form = _bound_form()
    apply_to_form(form, ValidationError({"name": "Name it.", "body": ["Too long.", "Not here."]}))
    assert form.errors == {"name": ["Name it."], "body": ["Too long.", "Not here."]}


def test_a_key_that_is_not_a_field_of_the_form_becomes_a_non_field_error():
    form = _bound_form()
    apply_to_form(form, ValidationError({"tin": "Unknown TIN.", "name": "Name it."}))
    assert form.non_field_errors() == ["Unknown TIN."]
    assert form.errors["name"] == ["Name it."]


def test_an_error_without_fields_is_a_non_field_error():
    form = _bound_form()
    apply_to_form(form, ValidationError(["First problem.", "Second problem."]))
    assert form.non_field_errors() == ["First problem.", "Second problem."]


def test_an_error_without_fields_goes_to_the_default_field_when_given():
    form = _bound_form()
    apply_to_form(form, ValidationError("Write a message."), default_field="body")
    assert form.errors == {"body": ["Write a message."]}
    # A dict error still names its own fields.
    apply_to_form(form, ValidationError({"name": "Name it."}), default_field="body")
    assert form.errors["name"] == ["Name it."]


def test_the_messages_keep_their_parameters():
    form = _bound_form()
    apply_to_form(form, ValidationError({"name": ValidationError("At most %(n)s.", params={"n": 3})}))
    assert form.errors["name"] == ["At most 3."]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValidationError("Unknown action."), ["Unknown action."]),
        (ValidationError(["One.", "Two."]), ["One.", "Two."]),
        (
            ValidationError({"reason": "Give a reason.", "levels": ["No such level."]}),
            ["Give a reason.", "No such level."],
        ),
    ],
)
def test_to_messages_adds_one_error_message_per_message(error, expected):
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    to_messages(request, error)
    stored = list(get_messages(request))
    assert [m.message for m in stored] == expected
    assert {m.level_tag for m in stored} == {"error"}
