"""Site-wide response headers."""

from django.utils.cache import patch_cache_control


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
