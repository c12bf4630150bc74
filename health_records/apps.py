from django.apps import AppConfig


class HealthRecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "health_records"
    verbose_name = "Health Records"
