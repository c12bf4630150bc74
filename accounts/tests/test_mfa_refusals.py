"""The code page says why a code was refused: a wrong code, a code already used, or django-otp's
back-off after wrong codes (with how long to wait). Real TOTP devices, real codes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services.mfa import MfaRefusal, mfa_check
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from accounts.tests.test_views_auth import code_for, password_step
from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def wrong_code(device) -> str:
    right = code_for(device)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def post_code(client, token):
    return client.post(reverse("accounts:mfa"), {"token": token, "next": "/"})


def token_error(response) -> str:
    return " ".join(response.context["form"].errors["token"])


def rewind_throttle(device, seconds):
    """As if ``seconds`` had passed since the last wrong code."""
    device.refresh_from_db()
    device.throttling_failure_timestamp -= timedelta(seconds=seconds)
    device.save(update_fields=["throttling_failure_timestamp"])


@pytest.fixture
def signed_in_with_password(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    assert password_step(client, user.email).status_code == 302
    return user, device


def test_a_wrong_code_says_it_is_not_right(client, signed_in_with_password):
    _user, device = signed_in_with_password
    response = post_code(client, wrong_code(device))
    assert response.status_code == 200
    error = token_error(response)
    assert "not right" in error
    assert "already used" not in error and "wait" not in error


def test_right_code_right_after_a_wrong_one_is_refused_for_the_throttle_and_says_so(client, signed_in_with_password):
    _user, device = signed_in_with_password
    post_code(client, wrong_code(device))
    response = post_code(client, code_for(device))  # within the one-second back-off
    error = token_error(response)
    assert error == "Too many wrong codes: wait 1 second and enter the newest code from your app."
    assert "not right" not in error and "already used" not in error
    # The refused code was not consumed: once the wait is over it signs in.
    rewind_throttle(device, 2)
    response = post_code(client, code_for(device))
    assert response.status_code == 302 and response.url == "/"


def test_the_wait_doubles_with_each_wrong_code(client, signed_in_with_password):
    _user, device = signed_in_with_password
    for _ in range(4):  # back-off of 1, 2, 4 seconds in between: step past each
        post_code(client, wrong_code(device))
        rewind_throttle(device, 10)
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now()
    device.save(update_fields=["throttling_failure_timestamp"])
    assert device.throttling_failure_count == 4
    response = post_code(client, code_for(device))
    assert token_error(response).startswith("Too many wrong codes: wait 8 seconds")


def test_a_code_already_used_says_so(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    password_step(client, user.email)
    code = code_for(device)
    assert post_code(client, code).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, user.email)
    response = post_code(client, code)
    error = token_error(response)
    assert "already used" in error
    assert "Too many" not in error


def test_the_service_names_the_refusal_and_audits_it():
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    assert mfa_check(user=user, token=wrong_code(device)).refusal == MfaRefusal.WRONG
    result = mfa_check(user=user, token=code_for(device))
    assert result.refusal == MfaRefusal.THROTTLED and result.wait_seconds == 1
    rewind_throttle(device, 2)
    assert mfa_check(user=user, token=code_for(device)).device is not None
    assert mfa_check(user=user, token=code_for(device)).refusal == MfaRefusal.REPLAYED
    refusals = list(
        AuditEvent.objects.filter(action=AuditAction.MFA_FAILED).order_by("id").values_list("details", flat=True)
    )
    assert [details["refusal"] for details in refusals] == ["wrong", "throttled", "replayed"]


def test_a_backup_code_still_works_while_the_app_codes_are_throttled():
    from accounts.models import BackupCodeDevice
    from accounts.services.mfa import backup_codes_regenerate

    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    backup_code = backup_codes_regenerate(user=user)[0]
    mfa_check(user=user, token=wrong_code(device))
    # The app device is throttled now; the backup code is not.
    assert mfa_check(user=user, token=code_for(device)).refusal == MfaRefusal.THROTTLED
    assert mfa_check(user=user, token=backup_code).device == BackupCodeDevice.objects.get(user=user)
