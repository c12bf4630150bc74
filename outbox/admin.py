"""The email outbox in the admin: what is pending, how often it failed, and why."""

from django.contrib import admin

from outbox.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "created_at", "sent_at", "attempts", "next_attempt_at", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("to", "subject")
    readonly_fields = [field.name for field in OutboundEmail._meta.fields if field.name != "body"]
    exclude = ("body",)  # notification text stays out of admin screens

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
