"""The payments pages, the claim page's lines and payments, and the list's count, sort, pages and
export: who may open them, what they show, and what they cost."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.factories import ProviderIdentifierFactory
from audit.models import AuditAction, AuditEvent
from claims.line_services import claim_lines_import, reason_codes_load
from claims.management.commands.load_reason_codes import DEMO_FILE
from claims.models import Remittance
from claims.remittance import remittance_import
from claims.tests.factories import ClaimFactory
from claims.tests.remittance_builder import file_for
from claims.tests.test_lines_and_remittance_services import GOOD, lines_csv
from claims.tests.test_views_claims import audit_record_queries

pytestmark = pytest.mark.django_db
PAYMENTS = reverse("claims:payments")


@pytest.fixture
def paid_claim(npi):
    with open(DEMO_FILE, newline="", encoding="utf-8") as handle:
        reason_codes_load(lines=handle)
    claim = ClaimFactory(provider_identifier=npi, claim_number="C2026000123", billed_amount=Decimal("200.00"))
    claim_lines_import(lines=lines_csv(GOOD.format(n=claim.claim_number)))
    remittance_import(text=file_for([claim], trace="EFT777"))
    return claim


@pytest.fixture
def remittance(paid_claim):
    return Remittance.objects.get()


def urls(remittance):
    return [
        reverse("claims:payment", args=[remittance.uuid]),
        reverse("claims:payment_835", args=[remittance.uuid]),
        reverse("claims:payment_pdf", args=[remittance.uuid]),
    ]


def test_anonymous_is_sent_to_login_and_post_refused(client, login_as, biller, remittance):
    for url in [PAYMENTS, reverse("claims:export"), *urls(remittance)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    login_as(biller)
    for url in [PAYMENTS, reverse("claims:export"), *urls(remittance)]:
        assert client.post(url).status_code == 405


def test_outsider_gets_404_and_sees_no_payment(client, login_as, outsider, remittance):
    login_as(outsider)
    for url in urls(remittance):
        assert client.get(url).status_code == 404
    assert list(client.get(PAYMENTS).context["page"]) == []


def test_without_claims_level_is_refused(client, login_as, org, npi, remittance):
    from conftest import make_provider

    user = make_provider("eligibility@example.test", org, ["level_eligibility"], [npi])
    login_as(user)
    for url in [PAYMENTS, *urls(remittance)]:
        assert client.get(url).status_code == 403


def test_claim_page_explains_each_adjustment_and_shows_its_payment(client, login_as, biller, paid_claim, remittance):
    login_as(biller)
    body = client.get(reverse("claims:detail", args=[paid_claim.claim_number])).content.decode()
    assert "Line 1: 99213 25" in body
    assert "CO-45, $50.00" in body and "The charge is above the fee schedule" in body
    assert "The provider writes this off under the contract" in body
    assert "PR-3, $25.00" in body and "The member owes this amount." in body
    assert "N130" in body and "Consult the plan" in body
    assert "The member owes in all" in body and "$30.00" in body
    assert reverse("claims:payment", args=[remittance.uuid]) in body and "EFT777" in body


def test_payments_list_and_detail_are_audited(client, login_as, biller, remittance):
    login_as(biller)
    response = client.get(PAYMENTS)
    assert [r.trace_number for r in response.context["page"]] == ["EFT777"]
    assert response.context["page"].rows[0].claim_count == 1
    body = client.get(urls(remittance)[0]).content.decode()
    assert "C2026000123" in body and "Download the 835 file" in body
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert AuditAction.REMITTANCE_LIST_VIEWED in actions and AuditAction.REMITTANCE_VIEWED in actions


def test_downloads_are_audited_and_readable(client, login_as, biller, remittance):
    from claims import x12

    login_as(biller)
    response = client.get(urls(remittance)[1])
    assert response["Content-Type"] == "application/edi-x12"
    assert x12.validate(response.content.decode()) == []
    pdf = client.get(urls(remittance)[2])
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Remittance advice" in text and "EFT777" in text and "C2026000123" in text and "CO-45" in text
    assert AuditEvent.objects.filter(action=AuditAction.REMITTANCE_DOWNLOADED).count() == 2


def test_a_payment_with_claims_outside_the_scope_hides_them_and_its_835(client, login_as, org, npi, biller, paid_claim):
    second_npi = ProviderIdentifierFactory(organization=org, value="1245319599")
    hidden = ClaimFactory(provider_identifier=second_npi, claim_number="C2026000456")
    remittance_import(text=file_for([paid_claim, hidden], trace="EFT888"))
    remittance = Remittance.objects.get(trace_number="EFT888")
    login_as(biller)
    response = client.get(urls(remittance)[0])
    body = response.content.decode()
    assert "C2026000123" in body and "C2026000456" not in body and "Download the 835 file" not in body
    assert response.context["in_reach"] == 1 and remittance.claim_count == 2
    assert client.get(urls(remittance)[1]).status_code == 404
    pdf = client.get(urls(remittance)[2])
    assert "C2026000456" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_a_large_payment_lists_its_claims_fifty_a_page(client, login_as, biller, npi):
    claims = ClaimFactory.create_batch(51, provider_identifier=npi)
    remittance_import(text=file_for(claims, trace="EFT51"))
    remittance = Remittance.objects.get(trace_number="EFT51")
    assert remittance.claim_count == 51
    login_as(biller)
    first = client.get(urls(remittance)[0])
    assert len(first.context["rows"]) == 50 and first.context["whole"] and first.context["in_reach"] == 51
    body = first.content.decode()
    assert "Download the 835 file" in body and "Next page" in body
    second = client.get(urls(remittance)[0], {"after": first.context["page"].next_cursor})
    shown = [row["payment"].claim.claim_number for row in first.context["rows"] + second.context["rows"]]
    assert sorted(shown) == sorted(c.claim_number for c in claims)
    assert "First page" in second.content.decode()
    assert client.get(PAYMENTS).context["page"].rows[0].claim_count == 51


def _payments(n_claims, npi, trace_prefix):
    claims = ClaimFactory.create_batch(n_claims, provider_identifier=npi)
    for index, claim in enumerate(claims):
        remittance_import(text=file_for([claim], trace=f"{trace_prefix}{index}"))


@pytest.mark.parametrize("count", [2, 60])
def test_payments_list_query_count_does_not_grow(client, login_as, biller, npi, count, django_assert_num_queries):
    _payments(count, npi, "T")
    login_as(biller)
    client.get(PAYMENTS)
    # 1. session 2. user 3. TOTP device 4. access levels (level_required)
    # 5. the provider IDs whose claims the user may see
    # 6. one page of payments: EXISTS on level, EXISTS on a claim of those IDs (the count is stored)
    # 7.-8. the list-viewed audit event (tail hash, INSERT; PostgreSQL locks first)
    # 9. the unread Message Box count of the navigation badge
    with django_assert_num_queries(7 + audit_record_queries()):
        assert client.get(PAYMENTS).status_code == 200


@pytest.mark.parametrize("count", [1, 60])
def test_payment_detail_query_count_does_not_grow(client, login_as, biller, npi, count, django_assert_num_queries):
    claims = ClaimFactory.create_batch(count, provider_identifier=npi)
    remittance_import(text=file_for(claims, trace="BIG"))
    remittance = Remittance.objects.get()
    login_as(biller)
    client.get(PAYMENTS)
    # 1. session 2. user 3. TOTP device 4. access levels
    # 5. the provider IDs whose claims the user may see (read once for every query below)
    # 6. the payment, restricted, with its organization joined
    # 7. a page of its visible claims 8. their adjustments 9. their services with lines
    #    (the code words only when there are codes: none here)
    # 10. how many of its claims the user may see (against the stored count: the 835 offered or not)
    # 11.-12. the viewed audit event (tail hash, INSERT; PostgreSQL locks first)
    # 13. the unread Message Box count
    with django_assert_num_queries(11 + audit_record_queries()):
        assert client.get(urls(remittance)[0]).status_code == 200


# --- the list: count, sorts, pages, export ---------------------------------------------------------


def test_count_is_exact_below_the_bound_and_bounded_above(client, login_as, biller, npi, monkeypatch):
    ClaimFactory.create_batch(7, provider_identifier=npi)
    login_as(biller)
    response = client.get(reverse("claims:list"))
    assert response.context["count"] == 7 and "7 claims match." in response.content.decode()
    monkeypatch.setattr("claims.views.COUNT_BOUND", 5)
    response = client.get(reverse("claims:list"))
    assert "More than 5 claims match." in response.content.decode()


@pytest.mark.parametrize("sort", ["service_asc", "service_desc", "billed_asc", "billed_desc", "member_asc", "status"])
def test_every_sort_pages_forward_and_back(client, login_as, biller, npi, sort):
    ClaimFactory.create_batch(120, provider_identifier=npi)
    login_as(biller)
    first = client.get(reverse("claims:list"), {"sort": sort}).context["page"]
    second = client.get(reverse("claims:list"), {"sort": sort, "after": first.next_cursor}).context["page"]
    assert not {c.pk for c in first} & {c.pk for c in second}
    back = client.get(reverse("claims:list"), {"sort": sort, "before": second.extra["previous_cursor"]}).context["page"]
    assert [c.pk for c in back] == [c.pk for c in first] and back.is_first


def test_a_sort_that_is_not_a_column_is_a_form_error(client, login_as, biller):
    login_as(biller)
    response = client.get(reverse("claims:list"), {"sort": "password"})
    assert response.context["page"] is None and "sort" in response.context["form"].errors


def test_member_id_and_claim_number_match_without_regard_to_case(client, login_as, biller, npi):
    ClaimFactory(provider_identifier=npi, member_id="M555000111", claim_number="C2026000321")
    login_as(biller)
    assert len(client.get(reverse("claims:list"), {"member_id": "m555000111"}).context["page"]) == 1
    assert len(client.get(reverse("claims:list"), {"claim_number": "c2026000321"}).context["page"]) == 1


def test_back_to_claims_keeps_the_filters(client, login_as, biller, npi):
    claim = ClaimFactory(provider_identifier=npi, status="paid")
    login_as(biller)
    body = client.get(reverse("claims:list"), {"status": "paid", "sort": "billed_desc"}).content.decode()
    assert "?back=status%3Dpaid%26sort%3Dbilled_desc" in body
    detail = client.get(reverse("claims:detail", args=[claim.claim_number]), {"back": "status=paid&sort=billed_desc"})
    assert 'href="/claims/?status=paid&amp;sort=billed_desc"' in detail.content.decode()


def test_export_streams_the_filtered_claims_neutralised_and_audited(client, login_as, biller, npi, other_npi):
    ClaimFactory(provider_identifier=npi, member_name="=HYPERLINK(1)", status="paid")
    ClaimFactory(provider_identifier=npi, status="denied")
    ClaimFactory(provider_identifier=other_npi, status="paid")
    login_as(biller)
    response = client.get(reverse("claims:export"), {"status": "paid"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and rows[1][3] == "'=HYPERLINK(1)"
    event = AuditEvent.objects.get(action=AuditAction.CLAIMS_EXPORTED)
    assert event.details["filters"] == {"status": "paid"}


def test_export_with_a_sort_that_is_not_a_column_is_refused(client, login_as, biller):
    login_as(biller)
    response = client.get(reverse("claims:export"), {"sort": "claim_number; DROP TABLE"})
    assert response.status_code == 400 and not AuditEvent.objects.filter(action=AuditAction.CLAIMS_EXPORTED).exists()


def test_many_provider_ids_are_typed_not_picked(client, login_as, org, npi, biller):
    from accounts.services.access import scope_add
    from claims.forms import PICK_LIMIT

    login_as(biller)
    assert '<select name="provider_id"' in client.get(reverse("claims:list")).content.decode()
    extra = ProviderIdentifierFactory.create_batch(PICK_LIMIT, organization=org)
    scope_add(actor=None, user=biller, provider_identifiers=extra)
    ClaimFactory(provider_identifier=extra[0], claim_number="C2026000999")
    body = client.get(reverse("claims:list")).content.decode()
    assert '<select name="provider_id"' not in body and '<input type="text" name="provider_id"' in body
    assert f"the claims of {PICK_LIMIT + 1} provider IDs" in body
    value = extra[0].value
    typed = f"{value[:4]} {value[4:7]}-{value[7:]}"
    page = client.get(reverse("claims:list"), {"provider_id": typed}).context["page"]
    assert [c.claim_number for c in page] == ["C2026000999"]
    response = client.get(reverse("claims:list"), {"provider_id": "9999999999"})
    assert response.context["page"] is None
    assert "That is not one of the provider IDs whose claims you may see." in response.content.decode()
    assert 'value="9999999999"' in response.content.decode()
