"""A test-only app: a new model gets the portal's access rule by declaring its path."""

from django.apps import AppConfig


class RestrictAppConfig(AppConfig):
    name = "tests.restrict_app"
    label = "restrict_app"
    default_auto_field = "django.db.models.BigAutoField"
