"""Message Box records in the admin: metadata only, never message text."""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from mailbox.models import Message, Participant, Thread


class MetadataOnlyAdmin(ReadOnlyModelAdmin):
    """Message text stays out of admin screens: system administrators see who, when and where."""


@admin.register(Thread)
class ThreadAdmin(MetadataOnlyAdmin):
    list_display = ("uuid", "kind", "organization", "created_by", "last_message_at", "payer_unread", "assigned_to")
    list_filter = ("kind", "payer_unread")
    list_select_related = ("organization", "created_by", "assigned_to")
    search_fields = ("uuid", "created_by__email", "organization__tin")
    exclude = ("subject",)
    show_full_result_count = False


@admin.register(Participant)
class ParticipantAdmin(MetadataOnlyAdmin):
    list_display = ("thread", "user", "unread", "archived", "last_message_at")
    list_select_related = ("thread", "user")
    search_fields = ("user__email",)
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(MetadataOnlyAdmin):
    list_display = ("uuid", "thread", "sender", "from_payer", "created_at")
    list_select_related = ("thread", "sender")
    search_fields = ("uuid", "sender__email")
    exclude = ("body",)
    show_full_result_count = False
