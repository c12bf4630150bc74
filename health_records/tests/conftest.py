import copy
import datetime
import json

import pytest

from accounts.models import AccessLevel
from claims.tests.factories import ClaimFactory, MemberFactory
from conftest import make_provider
from health_records.management.commands.health_records_import import SHIPPED
from health_records.services import care_gap_rules_load


@pytest.fixture
def rules(db):
    care_gap_rules_load()


@pytest.fixture
def clinician(org, npi):
    """A user of the TIN with Health Records only."""
    return make_provider("clinician@example.test", org, [AccessLevel.HEALTH_RECORDS], [npi])


@pytest.fixture
def homer(db):
    return MemberFactory(
        member_id="M100200301", first_name="Homer", last_name="Simpson", date_of_birth=datetime.date(1956, 5, 12)
    )


@pytest.fixture
def homer_bundle():
    return copy.deepcopy(json.loads((SHIPPED / "homer-simpson.json").read_text()))


@pytest.fixture
def attributed(homer, npi):
    """A claim of Homer's under the clinician's NPI, a month ago."""
    day = datetime.date.today() - datetime.timedelta(days=30)
    return ClaimFactory(
        provider_identifier=npi,
        member_id=homer.member_id,
        service_date_from=day,
        service_date_to=day,
        received_date=day,
    )
