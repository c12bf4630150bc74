"""Claims in the admin, read-only: the claim system owns them and ``import_claims`` loads them."""

from django.contrib import admin

from claims.models import Claim


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = (
        "claim_number",
        "provider_identifier",
        "member_id",
        "member_name",
        "status",
        "received_date",
        "paid_amount",
    )
    list_filter = ("status",)
    search_fields = ("claim_number", "member_id", "member_name", "provider_identifier__value")
    list_select_related = ("provider_identifier",)
    ordering = ("-received_date", "-id")
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
