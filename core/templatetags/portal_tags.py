"""Site-wide template tags and filters: breadcrumbs; one form field; dates, times and dollar amounts in
table rows."""

import datetime
import decimal

from django import template
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


@register.filter(expects_localtime=True)
def mdy_hm(value) -> str:
    """``date:"m/d/Y g:i A"``: 12/02/2026 3:05 PM, in the portal's time zone; empty for no date-time."""
    if not isinstance(value, datetime.datetime):
        return ""
    hour = value.hour % 12 or 12
    noon = "AM" if value.hour < 12 else "PM"
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d} {hour}:{value.minute:02d} {noon}"


@register.filter(expects_localtime=True)
def ymd_hm(value) -> str:
    """``date:"Y-m-d H:i"``: 2026-12-02 15:05, in the portal's time zone; empty for no date-time."""
    if not isinstance(value, datetime.datetime):
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


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


@register.simple_tag
def form_field(field) -> str:
    """One USWDS form field: ``{% form_field form.email %}``. Its label, the hint (``help_text``), the
    errors and the widget; Django 5.2 points the widget's aria-describedby at "<id>_helptext" and
    "<id>_error", so the hint and the error carry those ids::

        <div class="usa-form-group[ usa-form-group--error]">
          <label class="usa-label[ usa-label--error]" for="{id}">{label}</label>
          [<div class="usa-hint" id="{auto_id}_helptext">{help_text}</div>]
          [<span class="usa-error-message" id="{auto_id}_error" role="alert">{error}<br>{error}</span>]
          {widget}
        </div>

    Written in Python rather than as an included template: a form renders one per field, and the
    review panel's 20 rows each have one (``core/tests/test_form_field.py`` pins the markup).
    Every value is escaped as ``{{ }}`` would."""
    e = conditional_escape
    errors = field.errors
    auto_id = e(field.auto_id)
    hint = f'<div class="usa-hint" id="{auto_id}_helptext">{e(field.help_text)}</div>' if field.help_text else ""
    error = (
        f'<span class="usa-error-message" id="{auto_id}_error" role="alert">{"<br>".join(e(x) for x in errors)}</span>'
        if errors
        else ""
    )
    invalid = " usa-form-group--error" if errors else ""
    return mark_safe(  # noqa: S308  (every value above escaped)
        f'\n<div class="usa-form-group{invalid}">\n'
        f'  <label class="usa-label{" usa-label--error" if errors else ""}" for="{e(field.id_for_label)}">'
        f"{e(field.label)}</label>\n"
        f"  {hint}\n"
        f"  {error}\n"
        f"  {e(field)}\n"
        f"</div>\n"
    )
