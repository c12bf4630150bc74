"""Every model of the portal is in the admin, and every changelist opens for a verified superuser."""

import pytest
from django.apps import apps
from django.contrib import admin

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PORTAL_APPS = {"accounts", "audit", "mailbox", "access_requests", "access_reviews", "claims"}


def test_every_model_is_registered():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in PORTAL_APPS and model not in admin.site._registry
    ]
    assert missing == []


def test_every_changelist_opens(client, login_as):
    root = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    login_as(root)
    for model in admin.site._registry:
        if model._meta.app_label in PORTAL_APPS:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url


def test_user_changelist_columns_are_short_enough_to_fit(client, login_as):
    root = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    login_as(root)
    body = client.get("/admin/accounts/user/").content.decode()
    # The admin-access column is headed "Admin": its field label "Django admin access" pushed it out of view.
    assert "column-admin_access" in body
    assert "column-is_staff" not in body


# --- who reaches the admin: no redirect loop for a signed-in user who is not an administrator -----


def _admin_chain(client, url="/admin/"):
    """Follow redirects by hand (at most 5) and return (urls seen, last response)."""
    seen = [url]
    response = client.get(url)
    while response.status_code in (301, 302) and len(seen) < 6:
        url = response.url
        seen.append(url)
        response = client.get(url)
    return seen, response


def test_provider_user_gets_the_styled_403_not_a_loop(client, login_as, biller):
    login_as(biller)
    seen, response = _admin_chain(client)
    assert response.status_code == 403
    assert seen == ["/admin/", "/admin/login/?next=/admin/"]
    assert "403.html" in [t.name for t in response.templates]
    assert b"You do not have access to this page" in response.content


def test_payer_staff_without_admin_rights_gets_403(client, login_as, payer_staff):
    login_as(payer_staff)
    seen, response = _admin_chain(client)
    assert response.status_code == 403
    assert len(seen) == 2
    assert client.get("/admin/login/").status_code == 403


def test_superuser_opens_the_admin(client, login_as):
    root = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    login_as(root)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"System administration" in response.content


def test_anonymous_goes_to_the_portal_sign_in_and_back_to_the_admin(client):
    from django_otp.oath import totp

    from accounts.tests.factories import TOTPDeviceFactory
    from conftest import PASSWORD

    seen, response = _admin_chain(client)
    assert response.status_code == 200
    assert seen[-1] == "/login/?next=%2Fadmin%2F"
    root = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    device = TOTPDeviceFactory(user=root)
    response = client.post("/login/", {"username": root.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/mfa/?next=%2Fadmin%2F"
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/mfa/", {"token": code, "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
