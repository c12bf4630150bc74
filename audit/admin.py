"""The audit trail in the admin: searchable, filterable, and read-only."""

from django.contrib import admin

from audit.models import AuditAction, AuditEvent


class ActionFilter(admin.SimpleListFilter):
    """Filter by action from the fixed list, without scanning the table for distinct values."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return AuditAction.choices

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "actor_email", "action", "target_repr", "organization", "ip_address")
    list_filter = (ActionFilter, ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("actor_email", "target_repr", "target_id", "organization__tin", "organization__name")
    list_select_related = ("organization",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
