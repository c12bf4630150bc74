"""Reads for the two dashboards, in a fixed number of queries."""

from django.db.models import Count

from accounts.models import AccessLevel, Organization, ProviderIdentifier, User, UserKind, UserStatus
from accounts.selectors import levels_by_organization, provider_ids_in_scope
from audit.models import AuditEvent


def provider_dashboard(*, user: User) -> dict:
    levels = levels_by_organization(user=user)
    organizations = Organization.objects.filter(pk__in=levels.keys()).order_by("name")
    order = list(AccessLevel)
    return {
        "organizations": [
            {
                "organization": organization,
                "levels": [level.label for level in order if level.value in levels[organization.pk]],
            }
            for organization in organizations
        ],
        "scope_count": provider_ids_in_scope(user=user).count(),
        "recent_events": AuditEvent.objects.filter(actor=user).order_by("-occurred_at", "-id")[:5],
    }


def payer_dashboard() -> dict:
    status_counts = dict(
        User.objects.filter(kind=UserKind.PROVIDER).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {
        "status_counts": [(status.label, status_counts.get(status.value, 0)) for status in UserStatus],
        "organization_count": Organization.objects.count(),
        "unverified_tin_count": Organization.objects.filter(tin_verified=False).count(),
        "provider_id_count": ProviderIdentifier.objects.count(),
        "recent_events": AuditEvent.objects.select_related("organization").order_by("-occurred_at", "-id")[:10],
    }
