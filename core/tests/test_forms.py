"""The USWDS class of each widget, set by the portal's base form."""

from django import forms

from core.forms import Form, UswdsFormMixin, uswds_class


class _Everything(Form):
    text = forms.CharField()
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"class": "usa-input--small"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.Select(attrs={"data-kind": ""}))
    note = forms.CharField(widget=forms.Textarea(attrs={"class": "usa-character-count__field", "rows": 3}))
    agree = forms.BooleanField()
    levels = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple())
    mode = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect())
    hidden = forms.CharField(widget=forms.HiddenInput())
    many = forms.MultipleChoiceField(choices=[("a", "A")])


def _classes(form) -> dict[str, str | None]:
    return {name: field.widget.attrs.get("class") for name, field in form.fields.items()}


def test_each_kind_of_widget_gets_its_uswds_class_before_its_own_classes():
    assert _classes(_Everything()) == {
        "text": "usa-input",
        "email": "usa-input",
        "password": "usa-input",
        "number": "usa-input usa-input--small",
        "day": "usa-input",
        "choice": "usa-select",
        "note": "usa-textarea usa-character-count__field",
        "agree": "usa-checkbox__input",
        "levels": "usa-checkbox__input",
        "mode": "usa-radio__input",
        "hidden": None,
        "many": None,
    }


def test_the_other_attributes_of_a_widget_are_kept():
    form = _Everything()
    assert form.fields["email"].widget.attrs == {"autocomplete": "email", "maxlength": "320", "class": "usa-input"}
    assert 'type="date"' in str(form["day"]) and 'class="usa-input"' in str(form["day"])
    assert form.fields["choice"].widget.attrs == {"data-kind": "", "class": "usa-select"}
    html = str(form["note"])
    assert 'class="usa-textarea usa-character-count__field"' in html and 'rows="3"' in html


def test_a_class_is_added_once_and_the_declared_widget_is_not_changed():
    form = _Everything()
    str(form["text"])
    str(form["text"])
    assert form.fields["text"].widget.attrs["class"] == "usa-input"
    assert "class" not in _Everything.base_fields["text"].widget.attrs


def test_a_field_added_after_the_form_is_built_is_styled_when_rendered():
    form = _Everything()
    form.fields["late"] = forms.CharField(widget=forms.TextInput(attrs={"data-reason": ""}))
    assert 'class="usa-input"' in str(form["late"])


def test_the_mixin_styles_django_s_own_forms():
    from django.contrib.auth.forms import AuthenticationForm

    class Login(UswdsFormMixin, AuthenticationForm):
        pass

    assert _classes(Login()) == {"username": "usa-input", "password": "usa-input"}


def test_a_widget_kind_without_a_uswds_class():
    assert uswds_class(forms.HiddenInput()) is None
    assert uswds_class(forms.ClearableFileInput()) is None
