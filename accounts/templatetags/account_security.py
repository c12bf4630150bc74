"""The failed sign-ins section of a user's page (Update User, Control Panel user detail)."""

from django import template

from accounts.selectors import failed_logins_summary

register = template.Library()


@register.inclusion_tag("accounts/_failed_logins.html")
def failed_logins(user):
    return {"summary": failed_logins_summary(user=user), "subject_user": user}
