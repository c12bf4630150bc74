"""Add Facility requests in the admin, read-only: they are decided in the Control Panel."""

from django.contrib import admin

from access_requests.models import AccessRequest, AccessRequestItem
from core.admin import ReadOnlyModelAdmin


class ItemInline(admin.TabularInline):
    model = AccessRequestItem
    extra = 0
    can_delete = False
    fields = ("kind", "value", "decision", "reason", "provider_identifier", "organization", "levels_granted")
    readonly_fields = fields


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("reference", "requester", "organization", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("requester", "organization", "decided_by")
    search_fields = ("uuid", "requester__email", "organization__tin", "items__value")
    inlines = [ItemInline]
    exclude = ("note",)


@admin.register(AccessRequestItem)
class AccessRequestItemAdmin(ReadOnlyModelAdmin):
    list_display = ("request", "kind", "value", "decision", "reason")
    list_filter = ("kind", "decision")
    list_select_related = ("request",)
    search_fields = ("value",)
