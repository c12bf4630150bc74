"""Assessment forms and assessments in the admin, read-only: ``assessments_load`` loads the forms
and providers file the assessments through the portal's pages."""

from django.contrib import admin

from assessments.models import Assessment, Questionnaire
from claims.admin import ReadOnlyAdmin


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "title", "status", "loaded_at")
    list_filter = ("code", "status")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "questionnaire", "provider_identifier", "status", "created_at", "submitted_at")
    list_filter = ("status", "questionnaire__code")
    list_select_related = ("questionnaire", "provider_identifier")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
