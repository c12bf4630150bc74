"""factory-boy factories for bulk claim data."""

import datetime
from decimal import Decimal

import factory

from accounts.tests.factories import ProviderIdentifierFactory
from claims.models import Claim, ClaimStatus, Coverage, CoverageStatus, Member


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    claim_number = factory.Sequence(lambda n: f"C2026{n:06d}")
    provider_identifier = factory.SubFactory(ProviderIdentifierFactory)
    member_id = factory.Sequence(lambda n: f"M{100000000 + n}")
    member_name = factory.Sequence(lambda n: f"Member {n}")
    received_date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300))
    service_date_to = factory.LazyAttribute(lambda o: o.received_date - datetime.timedelta(days=5))
    service_date_from = factory.LazyAttribute(lambda o: o.service_date_to - datetime.timedelta(days=1))
    billed_amount = factory.Sequence(lambda n: Decimal(100 + n % 900) + Decimal("0.50"))
    allowed_amount = factory.LazyAttribute(lambda o: (o.billed_amount * Decimal("0.8")).quantize(Decimal("0.01")))
    paid_amount = factory.LazyAttribute(lambda o: o.allowed_amount)
    status = ClaimStatus.PAID
    paid_date = factory.LazyAttribute(lambda o: o.received_date + datetime.timedelta(days=14))
    check_number = factory.Sequence(lambda n: f"EFT{10000000 + n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    member_id = factory.Sequence(lambda n: f"M{200000000 + n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    date_of_birth = factory.Sequence(lambda n: datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 97 % 20000))


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    member = factory.SubFactory(MemberFactory)
    plan_code = "PPO100"
    plan_name = "Demo Health Plan PPO"
    coverage_start = datetime.date(2024, 1, 1)
    coverage_end = None
    status = CoverageStatus.ACTIVE
