"""User Management's member counts per organization and status (``MemberStatusCount``), checked
against the members and rebuilt from them.

The database's triggers keep the counts in every transaction (accounts/migrations/0007); this is
for after a bulk load that went around them and for ``manage.py member_counts``, which checks them.
"""

import logging

from django.db import connection, transaction
from django.db.models import Count

from accounts.models import Membership, MemberStatusCount, UserKind

logger = logging.getLogger(__name__)


def _actual() -> dict[tuple[int, str], int]:
    rows = (
        Membership.objects.filter(user__kind=UserKind.PROVIDER)
        .order_by()
        .values_list("organization_id", "user__status")
        .annotate(n=Count("id"))
    )
    return {(organization_id, status): n for organization_id, status, n in rows}


def _kept() -> dict[tuple[int, str], int]:
    rows = MemberStatusCount.objects.exclude(members=0).values_list("organization_id", "status", "members")
    return {(organization_id, status): n for organization_id, status, n in rows}


def member_counts_differences() -> list[tuple[int, str, int, int]]:
    """Where the kept counts differ from the members: (organization id, status, kept, actual)."""
    kept, actual = _kept(), _actual()
    return sorted(
        (o, s, kept.get((o, s), 0), actual.get((o, s), 0))
        for o, s in kept.keys() | actual.keys()
        if kept.get((o, s), 0) != actual.get((o, s), 0)
    )


def member_counts_rebuild() -> list[tuple[int, str, int, int]]:
    """Make the counts those of the members; returns what was wrong. On PostgreSQL the counts are
    locked against writes first: a change being made meanwhile adds its own +1/-1 once this commits."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE accounts_memberstatuscount IN EXCLUSIVE MODE")
        wrong = member_counts_differences()
        if wrong:
            logger.warning("member counts: %d wrong, rebuilt from the members", len(wrong))
            MemberStatusCount.objects.all().delete()
            MemberStatusCount.objects.bulk_create(
                [MemberStatusCount(organization_id=o, status=s, members=n) for (o, s), n in _actual().items()],
                batch_size=5000,
            )
    return wrong
