"""The member counts per organization and status (``MemberStatusCount``) that the database keeps
with triggers: after every kind of change they equal the count of the members, and User
Management reads them instead of the members."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.access import managed_organization_list
from accounts.models import AccessLevel, Membership, MemberStatusCount, User, UserKind, UserStatus
from accounts.selectors import managed_status_counts
from accounts.services.access import access_levels_set
from accounts.services.member_counts import member_counts_differences, member_counts_rebuild
from accounts.services.users import user_status_set
from accounts.tests.factories import OrganizationFactory, UserFactory
from conftest import make_provider

pytestmark = pytest.mark.django_db


def kept(organization) -> dict[str, int]:
    rows = MemberStatusCount.objects.filter(organization=organization).exclude(members=0)
    return dict(rows.values_list("status", "members"))


def member(organization, status=UserStatus.ACTIVE, **fields) -> User:
    user = UserFactory(status=status, **fields)
    Membership.objects.create(user=user, organization=organization)
    return user


def test_adding_and_removing_members_counts_them_in_their_status():
    org = OrganizationFactory()
    member(org)
    member(org)
    pending = member(org, UserStatus.VERIFICATION_PENDING)
    assert kept(org) == {"active": 2, "verification_pending": 1}
    Membership.objects.filter(user=pending).delete()
    assert kept(org) == {"active": 2}
    assert member_counts_differences() == []


def test_a_status_change_moves_the_user_in_every_organization_they_belong_to():
    first, second = OrganizationFactory(), OrganizationFactory()
    user = member(first)
    Membership.objects.create(user=user, organization=second)
    user_status_set(actor=None, user=user, status=UserStatus.DISABLED, reason="left")
    assert kept(first) == kept(second) == {"disabled": 1}
    user_status_set(actor=None, user=user, status=UserStatus.ACTIVE, reason="back")
    assert kept(first) == kept(second) == {"active": 1}


def test_a_bulk_update_is_counted_as_well():
    org = OrganizationFactory()
    for _ in range(5):
        member(org)
    User.objects.filter(memberships__organization=org).update(status=UserStatus.LOCKED)
    assert kept(org) == {"locked": 5}


def test_saving_a_user_without_a_change_of_status_changes_nothing():
    org = OrganizationFactory()
    user = member(org)
    user.full_name = "Renamed"
    user.save()
    assert kept(org) == {"active": 1}


def test_only_provider_users_are_counted():
    org = OrganizationFactory()
    staff = member(org, kind=UserKind.PAYER_STAFF)
    assert kept(org) == {}
    User.objects.filter(pk=staff.pk).update(kind=UserKind.PROVIDER)
    assert kept(org) == {"active": 1}
    User.objects.filter(pk=staff.pk).update(kind=UserKind.PAYER_STAFF, status=UserStatus.DISABLED)
    assert kept(org) == {}


def test_a_membership_moved_to_another_organization_or_user_moves_its_count():
    first, second = OrganizationFactory(), OrganizationFactory()
    user = member(first)
    Membership.objects.filter(user=user).update(organization=second)
    assert kept(first) == {}
    assert kept(second) == {"active": 1}
    other = UserFactory(status=UserStatus.UNVERIFIED)
    Membership.objects.filter(user=user).update(user=other)
    assert kept(second) == {"unverified": 1}


def test_deleting_a_user_or_an_organization_leaves_no_count_behind():
    org = OrganizationFactory()
    user = member(org)
    member(org)
    user.delete()
    assert kept(org) == {"active": 1}
    org.delete()
    assert not MemberStatusCount.objects.filter(organization_id=org.pk).exists()
    assert member_counts_differences() == []


def test_the_counts_match_the_members_after_a_mixed_history():
    orgs = OrganizationFactory.create_batch(3)
    users = [member(orgs[i % 3], status) for i, status in enumerate(UserStatus.values * 3)]
    Membership.objects.create(user=users[0], organization=orgs[1])
    User.objects.filter(pk__in=[u.pk for u in users[:6]]).update(status=UserStatus.DISABLED)
    Membership.objects.filter(user=users[7]).delete()
    users[8].delete()
    assert member_counts_differences() == []


def test_rebuild_repairs_counts_that_were_written_around_the_triggers():
    org = OrganizationFactory()
    member(org)
    MemberStatusCount.objects.filter(organization=org).update(members=7)
    MemberStatusCount.objects.create(organization=org, status=UserStatus.LOCKED, members=2)
    assert member_counts_differences() == [(org.pk, "active", 7, 1), (org.pk, "locked", 2, 0)]
    with pytest.raises(CommandError, match="2 counts differ"):
        call_command("member_counts")
    assert member_counts_rebuild() == [(org.pk, "active", 7, 1), (org.pk, "locked", 2, 0)]
    assert kept(org) == {"active": 1}
    call_command("member_counts")  # matches now: no error


def test_user_management_reads_the_counts_not_the_members_for_one_tin(org, npi):
    manager = make_provider("m@example.test", org, AccessLevel.values, [npi])
    for status in (UserStatus.ACTIVE, UserStatus.ACTIVE, UserStatus.LOCKED):
        member(org, status)
    managed = managed_organization_list(manager=manager)
    with CaptureQueriesContext(connection) as queries:
        counts = managed_status_counts(manager=manager, managed=managed)
    assert counts == {"active": 3, "locked": 1}  # the manager is an Active member too
    assert len(queries) == 1
    assert "accounts_memberstatuscount" in queries[0]["sql"]
    assert "accounts_user" not in queries[0]["sql"]
    assert counts == managed_status_counts(manager=manager)  # the members counted: the same


def test_across_several_tins_a_user_in_two_of_them_is_counted_once(org, npi):
    manager = make_provider("m@example.test", org, AccessLevel.values, [npi])
    other = OrganizationFactory()
    make_provider("m2@example.test", other, AccessLevel.values, [])
    access_levels_set(actor=None, user=manager, organization=other, levels=AccessLevel.values)
    both = member(org)
    Membership.objects.create(user=both, organization=other)
    managed = managed_organization_list(manager=manager)
    assert len(managed) == 2
    assert managed_status_counts(manager=manager, managed=managed) == {"active": 3}
    assert managed_status_counts(manager=manager, organization=other, managed=managed) == {"active": 3}


def test_another_managers_organizations_are_refused(org, npi):
    manager = make_provider("m@example.test", org, AccessLevel.values, [npi])
    stranger = make_provider("s@example.test", OrganizationFactory(), AccessLevel.values, [])
    with pytest.raises(ValueError, match="another manager"):
        managed_status_counts(manager=stranger, managed=managed_organization_list(manager=manager))


def test_an_organization_the_manager_does_not_manage_counts_nothing(org, npi):
    manager = make_provider("m@example.test", org, AccessLevel.values, [npi])
    foreign = OrganizationFactory()
    member(foreign)
    managed = managed_organization_list(manager=manager)
    assert managed_status_counts(manager=manager, organization=foreign, managed=managed) == {}
