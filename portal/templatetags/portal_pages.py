"""Template tags that need the portal's own pages and data (built in, like core's portal_tags)."""

from django import template

from portal.selectors import access_contacts

register = template.Library()


@register.inclusion_tag("portal/_no_level_notice.html", takes_context=True)
def no_level_notice(context, heading_level: int = 2) -> dict:
    """For a provider user holding no access level: who their account managers are, per
    organization, or the plan's Provider Services when a TIN has none. Two queries."""
    request = context.get("request")
    return {
        "contacts": access_contacts(user=request.user) if request is not None else [],
        "heading_level": heading_level,
        "PAYER_NAME": context.get("PAYER_NAME"),
        "PAYER_SUPPORT_PHONE": context.get("PAYER_SUPPORT_PHONE"),
        "PAYER_SUPPORT_EMAIL": context.get("PAYER_SUPPORT_EMAIL"),
    }
