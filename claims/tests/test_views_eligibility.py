"""The Eligibility page: who may open it, the answers it gives, what it never reveals, the throttle,
the audit and what a lookup costs."""

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from claims.models import CoverageStatus
from claims.tests.factories import CoverageFactory, MemberFactory

# Until portal/urls.py mounts claims.urls.eligibility_urlpatterns, this map mounts it the same way.
pytestmark = pytest.mark.django_db

URL = "/eligibility/"
BORN = "1956-05-12"


@pytest.fixture
def member(db):
    """Homer: the PPO since 2024 (open-ended) and an HMO that ended with 2023."""
    homer = MemberFactory(
        member_id="M100200301", first_name="Homer", last_name="Simpson", date_of_birth=datetime.date(1956, 5, 12)
    )
    CoverageFactory(
        member=homer,
        plan_code="HMO200",
        plan_name="Demo Health Plan HMO",
        coverage_start=datetime.date(2020, 1, 1),
        coverage_end=datetime.date(2023, 12, 31),
        status=CoverageStatus.TERMINATED,
    )
    CoverageFactory(member=homer, plan_code="PPO100", plan_name="Demo Health Plan PPO")
    return homer


@pytest.fixture
def future_member(db):
    """Cletus: the PPO begins on 01/01/2027."""
    cletus = MemberFactory(member_id="M100200320", date_of_birth=datetime.date(1971, 3, 9))
    CoverageFactory(member=cletus, coverage_start=datetime.date(2027, 1, 1))
    return cletus


def lookup(client, member_id="M100200301", born=BORN, day="2026-03-02", **extra):
    return client.post(URL, {"member_id": member_id, "date_of_birth": born, "date_of_service": day}, **extra)


def result_section(response) -> str:
    match = re.search(r'<section[^>]*aria-labelledby="eligibility-result-heading".*?</section>', response.text, re.S)
    return match.group(0) if match else ""


def audit_record_queries() -> int:
    """What one audit.services.record costs: the chain's tail hash and the INSERT, after an
    advisory lock on PostgreSQL."""
    return 3 if connection.vendor == "postgresql" else 2


# --- the URL ---------------------------------------------------------------------------------------------


def test_the_page_is_at_eligibility_in_the_claims_namespace():
    assert reverse("claims:eligibility") == URL
    assert reverse("claims:list") == "/claims/"


# --- who may open it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(client, login_as, biller, method):
    login_as(biller)
    assert getattr(client, method)(URL).status_code == 405


def test_user_without_the_eligibility_level_gets_403(client, login_as, no_level_user, member):
    login_as(no_level_user)
    assert client.get(URL).status_code == 403
    assert lookup(client).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).exists()


def test_claims_level_alone_is_not_enough(client, login_as, org, member):
    from accounts.models import AccessLevel
    from conftest import make_provider

    login_as(make_provider("claims-only@example.test", org, [AccessLevel.CLAIMS]))
    assert client.get(URL).status_code == 403


def test_payer_staff_get_403(client, login_as, payer_staff, member):
    login_as(payer_staff)
    assert client.get(URL).status_code == 403
    assert lookup(client).status_code == 403


def test_a_user_of_another_tin_with_eligibility_may_look_up_any_member(client, login_as, outsider, member):
    """Eligibility is a member-level question: whoever holds Eligibility on some organization may
    ask about any member, whatever TIN billed them. The birth date is the proof."""
    login_as(outsider)
    response = lookup(client)
    assert response.status_code == 200
    assert "Covered on 03/02/2026" in response.text


# --- the form -------------------------------------------------------------------------------------------


def test_get_shows_an_accessible_form_and_looks_nothing_up(client, login_as, biller, member):
    login_as(biller)
    response = client.get(URL, {"member_id": "M100200301", "date_of_birth": BORN})
    assert response.status_code == 200
    body = response.text
    assert response.context["result"] is None and result_section(response) == ""
    assert not AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).exists()
    # posted, so a member ID and birth date never sit in a URL
    assert f'method="post" action="{URL}"' in body
    # the date of service defaults to today
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in body
    # the dates in a fieldset with a legend; every input labelled; the limits said
    assert re.search(r'<fieldset class="usa-fieldset">\s*<legend class="usa-legend">Dates</legend>', body)
    for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body):
        assert f'for="{input_id}"' in body, input_id
    assert "up to 30 lookups a minute and 300 lookups a day" in body
    levels = [int(level) for level in re.findall(r"<h([1-6])", body)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


def test_navigation_shows_eligibility_as_current(client, login_as, biller):
    login_as(biller)
    items = client.get(URL).context["nav_items"]
    assert {"label": "Eligibility", "url": URL, "current": True, "badge": 0} in items


# --- the answers ----------------------------------------------------------------------------------------


def test_covered_shows_the_plan_and_its_dates(client, login_as, biller, member):
    login_as(biller)
    response = lookup(client)
    assert response.status_code == 200
    section = result_section(response)
    assert "Covered on 03/02/2026" in section
    assert "Homer Simpson" in section and "M100200301" in section
    covering = section.split("All coverage on file")[0]
    assert "Demo Health Plan PPO" in covering and "PPO100" in covering
    assert "01/01/2024" in covering and "No end date" in covering
    assert "HMO200" not in covering  # ended before: listed only under all coverage
    assert "HMO200" in section and "12/31/2023" in section
    assert 'role="status"' in section


def test_not_covered_after_termination_shows_when_coverage_ended(client, login_as, biller, member):
    login_as(biller)
    section = result_section(lookup(client, day="2023-06-01"))
    assert "Covered on 06/01/2023" in section  # the HMO then
    section = result_section(lookup(client, day="2019-12-31"))
    assert "Not covered on 12/31/2019" in section
    assert "01/01/2020" in section and "12/31/2023" in section and "Terminated" in section


def test_not_covered_before_future_coverage_shows_when_it_begins(client, login_as, biller, future_member):
    login_as(biller)
    section = result_section(lookup(client, member_id="M100200320", born="1971-03-09", day="2026-12-15"))
    assert "Not covered on 12/15/2026" in section
    assert "01/01/2027" in section and "No end date" in section


def test_the_date_of_service_defaults_to_today(client, login_as, biller, member):
    login_as(biller)
    response = lookup(client, day="")
    assert response.context["result"].date_of_service == timezone.localdate()
    assert f"Covered on {timezone.localdate():%m/%d/%Y}" in response.text


def test_unknown_member_id_and_wrong_birth_date_answer_the_same(client, login_as, biller, member):
    login_as(biller)
    unknown = lookup(client, member_id="M999999999")
    wrong_birth = lookup(client, born="1956-05-13")
    assert unknown.status_code == wrong_birth.status_code == 200
    assert result_section(unknown) == result_section(wrong_birth) != ""
    assert "No match" in result_section(unknown)
    for response in (unknown, wrong_birth):
        assert "Homer" not in response.text and "Simpson" not in response.text
        assert "PPO100" not in response.text

    def page(response, member_id, born):
        # the whole page, but for what was typed into the form and the per-response CSRF token
        text = response.text.replace(member_id, "ID").replace(born, "BORN")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert page(unknown, "M999999999", BORN) == page(wrong_birth, "M100200301", "1956-05-13")


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member_id",
    [
        "<script>alert(1)</script>",
        ";alert(1)//",
        "</xmp><script>alert(1)</script>",
        "M1' OR '1'='1",
        "M" * 31,
        "",
    ],
)
def test_odd_member_ids_are_form_errors_shown_as_plain_text(client, login_as, biller, member, member_id):
    login_as(biller)
    response = lookup(client, member_id=member_id)
    assert response.status_code == 200
    assert response.context["form"].errors["member_id"]
    assert response.context["result"] is None
    body = response.text
    assert "usa-error-message" in body
    if "<" in member_id:
        assert member_id not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert not AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", "<script>alert(1)</script>"),
        ("date_of_birth", ""),
        ("date_of_birth", "2999-01-01"),
        ("date_of_service", "2026-02-30"),
        ("date_of_service", ";alert(1)//"),
    ],
)
def test_bad_dates_are_form_errors(client, login_as, biller, member, field, value):
    login_as(biller)
    data = {"member_id": "M100200301", "date_of_birth": BORN, "date_of_service": "2026-03-02", field: value}
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "<script>alert(1)</script>" not in response.text


# --- the audit and the throttle --------------------------------------------------------------------------


def test_every_lookup_writes_one_audit_event_without_names_or_birth_dates(client, login_as, biller, member):
    login_as(biller)
    lookup(client, HTTP_USER_AGENT="pytest")
    lookup(client, day="2019-01-01")
    lookup(client, born="1999-01-01")
    events = AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).order_by("id")
    assert [event.details["result"] for event in events] == ["covered", "not covered", "no match"]
    for event in events:
        assert event.actor == biller
        assert set(event.details) == {"member_id", "date_of_service", "result"}
        stored = f"{event.details} {event.target_repr}"
        assert "Homer" not in stored and "Simpson" not in stored
        assert "1956" not in stored and "1999" not in stored
    assert events[0].user_agent == "pytest"


def test_the_31st_lookup_in_a_minute_answers_429(client, login_as, biller, member, monkeypatch):
    from core import ratelimit

    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000 - 1_800_000_000 % 60 + 20)
    login_as(biller)
    for _ in range(30):
        assert lookup(client).status_code == 200
    response = lookup(client)
    assert response.status_code == 429
    # The 30 age out of the sliding minute 66 s after the 6-second bucket they fell in began.
    assert response["Retry-After"] == "64"
    section = result_section(response)
    assert "Too many lookups" in section and "limit of 30 eligibility lookups a minute" in section
    assert "Try again after " in section and "(in 2 minutes), or call" in section and 'role="alert"' in section
    # The search stays in the form.
    assert 'value="M100200301"' in response.text
    assert "Homer" not in response.text
    assert AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_CHECKED).count() == 30
    refused = AuditEvent.objects.get(action=AuditAction.ELIGIBILITY_THROTTLED)
    assert refused.actor == biller and refused.details["limit"] == "30 per minute"


def test_a_lookup_query_count(client, login_as, biller, member, django_assert_num_queries):
    login_as(biller)
    client.get(URL)  # the first request stores the last-seen time in the session
    # 1. session 2. user 3. TOTP device 4. access levels held anywhere (level_required)
    # 5. the member by member ID and birth date
    # 6. the member's coverage spans
    # 7.-8. the ELIGIBILITY_CHECKED audit event: the chain's tail hash, then the INSERT (on
    #       PostgreSQL an advisory lock comes first: one more)
    # 9. the unread Message Box count of the navigation badge (the biller holds Message Box)
    with django_assert_num_queries(7 + audit_record_queries()):
        assert lookup(client).status_code == 200
    # no match: no coverage spans to read
    with django_assert_num_queries(6 + audit_record_queries()):
        assert lookup(client, member_id="M000").status_code == 200
