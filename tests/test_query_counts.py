"""Pinned query counts of the hot pages: the same with 10 and with 1,000 rows behind them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SCOPE_PERMISSION, ProviderIdentifierUserObjectPermission
from accounts.tests.factories import ProviderIdentifierFactory, UserFactory
from mailbox.models import Message, Participant, Thread, ThreadKind

pytestmark = pytest.mark.django_db


def queries(client, url):
    client.get(url)  # warm caches (content types, session write)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def bulk_threads(n, *, user, kind=ThreadKind.PAYER):
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        [
            Thread(
                kind=kind,
                subject=f"Thread {i}",
                created_by=user,
                payer_unread=kind == ThreadKind.PAYER,
                last_message_at=now,
            )
            for i in range(n)
        ]
    )
    Message.objects.bulk_create([Message(thread=t, sender=user, body="Hello") for t in threads])
    Participant.objects.bulk_create([Participant(thread=t, user=user, last_message_at=now) for t in threads])


def bulk_scope(n, *, user, organization):
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(codename=SCOPE_PERMISSION)
    pids = ProviderIdentifierFactory.create_batch(n, organization=organization)
    ProviderIdentifierUserObjectPermission.objects.bulk_create(
        [ProviderIdentifierUserObjectPermission(user=user, content_object=p, permission=perm) for p in pids]
    )


@pytest.mark.parametrize("url_name", ["mailbox:inbox", "accounts:profile", "portal:dashboard"])
def test_provider_pages_10_vs_1000(client, login_as, biller, org, url_name):
    login_as(biller)
    bulk_threads(10, user=biller)
    bulk_scope(10, user=biller, organization=org)
    small = queries(client, reverse(url_name))
    bulk_threads(990, user=biller)
    bulk_scope(990, user=biller, organization=org)
    assert queries(client, reverse(url_name)) == small


@pytest.mark.parametrize("url_name", ["control_panel:mailbox", "control_panel:users", "control_panel:requests"])
def test_payer_pages_10_vs_1000(client, login_as, payer_staff, biller, url_name):
    login_as(payer_staff)
    bulk_threads(10, user=biller)
    UserFactory.create_batch(10)
    small = queries(client, reverse(url_name))
    bulk_threads(990, user=biller)
    from accounts.models import User

    User.objects.bulk_create(
        [User(email=f"bulk{i}@example.test", full_name=f"Bulk {i}", status="active") for i in range(990)]
    )
    assert queries(client, reverse(url_name)) == small
