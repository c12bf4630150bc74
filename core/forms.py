"""The USWDS look of every form field, set in one place.

``UswdsFormMixin`` gives each widget the USWDS class for its kind when the form is built: text,
email, password, number, date and search inputs get ``usa-input``, a select ``usa-select``, a
textarea ``usa-textarea``, a checkbox (alone or in a list) ``usa-checkbox__input``, a radio list
``usa-radio__input``. A field still declares whatever else its widget needs (``autocomplete``,
``inputmode``, ``type``, ``data-*``, a modifier class such as ``usa-input--small``, which is kept
after the base class). Hidden inputs and plain multiple selects (rendered by hand in the
templates) are left alone. Error states are written by ``{% form_field %}``
(core/templatetags/portal_tags.py).
"""

from django import forms
from django.forms.widgets import Input

# Checked in this order: the subclasses before the classes they extend.
WIDGET_CLASSES: tuple[tuple[type[forms.Widget], str | None], ...] = (
    (forms.HiddenInput, None),
    (forms.MultipleHiddenInput, None),
    (forms.CheckboxSelectMultiple, "usa-checkbox__input"),
    (forms.RadioSelect, "usa-radio__input"),
    (forms.CheckboxInput, "usa-checkbox__input"),
    (forms.SelectMultiple, None),
    (forms.Select, "usa-select"),
    (forms.Textarea, "usa-textarea"),
    (forms.FileInput, None),
    (Input, "usa-input"),
)


def uswds_class(widget: forms.Widget) -> str | None:
    """The USWDS class for ``widget``'s kind, or None when it takes none."""
    for kind, css_class in WIDGET_CLASSES:
        if isinstance(widget, kind):
            return css_class
    return None


def add_uswds_class(widget: forms.Widget) -> None:
    """Put the USWDS class first in the widget's ``class``, keeping the classes it already has."""
    css_class = uswds_class(widget)
    if css_class is None:
        return
    classes = widget.attrs.get("class", "").split()
    if css_class not in classes:
        widget.attrs["class"] = " ".join([css_class, *classes])


class UswdsFormMixin:
    """Styles every field of the form: those declared when the form is built, and those a
    subclass adds to ``self.fields`` later, when their bound field is first taken."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            add_uswds_class(field.widget)

    def __getitem__(self, name: str) -> forms.BoundField:
        bound = super().__getitem__(name)
        add_uswds_class(bound.field.widget)
        return bound


class Form(UswdsFormMixin, forms.Form):
    """The portal's base form: a Django form with the USWDS classes on its widgets."""
