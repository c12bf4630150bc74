"""Attribution: a claim or a prior authorization under one of the user's provider IDs in the last
24 months opens the member's record; a draft, an old request or another TIN's does not."""

import datetime

import pytest
from django.utils import timezone

from authorizations.models import AuthorizationRequest, RequestStatus
from health_records.selectors import attributed_members

pytestmark = pytest.mark.django_db


def _request(member, provider, creator, *, received_days_ago: int | None, status=RequestStatus.SUBMITTED):
    now = timezone.now()
    received = None if received_days_ago is None else now - datetime.timedelta(days=received_days_ago)
    return AuthorizationRequest.objects.create(
        member=member,
        requesting_provider=provider,
        created_by=creator,
        created_at=now,
        planned_service_date=timezone.localdate(),
        status=status,
        received_at=received,
        due_at=None if received is None else received + datetime.timedelta(days=7),
    )


def test_a_recent_authorization_attributes_the_member_without_a_claim(clinician, homer, npi):
    assert not attributed_members(user=clinician).exists()
    _request(homer, npi, clinician, received_days_ago=40)
    assert list(attributed_members(user=clinician)) == [homer]
    assert list(attributed_members(user=clinician, provider_id_value=npi.value)) == [homer]
    assert not attributed_members(user=clinician, provider_id_value="1999999999").exists()


@pytest.mark.parametrize("days_ago", [None, 800])
def test_a_draft_or_an_old_request_does_not(clinician, homer, npi, days_ago):
    status = RequestStatus.DRAFT if days_ago is None else RequestStatus.SUBMITTED
    _request(homer, npi, clinician, received_days_ago=days_ago, status=status)
    assert not attributed_members(user=clinician).exists()


def test_another_tins_request_does_not(clinician, homer, outsider, other_npi):
    _request(homer, other_npi, outsider, received_days_ago=10)
    assert not attributed_members(user=clinician).exists()
