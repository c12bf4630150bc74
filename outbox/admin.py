"""The email outbox in the admin: what is pending, failed or possibly doubled, how often it failed, and why."""

from django.contrib import admin
from django.db.models import Q

from outbox.models import EmailState, OutboundEmail


class StateFilter(admin.SimpleListFilter):
    """Pending, sent or failed (the state follows sent_at and failed_at), and possible doubles."""

    title = "state"
    parameter_name = "state"
    POSSIBLE_DUPLICATE = "possible_duplicate"

    def lookups(self, request, model_admin):
        return [*EmailState.choices, (self.POSSIBLE_DUPLICATE, "Possible duplicate")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == EmailState.SENT:
            return queryset.filter(sent_at__isnull=False)
        if value == EmailState.FAILED:
            return queryset.filter(failed_at__isnull=False)
        if value == EmailState.PENDING:
            return queryset.filter(Q(sent_at__isnull=True) & Q(failed_at__isnull=True))
        if value == self.POSSIBLE_DUPLICATE:
            return queryset.filter(possible_duplicate=True)
        return queryset


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = (
        "to",
        "subject",
        "state",
        "created_at",
        "sent_at",
        "failed_at",
        "attempts",
        "possible_duplicate",
        "next_attempt_at",
        "last_error",
    )
    list_filter = (StateFilter, ("sent_at", admin.EmptyFieldListFilter), "possible_duplicate", "created_at")
    search_fields = ("to", "subject")
    readonly_fields = [field.name for field in OutboundEmail._meta.fields if field.name != "body"]
    exclude = ("body",)  # notification text stays out of admin screens

    @admin.display(description="state")
    def state(self, obj: OutboundEmail) -> str:
        return obj.get_state_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
