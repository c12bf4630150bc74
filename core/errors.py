"""A service's ValidationError shown to the person: next to the form's fields, or as messages.

Services raise ``ValidationError({"field": "..."})`` for a problem with one input and
``ValidationError("...")`` for the request as a whole. A view that re-renders its form passes the
error to ``apply_to_form``; a view that redirects passes it to ``to_messages``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def apply_to_form(form: forms.BaseForm, error: ValidationError, default_field: str | None = None) -> None:
    """Add ``error`` to ``form``: each field of a dict error on the form field of that name (on the
    form's non-field errors when the form has no such field); an error without fields on
    ``default_field`` (None: the non-field errors)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field, error)


def to_messages(request: HttpRequest, error: ValidationError) -> None:
    """One error message on the next page for each message of ``error``."""
    for message in error.messages:
        messages.error(request, message)
