"""``{% form_field %}`` writes one USWDS form field: the same markup as the template it replaced
(``FIELD_TEMPLATE`` below, once ``includes/_field.html``), for every kind of field and state."""

import pytest
from django import forms
from django.template import Context, Template
from django.utils.safestring import mark_safe

HOSTILE = '"><script>alert(1)</script>&amp;'

FIELD_TEMPLATE = """{% comment %}One USWDS form field.{% endcomment %}
<div class="usa-form-group{% if field.errors %} usa-form-group--error{% endif %}">
  <label class="usa-label{% if field.errors %} usa-label--error{% endif %}" for="{{ field.id_for_label }}">{{ field.label }}</label>
  {% if field.help_text %}<div class="usa-hint" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</div>{% endif %}
  {% if field.errors %}<span class="usa-error-message" id="{{ field.auto_id }}_error" role="alert">{% for error in field.errors %}{{ error }}{% if not forloop.last %}<br>{% endif %}{% endfor %}</span>{% endif %}
  {{ field }}
</div>
"""


class Sample(forms.Form):
    name = forms.CharField(label="Full name", help_text="As on your ID", max_length=5)
    email = forms.EmailField(label=HOSTILE, help_text=mark_safe("<em>safe</em> hint"))
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("b", HOSTILE)], widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")
    levels = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(widget=forms.Textarea, required=False)

    def clean(self):
        if self.cleaned_data.get("note") == "two":
            self.add_error("note", "First problem.")
            self.add_error("note", HOSTILE)
        return self.cleaned_data


FORMS = {
    "unbound": lambda: Sample(),
    "valid": lambda: Sample({"name": "Ann", "email": "a@b.test", "kind": "a", "agree": "on", "levels": ["x"]}),
    "invalid": lambda: Sample({"name": "Too long", "email": HOSTILE, "kind": "z", "note": "two"}),
    "no ids": lambda: Sample(auto_id=False),
    "prefixed": lambda: Sample({"p-name": "Ann"}, prefix="p"),
}


@pytest.mark.parametrize("state", FORMS)
@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_form_field_writes_the_templates_markup(state, name):
    form = FORMS[state]()
    field = form[name]
    expected = Template(FIELD_TEMPLATE).render(Context({"field": field}))
    assert Template("{% form_field field %}").render(Context({"field": field})) == expected


def test_an_invalid_field_shows_every_error_escaped_next_to_it():
    form = FORMS["invalid"]()
    html = Template("{% form_field form.note %}").render(Context({"form": form}))
    assert 'class="usa-form-group usa-form-group--error"' in html
    assert '<span class="usa-error-message" id="id_note_error" role="alert">First problem.<br>' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_hostile_labels_are_escaped_and_safe_hints_kept():
    html = Template("{% form_field form.email %}").render(Context({"form": Sample()}))
    assert "<script>" not in html
    assert '<div class="usa-hint" id="id_email_helptext"><em>safe</em> hint</div>' in html
