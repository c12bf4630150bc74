"""Who may see what, and at what cost: each answer in a constant number of queries."""

import pytest

from accounts.access import (
    account_managers,
    levels_by_organization,
    levels_held_anywhere,
    organizations_for_user,
    provider_ids_in_scope,
    user_may,
)
from accounts.models import AccessLevel, UserStatus
from accounts.services.access import access_levels_set, scope_add
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_organizations_for_user(biller, org, other_org, django_assert_num_queries):
    with django_assert_num_queries(1):  # organizations with an EXISTS on the grant table
        assert list(organizations_for_user(user=biller)) == [org]
    with django_assert_num_queries(1):
        assert list(organizations_for_user(user=biller, level=AccessLevel.CLAIMS)) == [org]
    with django_assert_num_queries(1):
        assert list(organizations_for_user(user=biller, level=AccessLevel.MANAGE_ACCOUNT)) == []


def test_provider_ids_in_scope(biller, npi, other_npi, django_assert_num_queries):
    with django_assert_num_queries(1):  # provider IDs joined to their organization, EXISTS on grants
        ids = list(provider_ids_in_scope(user=biller))
        assert [pid.organization.tin for pid in ids] == ["123456789"]
    assert ids == [npi]


def test_user_may(biller, npi, other_npi, django_assert_num_queries):
    with django_assert_num_queries(1):  # one EXISTS over scope and level together
        assert user_may(user=biller, level=AccessLevel.CLAIMS, provider_identifier=npi) is True
    with django_assert_num_queries(1):
        assert user_may(user=biller, level=AccessLevel.MANAGE_ACCOUNT, provider_identifier=npi) is False
    with django_assert_num_queries(1):
        assert user_may(user=biller, level=AccessLevel.CLAIMS, provider_identifier=other_npi) is False


def test_user_may_needs_the_level_on_the_ids_own_organization(biller, org):
    """A provider ID in scope under a TIN where the user holds no level opens nothing."""
    elsewhere = ProviderIdentifierFactory(organization=OrganizationFactory())
    scope_add(actor=None, user=biller, provider_identifiers=[elsewhere])
    assert user_may(user=biller, level=AccessLevel.CLAIMS, provider_identifier=elsewhere) is False


def test_disabled_user_may_nothing(biller, npi):
    biller.status = UserStatus.DISABLED
    assert user_may(user=biller, level=AccessLevel.CLAIMS, provider_identifier=npi) is False
    assert list(provider_ids_in_scope(user=biller)) == []
    assert levels_held_anywhere(user=biller) == set()


def test_query_counts_do_not_grow_with_data(django_assert_num_queries):
    user = UserFactory()
    organizations = OrganizationFactory.create_batch(30)
    for organization in organizations:
        access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
        scope_add(
            actor=None,
            user=user,
            provider_identifiers=ProviderIdentifierFactory.create_batch(3, organization=organization),
        )
    with django_assert_num_queries(1):
        assert len(levels_by_organization(user=user)) == 30
    with django_assert_num_queries(1):
        assert len(list(provider_ids_in_scope(user=user))) == 90
    with django_assert_num_queries(1):
        assert levels_held_anywhere(user=user) == {AccessLevel.CLAIMS}


def test_account_managers(manager, biller, org):
    assert list(account_managers(organization=org)) == [manager]
