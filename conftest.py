"""Shared fixtures: the named personas every view is tested with."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import AccessLevel, UserKind, UserStatus
from accounts.services.access import access_levels_set, scope_add
from accounts.tests.factories import (
    OrganizationFactory,
    ProviderIdentifierFactory,
    TOTPDeviceFactory,
    UserFactory,
)

PASSWORD = "Correct-Horse-2026"  # noqa: S105  (test fixture)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles count in the cache, keyed by ids and addresses that repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Springfield Family Clinic", tin="123456789")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Shelbyville Medical Group", tin="987654321")


@pytest.fixture
def npi(org):
    return ProviderIdentifierFactory(organization=org, value="1234567893", display_name="Julius Hibbert MD")


@pytest.fixture
def other_npi(other_org):
    return ProviderIdentifierFactory(organization=other_org, value="1987654328", display_name="Nick Riviera MD")


def make_provider(email, organization, levels, scope=()):
    user = UserFactory(email=email, full_name=email.split("@")[0].title())
    access_levels_set(actor=None, user=user, organization=organization, levels=levels)
    scope_add(actor=None, user=user, provider_identifiers=list(scope))
    return user


@pytest.fixture
def manager(org, npi):
    """The account manager of the TIN, with every access level."""
    return make_provider("manager@example.test", org, AccessLevel.values, [npi])


@pytest.fixture
def biller(org, npi):
    """A user of the same TIN with Claims, Eligibility and Message Box."""
    return make_provider(
        "biller@example.test",
        org,
        [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX],
        [npi],
    )


@pytest.fixture
def no_level_user(org):
    """A user of the same TIN who holds no access level yet."""
    return UserFactory(email="newbie@example.test")


@pytest.fixture
def outsider(other_org, other_npi):
    """The account manager of another TIN."""
    return make_provider("outsider@example.test", other_org, AccessLevel.values, [other_npi])


@pytest.fixture
def payer_staff(db):
    return UserFactory(email="analyst@example.test", kind=UserKind.PAYER_STAFF)


@pytest.fixture
def disabled_user(org):
    user = make_provider("gone@example.test", org, [AccessLevel.CLAIMS])
    user.status = UserStatus.DISABLED
    user.save(update_fields=["status"])
    return user


def verified_login(client, user):
    """Log the client in with a confirmed second factor, as after password + TOTP."""
    device = TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login_as(client):
    def _login(user):
        return verified_login(client, user)

    return _login
