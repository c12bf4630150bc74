from django.apps import AppConfig


class UserManagementConfig(AppConfig):
    """Account managers' User Management, their work queue, the Control Panel's Users and
    Organizations pages, and the nightly lifecycle jobs. No models: it acts on accounts'."""

    name = "user_management"
