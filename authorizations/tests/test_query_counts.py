"""The queries of the queue, the provider list and the detail: pinned, and the same with 1 and with
many requests (keyset pages and prefetches, no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import Urgency

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
    # badge; the provider IDs of the filter; the page of requests (member and provider ID joined).
    with django_assert_num_queries(7):
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
