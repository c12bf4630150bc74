"""Reads of claims, restricted to what the user may see, and of members for the eligibility lookup.
Each answers in one query (the member, with its coverage spans, in two)."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    User,
)
from claims.models import Claim, Coverage, Member


def _claims_reach(*, user: User, provider_identifier_ref: str, organization_ref: str) -> list[Exists]:
    """The two conditions of seeing a provider ID's claims: the ID is in the user's scope, and the
    user holds Claims on the ID's own organization (scope alone, or Claims elsewhere, is not enough)."""
    in_scope = ProviderIdentifierUserObjectPermission.objects.filter(
        user=user, permission__codename=SCOPE_PERMISSION, content_object=OuterRef(provider_identifier_ref)
    )
    holds_claims = OrganizationUserObjectPermission.objects.filter(
        user=user, permission__codename=AccessLevel.CLAIMS, content_object=OuterRef(organization_ref)
    )
    return [Exists(in_scope), Exists(holds_claims)]


def _may_see_claims(user: User) -> bool:
    return user.is_authenticated and user.is_active and not user.is_payer_staff


def claims_visible_to(*, user: User) -> QuerySet[Claim]:
    """Claims of the provider IDs in the user's scope whose organization granted the user Claims,
    with the provider ID and organization joined. One query."""
    if not _may_see_claims(user):
        return Claim.objects.none()
    reach = _claims_reach(
        user=user,
        provider_identifier_ref="provider_identifier_id",
        organization_ref="provider_identifier__organization_id",
    )
    return Claim.objects.filter(*reach).select_related("provider_identifier__organization")


def claim_provider_ids(*, user: User) -> QuerySet[ProviderIdentifier]:
    """The provider IDs whose claims the user may see (the choices of the provider ID filter). One query."""
    if not _may_see_claims(user):
        return ProviderIdentifier.objects.none()
    reach = _claims_reach(user=user, provider_identifier_ref="pk", organization_ref="organization_id")
    return ProviderIdentifier.objects.filter(*reach).order_by("kind", "value")


def claims_search(
    *,
    user: User,
    provider_id_value: str = "",
    status: str = "",
    service_from: datetime.date | None = None,
    service_to: datetime.date | None = None,
    member_id: str = "",
    claim_number: str = "",
) -> QuerySet[Claim]:
    """The user's visible claims narrowed by the Claims list filters; empty filters are ignored.

    The service dates select claims whose service period overlaps [service_from, service_to].
    """
    claims = claims_visible_to(user=user)
    if provider_id_value:
        claims = claims.filter(provider_identifier__value=provider_id_value)
    if status:
        claims = claims.filter(status=status)
    if service_from:
        claims = claims.filter(service_date_to__gte=service_from)
    if service_to:
        claims = claims.filter(service_date_from__lte=service_to)
    if member_id:
        claims = claims.filter(member_id=member_id)
    if claim_number:
        claims = claims.filter(claim_number=claim_number)
    return claims


def member_for_eligibility(*, member_id: str, date_of_birth: datetime.date) -> Member | None:
    """The member with exactly this member ID and birth date, with every coverage span (newest
    first), or None. A wrong birth date finds nothing, like an unknown ID: one query either way,
    then one more for the spans of a member found."""
    spans = Prefetch("coverages", queryset=Coverage.objects.order_by("-coverage_start", "plan_code"))
    return Member.objects.filter(member_id=member_id, date_of_birth=date_of_birth).prefetch_related(spans).first()
