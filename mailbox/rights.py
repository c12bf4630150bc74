"""Who may open the Message Box: the holders of the Message Box access level on a TIN, and anyone
an app above the mailbox vouches for (an enrollment applicant has no TIN yet, but may hold the
Message Box right on an application). Such an app registers its check in its ``ready()``; the
mailbox never imports it."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.decorators import provider_required, request_levels
from accounts.models import AccessLevel

_READERS: list[Callable] = []


def register_reader(check: Callable) -> None:
    """``check(user) -> bool``: whether the user may read their Message Box notices."""
    if check not in _READERS:
        _READERS.append(check)


def may_open(request) -> bool:
    """The Message Box level (no query beyond the request's levels), else the registered checks."""
    if AccessLevel.MESSAGE_BOX in request_levels(request):
        return True
    if not hasattr(request, "_message_box_reader"):
        request._message_box_reader = any(check(request.user) for check in _READERS)
    return request._message_box_reader


def message_box_required(view):
    """The inbox and its threads: the Message Box level or a registered right; else 403."""

    @wraps(view)
    @provider_required
    def wrapped(request, *args, **kwargs):
        if not may_open(request):
            raise PermissionDenied("Your access levels do not include this page.")
        return view(request, *args, **kwargs)

    return wrapped
