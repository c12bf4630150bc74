"""Claims, members and coverage in the admin, read-only: the claim and eligibility systems own
them, and ``import_claims`` and ``import_members`` load them."""

from django.contrib import admin

from claims.models import Claim, Coverage, Member


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows; nothing can be added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
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


class CoverageInline(admin.TabularInline):
    model = Coverage
    fields = ("plan_code", "plan_name", "coverage_start", "coverage_end", "status")
    ordering = ("-coverage_start", "plan_code")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("member_id", "last_name", "first_name", "date_of_birth", "updated_at")
    search_fields = ("member_id", "last_name", "first_name")
    ordering = ("member_id",)
    show_full_result_count = False
    inlines = [CoverageInline]


@admin.register(Coverage)
class CoverageAdmin(ReadOnlyAdmin):
    list_display = ("member", "plan_code", "plan_name", "coverage_start", "coverage_end", "status")
    list_filter = ("status", "plan_code")
    search_fields = ("member__member_id", "plan_code")
    list_select_related = ("member",)
    ordering = ("member__member_id", "-coverage_start")
    show_full_result_count = False
