"""Registering, finishing registration from the emailed link, and the payer's Organizations page."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organization, Registration, User, UserStatus

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    data = {"full_name": "Nora New", "email": "nora@example.test", "phone": "555-0101", "tin": "123456789", "npi": ""}
    data.update(overrides)
    return client.post(reverse("accounts:register"), data)


def test_register_page_is_public_and_validates(client):
    assert client.get(reverse("accounts:register")).status_code == 200
    response = register(client, tin="111111111", npi="1234567890")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "tin" in errors and "npi" in errors
    assert not User.objects.filter(email="nora@example.test").exists()


def test_same_answer_for_new_and_existing_emails(client, biller, org):
    first = register(client)
    second = register(client, email=biller.email)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert User.objects.filter(email=biller.email).count() == 1


def test_manager_verifies_and_the_link_finishes_registration(
    client, login_as, manager, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(client)
    user = User.objects.get(email="nora@example.test")
    assert user.status == UserStatus.VERIFICATION_PENDING
    login_as(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:update_user", args=[user.uuid]),
            {
                "organization": str(org.uuid),
                "edit": "1",
                "levels": ["level_claims"],
                "action": "enable",
                "comment": "Works at the front desk",
            },
        )
    assert response.status_code == 302
    client.logout()
    link = re.search(r"https?://\S+/register/complete/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.post(path, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and "new_password1" in response.context["form"].errors
    response = client.post(path, {"new_password1": "A-long-passphrase-2026", "new_password2": "A-long-passphrase-2026"})
    assert response.url == reverse("accounts:register_mfa")
    page = client.get(reverse("accounts:register_mfa"))
    assert b"Step 2 of 2" in page.content
    device = TOTPDevice.objects.get(user=user)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:register_mfa"), {"token": code})
    assert len(response.context["codes"]) == 10
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE
    assert client.get("/").status_code == 200  # signed in, second factor verified
    # The link worked once; used again it is not a dead end: it says how to sign in or get a new one.
    client.logout()
    reused = client.get(path)
    assert reused.status_code == 410
    body = reused.content.decode()
    assert 'href="/login/"' in body and "already finished registering" in body
    assert 'href="/password-reset/"' in body


def test_mfa_step_without_a_pending_link_is_refused(client):
    assert client.get(reverse("accounts:register_mfa")).status_code == 410
    assert client.get(reverse("accounts:register_complete", args=["not-a-token"])).status_code == 410


def test_payer_organizations_queue(client, login_as, payer_staff, django_capture_on_commit_callbacks):
    register(client, tin="555666777", email="first@example.test")
    login_as(payer_staff)
    page = client.get(reverse("control_panel:organizations"))
    assert b"first@example.test" in page.content
    registration = Registration.objects.get(user__email="first@example.test")
    url = reverse("control_panel:registration_decide", args=[registration.uuid])
    response = client.post(url, {"decision": "approve", "organization_name": ""}, follow=True)
    assert b"Name the new organization" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "approve", "organization_name": "Ogdenville Clinic"})
    organization = Organization.objects.get(tin="555666777")
    assert organization.tin_verified
    assert User.objects.get(email="first@example.test").status == UserStatus.UNVERIFIED
    assert any("/register/complete/" in m.body for m in mail.outbox)


def test_organizations_flags(client, login_as, payer_staff, org, manager):
    from accounts.tests.factories import OrganizationFactory

    lonely = OrganizationFactory(name="Lonely Clinic", tin_verified=False)
    login_as(payer_staff)
    rows = client.get(reverse("control_panel:organizations"), {"flag": "no_manager"}).context["page"].rows
    assert lonely in rows and org not in rows
    client.post(reverse("control_panel:organization_verify", args=[lonely.uuid]))
    lonely.refresh_from_db()
    assert lonely.tin_verified


def test_providers_cannot_open_organizations(client, login_as, manager):
    login_as(manager)
    assert client.get(reverse("control_panel:organizations")).status_code == 403
