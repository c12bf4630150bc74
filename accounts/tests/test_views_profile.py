"""My Profile: who I am, my levels, my provider IDs, my requests and who controls my access."""

import pytest
from django.urls import reverse

from access_requests.services import access_request_create
from accounts.models import AccessLevel
from accounts.services.access import scope_add
from accounts.tests.factories import ProviderIdentifierFactory

pytestmark = pytest.mark.django_db


def test_profile_rules(client, login_as, biller, payer_staff):
    assert client.get(reverse("accounts:profile")).status_code == 302
    login_as(biller)
    assert client.post(reverse("accounts:profile")).status_code == 405
    client.logout()
    login_as(payer_staff)
    assert client.get(reverse("accounts:profile")).status_code == 403


def test_profile_shows_levels_scope_requests_and_managers(client, login_as, biller, manager, org, npi):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    login_as(biller)
    response = client.get(reverse("accounts:profile"))
    content = response.content.decode()
    assert "Claims, Eligibility, Message Box" in content
    assert "1234567893" in content and "Julius Hibbert MD" in content
    assert request.reference in content
    assert manager.full_name in content
    assert 'href="/profile/add-facility/"' in content


def test_profile_search_and_pages(client, login_as, biller, org):
    scope_add(
        actor=None,
        user=biller,
        provider_identifiers=ProviderIdentifierFactory.create_batch(30, organization=org),
    )
    login_as(biller)
    first = client.get(reverse("accounts:profile")).context["page"]
    assert len(first.rows) == 25 and first.next_cursor
    second = client.get(reverse("accounts:profile"), {"after": first.next_cursor}).context["page"]
    assert len(second.rows) == 6
    found = client.get(reverse("accounts:profile"), {"q": "1234567893"}).context["page"]
    assert [pid.value for pid in found.rows] == ["1234567893"]


def test_profile_query_count_is_constant(client, login_as, biller, org, django_assert_num_queries):
    from accounts.services.access import access_levels_set
    from accounts.tests.factories import OrganizationFactory

    login_as(biller)
    client.get(reverse("accounts:profile"))

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("accounts:profile")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for organization in OrganizationFactory.create_batch(5):
        access_levels_set(actor=None, user=biller, organization=organization, levels=[AccessLevel.CLAIMS])
        scope_add(
            actor=None,
            user=biller,
            provider_identifiers=ProviderIdentifierFactory.create_batch(10, organization=organization),
        )
    assert count() == before
