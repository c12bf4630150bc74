"""Who may see which rows: the one place that reads the access-level and scope permission tables.

A provider reaches a row through a provider ID and/or an organization (TIN). A model says how by
declaring its paths, and gets ``Model.objects.restrict(user, level)`` (after NetBox's
``RestrictedQuerySet``):

- ``access_provider_path``: the lookup from the model to its ProviderIdentifier ("" for the
  ProviderIdentifier itself);
- ``access_organization_path``: the lookup to its Organization ("" for the Organization itself),
  or ``ANY_ORGANIZATION`` for rows that name no organization (the level held on any organization
  opens them, as the Eligibility lookup of a member does);
- ``access_grant_path``: for rows that live before any TIN or provider ID exists (an enrollment
  application), the lookup to the user of the row's own grant table: the row is visible to the
  users named there, and only to them (``level`` then names no access level and must be None).

The rule: a row with a provider path is visible when its provider ID is in the user's scope AND
the user holds ``level`` on that ID's organization; a row with only an organization path when the
user holds ``level`` on the organization. ``level=None`` means any access level. Users who are not
Active (or Locked, which keeps open sessions) see nothing, nor do payer staff on provider rows.
The second factor is not checked here: no page opens without it (RequireVerifiedMiddleware).

Each condition is an ``EXISTS`` subquery on a permission table, so a restricted list stays one
query with no query per row. ``restrict_listed`` gives the same rows from a list of the user's
provider IDs read first, for the long sorted lists where the planner needs to know the reach.
Writes (granting and revoking) live in accounts.services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet

if TYPE_CHECKING:
    from accounts.models import Organization, ProviderIdentifier, User

# Rows of a model with this organization path name no organization: the level held anywhere opens them.
ANY_ORGANIZATION = object()


def _ref(path: str) -> OuterRef:
    return OuterRef(path or "pk")


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to the rows a user may see with an access level."""

    def restrict(self, user: User, level: str | None = None) -> QuerySet:
        """The rows ``user`` may see with ``level`` (None: any access level). One query."""
        grant_path = getattr(self.model, "access_grant_path", None)
        if grant_path is not None:
            if level is not None:
                raise ImproperlyConfigured(f"{self.model.__name__} is reached through its grants, not a level.")
            if not user.is_authenticated or not user.is_active or user.is_payer_staff:
                return self.none()
            return self.filter(_granted(self.model, grant_path, user))
        provider_path, organization_path = _paths(self.model)
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if provider_path is not None:
            if user.is_payer_staff:
                return self.none()
            return self.filter(*_reach(user, level, provider_path, organization_path))
        return self.filter(self.holds_level(user, level))

    def restrict_listed(self, user: User, level: str | None = None, *, reach: ProviderReach | None = None) -> QuerySet:
        """The same rows as ``restrict``, for long sorted lists: the provider IDs the user may use
        with ``level`` are read first (one query, or none given the ``reach`` a page already read
        for its filter) and the rows filtered by that list of keys. The database then knows how
        many rows match and walks the sort's index to the first page, where ``EXISTS`` on every
        row made it test and sort all of them (over 3 s a page at a million claims). Models with a
        provider path only."""
        provider_path, _ = _paths(self.model)
        if provider_path is None:
            raise ImproperlyConfigured(f"{self.model.__name__} declares no access_provider_path.")
        if reach is None:
            reach = provider_reach(user, level)
        elif reach.user_pk != getattr(user, "pk", None) or reach.level != level:
            raise ValueError("A reach read for another user or level cannot restrict this one's rows.")
        return self.filter(**{f"{provider_path or 'pk'}__in": list(reach.pks)})

    def holds_level(self, user: User, level: str | None = None) -> Exists:
        """The condition "``user`` holds ``level`` on the row's organization", to combine with others."""
        _, organization_path = _paths(self.model)
        if organization_path is ANY_ORGANIZATION:
            return Exists(_level_grants(user=user, levels=[level] if level else None))
        return Exists(
            _level_grants(user=user, levels=[level] if level else None).filter(content_object=_ref(organization_path))
        )

    def in_scope(self, user: User) -> QuerySet:
        """The rows whose provider ID is in the user's scope, whatever the user's status or levels
        (what User Management and the Control Panel show of another user). One query."""
        provider_path, _ = _paths(self.model)
        if provider_path is None:
            raise ImproperlyConfigured(f"{self.model.__name__} declares no access_provider_path.")
        return self.filter(Exists(_scope_grants(user=user).filter(content_object=_ref(provider_path))))


class ProviderReach:
    """The provider IDs ``user`` may use with ``level``, read once (``provider_reach``): the choices
    of a page's provider ID filter and the keys ``restrict_listed`` filters by, from one query."""

    __slots__ = ("identifiers", "level", "user_pk")

    def __init__(self, *, user_pk: int | None, level: str | None, identifiers: Iterable[ProviderIdentifier]):
        self.user_pk, self.level, self.identifiers = user_pk, level, tuple(identifiers)

    @property
    def pks(self) -> list[int]:
        return [identifier.pk for identifier in self.identifiers]

    def pks_of_value(self, value: str) -> list[int]:
        """The keys of the reached provider IDs with this value (an NPI can be in two kinds' rows)."""
        return [identifier.pk for identifier in self.identifiers if identifier.value == value]

    def __len__(self) -> int:
        return len(self.identifiers)


def provider_reach(user: User, level: str | None = None) -> ProviderReach:
    """The user's reach with ``level``, ordered by kind and value. One query (none for a user who
    reaches nothing for want of being Active)."""
    identifiers = account_models.ProviderIdentifier.objects.restrict(user, level).order_by("kind", "value")
    return ProviderReach(user_pk=getattr(user, "pk", None), level=level, identifiers=identifiers)


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """The default manager of a model with declared access paths."""


def _paths(model) -> tuple[str | None, object]:
    provider_path = getattr(model, "access_provider_path", None)
    organization_path = getattr(model, "access_organization_path", None)
    if organization_path is None:
        raise ImproperlyConfigured(f"{model.__name__} declares no access_organization_path.")
    if provider_path is not None and organization_path is ANY_ORGANIZATION:
        raise ImproperlyConfigured(f"{model.__name__}: a provider ID always has an organization path.")
    return provider_path, organization_path


def _granted(model, grant_path: str, user: User) -> Exists:
    """The condition "``user`` is named on the row's grant": one EXISTS on the model's own table,
    so a row is counted once however many joins the path takes."""
    return Exists(model._default_manager.filter(pk=OuterRef("pk"), **{grant_path: user}))


def _reach(user: User, level: str | None, provider_path: str, organization_path: str) -> list[Exists]:
    """The two conditions of using a provider ID: it is in the user's scope, and the user holds the
    level on the ID's own organization (scope alone, or the level elsewhere, is not enough)."""
    in_scope = _scope_grants(user=user).filter(content_object=_ref(provider_path))
    holds = _level_grants(user=user, levels=[level] if level else None).filter(content_object=_ref(organization_path))
    return [Exists(in_scope), Exists(holds)]


# The permission models are read through the module: accounts.models imports this one for its managers.
from accounts import models as account_models  # noqa: E402


def _level_grants(*, user: User, levels: list[str] | None = None) -> QuerySet:
    return account_models.OrganizationUserObjectPermission.objects.filter(
        user=user, permission__codename__in=levels or account_models.AccessLevel.values
    )


def _scope_grants(*, user: User) -> QuerySet:
    return account_models.ProviderIdentifierUserObjectPermission.objects.filter(
        user=user, permission__codename=account_models.SCOPE_PERMISSION
    )


# --- the user's own levels and scope ---------------------------------------------------------------


def organizations_for_user(*, user: User, level: str | None = None) -> QuerySet[Organization]:
    """Organizations where the user holds ``level`` (or any level). One query."""
    return account_models.Organization.objects.restrict(user, level)


def levels_by_organization(*, user: User) -> dict[int, set[str]]:
    """Organization id → the access levels the user holds there. One query."""
    result: dict[int, set[str]] = defaultdict(set)
    if not user.is_authenticated or not user.is_active:
        return {}
    rows = _level_grants(user=user).values_list("content_object_id", "permission__codename")
    for organization_id, codename in rows:
        result[organization_id].add(codename)
    return dict(result)


def levels_held_anywhere(*, user: User) -> set[str]:
    """Every access level the user holds on at least one organization. One query."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(_level_grants(user=user).values_list("permission__codename", flat=True).distinct())


def user_levels(*, user: User, organization: Organization) -> set[str]:
    """The user's access levels on one organization, whatever the user's status. One query."""
    return set(
        _level_grants(user=user).filter(content_object=organization).values_list("permission__codename", flat=True)
    )


def provider_ids_in_scope(*, user: User) -> QuerySet[ProviderIdentifier]:
    """The provider IDs the user may act for, with their organization. One query."""
    if not user.is_authenticated or not user.is_active:
        return account_models.ProviderIdentifier.objects.none()
    return account_models.ProviderIdentifier.objects.in_scope(user).select_related("organization")


def user_may(*, user: User, level: str, provider_identifier: ProviderIdentifier) -> bool:
    """Whether the user may use ``level`` for this provider ID: it must be in the user's scope
    and the user must hold the level on the ID's organization. One query."""
    if not user.is_authenticated or not user.is_active or level not in account_models.AccessLevel.values:
        return False
    return (
        account_models.ProviderIdentifier.objects.filter(pk=provider_identifier.pk)
        .filter(*_reach(user, level, "", "organization"))
        .exists()
    )


# --- other users' levels and scope -----------------------------------------------------------------


def levels_of_users(*, organization: Organization, user_ids: Iterable[int]) -> dict[int, set[str]]:
    """User id → the access levels each of these users holds on the organization. One query."""
    result: dict[int, set[str]] = defaultdict(set)
    for user_id, codename in account_models.OrganizationUserObjectPermission.objects.filter(
        content_object=organization,
        user_id__in=list(user_ids),
        permission__codename__in=account_models.AccessLevel.values,
    ).values_list("user_id", "permission__codename"):
        result[user_id].add(codename)
    return result


def scope_values_of_users(*, organization: Organization, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """User id → the values of the organization's provider IDs in each user's scope. One query."""
    result: dict[int, list[str]] = defaultdict(list)
    for user_id, value in account_models.ProviderIdentifierUserObjectPermission.objects.filter(
        user_id__in=list(user_ids),
        permission__codename=account_models.SCOPE_PERMISSION,
        content_object__organization=organization,
    ).values_list("user_id", "content_object__value"):
        result[user_id].append(value)
    return result


def level_grants(*, level: str, active_only: bool = False) -> QuerySet:
    """Who holds ``level`` where, as (user, organization) grant rows to narrow further (``user``,
    ``content_object`` is the organization); only Active users with ``active_only``."""
    grants = account_models.OrganizationUserObjectPermission.objects.filter(permission__codename=level)
    if active_only:
        grants = grants.filter(user__status=account_models.UserStatus.ACTIVE)
    return grants


def level_held_on(level: str, organization_ref: str = "pk", **user_filters) -> Exists:
    """The condition "someone (matching ``user_filters``, e.g. ``user__status=...``) holds ``level``
    on the row's organization", for lists of organizations."""
    return Exists(level_grants(level=level).filter(content_object=OuterRef(organization_ref), **user_filters))


def has_grant_on_tin(tin: str, user_ref: str = "pk") -> Exists:
    """The condition "the row's user holds a permission on the organization with this TIN"."""
    return Exists(
        account_models.OrganizationUserObjectPermission.objects.filter(user=OuterRef(user_ref), content_object__tin=tin)
    )


def has_npi_in_scope(npi: str, user_ref: str = "pk") -> Exists:
    """The condition "the row's user has this NPI in scope"."""
    return Exists(
        account_models.ProviderIdentifierUserObjectPermission.objects.filter(
            user=OuterRef(user_ref), content_object__kind="npi", content_object__value=npi
        )
    )


# --- account managers ------------------------------------------------------------------------------


def account_managers(*, organization: Organization, active_only: bool = True) -> QuerySet[User]:
    """The users holding Manage Account on the organization. One query."""
    grants = account_models.OrganizationUserObjectPermission.objects.filter(
        content_object=organization,
        permission__codename=account_models.AccessLevel.MANAGE_ACCOUNT,
        user=OuterRef("pk"),
    )
    users = account_models.User.objects.filter(Exists(grants))
    if active_only:
        users = users.filter(status=account_models.UserStatus.ACTIVE)
    return users.order_by("full_name")


def active_manager_exists(organization_ref: str = "pk") -> Exists:
    """The condition "the row's organization has an Active account manager", for lists of
    organizations (the "no account manager" flag of the Control Panel and the nightly notice)."""
    return level_held_on(
        account_models.AccessLevel.MANAGE_ACCOUNT, organization_ref, user__status=account_models.UserStatus.ACTIVE
    )


def has_active_manager(*, organization: Organization, other_than: User | None = None) -> bool:
    """Whether an Active user (other than ``other_than``) holds Manage Account on the
    organization: what keeps a TIN from being left without an account manager. One query."""
    grants = level_grants(level=account_models.AccessLevel.MANAGE_ACCOUNT, active_only=True).filter(
        content_object=organization
    )
    if other_than is not None:
        grants = grants.exclude(user=other_than)
    return grants.exists()


def account_managers_by_organization(*, organization_ids) -> dict[int, list[User]]:
    """Active account managers of each organization, for "who controls my access?". One query."""
    grants = (
        level_grants(level=account_models.AccessLevel.MANAGE_ACCOUNT, active_only=True)
        .filter(content_object_id__in=list(organization_ids))
        .select_related("user")
        .order_by("user__full_name")
    )
    result: dict[int, list[User]] = defaultdict(list)
    for grant in grants:
        result[grant.content_object_id].append(grant.user)
    return dict(result)


def managed_organizations(*, manager: User) -> QuerySet[Organization]:
    """The organizations where the user is an account manager. One query."""
    return organizations_for_user(user=manager, level=account_models.AccessLevel.MANAGE_ACCOUNT).order_by("name")


class ManagedOrganizations(tuple):
    """The organizations where one manager holds Manage Account, read once for a request
    (``managed_organization_list``) and handed to the reads of their members (``managed_by``)."""

    manager_id: int


def managed_organization_list(*, manager: User) -> ManagedOrganizations:
    """``managed_organizations`` read now, for the page's own use (the TIN filter, the heading) and
    for ``managed_by(..., managed=...)``. One query."""
    organizations = ManagedOrganizations(managed_organizations(manager=manager))
    organizations.manager_id = manager.pk
    return organizations


def managed_by(
    *, manager: User, organization: Organization | None = None, managed: ManagedOrganizations | None = None
) -> QuerySet[User]:
    """The provider users a manager manages: members of the organizations (or of the one given)
    where the manager holds Manage Account. One query.

    ``managed``: the manager's organizations as ``managed_organization_list`` read them earlier in
    the request. Their ids then go into the query as values rather than as a subquery, so that
    PostgreSQL plans for the TINs at hand: a TIN of 5,000 members is read in the order of an
    index (the first page by name, the longest inactive) instead of every member being read and
    sorted, which the planner does when it has to guess a TIN's size."""
    if managed is None:
        members = account_models.Membership.objects.filter(
            user=OuterRef("pk"), organization__in=managed_organizations(manager=manager).values("pk")
        )
    else:
        if managed.manager_id != manager.pk:
            raise ValueError("managed_by: those are another manager's organizations")
        ids = [o.pk for o in managed if organization is None or o.pk == organization.pk]
        members = account_models.Membership.objects.filter(user=OuterRef("pk"), organization_id__in=ids)
    if organization is not None:
        members = members.filter(organization=organization)
    return account_models.User.objects.filter(Exists(members), kind="provider")


def manager_audit_scope(*, user: User) -> tuple[set[int], set[str]]:
    """The organizations where ``user`` holds Manage Account, and the uuids (as text) of every user
    holding any access level on one of them (the manager included). One query on the grant table."""
    if not user.is_authenticated or not user.is_active:
        return set(), set()
    managed = _level_grants(user=user, levels=[account_models.AccessLevel.MANAGE_ACCOUNT]).values("content_object_id")
    rows = (
        account_models.OrganizationUserObjectPermission.objects.filter(
            content_object_id__in=managed, permission__codename__in=account_models.AccessLevel.values
        )
        .values_list("content_object_id", "user__uuid")
        .distinct()
    )
    organization_ids, member_uuids = set(), set()
    for organization_id, member_uuid in rows:
        organization_ids.add(organization_id)
        member_uuids.add(str(member_uuid))
    return organization_ids, member_uuids
