"""Account managers' actions on the users of their TINs: verify, enable, disable, levels, scope,
end dates, removal, invitations and the comment history.

The rules (seeds 002 and 004):
- Registering creates a Verification pending user. The TIN's account managers verify them; a TIN
  without a verified account manager sends the registration to the payer.
- Enabling a pending user makes them Unverified and sends the registration email, whose one-time
  link lets them set a password and enroll MFA: then Active.
- Disabled users can be enabled again: Active if they had completed registration, else Unverified.
- An account manager acts only on members of their own TINs, grants only levels they hold, never
  changes their own levels, and never leaves a TIN without an active account manager.
Every action records a comment-history entry and an audit event in its transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import has_active_manager, user_levels
from accounts.models import (
    AccessLevel,
    LinkPurpose,
    Membership,
    Organization,
    ProviderIdentifier,
    Registration,
    RegistrationLink,
    RegistrationStatus,
    User,
    UserComment,
    UserStatus,
)
from accounts.services.access import access_levels_set, scope_add, scope_remove
from accounts.services.registration import link_validity, registration_link_issue
from accounts.services.users import password_reset_send, sessions_end, user_create, user_status_set
from audit.models import AuditAction
from audit.services import record
from user_management.services.notices import (
    join_words,
    level_labels,
    levels_changed_notify,
    levels_summary,
    notify,
    pid_label,
)

COMMENT_MAX_LENGTH = 200


class Action:
    """Names of the comment-history actions, as the Update User screen shows them."""

    ENABLE = "Enable user"
    VERIFY = "Verify account"
    DISABLE = "Disable user"
    UPDATE_ROLES = "Update user roles"
    UPDATE_SCOPE = "Update provider IDs"
    REGISTRATION_EMAIL = "Send registration email"
    PASSWORD_RESET = "Send password reset email"  # noqa: S105  (an action name, not a secret)
    REMOVE = "Remove from organization"
    INVITE = "Invite user"
    INVITE_RESEND = "Resend invitation"
    INVITE_REVOKE = "Revoke invitation"
    END_DATE = "Set access end date"
    COMMENT = "Comment"


def _clean_comment(comment: str, *, required: bool = False) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": "Write a comment: it is required for this action."})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError({"comment": f"A comment is at most {COMMENT_MAX_LENGTH} characters."})
    return comment


def history_add(*, user: User, organization: Organization | None, author: User | None, action: str, comment: str):
    UserComment.objects.create(
        user=user,
        organization=organization,
        author=author,
        author_email=author.email if author else "",
        action=action,
        comment=comment,
    )


def _fit(text: str) -> str:
    """A generated comment-history text, cut to the comment's length."""
    return text if len(text) <= COMMENT_MAX_LENGTH else text[: COMMENT_MAX_LENGTH - 1] + "…"


def manages(actor: User, organization: Organization) -> bool:
    """Payer staff manage every organization; a provider user those where they hold Manage Account."""
    if not actor.is_active:
        return False
    if actor.is_payer_staff:
        return True
    return AccessLevel.MANAGE_ACCOUNT in user_levels(user=actor, organization=organization)


def _authorize(actor: User, user: User, organization: Organization) -> None:
    """The actor manages the organization and the user belongs to it; checked again on every write."""
    if not manages(actor, organization):
        raise PermissionDenied("You do not manage this organization.")
    if not actor.is_payer_staff and not Membership.objects.filter(user=user, organization=organization).exists():
        raise PermissionDenied("This user does not belong to your organization.")
    if user.is_payer_staff:
        raise PermissionDenied("Payer staff are not managed here.")


def last_manager_guard(user: User, organization: Organization, what: str) -> None:
    """Refuse a change that would leave the organization without an active account manager."""
    if AccessLevel.MANAGE_ACCOUNT not in user_levels(user=user, organization=organization):
        return
    if user.status == UserStatus.ACTIVE and not has_active_manager(organization=organization, other_than=user):
        raise ValidationError(
            f"{user.full_name} is the last active account manager of {organization.name} (TIN "
            f"{organization.tin}): you cannot {what}. Name a second account manager first."
        )


def registration_decided_notify(user: User, actor: User, status: str, reason: str = "") -> None:
    Registration.objects.filter(user=user, status=RegistrationStatus.PENDING).update(
        status=status, decided_at=timezone.now(), decided_by=actor, reason=reason[:200]
    )


@transaction.atomic
def user_enable(*, actor: User, user: User, organization: Organization, comment: str = "", request=None) -> User:
    """Verify a pending registrant, or re-enable a disabled user."""
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    if user.status == UserStatus.VERIFICATION_PENDING:
        if not user_levels(user=user, organization=organization):
            raise ValidationError(
                {
                    "levels": "Choose at least one access level or a role before verifying: "
                    "a user without a level can open nothing in the portal."
                }
            )
        user = user_status_set(actor=actor, user=user, status=UserStatus.UNVERIFIED, reason=comment, request=request)
        registration_decided_notify(user, actor, RegistrationStatus.APPROVED)
        record(action=AuditAction.REGISTRATION_APPROVED, actor=actor, target=user, organization=organization)
        registration_link_issue(user=user, actor=actor, organization=organization)
        history_add(user=user, organization=organization, author=actor, action=Action.VERIFY, comment=comment)
        return user
    if user.status == UserStatus.DISABLED:
        completed = user.has_usable_password()
        status = UserStatus.ACTIVE if completed else UserStatus.UNVERIFIED
        user = user_status_set(actor=actor, user=user, status=status, reason=comment or "Enabled", request=request)
        if not completed:
            registration_link_issue(user=user, actor=actor, organization=organization)
        history_add(user=user, organization=organization, author=actor, action=Action.ENABLE, comment=comment)
        return user
    raise ValidationError(
        f"{user.full_name} is {user.get_status_display()}: only pending or disabled users are enabled."
    )


@transaction.atomic
def user_disable(*, actor: User, user: User, organization: Organization, comment: str, request=None) -> User:
    """Disable the login (every session ends). A comment is required."""
    _authorize(actor, user, organization)
    comment = _clean_comment(comment, required=True)
    if user.pk == actor.pk:
        raise ValidationError("You cannot disable yourself.")
    if user.status == UserStatus.DISABLED:
        raise ValidationError(f"{user.full_name} is already disabled.")
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        last_manager_guard(user, membership.organization, "disable them")
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    if not actor.is_payer_staff and any(not manages(actor, m.organization) for m in memberships):
        raise ValidationError(
            f"{user.full_name} also works for other organizations: remove their access to "
            f"{organization.name} instead of disabling the login."
        )
    user = user_status_set(actor=actor, user=user, status=UserStatus.DISABLED, reason=comment, request=request)
    registration_decided_notify(user, actor, RegistrationStatus.REJECTED, comment)
    RegistrationLink.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )
    history_add(user=user, organization=organization, author=actor, action=Action.DISABLE, comment=comment)
    return user


def _levels_final(*, actor: User, user: User, organization: Organization, levels: Iterable[str]) -> tuple[set, set]:
    """The user's current levels and the levels they will hold, within what the actor may grant.

    A provider manager grants and removes only levels they hold themselves; the others stay as they
    are. Nobody changes their own levels, and the last active account manager keeps Manage Account.
    Reads only: raises ValidationError for a change the rules refuse.
    """
    if user.pk == actor.pk:
        raise ValidationError("You cannot change your own access levels. Ask another account manager.")
    requested = set(levels)
    unknown = requested - set(AccessLevel.values)
    if unknown:
        raise ValidationError("Unknown access levels.")
    current = user_levels(user=user, organization=organization)
    grantable = set(AccessLevel.values) if actor.is_payer_staff else user_levels(user=actor, organization=organization)
    refused = (requested - current) - grantable
    if refused:
        labels = ", ".join(sorted(AccessLevel(c).label for c in refused))
        raise ValidationError(f"You cannot grant levels you do not hold yourself: {labels}.")
    final = (requested & grantable) | (current - grantable)
    if AccessLevel.MANAGE_ACCOUNT in current and AccessLevel.MANAGE_ACCOUNT not in final:
        last_manager_guard(user, organization, "remove their Manage Account level")
    return current, final


def _levels_apply(
    *, actor: User, user: User, organization: Organization, final: set, comment: str, request=None
) -> tuple[set[str], set[str]]:
    added, removed = access_levels_set(actor=actor, user=user, organization=organization, levels=final, request=request)
    if removed:
        # Access shrank: every session of the user ends now.
        sessions_end(users=user)
    if added or removed:
        summary = levels_summary(added, removed)
        history_add(
            user=user,
            organization=organization,
            author=actor,
            action=Action.UPDATE_ROLES,
            comment=comment or _fit(summary),
        )
        levels_changed_notify(user, organization, added, removed)
    return added, removed


@transaction.atomic
def manager_levels_set(
    *, actor: User, user: User, organization: Organization, levels: Iterable[str], comment: str = "", request=None
) -> tuple[set[str], set[str]]:
    """Set the user's levels on the organization within what the actor may grant (see ``_levels_final``)."""
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    _, final = _levels_final(actor=actor, user=user, organization=organization, levels=levels)
    return _levels_apply(
        actor=actor, user=user, organization=organization, final=final, comment=comment, request=request
    )


@transaction.atomic
def user_remove_from_organization(
    *, actor: User, user: User, organization: Organization, comment: str, request=None
) -> None:
    """Take away the user's levels, scope and membership in this organization."""
    _authorize(actor, user, organization)
    comment = _clean_comment(comment, required=True)
    if user.pk == actor.pk:
        raise ValidationError("You cannot remove yourself.")
    last_manager_guard(user, organization, "remove them")
    access_levels_set(actor=actor, user=user, organization=organization, levels=[], request=request)
    in_org = ProviderIdentifier.objects.filter(organization=organization)
    scope_remove(actor=actor, user=user, provider_identifiers=list(in_org.in_scope(user)), request=request)
    Membership.objects.filter(user=user, organization=organization).delete()
    sessions_end(users=user)
    history_add(user=user, organization=organization, author=actor, action=Action.REMOVE, comment=comment)
    record(
        action=AuditAction.MEMBERSHIP_REMOVED,
        actor=actor,
        target=user,
        organization=organization,
        details={"comment": comment},
        request=request,
    )
    notify(user, "Your access changed", f"Your access to {organization.name} (TIN {organization.tin}) was removed.")


@transaction.atomic
def membership_end_set(
    *, actor: User, user: User, organization: Organization, ends_on, comment: str = "", request=None
) -> None:
    """Time-limited access: the daily job removes the user's access to the organization after ``ends_on``."""
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    if ends_on is not None and ends_on < timezone.localdate():
        raise ValidationError({"ends_on": "Choose today or a later date."})
    if ends_on is not None:
        last_manager_guard(user, organization, "give them an end date")
    Membership.objects.update_or_create(user=user, organization=organization, defaults={"ends_on": ends_on})
    history_add(
        user=user,
        organization=organization,
        author=actor,
        action=Action.END_DATE,
        comment=comment or (f"Access ends after {ends_on:%Y-%m-%d}" if ends_on else "No end date"),
    )
    record(
        action=AuditAction.MEMBERSHIP_END_SET,
        actor=actor,
        target=user,
        organization=organization,
        details={"ends_on": ends_on.isoformat() if ends_on else None},
        request=request,
    )


@transaction.atomic
def registration_email_send(*, actor: User, user: User, organization: Organization, comment: str = "", request=None):
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    if user.status != UserStatus.UNVERIFIED:
        raise ValidationError("A registration email is for users who are enabled but have not finished registering.")
    purpose = LinkPurpose.INVITATION if not hasattr(user, "registration") else LinkPurpose.REGISTRATION
    registration_link_issue(user=user, actor=actor, organization=organization, purpose=purpose)
    history_add(user=user, organization=organization, author=actor, action=Action.REGISTRATION_EMAIL, comment=comment)
    return link_validity(purpose)


@transaction.atomic
def manager_password_reset_send(
    *, actor: User, user: User, organization: Organization, comment: str = "", request=None
):
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    password_reset_send(actor=actor, user=user, request=request)
    history_add(user=user, organization=organization, author=actor, action=Action.PASSWORD_RESET, comment=comment)


@transaction.atomic
def user_comment_add(*, actor: User, user: User, organization: Organization, comment: str, request=None):
    _authorize(actor, user, organization)
    comment = _clean_comment(comment, required=True)
    history_add(user=user, organization=organization, author=actor, action=Action.COMMENT, comment=comment)


UNCHANGED = object()  # ``ends_on`` not on the submitted form: the end date stays as it is


@dataclass(frozen=True)
class UserChanges:
    """What one Save of the Update User form changes, worked out before anything is written."""

    final_levels: frozenset[str] | None = None  # None: the levels stay as they are
    levels_added: frozenset[str] = frozenset()
    levels_removed: frozenset[str] = frozenset()
    scope_added: tuple[ProviderIdentifier, ...] = ()
    scope_removed: tuple[ProviderIdentifier, ...] = ()
    ends_on_changed: bool = False
    ends_on: date | None = None

    def __bool__(self) -> bool:
        return bool(self.levels_added or self.levels_removed or self.scope_added or self.scope_removed) or (
            self.ends_on_changed
        )

    def _scope_summary(self, identifiers, verb: str) -> str:
        return f"{join_words([pid_label(pid) for pid in identifiers])} {verb}" if identifiers else ""

    def _end_summary(self) -> str:
        if not self.ends_on_changed:
            return ""
        return f"end date set to {self.ends_on:%Y-%m-%d}" if self.ends_on else "end date removed"

    @property
    def sentences(self) -> list[str]:
        """Each change in words: "Claims added", "NPI 1245319599 removed", "end date set to 2027-01-31"."""
        parts = [
            levels_summary(self.levels_added, self.levels_removed),
            self._scope_summary(self.scope_added, "added"),
            self._scope_summary(self.scope_removed, "removed"),
            self._end_summary(),
        ]
        return [part for part in parts if part]

    @property
    def summary(self) -> str:
        text = "; ".join(self.sentences)
        return text[:1].upper() + text[1:]

    @property
    def removals(self) -> list[str]:
        """What the Save takes away, for the question asked first."""
        result = [f"The {label} level is removed." for label in level_labels(self.levels_removed)]
        result += [
            f"{pid_label(pid)} ({pid.display_name}) is removed from their provider IDs." for pid in self.scope_removed
        ]
        return result


def user_changes_plan(
    *,
    actor: User,
    user: User,
    organization: Organization,
    levels: Iterable[str] | None = None,
    add_provider_ids: Iterable[ProviderIdentifier] = (),
    remove_provider_ids: Iterable[ProviderIdentifier] = (),
    ends_on=UNCHANGED,
) -> UserChanges:
    """Work out a Save without writing anything; the rules' refusals are ValidationErrors keyed by the
    form field they are about (``levels``, ``add_ids``, ``ends_on``)."""
    _authorize(actor, user, organization)
    changes: dict = {}
    if levels is not None:
        try:
            current, final = _levels_final(actor=actor, user=user, organization=organization, levels=levels)
        except ValidationError as error:
            raise ValidationError({"levels": error.messages}) from error
        if final != current:
            changes.update(
                final_levels=frozenset(final),
                levels_added=frozenset(final - current),
                levels_removed=frozenset(current - final),
            )
    adding = {pid.pk: pid for pid in add_provider_ids}
    removing = {pid.pk: pid for pid in remove_provider_ids}
    if any(pid.organization_id != organization.pk for pid in [*adding.values(), *removing.values()]):
        raise ValidationError({"add_ids": "Choose provider IDs of this organization only."})
    if adding or removing:
        held = set(
            ProviderIdentifier.objects.in_scope(user).filter(pk__in=[*adding, *removing]).values_list("pk", flat=True)
        )
        changes["scope_added"] = tuple(pid for pk, pid in adding.items() if pk not in held)
        changes["scope_removed"] = tuple(pid for pk, pid in removing.items() if pk in held and pk not in adding)
    if ends_on is not UNCHANGED:
        membership = Membership.objects.filter(user=user, organization=organization).first()
        if (membership.ends_on if membership else None) != ends_on:
            if ends_on is not None and ends_on < timezone.localdate():
                raise ValidationError({"ends_on": "Choose today or a later date."})
            if ends_on is not None:
                try:
                    last_manager_guard(user, organization, "give them an end date")
                except ValidationError as error:
                    raise ValidationError({"ends_on": error.messages}) from error
            changes.update(ends_on_changed=True, ends_on=ends_on)
    return UserChanges(**changes)


# The status buttons of Update User, each acting on the saved state after the Save.
USER_ACTIONS = ("enable", "disable", "registration_email", "password_reset", "revoke", "remove")


# These end the user's access here: whatever else the form says is not saved first.
ACTIONS_WITHOUT_SAVE = frozenset({"revoke", "remove"})


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    organization: Organization,
    levels: Iterable[str] | None = None,
    add_provider_ids: Iterable[ProviderIdentifier] = (),
    remove_provider_ids: Iterable[ProviderIdentifier] = (),
    ends_on=UNCHANGED,
    comment: str = "",
    action: str = "",
    request=None,
) -> UserChanges:
    """The Update User Save: levels, provider IDs of the TIN, end date and the comment, applied
    together (each change audited and written to the comment history), then the status ``action``
    if one was pressed. All of it or nothing: a refused action leaves the Save unwritten too."""
    if action and action not in USER_ACTIONS:
        raise ValidationError("Choose an action.")
    _authorize(actor, user, organization)
    comment = _clean_comment(comment)
    changes = UserChanges()
    if action not in ACTIONS_WITHOUT_SAVE:
        changes = user_changes_plan(
            actor=actor,
            user=user,
            organization=organization,
            levels=levels,
            add_provider_ids=add_provider_ids,
            remove_provider_ids=remove_provider_ids,
            ends_on=ends_on,
        )
    if changes.final_levels is not None:
        _levels_apply(
            actor=actor,
            user=user,
            organization=organization,
            final=set(changes.final_levels),
            comment=comment,
            request=request,
        )
    if changes.scope_added or changes.scope_removed:
        if changes.scope_added:
            scope_add(actor=actor, user=user, provider_identifiers=changes.scope_added, request=request)
        if changes.scope_removed:
            scope_remove(actor=actor, user=user, provider_identifiers=changes.scope_removed, request=request)
        scope_text = "; ".join(
            part
            for part in (
                changes._scope_summary(changes.scope_added, "added"),
                changes._scope_summary(changes.scope_removed, "removed"),
            )
            if part
        )
        history_add(
            user=user,
            organization=organization,
            author=actor,
            action=Action.UPDATE_SCOPE,
            comment=comment or _fit(scope_text),
        )
    if changes.ends_on_changed:
        Membership.objects.update_or_create(user=user, organization=organization, defaults={"ends_on": changes.ends_on})
        history_add(
            user=user,
            organization=organization,
            author=actor,
            action=Action.END_DATE,
            comment=comment or changes._end_summary().capitalize(),
        )
        record(
            action=AuditAction.MEMBERSHIP_END_SET,
            actor=actor,
            target=user,
            organization=organization,
            details={"ends_on": changes.ends_on.isoformat() if changes.ends_on else None},
            request=request,
        )
    if not action and not changes and comment:
        history_add(user=user, organization=organization, author=actor, action=Action.COMMENT, comment=comment)
    if action:
        service = {
            "enable": user_enable,
            "disable": user_disable,
            "registration_email": registration_email_send,
            "password_reset": manager_password_reset_send,
            "revoke": invitation_revoke,
            "remove": user_remove_from_organization,
        }[action]
        kwargs = {"actor": actor, "user": user, "organization": organization, "request": request}
        if action != "revoke":
            kwargs["comment"] = comment
        service(**kwargs)
    return changes


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    organization: Organization,
    email: str,
    full_name: str,
    levels: Iterable[str],
    provider_identifiers: Iterable[ProviderIdentifier] = (),
    phone: str = "",
    request=None,
) -> User:
    """Invite a person: an Unverified login with levels and scope chosen now, and a link for INVITATION_DAYS."""
    if not manages(actor, organization):
        raise PermissionDenied("You do not manage this organization.")
    levels = set(levels)
    grantable = set(AccessLevel.values) if actor.is_payer_staff else user_levels(user=actor, organization=organization)
    if levels - grantable:
        labels = ", ".join(sorted(AccessLevel(c).label for c in levels - grantable if c in AccessLevel.values))
        raise ValidationError(f"You cannot grant levels you do not hold yourself: {labels or 'unknown levels'}.")
    identifiers = list(provider_identifiers)
    if any(pid.organization_id != organization.pk for pid in identifiers):
        raise ValidationError("Choose provider IDs of this organization only.")
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {"email": "This person already has a login. Ask the payer's Provider Services to add them to your TIN."}
        )
    user = user_create(
        actor=actor, email=email, full_name=full_name, phone=phone, status=UserStatus.UNVERIFIED, request=request
    )
    Membership.objects.get_or_create(user=user, organization=organization)
    access_levels_set(actor=actor, user=user, organization=organization, levels=levels, request=request)
    scope_add(actor=actor, user=user, provider_identifiers=identifiers, request=request)
    registration_link_issue(user=user, actor=actor, organization=organization, purpose=LinkPurpose.INVITATION)
    history_add(user=user, organization=organization, author=actor, action=Action.INVITE, comment="")
    record(
        action=AuditAction.INVITATION_SENT,
        actor=actor,
        target=user,
        organization=organization,
        details={"levels": sorted(levels), "provider_ids": [pid.value for pid in identifiers]},
        request=request,
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, user: User, organization: Organization, request=None) -> None:
    _authorize(actor, user, organization)
    if user.status != UserStatus.UNVERIFIED:
        raise ValidationError("Only an invitation not yet accepted can be revoked.")
    RegistrationLink.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )
    access_levels_set(actor=actor, user=user, organization=organization, levels=[], request=request)
    user_status_set(actor=actor, user=user, status=UserStatus.DISABLED, reason="Invitation revoked", request=request)
    history_add(user=user, organization=organization, author=actor, action=Action.INVITE_REVOKE, comment="")
    record(action=AuditAction.INVITATION_REVOKED, actor=actor, target=user, organization=organization, request=request)
