"""The Claims pages: who may open them, the filters, the sort, the pages, and what they cost."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import ProviderIdentifierFactory
from audit.models import AuditAction, AuditEvent
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory
from core.pagination import encode_cursor

pytestmark = pytest.mark.django_db

LIST = reverse("claims:list")


@pytest.fixture
def claim(npi):
    return ClaimFactory(provider_identifier=npi, claim_number="C2026000123", member_id="M555000111")


@pytest.fixture
def other_claim(other_npi):
    return ClaimFactory(provider_identifier=other_npi, claim_number="C2026000999")


def audit_record_queries() -> int:
    """What one audit.services.record costs: the chain's tail hash and the INSERT, after an
    advisory lock on PostgreSQL."""
    return 3 if connection.vendor == "postgresql" else 2


def detail_url(claim):
    return reverse("claims:detail", args=[claim.claim_number])


def claim_numbers(response):
    return [claim.claim_number for claim in response.context["page"]]


# --- who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, "/claims/C2026000123/"])
def test_anonymous_is_sent_to_login(client, claim, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [LIST, "/claims/C2026000123/"])
def test_post_is_refused(client, login_as, biller, claim, url):
    login_as(biller)
    assert client.post(url).status_code == 405


def test_outsider_gets_404_on_the_billers_claim(client, login_as, outsider, claim):
    login_as(outsider)
    assert client.get(detail_url(claim)).status_code == 404


def test_same_tin_claim_outside_scope_is_404(client, login_as, biller, org):
    sibling = ProviderIdentifierFactory(organization=org, value="1245319599")
    hidden = ClaimFactory(provider_identifier=sibling)
    login_as(biller)
    assert client.get(detail_url(hidden)).status_code == 404


def test_unknown_claim_number_is_404(client, login_as, biller):
    login_as(biller)
    assert client.get("/claims/C0000000000/").status_code == 404


def test_user_without_the_claims_level_gets_403(client, login_as, no_level_user, claim):
    login_as(no_level_user)
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(claim)).status_code == 403


def test_payer_staff_get_403(client, login_as, payer_staff, claim):
    login_as(payer_staff)
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(claim)).status_code == 403


# --- happy paths -------------------------------------------------------------------------------------


def test_list_shows_the_users_claims_in_an_accessible_table(client, login_as, biller, claim, other_claim):
    login_as(biller)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert claim_numbers(response) == [claim.claim_number]
    assert other_claim.claim_number not in body
    assert f'href="{detail_url(claim)}"' in body
    assert "<caption>" in body and 'scope="col"' in body and "usa-table" in body
    # every visible input has a label
    for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body):
        assert f'for="{input_id}"' in body, input_id
    # headings in order, no inline script or style
    levels = [int(level) for level in re.findall(r"<h([1-6])", body)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


def test_navigation_shows_claims(client, login_as, biller):
    login_as(biller)
    labels = [item["label"] for item in client.get(LIST).context["nav_items"]]
    assert "Claims" in labels


def test_detail_shows_the_claim(client, login_as, biller, claim):
    login_as(biller)
    response = client.get(detail_url(claim))
    assert response.status_code == 200
    body = response.content.decode()
    assert claim.claim_number in body and claim.member_id in body
    assert "Julius Hibbert MD" in body and "Springfield Family Clinic" in body
    assert claim.check_number in body


def test_detail_escapes_claim_system_text(client, login_as, biller, npi):
    odd = ClaimFactory(provider_identifier=npi, member_name="<script>alert(1)</script>", status="denied")
    login_as(biller)
    body = client.get(detail_url(odd)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_filters(client, login_as, manager, org, npi):
    """Each filter narrows the list; the provider ID choices are the IDs the user may see."""
    paid = ClaimFactory(
        provider_identifier=npi,
        status=ClaimStatus.PAID,
        member_id="M1",
        service_date_from=datetime.date(2026, 3, 1),
        service_date_to=datetime.date(2026, 3, 3),
        received_date=datetime.date(2026, 3, 10),
    )
    denied = ClaimFactory(
        provider_identifier=npi,
        status=ClaimStatus.DENIED,
        member_id="M2",
        service_date_from=datetime.date(2026, 5, 1),
        service_date_to=datetime.date(2026, 5, 1),
        received_date=datetime.date(2026, 5, 10),
    )
    login_as(manager)

    def found(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.context["form"].errors
        return claim_numbers(response)

    assert found() == [denied.claim_number, paid.claim_number]
    assert found(status="denied") == [denied.claim_number]
    assert found(member_id="M1") == [paid.claim_number]
    assert found(claim_number=denied.claim_number) == [denied.claim_number]
    assert found(provider_id=npi.value) == [denied.claim_number, paid.claim_number]
    assert found(service_from="2026-03-03", service_to="2026-03-31") == [paid.claim_number]
    assert found(service_from="2026-04-01") == [denied.claim_number]
    assert found(service_to="2026-02-28") == []
    assert "No claims match these filters." in client.get(LIST, {"member_id": "nobody"}).content.decode()

    choices = [value for value, _label in client.get(LIST).context["form"].fields["provider_id"].choices]
    assert choices == ["", npi.value]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("received_desc", ["c", "b", "a"]),
        ("received_asc", ["a", "b", "c"]),
        ("service_desc", ["b", "a", "c"]),
        ("service_asc", ["c", "a", "b"]),
        ("paid_desc", ["a", "c", "b"]),
        ("paid_asc", ["b", "c", "a"]),
        ("status", ["b", "c", "a"]),  # adjusted, denied, paid
    ],
)
def test_sort(client, login_as, biller, npi, sort, expected):
    rows = {
        "a": ("2026-01-10", "2026-01-05", "300.00", ClaimStatus.PAID),
        "b": ("2026-02-10", "2026-02-05", "10.00", ClaimStatus.ADJUSTED),
        "c": ("2026-03-10", "2025-12-05", "20.00", ClaimStatus.DENIED),
    }
    numbers = {}
    for key, (received, service, paid, status) in rows.items():
        service_date = datetime.date.fromisoformat(service)
        numbers[
            ClaimFactory(
                provider_identifier=npi,
                received_date=datetime.date.fromisoformat(received),
                service_date_from=service_date,
                service_date_to=service_date,
                paid_amount=Decimal(paid),
                status=status,
            ).claim_number
        ] = key
    login_as(biller)
    response = client.get(LIST, {"sort": sort})
    assert [numbers[number] for number in claim_numbers(response)] == expected


@pytest.mark.parametrize("sort", ["received_desc", "service_asc", "paid_desc", "status"])
def test_next_page_continues_where_the_first_ended(client, login_as, biller, npi, sort):
    # ties on every sort key: the id must break them
    ClaimFactory.create_batch(
        73,
        provider_identifier=npi,
        received_date=datetime.date(2026, 4, 1),
        paid_amount=Decimal("50.00"),
        status=ClaimStatus.PAID,
    )
    ClaimFactory.create_batch(12, provider_identifier=npi)
    login_as(biller)
    first = client.get(LIST, {"sort": sort, "status": ""})
    assert len(first.context["page"]) == 50
    cursor = first.context["page"].next_cursor
    assert cursor and "Next page" in first.content.decode()
    second = client.get(LIST, {"sort": sort, "status": "", "after": cursor})
    assert second.status_code == 200
    assert len(second.context["page"]) == 35 and second.context["page"].next_cursor is None
    assert "First page" in second.content.decode()
    seen = claim_numbers(first) + claim_numbers(second)
    assert len(set(seen)) == 85


@pytest.mark.parametrize(
    "params",
    [
        {"service_from": "yesterday"},
        {"service_from": "2026-05-01", "service_to": "2026-04-01"},
        {"status": "lost"},
        {"sort": "-id"},
        {"provider_id": "1987654328"},  # not the user's: not a choice
        {"member_id": "M" * 31},
    ],
)
def test_bad_filter_input_shows_an_error(client, login_as, biller, claim, params):
    login_as(biller)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["page"] is None
    body = response.content.decode()
    assert "usa-error-message" in body and claim.claim_number not in body


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        encode_cursor(["not a date", 1]),
        encode_cursor([{"d": "2026-13-45"}, 1]),
        encode_cursor([3, "x"]),
        encode_cursor([None, None]),
        encode_cursor([{"dec": "NaN"}, 1]),
        encode_cursor([{"dec": "1e1000"}, 1]),
        encode_cursor([{"u": "00000000-0000-0000-0000-000000000000"}, 1.5]),
    ],
)
def test_hand_made_cursor_restarts_the_list(client, login_as, biller, claim, after):
    login_as(biller)
    response = client.get(LIST, {"after": after})
    assert response.status_code == 200
    assert claim_numbers(response) == [claim.claim_number]
    response = client.get(LIST, {"after": after, "sort": "paid_desc"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "after",
    [
        encode_cursor([{"d": "9999-12-31"}, 10**30]),  # past any integer column
        encode_cursor([{"dt": "9999-12-31T00:00:00"}, True]),  # a datetime for a date, a bool for an id
    ],
)
@pytest.mark.parametrize("sort", ["received_desc", "paid_desc", "status"])
def test_odd_but_well_typed_cursor_pages_without_failing(client, login_as, biller, claim, after, sort):
    login_as(biller)
    response = client.get(LIST, {"after": after, "sort": sort})
    assert response.status_code == 200


# --- what it costs -------------------------------------------------------------------------------


def list_queries(client, django_assert_num_queries):
    # 1. the session
    # 2. the user
    # 3. the user's TOTP device (the verified second factor)
    # 4. the access levels held anywhere (level_required; the navigation reuses them)
    # 5. the provider IDs whose claims the user may see (the provider ID choices, and the keys
    #    the list is restricted by)
    # 6. the keys of one page of claims, one index walk per provider ID merged
    # 7. those claims with provider ID and organization joined
    # 8. the count, on a subquery LIMITed to COUNT_BOUND + 1 rows
    # 9. the unread Message Box count of the navigation badge (the biller holds Message Box)
    with django_assert_num_queries(9):
        response = client.get(LIST, {"sort": "paid_desc"})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("count", [10, 200])
def test_list_query_count_does_not_grow(client, login_as, biller, npi, count, django_assert_num_queries):
    ClaimFactory.create_batch(count, provider_identifier=npi)
    login_as(biller)
    client.get(LIST)  # the first request stores the last-seen time in the session
    response = list_queries(client, django_assert_num_queries)
    assert len(response.context["page"]) == min(count, 50)


def test_detail_query_count(client, login_as, biller, claim, django_assert_num_queries):
    login_as(biller)
    client.get(LIST)
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the claim with provider ID and organization joined, EXISTS on scope and level
    # 6.-7. the CLAIM_VIEWED audit event: the chain's tail hash, then the INSERT (on PostgreSQL
    #       an advisory lock comes first: one more)
    # 8. the claim's service lines (their adjustments and the code words: none without lines)
    # 9. the claim's payments with their remittance joined
    # 10. the claim's appeals (their documents only when there are appeals)
    # 11. the claim's corrections (replacements and voids submitted for it)
    # 12. the unread Message Box count of the navigation badge
    with django_assert_num_queries(10 + audit_record_queries()):
        assert client.get(detail_url(claim)).status_code == 200


def test_viewing_a_claim_is_audited(client, login_as, biller, claim, outsider):
    login_as(biller)
    client.get(detail_url(claim), HTTP_USER_AGENT="pytest")
    event = AuditEvent.objects.get(action=AuditAction.CLAIM_VIEWED)
    assert event.actor == biller
    assert (event.target_type, event.target_id) == ("claim", str(claim.uuid))
    assert event.organization == claim.provider_identifier.organization
    assert event.details == {"claim_number": claim.claim_number}
    assert event.user_agent == "pytest"

    # a claim the user may not see is not audited as viewed
    login_as(outsider)
    assert client.get(detail_url(claim)).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.CLAIM_VIEWED).count() == 1
