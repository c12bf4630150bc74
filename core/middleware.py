"""Site-wide response headers, and the refusal of crafted control characters."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils.cache import patch_cache_control


class CrossOriginHeadersMiddleware:
    """Headers Django does not set itself, on every response (static files included).

    ``Permissions-Policy`` turns off the browser features the portal never uses (settings'
    ``PERMISSIONS_POLICY``; passkeys' ``publickey-credentials-*`` stay allowed for the portal's
    own pages); ``Cross-Origin-Resource-Policy: same-origin`` keeps other sites from embedding
    its pages, images or scripts. ``Cross-Origin-Opener-Policy`` comes from Django's
    SecurityMiddleware (``SECURE_CROSS_ORIGIN_OPENER_POLICY``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class NoStoreForAuthenticatedMiddleware:
    """Pages seen by a signed-in user hold protected data: no browser or proxy may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


# Every C0 control character and DEL. A path never holds one; a query string may hold a tab or
# a line break typed into a search box, but nothing below 32 else.
_CONTROL = {chr(code) for code in range(32)} | {"\x7f"}
_CONTROL_IN_QUERY = _CONTROL - {"\t", "\n", "\r"}


def _has_any(text: str, characters: set[str]) -> bool:
    return not characters.isdisjoint(text)


class RefuseControlCharactersMiddleware:
    """Crafted input stops here, before any view or query sees it.

    A control character in the path is a 404 (no page has one in its address); in a query
    parameter's name or value a 400; a NUL in a submitted form field a 400 (PostgreSQL cannot
    store it; forms built on Django's CharField already refuse it next to the field, this also
    covers values a view reads without a form).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_any(request.path, _CONTROL):
            raise Http404("Control characters in the path")
        for name, values in request.GET.lists():
            if _has_any(name, _CONTROL_IN_QUERY) or any(_has_any(value, _CONTROL_IN_QUERY) for value in values):
                raise BadRequest("Control characters in the query string")
        if request.method == "POST":
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    raise BadRequest("A NUL character in a form field")
        return self.get_response(request)
