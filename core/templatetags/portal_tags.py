"""Site-wide template tags and filters: breadcrumbs; US dates and dollar amounts in table rows."""

import decimal

from django import template
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

register = template.Library()


def _url(target: str) -> str:
    """A path is used as it is; anything else is a URL name without arguments."""
    if target.startswith("/"):
        return target
    try:
        return reverse(target)
    except NoReverseMatch as exc:  # a typo in a template must fail the page's test, not render a dead link
        raise template.TemplateSyntaxError(f"breadcrumbs: unknown URL name {target!r}") from exc


@register.simple_tag(takes_context=True)
def breadcrumbs(context, *trail, current: str) -> str:
    """USWDS breadcrumbs: Home, then ``label, url`` pairs, then the current page (not a link).

    ``{% breadcrumbs "User Management" "accounts:user_management" current=subject_user.full_name %}``
    A URL with arguments is passed as a path: ``{% url 'x' obj.uuid as x_url %}`` then ``x_url``.
    Home is the Control Panel for payer staff and the dashboard for everyone else.
    """
    if len(trail) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes label, url pairs before current=")
    user = getattr(context.get("request"), "user", None)
    home = reverse("control_panel:home") if getattr(user, "is_payer_staff", False) else reverse("portal:dashboard")
    crumbs = [("Home", home)] + [(str(trail[i]), _url(str(trail[i + 1]))) for i in range(0, len(trail), 2)]
    return render_to_string("includes/_breadcrumbs.html", {"crumbs": crumbs, "current": current})


# The portal is in US English only (LANGUAGE_CODE en-us). Tables of 25 to 50 rows write several
# dates and amounts a row; Django's ``date:"m/d/Y"`` and ``floatformat:"2g"`` look up the active
# locale's formats for each one, which the page benchmark measured as a large part of a list's
# template time. These two write the same text directly.

_CENT = decimal.Decimal("0.01")


@register.filter(expects_localtime=True)
def mdy(value) -> str:
    """``date:"m/d/Y"``: 12/02/2026; an aware date-time is shown in the portal's time zone."""
    if not hasattr(value, "strftime"):
        return ""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


@register.filter(is_safe=True)
def money(value) -> str:
    """``floatformat:"2g"``: 1,234.50, rounded half up to the cent; empty for no amount."""
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
        rounded = amount.quantize(_CENT, rounding=decimal.ROUND_HALF_UP)
    except (decimal.InvalidOperation, ValueError, TypeError):
        return ""
    if not rounded.is_finite():
        return ""
    if not rounded:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:,.2f}"
