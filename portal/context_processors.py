"""Branding and navigation for every template."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from portal.navigation import nav_items_for
from portal.permissions import request_levels


def portal(request):
    def nav():
        user = getattr(request, "user", None)
        # is_verified comes from OTPMiddleware; a user logged in during this request lacks it.
        if user is None or not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
            return []
        return nav_items_for(request, request_levels(request))

    return {
        "PAYER_NAME": settings.PAYER_NAME,
        "PAYER_SUPPORT_PHONE": settings.PAYER_SUPPORT_PHONE,
        "PAYER_SUPPORT_EMAIL": settings.PAYER_SUPPORT_EMAIL,
        "nav_items": SimpleLazyObject(nav),
    }
