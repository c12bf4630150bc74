from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The email outbox: queued in the writer's transaction, sent by a worker, retried, expired."""

    name = "outbox"
