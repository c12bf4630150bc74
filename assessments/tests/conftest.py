import datetime

import pytest
from django.core.management import call_command

from accounts.models import AccessLevel
from assessments.models import Questionnaire
from claims.tests.factories import MemberFactory
from conftest import make_provider


@pytest.fixture
def forms_loaded(db):
    call_command("assessments_load", verbosity=0)
    return {q.code: q for q in Questionnaire.objects.all()}


@pytest.fixture
def nurse(org, npi):
    """A user of the TIN with Assessments only."""
    return make_provider("nurse@example.test", org, [AccessLevel.ASSESSMENTS], [npi])


@pytest.fixture
def member(db):
    return MemberFactory(
        member_id="M900100200", first_name="Marge", last_name="Simpson", date_of_birth=datetime.date(1990, 3, 19)
    )
