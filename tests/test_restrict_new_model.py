"""A new module gets the portal's access rule by declaring its path, nothing more: the test-only
``Referral`` (tests/restrict_app) declares its path to the provider ID and to the organization."""

import pytest

from accounts.access import RestrictedQuerySet
from accounts.models import AccessLevel, UserStatus
from accounts.tests.factories import ProviderIdentifierFactory
from conftest import make_provider
from tests.restrict_app.models import Referral

pytestmark = pytest.mark.django_db

LEVEL = AccessLevel.AUTHORIZATIONS


@pytest.fixture
def referral(npi):
    return Referral.objects.create(provider_identifier=npi, note="knee")


def visible(user):
    return list(Referral.objects.restrict(user, LEVEL))


def test_the_model_declares_a_path_and_gets_restrict():
    assert isinstance(Referral.objects.all(), RestrictedQuerySet)


def test_in_scope_with_the_level_is_visible(org, npi, referral):
    user = make_provider("a@example.test", org, [LEVEL], [npi])
    assert visible(user) == [referral]


def test_in_scope_without_the_level_is_hidden(org, npi, referral):
    user = make_provider("b@example.test", org, [AccessLevel.CLAIMS], [npi])
    assert visible(user) == []


def test_the_level_without_scope_is_hidden(org, npi, referral):
    other_npi_same_tin = ProviderIdentifierFactory(organization=org, value="1245319599")
    user = make_provider("c@example.test", org, [LEVEL], [other_npi_same_tin])
    assert visible(user) == []


def test_another_tin_is_hidden(outsider, referral):
    """The outsider holds every level, and has their own TIN's provider ID in scope."""
    assert visible(outsider) == []


def test_the_level_on_another_tin_does_not_open_this_tins_id(npi, other_org, referral):
    user = make_provider("d@example.test", other_org, [LEVEL], [npi])
    assert visible(user) == []


def test_payer_staff_see_nothing(payer_staff, referral, django_assert_num_queries):
    with django_assert_num_queries(0):  # none(): no query at all
        assert visible(payer_staff) == []


def test_a_disabled_user_sees_nothing(org, npi, referral, django_assert_num_queries):
    user = make_provider("f@example.test", org, [LEVEL], [npi])
    user.status = UserStatus.DISABLED
    user.save(update_fields=["status"])
    with django_assert_num_queries(0):
        assert visible(user) == []


def test_one_query_whatever_the_number_of_rows(org, npi, django_assert_num_queries):
    user = make_provider("g@example.test", org, [LEVEL], [npi])
    Referral.objects.bulk_create([Referral(provider_identifier=npi) for _ in range(25)])
    with django_assert_num_queries(1):  # the referrals, with EXISTS on the scope and level grants
        assert len(list(Referral.objects.restrict(user, LEVEL).select_related("provider_identifier"))) == 25
