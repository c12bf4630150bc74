"""Backup codes are stored as keyed hashes, work once, and can be replaced from the Backup codes page."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.backup_codes import backup_code_digest
from accounts.models import BackupCode, BackupCodeDevice
from accounts.services.mfa import backup_codes_regenerate, mfa_verify
from accounts.tests.factories import UserFactory
from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def unthrottle(user):
    """A failed code delays the next try (django-otp's throttling); these tests try at once."""
    BackupCodeDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def test_codes_are_stored_as_keyed_hashes_never_in_clear():
    user = UserFactory()
    codes = backup_codes_regenerate(user=user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(BackupCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert not any(code in digest for code in codes for digest in stored)
    assert not StaticToken.objects.exists()  # django-otp's table keeps codes in clear: unused
    assert stored == {backup_code_digest(user.pk, code) for code in codes}


def test_a_code_works_once_and_its_stored_digest_is_not_a_code():
    user = UserFactory()
    codes = backup_codes_regenerate(user=user)
    digest = BackupCode.objects.filter(device__user=user).values_list("digest", flat=True).first()
    assert mfa_verify(user=user, token=digest) is None
    unthrottle(user)
    assert isinstance(mfa_verify(user=user, token=codes[0]), BackupCodeDevice)
    assert mfa_verify(user=user, token=codes[0]) is None
    assert BackupCode.objects.filter(device__user=user).count() == 9


def test_a_code_is_bound_to_its_user():
    alice, bob = UserFactory(), UserFactory()
    codes = backup_codes_regenerate(user=alice)
    backup_codes_regenerate(user=bob)
    assert mfa_verify(user=bob, token=codes[0]) is None
    assert mfa_verify(user=alice, token=codes[0]) is not None


def test_spaces_and_dashes_typed_with_a_code_are_ignored():
    user = UserFactory()
    code = backup_codes_regenerate(user=user)[0]
    assert mfa_verify(user=user, token=f"{code[:5]}-{code[5:]}") is not None


def test_codes_survive_a_key_rotation_with_the_old_key_in_the_fallbacks(settings):
    user = UserFactory()
    codes = backup_codes_regenerate(user=user)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x9" * 30
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert mfa_verify(user=user, token=codes[0]) is not None
    settings.SECRET_KEY_FALLBACKS = []
    assert mfa_verify(user=user, token=codes[1]) is None


def test_the_data_migration_hashes_existing_plain_codes():
    user = UserFactory()
    static = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in ("1234567890", "0987654321")])
    migration = importlib.import_module("accounts.migrations.0005_backup_codes_hashed")
    migration.hash_existing_codes(apps, None)
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    assert set(BackupCode.objects.filter(device__user=user).values_list("digest", flat=True)) == {
        backup_code_digest(user.pk, "1234567890"),
        backup_code_digest(user.pk, "0987654321"),
    }
    assert mfa_verify(user=user, token="1234567890") is not None
    assert mfa_verify(user=user, token="1234567890") is None


# --- the Backup codes page --------------------------------------------------------------------

URL = "/profile/backup-codes/"


def test_page_needs_a_login_and_a_second_factor(client):
    assert reverse("accounts:backup_codes") == URL
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    user = UserFactory()
    client.force_login(user)  # password only
    response = client.post(URL, {"confirmed": "yes"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:mfa"))
    assert not BackupCodeDevice.objects.filter(user=user).exists()


def test_page_refuses_other_methods(client, login_as, biller):
    login_as(biller)
    assert client.put(URL).status_code == 405


def test_page_says_how_many_codes_are_left(client, login_as, biller, django_assert_num_queries):
    codes = backup_codes_regenerate(user=biller)
    mfa_verify(user=biller, token=codes[0])
    login_as(biller)
    client.get(URL)
    # session, user, OTP device, remaining-code count; the navigation's levels and organizations
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert response.status_code == 200
    assert "9 unused backup codes" in response.content.decode()
    assert "Make new backup codes" in response.content.decode()


def test_asking_for_new_codes_asks_first_and_changes_nothing(client, login_as, biller):
    codes = backup_codes_regenerate(user=biller)
    login_as(biller)
    response = client.post(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Make new backup codes?" in page and "stop working at once" in page
    assert mfa_verify(user=biller, token=codes[0]) is not None


def test_new_codes_are_shown_once_and_the_old_ones_stop_working(client, login_as, biller):
    old = backup_codes_regenerate(user=biller)
    login_as(biller)
    response = client.post(URL, {"confirmed": "yes"})
    assert response.status_code == 200
    new = response.context["codes"]
    page = response.content.decode()
    assert all(code in page for code in new)
    assert 'data-copy-codes="backup-codes"' in page and "data-print-codes" in page
    assert "backup_codes.js" in page and "browser's Print command" in page
    assert mfa_verify(user=biller, token=old[1]) is None
    unthrottle(biller)
    assert mfa_verify(user=biller, token=new[0]) is not None
    event = AuditEvent.objects.filter(action=AuditAction.MFA_ENROLLED, actor=biller).latest("id")
    assert event.details == {"device": "backup_codes", "regenerated": True}
    # Shown once: the page afterwards only counts them.
    assert new[1] not in client.get(URL).content.decode()


def test_payer_staff_have_the_page_too(client, login_as, payer_staff):
    login_as(payer_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert "no unused backup codes" in response.content.decode()
    assert client.post(URL, {"confirmed": "yes"}).status_code == 200
    assert BackupCode.objects.filter(device__user=payer_staff).count() == 10


def test_profile_links_to_the_page(client, login_as, biller):
    login_as(biller)
    assert URL in client.get(reverse("accounts:profile")).content.decode()
