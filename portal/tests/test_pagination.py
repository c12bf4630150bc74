"""Keyset pagination walks every row once, in order, whatever the cursor."""

import pytest

from accounts.models import Organization
from accounts.tests.factories import OrganizationFactory
from portal.pagination import decode_cursor, keyset_page

pytestmark = pytest.mark.django_db


def test_walks_all_rows_once_in_order():
    OrganizationFactory.create_batch(23)
    seen, cursor = [], None
    while True:
        page = keyset_page(Organization.objects.all(), order=("name", "id"), after=cursor, page_size=5)
        seen += [o.pk for o in page]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(Organization.objects.order_by("name", "id").values_list("pk", flat=True))


def test_descending_with_ties():
    for _ in range(7):
        OrganizationFactory(name="Same")
    first = keyset_page(Organization.objects.all(), order=("-name", "-id"), page_size=3)
    second = keyset_page(Organization.objects.all(), order=("-name", "-id"), after=first.next_cursor, page_size=3)
    assert [o.pk for o in first] + [o.pk for o in second] == list(
        Organization.objects.order_by("-id").values_list("pk", flat=True)[:6]
    )
    assert not second.is_first


@pytest.mark.parametrize("garbage", ["", "%%%", "bm90IGpzb24", "WzEsMiwzXQ"])
def test_malformed_cursor_restarts(garbage):
    OrganizationFactory.create_batch(3)
    page = keyset_page(Organization.objects.all(), order=("name", "id"), after=garbage, page_size=2)
    assert page.is_first and len(page) == 2
    assert decode_cursor("%%%", 2) is None


def test_cursor_with_values_of_the_wrong_type_restarts():
    from portal.pagination import encode_cursor

    OrganizationFactory.create_batch(3)
    cursor = encode_cursor(["not-a-date", "x"])
    page = keyset_page(Organization.objects.all(), order=("created_at", "id"), after=cursor, page_size=2)
    assert page.is_first and len(page) == 2
