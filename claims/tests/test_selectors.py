"""Who sees which claims: scope and the Claims level on the provider ID's own organization, in one query."""

import datetime

import pytest

from accounts.models import AccessLevel, UserStatus
from accounts.tests.factories import ProviderIdentifierFactory
from claims.selectors import claims_reach, claims_search, claims_visible_to
from claims.tests.factories import ClaimFactory
from conftest import make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(org, npi, other_npi):
    """Two claims under the biller's NPI, one under a sibling NPI of the same TIN, one elsewhere."""
    sibling = ProviderIdentifierFactory(organization=org, value="1245319599")
    return {
        "npi": ClaimFactory.create_batch(2, provider_identifier=npi),
        "sibling": [ClaimFactory(provider_identifier=sibling)],
        "other": [ClaimFactory(provider_identifier=other_npi)],
    }


def numbers(queryset):
    return sorted(claim.claim_number for claim in queryset)


def test_biller_sees_the_claims_of_the_npi_in_scope_only(biller, claims):
    assert numbers(claims_visible_to(user=biller)) == numbers(claims["npi"])


def test_scope_without_the_claims_level_sees_none(org, npi, claims):
    eligibility_only = make_provider("elig@example.test", org, [AccessLevel.ELIGIBILITY], [npi])
    assert list(claims_visible_to(user=eligibility_only)) == []
    assert len(claims_reach(user=eligibility_only)) == 0


def test_claims_level_on_another_organization_does_not_open_this_one(org, other_org, npi, claims):
    """Claims on TIN B and the NPI of TIN A in scope: still nothing of TIN A."""
    user = make_provider("mixed@example.test", other_org, [AccessLevel.CLAIMS], [npi])
    assert list(claims_visible_to(user=user)) == []


def test_outsider_sees_only_their_organizations_claims(outsider, claims):
    assert numbers(claims_visible_to(user=outsider)) == numbers(claims["other"])


def test_disabled_user_sees_none(biller, claims):
    biller.status = UserStatus.DISABLED
    biller.save(update_fields=["status"])
    assert list(claims_visible_to(user=biller)) == []
    assert len(claims_reach(user=biller)) == 0


def test_payer_staff_see_none_here(payer_staff, claims):
    """The plan's staff look claims up in the Control Panel, not through the provider pages."""
    assert list(claims_visible_to(user=payer_staff)) == []


def test_one_query_with_provider_and_organization_joined(biller, claims, django_assert_num_queries):
    # 1. SELECT claims JOIN provider ID JOIN organization
    #    WHERE EXISTS(scope grant) AND EXISTS(Claims grant on the provider ID's organization)
    with django_assert_num_queries(1):
        rows = list(claims_visible_to(user=biller))
        assert {claim.provider_identifier.organization.tin for claim in rows} == {"123456789"}


def test_one_query_whatever_the_data_size(biller, npi, claims, django_assert_num_queries):
    ClaimFactory.create_batch(30, provider_identifier=npi)
    # 1. the same single SELECT as above
    with django_assert_num_queries(1):
        assert len(list(claims_visible_to(user=biller))) == 32


def test_claims_reach_is_the_ids_with_visible_claims(manager, npi, org, django_assert_num_queries):
    ProviderIdentifierFactory(organization=org, value="1245319599")  # same TIN, not in scope
    # 1. SELECT provider IDs WHERE EXISTS(scope grant) AND EXISTS(Claims grant on their organization)
    with django_assert_num_queries(1):
        reach = claims_reach(user=manager)
        assert list(reach.identifiers) == [npi]
        assert reach.pks == [npi.pk]


def test_claims_search_with_the_reach_read_for_the_page_is_the_same_rows(biller, manager, claims):
    for user in (biller, manager):
        reach = claims_reach(user=user)
        assert numbers(claims_search(user=user, reach=reach)) == numbers(claims_visible_to(user=user))


def test_a_reach_read_for_another_user_is_refused(biller, manager, claims):
    with pytest.raises(ValueError):
        claims_search(user=biller, reach=claims_reach(user=manager))


def test_claims_search_filters(biller, npi, claims):
    target = claims["npi"][0]
    assert numbers(claims_search(user=biller, claim_number=target.claim_number)) == [target.claim_number]
    assert numbers(claims_search(user=biller, member_id=target.member_id)) == [target.claim_number]
    assert list(claims_search(user=biller, provider_id_value="1987654328")) == []
    assert list(claims_search(user=biller, claim_number=claims["other"][0].claim_number)) == []
    # service dates select overlapping periods
    start, end = target.service_date_from, target.service_date_to
    assert target in claims_search(user=biller, service_from=end, service_to=end)
    assert target in claims_search(user=biller, service_from=start, service_to=start)
    day = datetime.timedelta(days=1)
    assert target not in claims_search(user=biller, service_from=end + day)
    assert target not in claims_search(user=biller, service_to=start - day)
