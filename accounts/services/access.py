"""Writes to organizations, provider IDs, access levels and scope: the grants the access rule reads."""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import user_levels
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    Membership,
    Organization,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    User,
    UserKind,
)
from audit.models import AuditAction
from audit.services import record


def _permissions(model, codenames: Iterable[str]) -> dict[str, Permission]:
    content_type = ContentType.objects.get_for_model(model)
    return {
        perm.codename: perm for perm in Permission.objects.filter(content_type=content_type, codename__in=codenames)
    }


@transaction.atomic
def organization_create(
    *, actor: User | None, name: str, tin: str, tin_verified: bool = False, request=None, **address
) -> Organization:
    organization = Organization(name=name, tin=tin, tin_verified=tin_verified, **address)
    organization.full_clean()
    organization.save()
    record(
        action=AuditAction.ORGANIZATION_CREATED,
        actor=actor,
        target=organization,
        organization=organization,
        details={"tin": tin, "tin_verified": tin_verified},
        request=request,
    )
    return organization


@transaction.atomic
def provider_identifier_create(
    *, actor: User | None, organization: Organization, kind: str, value: str, display_name: str
) -> ProviderIdentifier:
    identifier = ProviderIdentifier(
        organization=organization, kind=kind, value=value.strip(), display_name=display_name
    )
    identifier.full_clean()
    identifier.save()
    record(
        action=AuditAction.PROVIDER_ID_CREATED,
        actor=actor,
        target=identifier,
        organization=organization,
        details={"kind": kind, "value": identifier.value},
    )
    return identifier


@transaction.atomic
def access_levels_set(
    *, actor: User | None, user: User, organization: Organization, levels: Iterable[str], request=None
) -> tuple[set[str], set[str]]:
    """Make ``levels`` exactly the user's access levels on the organization.

    Returns (added, removed). Only provider users hold access levels.
    """
    wanted = set(levels)
    unknown = wanted - set(AccessLevel.values)
    if unknown:
        raise ValidationError(f"Unknown access levels: {', '.join(sorted(unknown))}")
    if user.kind != UserKind.PROVIDER and wanted:
        raise ValidationError("Only provider users hold access levels.")
    current = user_levels(user=user, organization=organization)
    added, removed = wanted - current, current - wanted
    if added:
        # Holding a level makes the user a member of the organization (User Management lists them).
        Membership.objects.get_or_create(user=user, organization=organization)
    if not added and not removed:
        return added, removed
    perms = _permissions(Organization, added | removed)
    OrganizationUserObjectPermission.objects.bulk_create(
        [
            OrganizationUserObjectPermission(user=user, content_object=organization, permission=perms[c])
            for c in sorted(added)
        ]
    )
    if removed:
        OrganizationUserObjectPermission.objects.filter(
            user=user, content_object=organization, permission__codename__in=removed
        ).delete()
    record(
        action=AuditAction.LEVELS_CHANGED,
        actor=actor,
        target=user,
        organization=organization,
        details={
            "added": sorted(AccessLevel(c).label for c in added),
            "removed": sorted(AccessLevel(c).label for c in removed),
        },
        request=request,
    )
    return added, removed


@transaction.atomic
def scope_add(
    *,
    actor: User | None,
    user: User,
    provider_identifiers: Iterable[ProviderIdentifier],
    request=None,
    reason: str = "",
) -> list[ProviderIdentifier]:
    """Add provider IDs to the user's access scope; returns those that were not there yet."""
    identifiers = list(provider_identifiers)
    if identifiers and user.kind != UserKind.PROVIDER:
        raise ValidationError("Only provider users have a provider-ID scope.")
    existing = set(
        ProviderIdentifierUserObjectPermission.objects.filter(
            user=user, content_object__in=identifiers, permission__codename=SCOPE_PERMISSION
        ).values_list("content_object_id", flat=True)
    )
    new = [pid for pid in identifiers if pid.pk not in existing]
    if not new:
        return []
    perm = _permissions(ProviderIdentifier, [SCOPE_PERMISSION])[SCOPE_PERMISSION]
    ProviderIdentifierUserObjectPermission.objects.bulk_create(
        [ProviderIdentifierUserObjectPermission(user=user, content_object=pid, permission=perm) for pid in new]
    )
    for organization_id in sorted({pid.organization_id for pid in new}):
        record(
            action=AuditAction.SCOPE_ADDED,
            actor=actor,
            target=user,
            organization=next(pid.organization for pid in new if pid.organization_id == organization_id),
            details={
                "provider_ids": [
                    f"{pid.get_kind_display()} {pid.value}" for pid in new if pid.organization_id == organization_id
                ],
                "reason": reason,
            },
            request=request,
        )
    return new


@transaction.atomic
def scope_remove(
    *, actor: User | None, user: User, provider_identifiers: Iterable[ProviderIdentifier], request=None
) -> int:
    identifiers = list(provider_identifiers)
    grants = ProviderIdentifierUserObjectPermission.objects.filter(
        user=user, content_object__in=identifiers, permission__codename=SCOPE_PERMISSION
    )
    removed_ids = set(grants.values_list("content_object_id", flat=True))
    if not removed_ids:
        return 0
    grants.delete()
    for pid in identifiers:
        if pid.pk in removed_ids:
            record(
                action=AuditAction.SCOPE_REMOVED,
                actor=actor,
                target=user,
                organization=pid.organization,
                details={"provider_ids": [f"{pid.get_kind_display()} {pid.value}"]},
                request=request,
            )
    return len(removed_ids)
