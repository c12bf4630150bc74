"""Fixtures of the prior authorization tests: a provider with Authorizations, a covered member,
the demo tables, and a draft filled in up to the review step."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccessLevel, UserKind
from accounts.tests.factories import UserFactory
from authorizations import services
from authorizations.models import Category, PlaceOfService, RequestType, Urgency
from claims.tests.factories import CoverageFactory, MemberFactory
from conftest import make_provider

TODAY = datetime.date(2026, 12, 2)


def pdf_upload(name="notes.pdf", size=2000):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n" + b"0" * max(size - 9, 0)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def tables(db):
    call_command("load_authorization_services", stdout=io.StringIO())
    call_command("load_authorization_denial_reasons", stdout=io.StringIO())


@pytest.fixture
def requester(org, npi):
    return make_provider("auth@example.test", org, [AccessLevel.AUTHORIZATIONS, AccessLevel.MESSAGE_BOX], [npi])


@pytest.fixture
def analyst(db):
    return UserFactory(email="reviewer@example.test", kind=UserKind.PAYER_STAFF)


@pytest.fixture
def second_analyst(db):
    return UserFactory(email="reviewer2@example.test", kind=UserKind.PAYER_STAFF)


@pytest.fixture
def member(db):
    member = MemberFactory(member_id="M900000001", date_of_birth=datetime.date(1970, 5, 17))
    CoverageFactory(member=member, coverage_start=datetime.date(2025, 1, 1), coverage_end=datetime.date(2027, 6, 30))
    return member


def providers_input(npi, **changes):
    values = {
        "requesting_provider": npi,
        "servicing_npi": "1234567893",
        "servicing_name": "Springfield General Hospital",
        "request_type": RequestType.INITIAL,
        "category": Category.OUTPATIENT,
        "urgency": Urgency.STANDARD,
        "place_of_service": PlaceOfService.OUTPATIENT_HOSPITAL_ON,
    }
    values.update(changes)
    return services.ProvidersInput(**values)


def lines_input(*codes, start=None):
    start = start or timezone.localdate() + datetime.timedelta(days=7)
    return [
        services.LineInput(code=code, units=1 + index, date_from=start, date_to=start + datetime.timedelta(days=30))
        for index, code in enumerate(codes)
    ]


@pytest.fixture
def make_draft(requester, member, npi, tables):
    def _make(*, urgency=Urgency.STANDARD, codes=("72148", "97110"), attach=True, user=None):
        user = user or requester
        day = timezone.localdate() + datetime.timedelta(days=7)
        draft = services.draft_member_set(
            actor=user, member_id=member.member_id, date_of_birth=member.date_of_birth, planned_service_date=day
        )
        draft = services.draft_providers_set(
            actor=user,
            draft=draft,
            data=providers_input(npi, urgency=urgency, expedited_attested=urgency == Urgency.EXPEDITED),
        )
        draft = services.draft_diagnoses_set(actor=user, draft=draft, codes=["M54.50"])
        draft = services.draft_lines_set(actor=user, draft=draft, lines=lines_input(*codes))
        services.draft_attachments_add(actor=user, draft=draft, files=[pdf_upload()] if attach else [])
        return draft

    return _make


@pytest.fixture
def submitted(make_draft, requester):
    def _make(**kwargs):
        draft = make_draft(**kwargs)
        return services.authorization_submit(actor=requester, draft=draft)

    return _make
