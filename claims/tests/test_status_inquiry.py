"""The claim status inquiry: the rules (which claim it finds, the categories, what no match says, the
throttle, the audit) and the page (who may open it, the answer, what a question costs)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditAction, AuditEvent
from claims.models import ClaimStatus
from claims.status_inquiry import STATUS_CATEGORY, InquiryOutcome, category_of, claim_status_inquire
from claims.tests.factories import ClaimFactory, MemberFactory

pytestmark = pytest.mark.django_db

URL = "/claims/status/"
BORN = datetime.date(1956, 5, 12)


@pytest.fixture
def member(db):
    return MemberFactory(member_id="M100200301", first_name="Homer", last_name="Simpson", date_of_birth=BORN)


@pytest.fixture
def pending(npi, member):
    return ClaimFactory(
        claim_number="C2026P1",
        provider_identifier=npi,
        member_id=member.member_id,
        member_name="Homer Simpson",
        service_date_from=datetime.date(2026, 3, 2),
        service_date_to=datetime.date(2026, 3, 4),
        billed_amount=Decimal("245.00"),
        allowed_amount=Decimal("0"),
        paid_amount=Decimal("0"),
        paid_date=None,
        check_number="",
        status=ClaimStatus.PENDING,
    )


def ask(*, user, member_id="M100200301", born=BORN, day=datetime.date(2026, 3, 3), amount=Decimal("245.00")):
    return claim_status_inquire(
        actor=user, member_id=member_id, date_of_birth=born, service_date=day, billed_amount=amount
    )


def post(client, member_id="M100200301", born="1956-05-12", day="2026-03-03", amount="245.00"):
    return client.post(
        URL, {"member_id": member_id, "date_of_birth": born, "service_date": day, "billed_amount": amount}
    )


def answer(response) -> str:
    match = re.search(r'<section[^>]*aria-labelledby="status-result-heading".*?</section>', response.text, re.S)
    return match.group(0) if match else ""


def audit_record_queries() -> int:
    return 3 if connection.vendor == "postgresql" else 2


# --- rules ------------------------------------------------------------------------------------------


def test_every_status_has_a_category():
    assert set(STATUS_CATEGORY) == set(ClaimStatus)
    assert category_of("pending").code == "P1"
    assert category_of("suspended").code == "P2"
    assert category_of("received").code == "A1"
    assert category_of("denied").code == "F2"
    assert category_of("paid").label == "Finalized: payment"


def test_a_pending_claim_is_found_by_its_four_facts(biller, pending):
    result = ask(user=biller)
    assert result.outcome == InquiryOutcome.FOUND
    assert result.claim == pending
    assert result.category.code == "P1" and result.category.label == "Pending: in process"


def test_a_suspended_claim_answers_payer_review(biller, pending):
    pending.status = ClaimStatus.SUSPENDED
    pending.save()
    assert ask(user=biller).category.label == "Pending: payer review"


@pytest.mark.parametrize(
    "change",
    [
        {"member_id": "M999"},
        {"born": datetime.date(1956, 5, 13)},
        {"day": datetime.date(2026, 3, 5)},
        {"amount": Decimal("245.01")},
    ],
)
def test_any_fact_wrong_is_no_match(biller, pending, change):
    assert ask(user=biller, **change).outcome == InquiryOutcome.NO_MATCH


def test_the_member_id_is_matched_without_regard_to_case_by_the_form(client, login_as, biller, pending):
    login_as(biller)
    assert "Pending: in process" in answer(post(client, member_id="m100200301"))


def test_another_tins_claim_is_no_match(outsider, pending):
    assert ask(user=outsider).outcome == InquiryOutcome.NO_MATCH


def test_the_claim_of_a_member_with_no_member_row_is_no_match(biller, npi):
    ClaimFactory(provider_identifier=npi, member_id="M555", billed_amount=Decimal("245.00"))
    assert ask(user=biller, member_id="M555").outcome == InquiryOutcome.NO_MATCH


def test_every_inquiry_is_audited_without_names_or_birth_dates(biller, pending):
    ask(user=biller)
    ask(user=biller, member_id="M999")
    found, missing = AuditEvent.objects.filter(action=AuditAction.CLAIM_STATUS_INQUIRED).order_by("id")
    assert found.details["result"] == "found" and found.details["claim_number"] == "C2026P1"
    assert found.details["category"] == "P1" and found.organization == pending.provider_identifier.organization
    assert missing.details == {
        "member_id": "M999",
        "service_date": "2026-03-03",
        "billed_amount": "245.00",
        "result": "no match",
    }
    for event in (found, missing):
        assert "Homer" not in str(event.details) and "1956" not in str(event.details)


def test_the_31st_inquiry_in_a_minute_is_refused_and_audited(biller, pending, monkeypatch):
    from core import ratelimit

    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000 - 1_800_000_000 % 60 + 20)
    for _ in range(30):
        assert ask(user=biller).outcome == InquiryOutcome.FOUND
    result = ask(user=biller)
    assert result.outcome == InquiryOutcome.THROTTLED and result.refusal.retry_after == 64
    assert AuditEvent.objects.filter(action=AuditAction.CLAIM_STATUS_THROTTLED).count() == 1
    # The eligibility allowance is its own.
    from claims.services import eligibility_throttle_hit

    assert eligibility_throttle_hit(user=biller) is None


# --- the page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_are_refused(client, login_as, biller, method):
    login_as(biller)
    assert getattr(client, method)(URL).status_code == 405


def test_without_the_claims_level_403(client, login_as, no_level_user, payer_staff):
    login_as(no_level_user)
    assert client.get(URL).status_code == 403
    login_as(payer_staff)
    assert client.get(URL).status_code == 403


def test_the_page_asks_four_facts(client, login_as, biller):
    login_as(biller)
    response = client.get(URL)
    assert response.status_code == 200
    for name in ("member_id", "date_of_birth", "service_date", "billed_amount"):
        assert f'name="{name}"' in response.text
    assert "30 inquiries a minute" in response.text
    assert "P2: Pending: payer review" in response.text


def test_the_answer_names_the_claim_and_its_category(client, login_as, biller, pending):
    login_as(biller)
    section = answer(post(client))
    assert "Pending: in process (P1)" in section and "C2026P1" in section and "$245.00" in section


def test_no_match_says_the_same_whether_the_member_exists_or_not(client, login_as, biller, pending, outsider):
    login_as(biller)
    wrong_birth = answer(post(client, born="1956-05-13"))
    unknown = answer(post(client, member_id="M404"))
    assert "No match" in wrong_birth
    assert wrong_birth == unknown.replace("M404", "M100200301")
    login_as(outsider)
    assert answer(post(client)) == wrong_birth


def test_bad_input_is_a_form_error(client, login_as, biller, pending):
    login_as(biller)
    response = post(client, amount="lots", member_id="M1<script>")
    assert response.status_code == 400
    assert "Correct the marked fields" in response.text and "<script>" not in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.CLAIM_STATUS_INQUIRED).exists()


def test_throttled_answers_429(client, login_as, biller, pending, monkeypatch):
    from core import ratelimit

    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000 - 1_800_000_000 % 60 + 20)
    login_as(biller)
    for _ in range(30):
        post(client)
    response = post(client)
    assert response.status_code == 429 and response["Retry-After"] == "64"
    assert "Too many inquiries" in answer(response)


def test_an_inquiry_query_count(client, login_as, biller, pending, django_assert_num_queries):
    login_as(biller)
    client.get(URL)  # the first request stores the last-seen time in the session
    # 1. session 2. user 3. TOTP device 4. access levels held anywhere (level_required)
    # 5. the claim: restricted to the user's provider IDs, the member's birth date in a subquery
    # 6.-7. the audit event: the chain's tail hash, then the INSERT (PostgreSQL: an advisory lock first)
    # 8. the unread Message Box count of the navigation badge
    with django_assert_num_queries(6 + audit_record_queries()):
        assert post(client).status_code == 200
    with django_assert_num_queries(6 + audit_record_queries()):
        assert post(client, member_id="M404").status_code == 200
