"""Health Records in the admin, read-only: bundles arrive through ``health_records_import``, rules
through ``health_records_care_gaps`` and opt-outs through the Control Panel."""

from django.contrib import admin

from claims.admin import ReadOnlyAdmin
from health_records.models import BundleImport, CareGap, CareGapRule, RecordOptOut


@admin.register(CareGapRule)
class CareGapRuleAdmin(ReadOnlyAdmin):
    list_display = ("code", "measure", "kind", "active")


@admin.register(CareGap)
class CareGapAdmin(ReadOnlyAdmin):
    list_display = ("rule", "member", "computed_on")
    list_select_related = ("rule", "member")
    show_full_result_count = False


@admin.register(BundleImport)
class BundleImportAdmin(ReadOnlyAdmin):
    list_display = ("source", "member", "resources", "imported_at")
    list_select_related = ("member",)


@admin.register(RecordOptOut)
class RecordOptOutAdmin(ReadOnlyAdmin):
    list_display = ("member", "opted_out_at")
    list_select_related = ("member",)
