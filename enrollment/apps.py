from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    verbose_name = "Provider enrollment"

    def ready(self) -> None:
        from enrollment.selectors import has_message_right
        from mailbox.rights import register_reader

        register_reader(lambda user: has_message_right(user=user))

        from django.db.models.signals import post_delete, post_save

        from enrollment.models import EnrollmentStaff
        from enrollment.selectors import staff_role_forget

        def forget(sender, instance, **kwargs):
            staff_role_forget(instance.user_id)

        post_save.connect(forget, sender=EnrollmentStaff, dispatch_uid="enrollment-staff-role-forget")
        post_delete.connect(forget, sender=EnrollmentStaff, dispatch_uid="enrollment-staff-role-forget")
