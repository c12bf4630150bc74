"""Assessments and Health Records cost the same queries with 1,000 and with 100,000 members."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessLevel
from assessments.services import assessment_start
from claims.models import Claim, Member
from claims.tests.factories import ClaimFactory
from conftest import make_provider
from health_records.models import ClinicalPatient
from health_records.services import care_gap_rules_load, care_gaps_refresh

pytestmark = pytest.mark.django_db


def add_members(start: int, count: int, npi) -> None:
    today = datetime.date.today()
    members = [
        Member(member_id=f"MQ{n:08d}", first_name="Q", last_name=f"M{n}", date_of_birth=datetime.date(1960, 1, 1))
        for n in range(start, start + count)
    ]
    Member.objects.bulk_create(members, batch_size=5000)
    # Every tenth member has a claim under the NPI (attributed) and clinical data.
    claims = [
        Claim(
            claim_number=f"CQ{n:08d}",
            provider_identifier=npi,
            member_id=f"MQ{n:08d}",
            member_name="Q",
            service_date_from=today,
            service_date_to=today,
            billed_amount=100,
            allowed_amount=80,
            paid_amount=80,
            received_date=today,
        )
        for n in range(start, start + count, 10)
    ]
    Claim.objects.bulk_create(claims, batch_size=5000)
    ids = Member.objects.filter(member_id__in=[c.member_id for c in claims]).values_list("pk", flat=True)
    ClinicalPatient.objects.bulk_create([ClinicalPatient(member_id=pk, gender="female") for pk in ids], batch_size=5000)


def count(client, method, url, data=None) -> int:
    getattr(client, method)(url, data or {})
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), url
    return len(queries.captured_queries)


def test_same_queries_at_1000_and_100000_members(client, login_as, org, npi):
    user = make_provider("coordinator@example.test", org, [AccessLevel.ASSESSMENTS, AccessLevel.HEALTH_RECORDS], [npi])
    call_command("assessments_load", verbosity=0)
    care_gap_rules_load()
    add_members(0, 1000, npi)
    first = Member.objects.get(member_id="MQ00000000")
    ClaimFactory(provider_identifier=npi, member_id=first.member_id)
    assessment = assessment_start(actor=user, member=first, provider_identifier=npi, code="HRA")
    care_gaps_refresh()
    login_as(user)
    pages = [
        ("get", reverse("assessments:list"), None),
        ("post", reverse("assessments:member"), {"member_id": "MQ00000000", "date_of_birth": "1960-01-01"}),
        ("get", reverse("assessments:detail", args=[assessment.uuid]), None),
        ("get", reverse("health_records:care_gaps"), None),
        ("get", reverse("health_records:record", args=[first.uuid]), None),
    ]
    small = [count(client, *page) for page in pages]
    add_members(1000, 99_000, npi)
    care_gaps_refresh()
    assert Member.objects.count() == 100_000
    assert [count(client, *page) for page in pages] == small
