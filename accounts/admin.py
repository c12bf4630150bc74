"""Admin for users, organizations, provider IDs and grants. Status and access changes go through
the services (and so into the audit trail); plain field edits are audited too."""

from django import forms
from django.contrib import admin, messages
from guardian.admin import GuardedModelAdmin
from guardian.forms import UserObjectPermissionsForm

from accounts.models import (
    AccessLevel,
    BackupCode,
    BackupCodeDevice,
    Membership,
    MemberStatusCount,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierGroupObjectPermission,
    ProviderIdentifierUserObjectPermission,
    Registration,
    RegistrationLink,
    RoleTemplate,
    User,
    UserComment,
    UserStatus,
)
from accounts.services.access import access_levels_set
from accounts.services.users import user_status_set
from audit.models import AuditAction
from audit.services import record
from core.admin import ReadOnlyModelAdmin


class AuditedAdminMixin:
    """Records every admin save as an audit event, with the names of the changed fields."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            action=AuditAction.ADMIN_CHANGED,
            actor=request.user,
            target=obj,
            organization=obj if isinstance(obj, Organization) else getattr(obj, "organization", None),
            details={"created": not change, "fields": sorted(form.changed_data)},
            request=request,
        )


@admin.register(User)
class UserAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Short columns: with the admin's side navigation open, long headers pushed the last one out of view.
    list_display = ("email", "full_name", "kind", "status", "last_login", "admin_access")
    list_filter = ("kind", "status", "is_staff", "is_superuser")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)

    @admin.display(boolean=True, description="Admin", ordering="is_staff")
    def admin_access(self, user):
        return user.is_staff

    readonly_fields = (
        "uuid",
        "status",
        "status_changed_at",
        "status_reason",
        "last_login",
        "date_joined",
        "password",
    )
    fields = (
        "uuid",
        "email",
        "full_name",
        "phone",
        "kind",
        "status",
        "status_changed_at",
        "status_reason",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
        "password",
    )
    actions = ["disable_users", "enable_users"]

    def has_delete_permission(self, request, obj=None):
        # Users are disabled, never deleted: the audit trail refers to them.
        return False

    @admin.action(description="Disable the selected users (ends their sessions)")
    def disable_users(self, request, queryset):
        for user in queryset:
            user_status_set(
                actor=request.user,
                user=user,
                status=UserStatus.DISABLED,
                reason="Disabled in admin",
                request=request,
            )
        messages.success(request, f"Disabled {queryset.count()} users.")

    @admin.action(description="Enable the selected users")
    def enable_users(self, request, queryset):
        for user in queryset:
            user_status_set(
                actor=request.user,
                user=user,
                status=UserStatus.ACTIVE,
                reason="Enabled in admin",
                request=request,
            )
        messages.success(request, f"Enabled {queryset.count()} users.")


class AccessLevelsForm(UserObjectPermissionsForm):
    """Guardian's per-user permission form, limited to access levels and saved by the service."""

    actor = None
    request = None

    def get_obj_perms_field_choices(self):
        return AccessLevel.choices

    def get_obj_perms_field_initial(self):
        from accounts.access import user_levels

        return sorted(user_levels(user=self.user, organization=self.obj))

    def get_obj_perms_field_widget(self):
        return forms.CheckboxSelectMultiple

    def save_obj_perms(self):
        access_levels_set(
            actor=self.actor,
            user=self.user,
            organization=self.obj,
            levels=self.cleaned_data[self.get_obj_perms_field_name()],
            request=self.request,
        )


class ProviderIdentifierInline(admin.TabularInline):
    model = ProviderIdentifier
    extra = 0
    fields = ("kind", "value", "display_name")
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(AuditedAdminMixin, GuardedModelAdmin):
    list_display = ("name", "tin", "tin_verified", "city", "state")
    list_filter = ("tin_verified", "state")
    search_fields = ("name", "tin", "provider_ids__value")
    readonly_fields = ("uuid", "created_at")
    inlines = [ProviderIdentifierInline]

    def get_obj_perms_manage_user_form(self, request):
        return type("BoundAccessLevelsForm", (AccessLevelsForm,), {"actor": request.user, "request": request})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderIdentifier)
class ProviderIdentifierAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("value", "kind", "display_name", "organization")
    list_filter = ("kind",)
    search_fields = ("value", "display_name", "organization__name", "organization__tin")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("uuid", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyGrantAdmin(admin.ModelAdmin):
    """Grants are changed through the services (Control Panel, User Management, the form above)."""

    list_select_related = ("user", "permission", "content_object")
    search_fields = ("user__email",)
    list_filter = ("permission",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrganizationUserObjectPermission)
class OrganizationGrantAdmin(ReadOnlyGrantAdmin):
    list_display = ("user", "permission", "content_object")
    search_fields = ("user__email", "content_object__tin", "content_object__name")


@admin.register(ProviderIdentifierUserObjectPermission)
class ProviderIdentifierGrantAdmin(ReadOnlyGrantAdmin):
    list_display = ("user", "content_object")
    search_fields = ("user__email", "content_object__value")


@admin.register(RoleTemplate)
class RoleTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The plan edits the role templates offered when inviting (Administrator, Biller, ...)."""

    list_display = ("name", "description", "sort_order")
    search_fields = ("name",)


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Read-only in the admin; these change through the portal's services."""


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organization", "created_at", "ends_on")
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "organization__tin", "organization__name")
    list_filter = (("ends_on", admin.EmptyFieldListFilter),)


@admin.register(MemberStatusCount)
class MemberStatusCountAdmin(ReadOnlyAdmin):
    """Kept by the database's triggers; ``manage.py member_counts`` checks them."""

    list_display = ("organization", "status", "members")
    list_select_related = ("organization",)
    list_filter = ("status",)
    search_fields = ("organization__tin", "organization__name")


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("user", "tin", "npi", "status", "routed_to_payer", "created_at", "decided_by")
    list_select_related = ("user", "decided_by")
    list_filter = ("status", "routed_to_payer")
    search_fields = ("user__email", "tin", "npi")


@admin.register(RegistrationLink)
class RegistrationLinkAdmin(ReadOnlyAdmin):
    list_display = ("user", "purpose", "created_at", "expires_at", "used_at", "voided_at")
    list_select_related = ("user",)
    list_filter = ("purpose",)
    search_fields = ("user__email",)
    exclude = ("token_hash",)


@admin.register(UserComment)
class UserCommentAdmin(ReadOnlyAdmin):
    list_display = ("user", "action", "author_email", "created_at", "comment")
    list_select_related = ("user",)
    search_fields = ("user__email", "author_email")


@admin.register(OrganizationGroupObjectPermission, ProviderIdentifierGroupObjectPermission)
class GroupGrantAdmin(ReadOnlyAdmin):
    list_display = ("group", "permission", "content_object")
    list_select_related = ("group", "permission", "content_object")


@admin.register(BackupCodeDevice)
class BackupCodeDeviceAdmin(ReadOnlyAdmin):
    """Whose backup codes exist and when they were last tried; the codes are never shown."""

    list_display = ("user", "name", "confirmed", "throttling_failure_count")
    list_select_related = ("user",)
    search_fields = ("user__email",)


@admin.register(BackupCode)
class BackupCodeAdmin(ReadOnlyAdmin):
    list_display = ("device",)
    list_select_related = ("device",)
    exclude = ("digest",)
