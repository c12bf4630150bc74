"""The queries of the queue, the provider list and the detail: pinned, and the same with 1 and with
many requests (keyset pages and prefetches, no query per row)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorizations.models import AuthorizationRequest, Diagnosis, RequestStatus, ServiceLine, Urgency

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_provider_list_and_detail_pinned(client, login_as, requester, submitted, django_assert_num_queries):
    authorization = submitted()
    login_as(requester)
    client.get(reverse("authorizations:list"))
    # session, user, OTP device; the user's levels (navigation and the level check); the Message Box
    # badge; the provider IDs of the filter (and the keys of the list); the keys of a page of
    # requests, one index walk per provider ID merged; those requests (member and provider ID joined).
    with django_assert_num_queries(8):
        client.get(reverse("authorizations:list"))
    # session, user, OTP device, levels, badge; the request (member, provider ID, organization,
    # assignee, appealed request joined); its lines (with reasons), diagnoses, attachments, timeline,
    # member's coverage, its appeals.
    with django_assert_num_queries(12):
        client.get(reverse("authorizations:detail", args=[authorization.uuid]))


def test_queue_pinned(client, login_as, analyst, submitted, django_assert_num_queries):
    submitted()
    login_as(analyst)
    client.get(reverse("control_panel:authorizations"))
    # session, user, OTP device; the passkey check of the Control Panel; the Mailbox badge; the
    # page of open requests (member, provider ID and assignee joined).
    with django_assert_num_queries(6):
        client.get(reverse("control_panel:authorizations"))


def test_counts_do_not_grow_with_the_requests(client, login_as, requester, analyst, submitted, make_draft):
    first = submitted()
    login_as(requester)
    list_url, detail_url = reverse("authorizations:list"), reverse("authorizations:detail", args=[first.uuid])
    before = (_count(client, list_url), _count(client, detail_url))
    for index, code in enumerate(["E0601", "E0260", "K0823", "E0784", "L1832", "G0151"]):
        submitted(urgency=Urgency.EXPEDITED if index % 2 else Urgency.STANDARD, codes=(code,))
    make_draft()
    assert (_count(client, list_url), _count(client, detail_url)) == before
    client.logout()
    login_as(analyst)
    queue_url = reverse("control_panel:authorizations")
    queue_before = _count(client, queue_url)
    submitted(codes=("J0178",))
    assert _count(client, queue_url) == queue_before


def _bulk_requests(*, count: int, start: int, requester, npi, member) -> None:
    """``count`` requests under ``npi`` (open and decided, one diagnosis and one line each), with
    bulk_create: what the load generator does with COPY, at a size a unit test can afford."""
    now = timezone.now()
    statuses = [RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.APPROVED, RequestStatus.DENIED]
    requests = []
    for i in range(start, start + count):
        received = now - datetime.timedelta(minutes=i)
        requests.append(
            AuthorizationRequest(
                reference=f"PA-BULK-{i:07d}",
                status=statuses[i % 4],
                created_by=requester,
                created_at=received,
                member=member,
                planned_service_date=received.date(),
                requesting_provider=npi,
                category="outpatient",
                step=6,
                received_at=received,
                due_at=received + datetime.timedelta(days=7),
            )
        )
    AuthorizationRequest.objects.bulk_create(requests, batch_size=2_000)
    made = list(AuthorizationRequest.objects.filter(reference__startswith="PA-BULK-", diagnoses__isnull=True))
    Diagnosis.objects.bulk_create(
        [Diagnosis(request=r, position=1, code="M54.50", description="Low back pain, unspecified") for r in made],
        batch_size=2_000,
    )
    day = timezone.localdate()
    ServiceLine.objects.bulk_create(
        [ServiceLine(request=r, line_number=1, code="72148", units=1, date_from=day, date_to=day) for r in made],
        batch_size=2_000,
    )


def test_counts_equal_at_1000_and_20000_requests(client, login_as, requester, analyst, npi, member, submitted):
    """The queue, the provider list and the detail cost the same queries with 1,000 and with
    20,000 requests (bulk_create on SQLite in a unit test; the load generator and `make bench`
    take it to a million on PostgreSQL)."""
    first = submitted()
    detail_url = reverse("authorizations:detail", args=[first.uuid])
    list_url, queue_url = reverse("authorizations:list"), reverse("control_panel:authorizations")

    def counts() -> tuple[int, int, int]:
        client.logout()
        login_as(requester)
        provider = (_count(client, list_url), _count(client, detail_url))
        client.logout()
        login_as(analyst)
        return (*provider, _count(client, queue_url))

    _bulk_requests(count=999, start=0, requester=requester, npi=npi, member=member)
    assert AuthorizationRequest.objects.count() == 1_000
    at_thousand = counts()
    _bulk_requests(count=19_000, start=999, requester=requester, npi=npi, member=member)
    assert AuthorizationRequest.objects.count() == 20_000
    assert counts() == at_thousand
