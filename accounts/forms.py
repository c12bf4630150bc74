"""Forms of login, MFA and passwords. They validate input; the writes happen in services."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from accounts.models import User, UserStatus
from accounts.services.users import password_change, password_reset_complete
from accounts.validators import validate_npi, validate_tin
from core import normalize
from core.forms import Form, UswdsFormMixin
from outbox.services import email_enqueue


class LoginForm(UswdsFormMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email and password do not match an active account. If your account is locked, reset your password."
        ),
    }

    def clean_username(self):
        return normalize.email(self.cleaned_data["username"])


class TokenForm(Form):
    token = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=12,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "usa-input--medium",
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "").replace("-", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits only.")
        return token


class OutboxPasswordResetForm(UswdsFormMixin, PasswordResetForm):
    """Django's reset form, but the email goes through the outbox and locked users may reset."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return normalize.email(self.cleaned_data["email"])

    def get_users(self, email):
        return User.objects.filter(
            email=User.objects.normalize_email(email),
            status__in=[UserStatus.ACTIVE, UserStatus.LOCKED],
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.template import loader

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_enqueue(to=to_email, subject=subject, body=body)


class ResetSetPasswordForm(UswdsFormMixin, SetPasswordForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        return password_reset_complete(
            user=self.user, password=self.cleaned_data["new_password1"], request=self.request
        )


class AuditedPasswordChangeForm(UswdsFormMixin, PasswordChangeForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        return password_change(user=self.user, password=self.cleaned_data["new_password1"], request=self.request)


class RegistrationForm(Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Telephone",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    tin = forms.CharField(
        label="Your organization's TIN (Tax ID)",
        max_length=11,
        help_text="9 digits.",
        validators=[],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    npi = forms.CharField(
        label="Your NPI (optional)",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Enter your full name.")
        return name

    def clean_email(self):
        return normalize.email(self.cleaned_data["email"])

    def clean_tin(self):
        tin = normalize.tin(self.cleaned_data["tin"])
        validate_tin(tin)
        return tin

    def clean_npi(self):
        npi = normalize.npi(self.cleaned_data["npi"])
        if npi:
            validate_npi(npi)
        return npi


class NewPasswordForm(Form):
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. A passphrase of several words works well; pasting is fine.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Repeat the new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class ProfileForm(Form):
    """The owner's own name and telephone on My Profile."""

    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label="Telephone",
        max_length=30,
        required=False,
        help_text="Your account managers and the plan use it to reach you about your access.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
