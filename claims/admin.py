"""Claims, members and coverage in the admin, read-only: the claim and eligibility systems own
them, and ``import_claims`` and ``import_members`` load them. So are service lines, the code
tables, remittances (``import_remittance``) and appeals (changed only through their pages, which
audit every step)."""

from django.contrib import admin

from claims.models import (
    Appeal,
    AppealDocument,
    Claim,
    ClaimDraft,
    ClaimLine,
    ClaimPayment,
    Coverage,
    LineAdjustment,
    Member,
    PaymentAdjustment,
    ReasonCode,
    Remittance,
    ServicePayment,
)


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


@admin.register(ReasonCode)
class ReasonCodeAdmin(ReadOnlyAdmin):
    list_display = ("kind", "code", "description")
    list_filter = ("kind",)
    search_fields = ("code", "description")


class LineAdjustmentInline(admin.TabularInline):
    model = LineAdjustment
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClaimLine)
class ClaimLineAdmin(ReadOnlyAdmin):
    list_display = ("claim", "line_number", "procedure_code", "modifiers", "billed_amount", "paid_amount")
    search_fields = ("claim__claim_number", "procedure_code")
    list_select_related = ("claim",)
    ordering = ("claim", "line_number")
    show_full_result_count = False
    inlines = [LineAdjustmentInline]


@admin.register(LineAdjustment)
class LineAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("line", "group_code", "reason_code", "amount")
    list_select_related = ("line__claim",)
    show_full_result_count = False


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = ("trace_number", "payment_date", "amount", "payee_name", "payee_tin", "imported_at")
    search_fields = ("trace_number", "payee_tin")
    exclude = ("segments", "envelope")


@admin.register(ClaimPayment)
class ClaimPaymentAdmin(ReadOnlyAdmin):
    list_display = ("remittance", "claim", "status_code", "charge_amount", "paid_amount")
    search_fields = ("claim__claim_number", "remittance__trace_number")
    list_select_related = ("remittance", "claim")
    show_full_result_count = False


@admin.register(ServicePayment)
class ServicePaymentAdmin(ReadOnlyAdmin):
    list_display = ("claim_payment", "procedure_code", "charge_amount", "paid_amount")
    list_select_related = ("claim_payment__remittance", "claim_payment__claim")
    show_full_result_count = False


@admin.register(PaymentAdjustment)
class PaymentAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("claim_payment", "group_code", "reason_code", "amount")
    list_select_related = ("claim_payment__remittance", "claim_payment__claim")
    show_full_result_count = False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("claim", "kind", "status", "submitted_at", "due_on")
    list_filter = ("status", "kind")
    search_fields = ("claim__claim_number",)
    list_select_related = ("claim",)


@admin.register(AppealDocument)
class AppealDocumentAdmin(ReadOnlyAdmin):
    list_display = ("appeal", "original_name", "content_type", "size")
    list_select_related = ("appeal__claim",)


@admin.register(ClaimDraft)
class ClaimDraftAdmin(ReadOnlyAdmin):
    """Claims keyed in the portal: changed only through their pages, which audit every step."""

    list_display = ("uuid", "billing_provider", "member_id", "status", "claim", "updated_at")
    list_filter = ("status",)
    list_select_related = ("billing_provider", "claim")
    search_fields = ("member_id", "claim__claim_number")
