"""The nightly care-gap job: a Celery beat entry naming a registered task that reloads the rules
and recomputes every member's gaps."""

import datetime

import pytest
from django.conf import settings

from claims.tests.factories import MemberFactory
from health_records.models import CareGap, CareGapRule, ClinicalPatient
from health_records.tasks import care_gaps_nightly

pytestmark = pytest.mark.django_db


def test_beat_runs_the_care_gap_refresh_every_night():
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["care-gaps-nightly"]
    assert entry["task"] == care_gaps_nightly.name == "health_records.tasks.care_gaps_nightly"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {0}


def test_the_task_loads_the_rules_and_recomputes_the_gaps():
    marge = MemberFactory(member_id="M100200302", date_of_birth=datetime.date(1956, 10, 1))
    ClinicalPatient.objects.create(member=marge, gender="female")
    assert care_gaps_nightly() == {"rules": 3, "gaps": 1}
    assert CareGapRule.objects.filter(active=True).count() == 3
    assert CareGap.objects.get(member=marge).rule.code == "breast-cancer-screening"
    # run again: the same gap, not a second one
    assert care_gaps_nightly() == {"rules": 3, "gaps": 1}
    assert CareGap.objects.count() == 1
