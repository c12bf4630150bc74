"""Live chats in the admin: metadata only (the lines are Message Box messages, kept out of admin)."""

from django.contrib import admin

from chat.models import Conversation
from core.admin import ReadOnlyModelAdmin


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyModelAdmin):
    list_display = ("uuid", "provider", "organization", "status", "staff", "created_at", "closed_at")
    list_filter = ("status",)
    list_select_related = ("provider", "organization", "staff")
    search_fields = ("uuid", "provider__email", "organization__tin")
    exclude = ("thread",)
    show_full_result_count = False
