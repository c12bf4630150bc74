"""The eligibility lookup: covered or not on a day, no match that reveals nothing, the throttle, the audit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEvent
from claims import services
from claims.models import CoverageStatus
from claims.selectors import member_for_eligibility
from claims.services import EligibilityOutcome, eligibility_check, eligibility_throttle_hit
from claims.tests.factories import CoverageFactory, MemberFactory
from core import ratelimit

pytestmark = pytest.mark.django_db

D = datetime.date
BORN = D(1956, 5, 12)
DAY = D(2026, 3, 2)


@pytest.fixture
def member(db):
    return MemberFactory(member_id="M100200301", first_name="Homer", last_name="Simpson", date_of_birth=BORN)


@pytest.fixture
def frozen_clock(monkeypatch):
    """A settable clock for the throttle windows, starting at the beginning of a day (UTC)."""
    now = {"t": 1_800_000_000 - 1_800_000_000 % 86_400}
    monkeypatch.setattr(ratelimit, "_clock", lambda: now["t"])
    return now


def check(user, member_id="M100200301", born=BORN, day=DAY):
    return eligibility_check(actor=user, member_id=member_id, date_of_birth=born, date_of_service=day)


# --- covered or not ---------------------------------------------------------------------------------


def test_open_ended_coverage_covers_every_day_from_its_start(biller, member):
    span = CoverageFactory(member=member, coverage_start=D(2024, 1, 1))
    for day in (D(2024, 1, 1), D(2026, 3, 2), D(2040, 12, 31)):
        result = check(biller, day=day)
        assert result.outcome == EligibilityOutcome.COVERED
        assert (result.member, result.covering, result.spans) == (member, [span], [span])
    assert check(biller, day=D(2023, 12, 31)).outcome == EligibilityOutcome.NOT_COVERED


def test_terminated_coverage_covers_up_to_its_last_day(biller, member):
    CoverageFactory(
        member=member,
        plan_code="HMO200",
        coverage_start=D(2023, 1, 1),
        coverage_end=D(2026, 6, 30),
        status=CoverageStatus.TERMINATED,
    )
    assert check(biller, day=D(2026, 6, 30)).outcome == EligibilityOutcome.COVERED
    after = check(biller, day=D(2026, 7, 1))
    assert after.outcome == EligibilityOutcome.NOT_COVERED
    assert after.covering == [] and [span.plan_code for span in after.spans] == ["HMO200"]


def test_future_coverage_does_not_cover_the_days_before_it(biller, member):
    CoverageFactory(member=member, coverage_start=D(2027, 1, 1))
    assert check(biller, day=D(2026, 12, 31)).outcome == EligibilityOutcome.NOT_COVERED
    assert check(biller, day=D(2027, 1, 1)).outcome == EligibilityOutcome.COVERED


def test_pending_coverage_covers_nothing(biller, member):
    CoverageFactory(member=member, coverage_start=D(2024, 1, 1), status=CoverageStatus.PENDING)
    assert check(biller).outcome == EligibilityOutcome.NOT_COVERED


def test_member_without_coverage_is_not_covered(biller, member):
    result = check(biller)
    assert (result.outcome, result.member, result.spans) == (EligibilityOutcome.NOT_COVERED, member, [])


def test_every_plan_in_effect_is_listed_newest_first(biller, member):
    old = CoverageFactory(member=member, plan_code="HMO200", coverage_start=D(2020, 1, 1), coverage_end=D(2023, 12, 31))
    medical = CoverageFactory(member=member, plan_code="PPO100", coverage_start=D(2024, 1, 1))
    dental = CoverageFactory(member=member, plan_code="DEN300", coverage_start=D(2025, 1, 1))
    result = check(biller)
    assert result.covering == [dental, medical]
    assert result.spans == [dental, medical, old]


# --- no match -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member_id", "born"),
    [
        ("M999999999", BORN),  # unknown member ID
        ("M100200301", D(1956, 5, 13)),  # the right ID, a wrong birth date
        ("m100200301", BORN),  # IDs match exactly
    ],
)
def test_no_match_tells_nothing(biller, member, member_id, born):
    CoverageFactory(member=member)
    result = check(biller, member_id=member_id, born=born)
    assert result.outcome == EligibilityOutcome.NO_MATCH
    assert (result.member, result.covering, result.spans) == (None, [], [])


def test_the_selector_costs_one_query_without_a_match_and_two_with_one(member, django_assert_num_queries):
    CoverageFactory(member=member)
    # the member by ID and birth date
    with django_assert_num_queries(1):
        assert member_for_eligibility(member_id="M100200301", date_of_birth=D(2000, 1, 1)) is None
    with django_assert_num_queries(1):
        assert member_for_eligibility(member_id="M000", date_of_birth=BORN) is None
    # the member, then its coverage spans
    with django_assert_num_queries(2):
        found = member_for_eligibility(member_id="M100200301", date_of_birth=BORN)
        assert len(found.coverages.all()) == 1


# --- the audit ----------------------------------------------------------------------------------------


def test_each_lookup_writes_one_audit_event_without_names_or_birth_dates(biller, member):
    CoverageFactory(member=member, coverage_start=D(2024, 1, 1), coverage_end=D(2026, 6, 30))
    check(biller, day=D(2026, 3, 2))
    check(biller, day=D(2026, 9, 15))
    check(biller, born=D(1956, 5, 13))
    events = list(AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).order_by("id"))
    assert [event.details for event in events] == [
        {"member_id": "M100200301", "date_of_service": "2026-03-02", "result": "covered"},
        {"member_id": "M100200301", "date_of_service": "2026-09-15", "result": "not covered"},
        {"member_id": "M100200301", "date_of_service": "2026-03-02", "result": "no match"},
    ]
    assert all(event.actor == biller and event.organization is None for event in events)
    # a match names the member by its uuid; no match names nothing
    assert [(event.target_type, event.target_id) for event in events] == [
        ("member", str(member.uuid)),
        ("member", str(member.uuid)),
        ("", ""),
    ]
    for event in events:
        # the fields that hold text (the others are ids, hashes and times)
        stored = f"{event.details} {event.target_repr} {event.actor_email} {event.user_agent}"
        for secret in ("Homer", "Simpson", "1956", "05/12"):
            assert secret not in stored


# --- the throttle ---------------------------------------------------------------------------------------


def test_the_31st_lookup_in_a_minute_is_refused_until_the_first_ones_age_out(biller, frozen_clock):
    assert all(eligibility_throttle_hit(user=biller) is None for _ in range(30))
    frozen_clock["t"] += 45
    refusal = eligibility_throttle_hit(user=biller)
    assert refusal is not None and refusal.limit.name == "minute"
    # The 30 age out of the sliding minute 66 s after they were made (a 6-second bucket's slack).
    assert refusal.retry_after == 21 and refusal.retry_after_minutes == 1
    assert refusal.when.startswith("after ") and "(in 1 minute)" in refusal.when
    frozen_clock["t"] += 20
    assert eligibility_throttle_hit(user=biller) is not None
    frozen_clock["t"] += 1
    assert eligibility_throttle_hit(user=biller) is None


def test_a_minute_boundary_does_not_double_the_limit(biller, frozen_clock):
    """Fixed windows let 60 through in 7 seconds (30 at :57, 30 at :03); a sliding window lets 30."""
    frozen_clock["t"] += 57
    first = sum(eligibility_throttle_hit(user=biller) is None for _ in range(30))
    frozen_clock["t"] += 6  # the next clock minute
    second = sum(eligibility_throttle_hit(user=biller) is None for _ in range(30))
    assert (first, second) == (30, 0)


def test_150_lookups_in_a_minute_get_30_answers(biller, frozen_clock):
    answers = 0
    for _ in range(150):
        frozen_clock["t"] += 0.4  # 150 over 60 seconds
        answers += eligibility_throttle_hit(user=biller) is None
    assert answers == 30


def test_the_301st_lookup_in_a_day_is_refused_until_the_first_ones_age_out(biller, frozen_clock):
    for minute in range(10):
        frozen_clock["t"] += 67
        assert all(eligibility_throttle_hit(user=biller) is None for _ in range(30)), minute
        # refused by the minute limit (the last time, by the day's): not counted against the day
        assert eligibility_throttle_hit(user=biller).limit.name == ("minute" if minute < 9 else "day")
    frozen_clock["t"] += 67
    refusal = eligibility_throttle_hit(user=biller)
    assert refusal is not None and refusal.limit.name == "day"
    # The first 30 age out of the sliding day one day (and one 2.4-hour bucket at most) after them.
    assert 86_400 - 11 * 67 <= refusal.retry_after <= 86_400 + 8_640
    frozen_clock["t"] += refusal.retry_after - 1
    assert eligibility_throttle_hit(user=biller) is not None
    frozen_clock["t"] += 1
    assert eligibility_throttle_hit(user=biller) is None


def test_each_user_has_their_own_count(biller, manager, frozen_clock):
    for _ in range(30):
        eligibility_throttle_hit(user=biller)
    assert eligibility_throttle_hit(user=biller) is not None
    assert eligibility_throttle_hit(user=manager) is None


def test_a_refused_lookup_is_audited_and_looks_nothing_up(biller, member, frozen_clock, monkeypatch):
    monkeypatch.setattr(services, "ELIGIBILITY_LIMITS", (services.ThrottleLimit("minute", 60, 2),))
    ratelimit.clear("eligibility-minute", f"user:{biller.pk}", r=ratelimit.Rate(2, 60))
    CoverageFactory(member=member)
    assert check(biller).outcome == EligibilityOutcome.COVERED
    assert check(biller).outcome == EligibilityOutcome.COVERED
    with CaptureQueriesContext(connection) as queries:
        result = check(biller)
    assert not any("claims_" in query["sql"] for query in queries.captured_queries)
    assert result.outcome == EligibilityOutcome.THROTTLED
    assert result.member is None and result.refusal.limit.max_lookups == 2
    event = AuditEvent.objects.get(action=AuditAction.ELIGIBILITY_THROTTLED)
    assert event.actor == biller
    assert event.details == {"member_id": "M100200301", "date_of_service": "2026-03-02", "limit": "2 per minute"}
    assert AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).count() == 2
