from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared web helpers with no domain of their own: settings helpers, input normalising, rate
    limits, keyset pagination, confirmation pages, charts, the admin site and site-wide middleware."""

    name = "core"
