"""Every view of the portal states its types: the request, the path arguments and the response.

The test walks the URL resolver, so a new view is checked as soon as it has a URL. A function view
is read through its decorators (``inspect.unwrap``); for a class-based view, each handler method
the portal's class defines (``get``, ``post``, ``dispatch``, ... and the form hooks) is read.
Views of Django and of libraries are left out: only the portal's own modules are checked.
"""

import inspect

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string

PORTAL_PACKAGES = {
    "access_requests",
    "access_reviews",
    "accounts",
    "audit",
    "claims",
    "core",
    "devdata",
    "mailbox",
    "outbox",
    "portal",
    "user_management",
}
HANDLERS = {"dispatch", "get", "post", "put", "patch", "delete", "head", "options", "form_valid", "form_invalid"}


def _patterns(patterns=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", "") or "").split(".")[0] in PORTAL_PACKAGES


def _missing(function, where: str) -> list[str]:
    signature = inspect.signature(function)
    problems = []
    for name, parameter in signature.parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.annotation is inspect.Parameter.empty:
            problems.append(f"{where}: parameter {name!r} has no type")
    if signature.return_annotation is inspect.Signature.empty:
        problems.append(f"{where}: no return type")
    return problems


def _callbacks():
    """The view of every URL, then the error views and the views named in settings."""
    for pattern in _patterns():
        yield pattern.callback
    resolver = get_resolver()
    for status in (400, 403, 404, 500):
        yield resolver.resolve_error_handler(status)
    # Views named in settings: the CSRF failure page, the 429 page, the sign-in lock page.
    for setting in ("CSRF_FAILURE_VIEW", "RATELIMIT_VIEW", "AXES_LOCKOUT_CALLABLE"):
        yield import_string(getattr(settings, setting))


def _views():
    """(description, function to check) of every view of the portal's own modules."""
    seen = set()
    for callback in _callbacks():
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            for klass in view_class.__mro__:
                if not _ours(klass):
                    continue
                for name in sorted(HANDLERS & set(vars(klass))):
                    # A dispatch made by method_decorator unwraps to the library's own method.
                    method = inspect.unwrap(vars(klass)[name])
                    if _ours(method) and method not in seen:
                        seen.add(method)
                        yield f"{klass.__module__}.{klass.__qualname__}.{name}", method
            continue
        function = inspect.unwrap(callback)
        if _ours(function) and function not in seen:
            seen.add(function)
            yield f"{function.__module__}.{function.__qualname__}", function


def test_the_walk_finds_the_portal_s_views():
    names = [name for name, _ in _views()]
    assert len(names) > 50
    assert "portal.views.dashboard" in names
    assert "portal.views.csrf_failure" in names
    assert "core.ratelimit.ratelimited_view" in names
    assert "accounts.views.auth.PasswordResetView.post" in names


def test_every_view_types_its_request_its_path_arguments_and_its_response():
    problems = [problem for name, function in _views() for problem in _missing(function, name)]
    assert not problems, "views without types:\n" + "\n".join(problems)
