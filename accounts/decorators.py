"""View guards. The navigation hides what a user may not open; these refuse it on the server."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.access import levels_held_anywhere


def request_levels(request) -> set[str]:
    """The access levels the user holds on any organization, computed once per request."""
    if not hasattr(request, "_portal_levels"):
        request._portal_levels = levels_held_anywhere(user=request.user)
    return request._portal_levels


def payer_staff_required(view):
    """Only the plan's staff open the Control Panel; anyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_payer_staff:
            raise PermissionDenied("The Control Panel is for the plan's staff.")
        from accounts.views.security import control_panel_passkey_redirect

        passkey_first = control_panel_passkey_redirect(request)
        if passkey_first is not None:
            return passkey_first
        return view(request, *args, **kwargs)

    return wrapped


def provider_required(view):
    """Provider pages are for provider users; payer staff work in the Control Panel."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or request.user.is_payer_staff:
            raise PermissionDenied("This page is for provider users.")
        return view(request, *args, **kwargs)

    return wrapped


def level_required(level: str):
    """The user must hold ``level`` on at least one organization; objects are checked per view."""

    def decorator(view):
        @wraps(view)
        @provider_required
        def wrapped(request, *args, **kwargs):
            if level not in request_levels(request):
                raise PermissionDenied("Your access levels do not include this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
