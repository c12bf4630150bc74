"""factory-boy factories for bulk test data."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organization, ProviderIdentifier, ProviderIdKind, User, UserKind, UserStatus
from accounts.validators import luhn_is_valid


def npi_with_check_digit(base9: str) -> str:
    for digit in "0123456789":
        if luhn_is_valid("80840" + base9 + digit):
            return base9 + digit
    raise AssertionError("unreachable")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Clinic {n}")
    tin = factory.Sequence(lambda n: f"{200000000 + n:09d}")
    tin_verified = True


class ProviderIdentifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderIdentifier

    organization = factory.SubFactory(OrganizationFactory)
    kind = ProviderIdKind.NPI
    value = factory.Sequence(lambda n: npi_with_check_digit(f"{300000000 + n:09d}"))
    display_name = factory.Sequence(lambda n: f"Doctor {n} MD")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    kind = UserKind.PROVIDER
    status = UserStatus.ACTIVE
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-2026")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Test authenticator"
    confirmed = True
