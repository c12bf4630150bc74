from django.contrib import admin

from enrollment.models import EnrollmentApplication, EnrollmentGrant, EnrollmentStaff


@admin.register(EnrollmentStaff)
class EnrollmentStaffAdmin(admin.ModelAdmin):
    """Who of the plan's staff reviews (specialist) or also decides (supervisor) enrollments."""

    list_display = ("user", "role")
    list_filter = ("role",)
    raw_id_fields = ("user",)


@admin.register(EnrollmentApplication)
class EnrollmentApplicationAdmin(admin.ModelAdmin):
    list_display = ("reference", "legal_name", "kind", "status", "submitted_at")
    list_filter = ("status", "kind")
    search_fields = ("reference", "legal_name", "npi", "tin")
    readonly_fields = [f.name for f in EnrollmentApplication._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EnrollmentGrant)
class EnrollmentGrantAdmin(admin.ModelAdmin):
    list_display = ("application", "user", "is_admin", "can_sign", "can_pay", "can_submit", "can_message")
    raw_id_fields = ("application", "user", "granted_by")
