"""Forms of login, MFA and passwords. They validate input; the writes happen in services."""

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from accounts.models import User, UserStatus
from accounts.services import password_change, password_reset_complete
from mailbox.outbox import email_enqueue
from portal import normalize


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True, "class": "usa-input"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "usa-input"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email and password do not match an active account. If your account is locked, reset your password."
        ),
    }

    def clean_username(self):
        return normalize.email(self.cleaned_data["username"])


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=12,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "usa-input usa-input--medium",
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "").replace("-", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits only.")
        return token


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the outbox and locked users may reset."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "usa-input"}),
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


class ResetSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["class"] = "usa-input"

    def save(self, commit=True):
        return password_reset_complete(
            user=self.user, password=self.cleaned_data["new_password1"], request=self.request
        )


class AuditedPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].widget.attrs["class"] = "usa-input"

    def save(self, commit=True):
        return password_change(user=self.user, password=self.cleaned_data["new_password1"], request=self.request)
