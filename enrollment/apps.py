from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    verbose_name = "Provider enrollment"

    def ready(self) -> None:
        from enrollment.selectors import has_message_right
        from mailbox.rights import register_reader

        register_reader(lambda user: has_message_right(user=user))
