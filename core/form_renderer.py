"""The form renderer: Django's own widget templates, with the few that every form uses written out in Python.

Django renders each widget through its templates: a text field is ``text.html``, which includes
``input.html``, which includes ``attrs.html``; a ``<select>`` renders ``select_option.html`` and
``attrs.html`` once per option. On the portal's pages that is most of the template time: the Audit
log's action filter alone is over 200 template renders, the Add Facility review panel over 500
(its radio buttons and level checkboxes). The page benchmark (bench/run.py) counts them.

``PortalFormRenderer`` is Django's ``DjangoTemplates`` renderer. For the templates below it builds
the same markup, character for character, with every value escaped as the template's autoescaping
would (``_e``: text that is already safe is kept, the rest goes through ``html.escape``, as Django's
``escape`` does; ``format_html`` does the same but costs 5 µs a call against 0.4 µs, and a review
panel makes hundreds of calls); any other template, and any widget with its own template, goes to
Django's. ``core/tests/test_form_renderer.py`` renders every widget kind both ways and compares them.
"""

import html as _html

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

_WIDGETS = "django/forms/widgets/"
_INPUTS = frozenset(
    _WIDGETS + name + ".html"
    for name in (
        "input",
        "text",
        "email",
        "password",
        "number",
        "date",
        "datetime",
        "time",
        "hidden",
        "url",
        "search",
        "tel",
        "color",
        "checkbox",
        "file",
    )
)
_OPTIONS = frozenset(_WIDGETS + name for name in ("input_option.html", "radio_option.html", "checkbox_option.html"))
_MULTIPLE = frozenset(_WIDGETS + name for name in ("multiple_input.html", "radio.html", "checkbox_select.html"))


def _e(value) -> str:
    """``{{ value }}`` under autoescaping (Django's ``conditional_escape``): already-safe text is
    kept, the rest is escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """attrs.html: ``name="value"``; a True value is the bare name; a False value is left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_e(name)}")
        else:
            parts.append(f' {_e(name)}="{_e(value)}"')
    return "".join(parts)


# Each function returns what its template writes, with the template file's closing newline: an
# include keeps it, and only the outermost render is stripped (as Django's renderer does).


def _input(widget: dict) -> str:
    """input.html (and text.html, email.html, ..., which include it)."""
    value = "" if widget["value"] is None else f' value="{_e(widget["value"])}"'
    return f'<input type="{_e(widget["type"])}" name="{_e(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _input_option(widget: dict) -> str:
    """input_option.html: the input, wrapped in its label when the widget asks for it."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    element_id = widget["attrs"].get("id")
    opening = f'<label for="{_e(element_id)}">' if element_id else "<label>"
    return f"{opening}{_input(widget)} {_e(widget['label'])}</label>\n"


def _select_option(widget: dict) -> str:
    return f'<option value="{_e(widget["value"])}"{_attrs(widget["attrs"])}>{_e(widget["label"])}</option>\n'


def _option(option: dict) -> str | None:
    """An option's own template (``option.template_name``), or None when it is not one of these."""
    name = option["template_name"]
    if name == _WIDGETS + "input_option.html":
        return _input_option(option)
    if name in _OPTIONS:  # radio_option.html, checkbox_option.html: an include of input_option.html
        return _input_option(option) + "\n"
    if name == _WIDGETS + "select_option.html":
        return _select_option(option)
    return None


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{_e(widget["name"])}"', _attrs(widget["attrs"]), ">"]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_e(group_name)}">')
        for option in group_choices:
            html = _option(option)
            if html is None:
                return None
            parts.append("\n  " + html)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple(widget: dict) -> str | None:
    """multiple_input.html (radio.html and checkbox_select.html include it)."""
    element_id = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_e(element_id)}"' if element_id else "",
        f' class="{_e(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_e(group)}</label>")
        for option in options:
            html = _option(option)
            if html is None:
                return None
            parts.append("<div>\n    " + html + "</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = _e(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


class PortalFormRenderer(DjangoTemplates):
    """Django's renderer, with its most used widget templates rendered in Python (same markup)."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and len(context) == 1:
            html = None
            if template_name in _INPUTS:
                html = _input(widget)
            elif template_name in _OPTIONS or template_name == _WIDGETS + "select_option.html":
                html = _option({**widget, "template_name": template_name})
            elif template_name == _WIDGETS + "select.html":
                html = _select(widget)
            elif template_name in _MULTIPLE:
                html = _multiple(widget)
            elif template_name == _WIDGETS + "textarea.html":
                html = _textarea(widget)
            if html is not None:
                return mark_safe(html.strip())  # noqa: S308  (every value escaped by _e)
        return super().render(template_name, context, request)
