"""The Claims pages cost as many queries at 2,000 claims as at 10: the list in every sort (and its
bounded count), a later page, the claim page (2 service lines, then 22, with more payments), the
payments list and a payment's page. The rows go in with bulk_create (lines with adjustments,
remittances with their claim payments)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.forms import SORTS
from claims.models import (
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimPayment,
    ClaimStatus,
    LineAdjustment,
    PaymentMethod,
    Remittance,
)

pytestmark = pytest.mark.django_db
SMALL, LARGE = 10, 2_000
DAY = datetime.date(2026, 6, 1)


def add_claims(npi, start: int, count: int) -> list[Claim]:
    """``count`` paid claims under ``npi``, two lines each with two adjustments, paid 20 a remittance."""
    claims = Claim.objects.bulk_create(
        Claim(
            claim_number=f"Q{n:08d}",
            provider_identifier=npi,
            member_id=f"M{n % 97:09d}",
            member_name="Query Member",
            service_date_from=DAY - datetime.timedelta(days=n % 300),
            service_date_to=DAY - datetime.timedelta(days=n % 300),
            billed_amount=Decimal(100 + n % 900),
            allowed_amount=Decimal(80),
            paid_amount=Decimal(n % 70),
            status=[ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.ADJUSTED][n % 3],
            received_date=DAY - datetime.timedelta(days=n % 290),
            paid_date=DAY,
        )
        for n in range(start, start + count)
    )
    add_lines(claims, first_line=1, per_claim=2)
    remittances = Remittance.objects.bulk_create(
        Remittance(
            trace_number=f"QT{start + n:08d}",
            payment_method=PaymentMethod.ACH,
            payment_date=DAY - datetime.timedelta(days=(start + n) % 200),
            amount=Decimal(1000),
            payer_name="Demo Health Plan",
            payee_name=npi.organization.name[:60],
            payee_tin=npi.organization.tin,
            organization=npi.organization,
            segments="",
            envelope="",
        )
        for n in range(0, count, 20)
    )
    add_payments([(claim, remittances[index // 20]) for index, claim in enumerate(claims)])
    return claims


def add_lines(claims, *, first_line: int, per_claim: int) -> None:
    lines = ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            line_number=first_line + n,
            procedure_code="99213",
            units=Decimal(1),
            service_date=claim.service_date_from,
            billed_amount=Decimal(50),
            allowed_amount=Decimal(40),
            paid_amount=Decimal(30),
            coinsurance=Decimal(10),
        )
        for claim in claims
        for n in range(per_claim)
    )
    LineAdjustment.objects.bulk_create(
        LineAdjustment(line=line, group_code=group, reason_code=code, amount=Decimal(10))
        for line in lines
        for group, code in ((AdjustmentGroup.CO, "45"), (AdjustmentGroup.PR, "2"))
    )


def add_payments(pairs) -> None:
    ClaimPayment.objects.bulk_create(
        ClaimPayment(
            remittance=remittance,
            claim=claim,
            status_code="1",
            charge_amount=claim.billed_amount,
            paid_amount=claim.paid_amount,
        )
        for claim, remittance in pairs
    )


def query_counts(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        client.get(url)  # the session's last-seen write, caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(captured.captured_queries)
    return counts


def test_claims_pages_cost_the_same_at_10_and_2000_claims(client, login_as, biller, npi):
    claims = add_claims(npi, 0, SMALL)
    watched = claims[0]
    remittance = Remittance.objects.get(trace_number="QT00000000")
    urls = {f"list sorted {key}": f"{reverse('claims:list')}?sort={key}" for key in SORTS}
    urls |= {
        "list, status denied": f"{reverse('claims:list')}?status=denied",
        "claim page": reverse("claims:detail", args=[watched.claim_number]),
        "payments list": reverse("claims:payments"),
        "payment page": reverse("claims:payment", args=[remittance.uuid]),
    }
    login_as(biller)
    small = query_counts(client, urls)

    add_claims(npi, SMALL, LARGE - SMALL)
    add_lines([watched], first_line=3, per_claim=20)  # the claim page: 22 lines, 3 payments
    add_payments([(watched, r) for r in Remittance.objects.filter(trace_number__startswith="QT").order_by("-id")[:2]])
    # The payment page: 20 more claims in the watched remittance.
    add_payments([(claim, remittance) for claim in Claim.objects.filter(claim_number__gte="Q00001000")[:20]])
    assert Claim.objects.filter(provider_identifier=npi).count() >= LARGE
    # A later page of the list, reached by its "Next page" cursor (the same page size, so the same queries).
    page = client.get(reverse("claims:list"))
    later = f"{reverse('claims:list')}?after={page.context['page'].next_cursor}"
    large = query_counts(client, urls | {"list, second page": later})

    assert large.pop("list, second page") == small["list sorted received_desc"]
    assert large == small
