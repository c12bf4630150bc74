"""The portal's form renderer writes the same markup as Django's widget templates, character for character."""

import datetime

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from core.form_renderer import PortalFormRenderer

HOSTILE = '"><script>alert(1)</script>&amp;'

CHOICES = [("", "---------"), ("a", "Alpha & Co"), ("b", HOSTILE), (3, "Three")]
GROUPED = [("Group <one>", [("x", "Ex"), ("y", "Why")]), ("z", "Zed")]


class Everything(forms.Form):
    text = forms.CharField(help_text="Hint", widget=forms.TextInput(attrs={"class": "usa-input", "data-x": True}))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "hidden": False}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    number = forms.IntegerField(min_value=0, max_value=10)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    url = forms.URLField(assume_scheme="https")
    search = forms.CharField(widget=forms.SearchInput)
    tel = forms.CharField(widget=forms.TelInput)
    color = forms.CharField(widget=forms.ColorInput)
    agree = forms.BooleanField(required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput)
    clearable = forms.FileField(required=False)
    choice = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED)
    many = forms.MultipleChoiceField(choices=CHOICES[1:])
    radio = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}))
    boxes = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    day = forms.DateField(widget=forms.SelectDateWidget(years=[2025, 2026]))
    split = forms.SplitDateTimeField(required=False)


BOUND = {
    "text": HOSTILE,
    "email": "a@b.test",
    "password": "p<w>",
    "number": "4",
    "date": "2026-12-02",
    "time": "10:30",
    "hidden": HOSTILE,
    "url": "https://x.test/?a=1&b=2",
    "search": "q",
    "tel": "555",
    "color": "#ffffff",
    "agree": "on",
    "choice": "b",
    "grouped": "y",
    "many": ["a", "3"],
    "radio": "3",
    "boxes": ["x", "z"],
    "note": "line one\n<b>two</b>",
    "day_year": "2026",
    "day_month": "12",
    "day_day": "2",
}


def _render_all(form) -> dict:
    html = {}
    for bound in form:
        html[bound.name] = str(bound)
        for index, choice in enumerate(getattr(bound, "subwidgets", [])):
            html[f"{bound.name}[{index}]"] = str(choice.tag())
            html[f"{bound.name}[{index}] wrapped"] = str(choice)
    return html


@pytest.mark.parametrize("data", [None, BOUND, {"text": "", "choice": "nope"}], ids=["unbound", "bound", "invalid"])
def test_same_markup_as_django_templates(data):
    initial = {"text": mark_safe("<i>safe</i>"), "date": datetime.date(2026, 1, 2), "number": 7}
    django_form = Everything(data=data, initial=initial, renderer=DjangoTemplates())
    portal_form = Everything(data=data, initial=initial, renderer=PortalFormRenderer())
    if data is not None:
        django_form.is_valid()
        portal_form.is_valid()
    expected, actual = _render_all(django_form), _render_all(portal_form)
    assert actual.keys() == expected.keys()
    for name in expected:
        assert actual[name] == expected[name], name


def test_whole_form_layouts_match():
    for layout in ("as_div", "as_p", "as_table", "as_ul"):
        expected = getattr(Everything(data=BOUND, renderer=DjangoTemplates()), layout)()
        assert getattr(Everything(data=BOUND, renderer=PortalFormRenderer()), layout)() == expected


def test_hostile_values_are_escaped():
    html = str(Everything(data=BOUND, renderer=PortalFormRenderer())["text"])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert str(Everything(renderer=PortalFormRenderer())["choice"]).count("&lt;script&gt;") == 1


def test_the_portal_uses_it():
    assert settings.FORM_RENDERER == "core.form_renderer.PortalFormRenderer"
    assert isinstance(get_default_renderer(), PortalFormRenderer)


def test_a_widget_with_its_own_template_goes_to_django():
    class Starred(forms.TextInput):
        template_name = "django/forms/widgets/textarea.html"

    class Custom(forms.Form):
        field = forms.CharField(widget=Starred)

    assert str(Custom(renderer=PortalFormRenderer())["field"]) == str(Custom(renderer=DjangoTemplates())["field"])


def test_the_common_widgets_load_no_template(monkeypatch):
    loaded = []
    original = DjangoTemplates.get_template

    def get_template(renderer, name):
        loaded.append(name)
        return original(renderer, name)

    monkeypatch.setattr(DjangoTemplates, "get_template", get_template)
    form = Everything(data=BOUND, renderer=PortalFormRenderer())
    for name in (
        "text",
        "email",
        "password",
        "number",
        "hidden",
        "agree",
        "choice",
        "grouped",
        "many",
        "radio",
        "boxes",
        "note",
    ):
        str(form[name])
    for choice in form["radio"]:
        str(choice.tag())
    assert loaded == []
    str(form["day"])  # SelectDateWidget has its own template: Django renders it, its selects included
    assert loaded == ["django/forms/widgets/select_date.html"]
