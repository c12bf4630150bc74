"""Correct this claim: the rules of a replacement (frequency code 7) and a void (frequency code 8),
and the pages (who may open them, the confirmation, the claim's history, what they cost)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditAction, AuditEvent
from claims.corrections import CorrectionError, LineChange, claim_replace, claim_void
from claims.models import Claim, ClaimLine, ClaimStatus, FrequencyCode
from claims.tests.factories import ClaimFactory
from mailbox.models import Thread, ThreadKind

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def claim(npi):
    claim = ClaimFactory(
        claim_number="C2026000100",
        provider_identifier=npi,
        service_date_from=DAY,
        service_date_to=DAY,
        billed_amount=Decimal("300.00"),
        status=ClaimStatus.DENIED,
    )
    for number, code, amount in ((1, "99213", "120.00"), (2, "81002", "180.00")):
        ClaimLine.objects.create(
            claim=claim,
            line_number=number,
            procedure_code=code,
            units=Decimal("1"),
            service_date=DAY,
            billed_amount=Decimal(amount),
            allowed_amount=Decimal("0"),
            paid_amount=Decimal("0"),
        )
    return claim


def unchanged(claim) -> list[LineChange]:
    return [
        LineChange(
            line_number=line.line_number,
            units=line.units,
            billed_amount=line.billed_amount,
            service_date=line.service_date,
        )
        for line in claim.lines.order_by("line_number")
    ]


def audit_record_queries() -> int:
    return 3 if connection.vendor == "postgresql" else 2


# --- rules ------------------------------------------------------------------------------------------


def test_a_replacement_is_a_new_received_claim_linked_to_the_original(biller, claim):
    lines = unchanged(claim)
    lines[1] = LineChange(line_number=2, units=Decimal("2"), billed_amount=Decimal("360.00"), service_date=DAY)
    new = claim_replace(actor=biller, claim=claim, lines=lines)
    assert new.claim_number == "C2026000100-R1"
    assert new.frequency_code == FrequencyCode.REPLACEMENT and new.replaces == claim
    assert new.status == ClaimStatus.RECEIVED and new.paid_amount == 0
    assert new.billed_amount == Decimal("480.00")
    assert [(x.procedure_code, x.units, x.billed_amount) for x in new.lines.order_by("line_number")] == [
        ("99213", Decimal("1.00"), Decimal("120.00")),
        ("81002", Decimal("2.00"), Decimal("360.00")),
    ]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DENIED and claim.billed_amount == Decimal("300.00")
    event = AuditEvent.objects.get(action=AuditAction.CLAIM_CORRECTED)
    assert event.details["correction"] == "C2026000100-R1" and event.details["lines_changed"] == [2]
    thread = Thread.objects.get(kind=ThreadKind.SYSTEM, participants__user=biller)
    assert "C2026000100-R1" in thread.subject


def test_a_changed_date_moves_the_claims_service_dates(biller, claim):
    lines = unchanged(claim)
    lines[0] = LineChange(
        line_number=1, units=Decimal("1"), billed_amount=Decimal("120.00"), service_date=DAY.replace(day=1)
    )
    new = claim_replace(actor=biller, claim=claim, lines=lines)
    assert (new.service_date_from, new.service_date_to) == (DAY.replace(day=1), DAY)


def test_nothing_changed_is_refused(biller, claim):
    with pytest.raises(CorrectionError, match="Nothing was changed"):
        claim_replace(actor=biller, claim=claim, lines=unchanged(claim))
    assert Claim.objects.count() == 1 and not AuditEvent.objects.filter(action=AuditAction.CLAIM_CORRECTED).exists()


def test_a_claim_without_lines_is_replaced_by_its_billed_amount(biller, npi):
    bare = ClaimFactory(provider_identifier=npi, billed_amount=Decimal("50.00"))
    with pytest.raises(CorrectionError, match="Nothing was changed"):
        claim_replace(actor=biller, claim=bare, lines=[], billed_amount=Decimal("50.00"))
    assert claim_replace(actor=biller, claim=bare, lines=[], billed_amount=Decimal("55.00")).billed_amount == 55


def test_a_void_needs_a_reason(biller, claim):
    with pytest.raises(CorrectionError, match="Say why"):
        claim_void(actor=biller, claim=claim, reason="   ")
    assert Claim.objects.count() == 1


def test_a_void_copies_the_lines_and_keeps_the_reason(biller, claim):
    void = claim_void(actor=biller, claim=claim, reason="Billed under the wrong member.")
    assert void.claim_number == "C2026000100-V1" and void.frequency_code == FrequencyCode.VOID
    assert void.void_reason == "Billed under the wrong member." and void.lines.count() == 2


def test_a_voided_claim_cannot_be_corrected_again(biller, claim):
    void = claim_void(actor=biller, claim=claim, reason="Wrong member.")
    with pytest.raises(CorrectionError, match="already been voided"):
        claim_void(actor=biller, claim=claim, reason="Again.")
    with pytest.raises(CorrectionError, match="a void cannot be corrected"):
        claim_void(actor=biller, claim=void, reason="Again.")


def test_a_replaced_claim_is_corrected_through_its_replacement(biller, claim):
    lines = unchanged(claim)
    lines[0] = LineChange(line_number=1, units=Decimal("2"), billed_amount=Decimal("240.00"), service_date=DAY)
    first = claim_replace(actor=biller, claim=claim, lines=lines)
    with pytest.raises(CorrectionError, match="replaced by C2026000100-R1"):
        claim_replace(actor=biller, claim=claim, lines=lines)
    second = claim_void(actor=biller, claim=first, reason="Not given.")
    assert second.claim_number == "C2026000100-V2" and second.replaces == first


# --- pages ------------------------------------------------------------------------------------------


def correct_url(claim):
    return f"/claims/{claim.claim_number}/correct/"


def void_url(claim):
    return f"/claims/{claim.claim_number}/void/"


def replacement_post(claim, **line2):
    data = {"line-TOTAL_FORMS": "2", "line-INITIAL_FORMS": "2"}
    for index, line in enumerate(claim.lines.order_by("line_number")):
        data |= {
            f"line-{index}-line_number": line.line_number,
            f"line-{index}-units": str(line.units),
            f"line-{index}-billed_amount": str(line.billed_amount),
            f"line-{index}-service_date": line.service_date.isoformat(),
        }
    data |= {f"line-1-{name}": value for name, value in line2.items()}
    return data


@pytest.mark.parametrize("url", [correct_url, void_url])
def test_anonymous_is_sent_to_login(client, claim, url):
    response = client.post(url(claim))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_wrong_methods_are_refused(client, login_as, biller, claim):
    login_as(biller)
    assert client.get(void_url(claim)).status_code == 405
    assert client.put(correct_url(claim)).status_code == 405


def test_outsider_gets_404(client, login_as, outsider, claim):
    login_as(outsider)
    assert client.get(correct_url(claim)).status_code == 404
    assert client.post(correct_url(claim), replacement_post(claim, units="3")).status_code == 404
    assert client.post(void_url(claim), {"reason": "x", "confirmed": "yes"}).status_code == 404
    assert Claim.objects.count() == 1


def test_without_the_claims_level_403(client, login_as, no_level_user, claim):
    login_as(no_level_user)
    assert client.get(correct_url(claim)).status_code == 403


def test_the_claim_page_offers_the_correction(client, login_as, biller, claim):
    login_as(biller)
    response = client.get(f"/claims/{claim.claim_number}/")
    assert "Correct this claim" in response.text and correct_url(claim) in response.text


def test_the_form_shows_each_line(client, login_as, biller, claim):
    login_as(biller)
    response = client.get(correct_url(claim))
    assert response.status_code == 200
    assert "Line 1: 99213" in response.text and "Line 2: 81002" in response.text
    assert 'name="line-1-units"' in response.text and 'name="reason"' in response.text


def test_a_replacement_from_the_page(client, login_as, biller, claim):
    login_as(biller)
    response = client.post(correct_url(claim), replacement_post(claim, units="2", billed_amount="360.00"))
    assert response.status_code == 302 and response["Location"] == "/claims/C2026000100-R1/"
    page = client.get(response["Location"]).text
    assert "Replacement claim C2026000100-R1 was received." in page
    assert "replacement of a prior claim (frequency code 7) of claim" in page
    original = client.get(f"/claims/{claim.claim_number}/").text
    assert "Replaced</span> by claim" in original and "C2026000100-R1" in original
    assert "Correct this claim" not in original


def test_nothing_changed_keeps_the_form(client, login_as, biller, claim):
    login_as(biller)
    response = client.post(correct_url(claim), replacement_post(claim))
    assert response.status_code == 400 and "Nothing was changed" in response.text


def test_bad_line_input_is_shown_next_to_the_field(client, login_as, biller, claim):
    login_as(biller)
    response = client.post(correct_url(claim), replacement_post(claim, units="0"))
    assert response.status_code == 400
    assert "Correct the marked fields" in response.text and 'href="#id_line-1-units"' in response.text
    assert Claim.objects.count() == 1


def test_a_void_asks_first_then_voids(client, login_as, biller, claim):
    login_as(biller)
    asked = client.post(void_url(claim), {"reason": "Wrong member."})
    assert asked.status_code == 200 and "Void claim C2026000100?" in asked.text
    assert Claim.objects.count() == 1
    done = client.post(void_url(claim), {"reason": "Wrong member.", "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == "/claims/C2026000100-V1/"
    original = client.get(f"/claims/{claim.claim_number}/").text
    assert "Voided</span> by claim" in original


def test_a_void_without_a_reason_is_a_form_error(client, login_as, biller, claim):
    login_as(biller)
    response = client.post(void_url(claim), {"reason": "", "confirmed": "yes"})
    assert response.status_code == 400 and "This field is required" in response.text
    assert Claim.objects.count() == 1


def test_a_voided_claim_says_so_on_the_form(client, login_as, biller, claim):
    claim_void(actor=biller, claim=claim, reason="Wrong member.")
    login_as(biller)
    assert "already been voided" in client.get(correct_url(claim)).text
    response = client.post(void_url(claim), {"reason": "Again", "confirmed": "yes"})
    assert response.status_code == 400 and "already been voided" in response.text


def test_the_correction_form_query_count(client, login_as, biller, claim, django_assert_num_queries):
    login_as(biller)
    client.get("/claims/")
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the claim with provider ID and organization, EXISTS on scope and level
    # 6. its corrections (prefetched)
    # 7. its lines (the rows beside the forms) 8. its lines again (the forms' initial values)
    # 9. the unread Message Box count of the navigation badge
    with django_assert_num_queries(9):
        assert client.get(correct_url(claim)).status_code == 200


def test_a_replacement_query_count(client, login_as, biller, claim, django_assert_num_queries):
    login_as(biller)
    client.get("/claims/")
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the claim, EXISTS on scope and level 6. its corrections (prefetched) 7. its lines (initial)
    # 8. whether it has lines 9. SAVEPOINT 10. the claim locked 11. its corrections 12. its lines
    # 13. the correction numbers taken 14. INSERT the claim 15. INSERT the lines
    # 16.-17. the audit event (PostgreSQL: an advisory lock first, one more)
    # 18. SAVEPOINT 19.-25. the Message Box notice: thread, participant, message, the thread's and the
    #     participant's times, the participant read back, the "new message" email in the outbox
    # 26. RELEASE SAVEPOINT 27. RELEASE SAVEPOINT
    data = replacement_post(claim, units="2")
    with django_assert_num_queries(25 + audit_record_queries()):
        assert client.post(correct_url(claim), data).status_code == 302
