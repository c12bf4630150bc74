"""What other modules add to an account manager's work queue (the top of User Management).

A module that gives account managers work registers a source once, in its AppConfig.ready():
``work_queue.register("review_tasks", my_source)``, where ``my_source(*, manager)`` returns a short
list (the page shows up to 20). This app does not import those modules: they build on it.
"""

from collections.abc import Callable

_sources: dict[str, Callable[..., list]] = {}


def register(key: str, source: Callable[..., list]) -> None:
    """Add (or replace) the source of one list of the work queue, under the template's key."""
    _sources[key] = source


def contributions(*, manager) -> dict[str, list]:
    """Every registered list for this manager, by key."""
    return {key: source(manager=manager) for key, source in _sources.items()}
