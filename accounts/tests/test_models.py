"""Validation of the claim system's identifiers and the database constraints behind it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization, ProviderIdentifier, ProviderIdKind, User, UserKind, UserStatus
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from accounts.validators import npi_is_valid, tin_is_valid, validate_npi, validate_tin


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1234567893", True),
        ("1234567890", False),
        ("1245319599", True),
        ("123456789", False),
        ("12345678930", False),
        ("12345678a3", False),
        ("", False),
    ],
)
def test_npi_luhn_with_80840_prefix(value, valid):
    assert npi_is_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("123456789", True),
        ("000000000", False),
        ("999999999", False),
        ("12345678", False),
        ("1234567890", False),
        ("12-345678", False),
    ],
)
def test_tin_nine_digits_not_repeated(value, valid):
    assert tin_is_valid(value) is valid


def test_validators_explain_the_problem():
    with pytest.raises(ValidationError, match="check digit"):
        validate_npi("1234567890")
    with pytest.raises(ValidationError, match="repeated"):
        validate_tin("111111111")


@pytest.mark.django_db
def test_organization_full_clean_rejects_bad_tin():
    with pytest.raises(ValidationError):
        Organization(name="Bad", tin="11111111a").full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("tin", ["12345678", "111111111", "abcdefghi"])
def test_database_refuses_a_bad_tin(tin):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Bad", tin=tin)


@pytest.mark.django_db
def test_tin_is_unique():
    OrganizationFactory(tin="123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Twin", tin="123456789")


@pytest.mark.django_db
def test_provider_id_unique_on_kind_and_value():
    existing = ProviderIdentifierFactory(value="1234567893")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderIdentifier.objects.create(
            organization=existing.organization,
            kind=ProviderIdKind.NPI,
            value="1234567893",
            display_name="Twin",
        )


@pytest.mark.django_db
def test_provider_id_clean_checks_npi_and_tin():
    org = OrganizationFactory(tin="123456789")
    with pytest.raises(ValidationError):
        ProviderIdentifier(organization=org, kind="npi", value="1234567890", display_name="x").full_clean()
    with pytest.raises(ValidationError):
        ProviderIdentifier(organization=org, kind="tin", value="987654321", display_name="x").full_clean()
    ProviderIdentifier(organization=org, kind="tin", value="123456789", display_name="x").full_clean()


@pytest.mark.django_db
def test_database_refuses_a_short_npi():
    org = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderIdentifier.objects.create(organization=org, kind="npi", value="12345", display_name="x")


@pytest.mark.django_db
def test_user_email_is_lowercased_and_unique():
    user = User.objects.create_user("Someone@Example.TEST", full_name="Someone")
    assert user.email == "someone@example.test"
    with pytest.raises(ValidationError):
        User.objects.create_user("SOMEONE@example.test", full_name="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="someone@example.test", full_name="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Upper@example.test", full_name="Not normalised")


@pytest.mark.django_db
def test_only_payer_staff_can_be_admins():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.test", full_name="X", kind=UserKind.PROVIDER, is_staff=True)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in UserStatus.values if s not in (UserStatus.ACTIVE, UserStatus.LOCKED)])
def test_only_active_and_locked_users_keep_sessions(status):
    assert UserFactory(status=status).is_active is False
    assert UserFactory(status=UserStatus.ACTIVE).is_active is True
    # Locked refuses new sign-ins (accounts.backends) but not the sessions already open.
    assert UserFactory(status=UserStatus.LOCKED).is_active is True


@pytest.mark.django_db
def test_deleting_an_organization_drops_its_grants():
    """Direct foreign keys cascade: no orphan grant can be inherited by a later object."""
    from guardian.shortcuts import assign_perm

    from accounts.models import AccessLevel, OrganizationUserObjectPermission

    org, user = OrganizationFactory(), UserFactory()
    assign_perm(AccessLevel.CLAIMS, user, org)
    assert OrganizationUserObjectPermission.objects.filter(content_object=org).count() == 1
    org.delete()
    assert not OrganizationUserObjectPermission.objects.exists()


@pytest.mark.django_db
def test_an_organization_with_audit_history_cannot_be_deleted(manager, org):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        org.delete()
