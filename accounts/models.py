"""Who may see what: users, provider organizations (TIN), provider IDs, access levels and scope.

Access levels (Claims, Eligibility, ...) are django-guardian object permissions on Organization;
the access scope (the provider IDs a login may act for) is the object permission
``act_for_provider`` on ProviderIdentifier. Both use direct foreign-key permission tables, so
every check is an indexed join and a deleted object takes its grants with it.
"""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.access import RestrictedManager
from accounts.validators import REPEATED_DIGIT_TINS, validate_npi, validate_tin


class UserStatus(models.TextChoices):
    VERIFICATION_PENDING = "verification_pending", "Verification pending"
    UNVERIFIED = "unverified", "Unverified"
    ACTIVE = "active", "Active"
    LOCKED = "locked", "Locked"
    DISABLED = "disabled", "Disabled"


class UserKind(models.TextChoices):
    PROVIDER = "provider", "Provider user"
    PAYER_STAFF = "payer_staff", "Payer staff"


class AccessLevel(models.TextChoices):
    """What a login may do for one organization (TIN). Values are permission codenames."""

    CLAIMS = "level_claims", "Claims"
    ELIGIBILITY = "level_eligibility", "Eligibility"
    AUTHORIZATIONS = "level_authorizations", "Authorizations"
    ASSESSMENTS = "level_assessments", "Assessments"
    HEALTH_RECORDS = "level_health_records", "Health Records"
    MESSAGE_BOX = "level_message_box", "Message Box"
    MANAGE_ACCOUNT = "level_manage_account", "Manage Account"


SCOPE_PERMISSION = "act_for_provider"


class UserManager(BaseUserManager["User"]):
    """Creates users with a lower-cased email as the login."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(kind=UserKind.PAYER_STAFF, is_staff=True, is_superuser=True, status=UserStatus.ACTIVE)
        fields.setdefault("full_name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A portal login: a provider user or a member of the payer's staff; the email is the login."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=20, choices=UserKind.choices, default=UserKind.PROVIDER)
    status = models.CharField(
        max_length=24,
        choices=UserStatus.choices,
        default=UserStatus.VERIFICATION_PENDING,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_reason = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(
        "Django admin access",
        default=False,
        help_text="May open the Django admin (the plan's system administrators).",
    )
    # Bumped whenever access shrinks: it is part of the session hash, so every session ends.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
            models.CheckConstraint(condition=Q(status__in=UserStatus.values), name="user_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=UserKind.values), name="user_kind_valid"),
            models.CheckConstraint(
                condition=Q(is_staff=False, is_superuser=False) | Q(kind=UserKind.PAYER_STAFF),
                name="user_admin_is_payer_staff",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status"], name="user_kind_status_idx"),
            # User Management: a TIN's members by name, and its Active users by their last
            # sign-in, read in index order (accounts.access.managed_by).
            models.Index(fields=["full_name", "id"], name="user_name_idx"),
            models.Index(
                Coalesce("last_login", "status_changed_at"),
                F("id"),
                condition=Q(kind="provider", status="active"),
                name="user_active_last_seen_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """May keep a session and act in it: Active, or Locked (a lock refuses new sign-ins only,
        see accounts.backends; strangers' guesses must not end the owner's open sessions)."""
        return self.status in (UserStatus.ACTIVE, UserStatus.LOCKED)

    @property
    def is_payer_staff(self) -> bool:
        return self.kind == UserKind.PAYER_STAFF

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django drops a session whose stored hash no longer matches: mixing in the status and
        # the epoch ends every session of the user the moment either changes. Locked counts as
        # Active here: a lock refuses new sign-ins and leaves open sessions alone.
        key_salt = "accounts.User.get_session_auth_hash"
        status = UserStatus.ACTIVE if self.status == UserStatus.LOCKED else self.status
        value = f"{self.password}|{status}|{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Organization(models.Model):
    """A provider organization, identified by its 9-digit Tax ID (TIN)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    tin = models.CharField("TIN", max_length=9, unique=True, validators=[validate_tin])
    tin_verified = models.BooleanField("TIN verified", default=False)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_organization_path = ""

    class Meta:
        ordering = ["name"]
        permissions = [(level.value, level.label) for level in AccessLevel]
        constraints = [
            models.CheckConstraint(
                condition=Q(tin__regex=r"^[0-9]{9}$") & ~Q(tin__in=REPEATED_DIGIT_TINS),
                name="organization_tin_nine_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (TIN {self.tin})"


class ProviderIdKind(models.TextChoices):
    NPI = "npi", "NPI"
    TIN = "tin", "TIN"
    VENDOR = "vendor", "Vendor ID"
    OFFICE = "office", "Office ID"


class ProviderIdentifier(models.Model):
    """An identifier in the payer's claim system (NPI, TIN, vendor or office ID) of one organization."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=ProviderIdKind.choices)
    value = models.CharField(max_length=20)
    display_name = models.CharField(max_length=200, help_text="The physician or facility this ID stands for.")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="provider_ids")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_provider_path = ""
    access_organization_path = "organization"

    class Meta:
        ordering = ["kind", "value"]
        permissions = [(SCOPE_PERMISSION, "Act for this provider ID")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="provider_id_kind_value_unique"),
            models.CheckConstraint(condition=Q(kind__in=ProviderIdKind.values), name="provider_id_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ProviderIdKind.NPI) | Q(value__regex=r"^[0-9]{10}$"),
                name="provider_id_npi_ten_digits",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ProviderIdKind.TIN) | Q(value__regex=r"^[0-9]{9}$"),
                name="provider_id_tin_nine_digits",
            ),
            models.CheckConstraint(condition=~Q(value=""), name="provider_id_value_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} ({self.display_name})"

    def clean(self) -> None:
        if self.kind == ProviderIdKind.NPI:
            validate_npi(self.value)
        elif self.kind == ProviderIdKind.TIN:
            validate_tin(self.value)
            if self.organization_id and self.organization.tin != self.value:
                raise ValidationError({"value": "A TIN provider ID must be its organization's TIN."})


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """A user's access level on one organization (direct foreign key for guardian)."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "permission"], name="org_uop_obj_perm_idx")]


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    """A group's access level on one organization (direct foreign key for guardian)."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="group_grants")


class ProviderIdentifierUserObjectPermission(UserObjectPermissionBase):
    """A provider ID in a user's access scope (direct foreign key for guardian)."""

    content_object = models.ForeignKey(ProviderIdentifier, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "permission"], name="pid_uop_obj_perm_idx")]


class ProviderIdentifierGroupObjectPermission(GroupObjectPermissionBase):
    """A provider ID in a group's access scope (direct foreign key for guardian)."""

    content_object = models.ForeignKey(ProviderIdentifier, on_delete=models.CASCADE, related_name="group_grants")


class Membership(models.Model):
    """A user's place in an organization (TIN): what User Management lists, with an optional end.

    Holding an access level implies a membership; a member may hold no level yet (a new
    registrant, or someone whose levels were all unticked).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(default=timezone.now)
    # Time-limited access (temporary staff, billing companies): removed by the daily job after it.
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")]
        indexes = [
            models.Index(fields=["organization", "user"], name="membership_org_user_idx"),
            models.Index(fields=["ends_on"], condition=Q(ends_on__isnull=False), name="membership_ends_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id}"


class MemberStatusCount(models.Model):
    """How many provider users of an organization are in each status: User Management's counts,
    read without reading every member of a big TIN.

    Kept by the database itself: triggers on ``accounts_membership`` (a member added, removed or
    moved) and on ``accounts_user`` (a status or kind changed, a user deleted) add and subtract in
    the same transaction as the change, whatever made it (a service, a bulk ``update()``, the
    admin, COPY). Written by migration 0007 for PostgreSQL and SQLite; ``member_counts_rebuild``
    recomputes them from the members (after a bulk load, and to check them)."""

    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    status = models.CharField(max_length=24, choices=UserStatus.choices)
    members = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "status"], name="member_status_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.status}: {self.members}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Registration(models.Model):
    """A self-registration: who registered under which TIN (and NPI), and how it was decided.

    If the TIN is verified and has active account managers, they verify the registrant; otherwise
    the registration waits in the Control Panel's Organizations page for payer staff.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="registration")
    tin = models.CharField("TIN", max_length=9, validators=[validate_tin])
    npi = models.CharField("NPI", max_length=10, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="registrations"
    )
    routed_to_payer = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "routed_to_payer", "created_at"], name="registration_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RegistrationStatus.values), name="registration_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} for TIN {self.tin} ({self.status})"


class LinkPurpose(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    INVITATION = "invitation", "Invitation"


class RegistrationLink(models.Model):
    """A one-time link to finish registration (set a password, enroll MFA). Only its hash is kept;
    a new link voids the user's earlier ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="registration_links")
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices, default=LinkPurpose.REGISTRATION)
    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="registration_link_user_idx"),
            # A manager's invitations about to expire (the User Management work queue).
            models.Index(
                fields=["organization", "expires_at"],
                condition=Q(purpose="invitation", used_at__isnull=True, voided_at__isnull=True),
                name="registration_link_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="registration_link_expires_later"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.user_id}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.voided_at is None and self.expires_at > timezone.now()


class UserComment(models.Model):
    """One entry of a user's comment history (seed 004): the action, its author, the comment."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comments")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=60)
    comment = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="user_comment_user_idx")]
        constraints = [
            models.CheckConstraint(condition=LessThanOrEqual(Length("comment"), 200), name="user_comment_max_200"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.author_email}"


class RoleTemplate(models.Model):
    """A named set of access levels offered when inviting (Administrator, Biller, ...); editable in the admin."""

    name = models.CharField(max_length=60, unique=True)
    levels = models.JSONField(default=list, help_text="Access level codenames, e.g. level_claims.")
    description = models.CharField(max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.levels or []) - set(AccessLevel.values)
        if unknown:
            raise ValidationError({"levels": f"Unknown access levels: {', '.join(sorted(unknown))}"})

    @property
    def level_labels(self) -> list[str]:
        return [level.label for level in AccessLevel if level.value in (self.levels or [])]


class BackupCodeDevice(ThrottlingMixin, Device):
    """A user's single-use backup codes (the second factor when the phone is lost), hashed."""

    def get_throttle_factor(self):
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """True once per code: the matching row is deleted, so a second use of it fails."""
        from accounts.backup_codes import backup_code_digests

        allowed, _ = self.verify_is_allowed()
        if not allowed or not isinstance(token, str):
            return False
        # One DELETE: of two requests racing with the same code, only one removes the row.
        deleted, _ = self.codes.filter(digest__in=backup_code_digests(self.user_id, token)).delete()
        if deleted:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    """One unused backup code of a device, as its keyed hash (see accounts.backup_codes)."""

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "digest"], name="backup_code_unique_per_device")]

    def __str__(self) -> str:
        return f"Backup code of device {self.device_id}"
