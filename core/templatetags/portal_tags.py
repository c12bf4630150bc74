"""Site-wide template tags: breadcrumbs."""

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
