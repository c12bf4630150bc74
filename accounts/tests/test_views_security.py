"""The Security page and passkeys: adding (named, user verification required), removing (never the
last second factor), signing in with password + passkey and with the passkey alone (the password
path's account rules), and the Control Panel's passkey requirement for payer staff."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import BackupCode, UserStatus
from accounts.services.mfa import backup_codes_regenerate
from accounts.services.passkeys import PENDING_NAME_SESSION_KEY
from accounts.tests.factories import TOTPDeviceFactory
from accounts.tests.soft_authenticator import SoftAuthenticator
from audit.models import AuditAction, AuditEvent
from conftest import PASSWORD, verified_login
from core import ratelimit
from core.relying_party import relying_party
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

REG_BEGIN = "otp_webauthn:credential-registration-begin"
REG_COMPLETE = "otp_webauthn:credential-registration-complete"
AUTH_BEGIN = "otp_webauthn:credential-authentication-begin"
AUTH_COMPLETE = "otp_webauthn:credential-authentication-complete"


def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(rp_id=settings.OTP_WEBAUTHN_RP_ID, origin=settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0])


def post_json(client, name, data=None, query=""):
    return client.post(reverse(name) + query, data=json.dumps(data or {}), content_type="application/json")


def add_passkey(client, name="Office laptop", key=None, user_verified=True):
    """What the Security page and the library's script do: name it, begin, create, complete."""
    key = key or authenticator()
    client.post(reverse("accounts:passkey_name"), {"name": name})
    options = post_json(client, REG_BEGIN).json()
    response = post_json(client, REG_COMPLETE, key.create(options, user_verified=user_verified))
    return key, response


def sign_in_with_passkey(client, key, user_verified=True, query=""):
    options = post_json(client, AUTH_BEGIN).json()
    return post_json(client, AUTH_COMPLETE, key.get(options, user_verified=user_verified), query=query)


def actions(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id").values_list("actor_email", "details"))


# --- settings ------------------------------------------------------------------------------------


def test_relying_party_follows_site_url():
    party = relying_party(site_url="https://portal.example.org", debug=False)
    assert party.rp_id == "portal.example.org"
    assert party.origins == ["https://portal.example.org"]


def test_development_address_maps_to_localhost():
    party = relying_party(site_url="http://127.0.0.1:8000", debug=True)
    assert party.rp_id == "localhost"
    assert party.origins == ["http://localhost:8000"]
    assert settings.OTP_WEBAUTHN_RP_ID == "localhost"


def test_a_parent_domain_and_extra_origins_are_accepted():
    party = relying_party(
        site_url="https://portal.example.org",
        rp_id="example.org",
        extra_origins=["https://providers.example.org"],
        debug=False,
    )
    assert party.rp_id == "example.org"
    assert party.origins == ["https://portal.example.org", "https://providers.example.org"]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"site_url": "http://portal.example.org"}, "https://"),
        ({"site_url": "https://portal.example.org", "rp_id": "other.org"}, "subdomain"),
        ({"site_url": "https://portal.example.org", "extra_origins": ["https://evil.test"]}, "subdomain"),
        ({"site_url": "https://portal.example.org", "rp_id": "10.0.0.1"}, "domain name"),
        ({"site_url": "https://portal.example.org/app"}, "origin"),
        ({"site_url": "http://localhost:8000"}, "localhost"),
    ],
)
def test_bad_relying_party_settings_stop_start_up(kwargs, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        relying_party(debug=False, **kwargs)


# --- the Security page ---------------------------------------------------------------------------


def test_security_page_needs_a_login(client):
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_security_page_needs_the_second_factor(client, biller):
    client.force_login(biller)
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:mfa"))


def test_security_page_refuses_other_methods(client, login_as, biller):
    login_as(biller)
    assert client.post(reverse("accounts:security")).status_code == 405
    assert client.get(reverse("accounts:passkey_name")).status_code == 405


def _backup_code_ids(user):
    backup_codes_regenerate(user=user)
    return list(BackupCode.objects.filter(device__user=user).values_list("pk", flat=True))


def test_security_page_lists_the_second_factors(client, login_as, biller, django_assert_num_queries):
    login_as(biller)
    # Ten codes made, three of them used up.
    BackupCode.objects.filter(pk__in=_backup_code_ids(biller)[:3]).delete()
    add_passkey(client, "Office laptop")
    add_passkey(client, "My phone")
    client.get(reverse("portal:dashboard"))  # the messages of the additions are shown and gone
    # session, user, verifying device, TOTP exists, backup codes count, passkeys,
    # levels for the navigation, unread count
    with django_assert_num_queries(8):
        response = client.get(reverse("accounts:security"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Office laptop" in body and "My phone" in body
    assert "7 left" in body
    assert "Set up" in body
    assert 'aria-label="Breadcrumb"' in body or "usa-breadcrumb" in body


def test_profile_and_header_link_to_security(client, login_as, biller):
    login_as(biller)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert body.count(f'href="{reverse("accounts:security")}"') == 2


# --- adding a passkey -----------------------------------------------------------------------------


def test_adding_a_passkey_names_it_audits_it_and_tells_the_user(client, login_as, biller):
    login_as(biller)
    response = client.post(reverse("accounts:passkey_name"), {"name": "  Office   laptop "})
    assert response.status_code == 302 and response.url == reverse("accounts:passkey_create")
    page = client.get(response.url).content.decode()
    assert "Create the passkey “Office laptop”" in page
    assert 'id="otp_webauthn_config" type="application/json"' in page
    assert "<script>" not in page  # only data blocks and script files: the CSP has no unsafe-inline

    options = post_json(client, REG_BEGIN).json()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["rp"]["id"] == "localhost"
    response = post_json(client, REG_COMPLETE, authenticator().create(options))
    assert response.status_code == 200
    assert response.json()["redirect_url"] == reverse("accounts:security")

    credential = WebAuthnCredential.objects.get(user=biller)
    assert credential.name == "Office laptop"
    assert actions(AuditAction.PASSKEY_ADDED) == [
        (biller.email, {"name": "Office laptop", "passkey": credential.credential_id_sha256[:16]})
    ]
    email = OutboundEmail.objects.get(to=biller.email)
    assert "A passkey was added" in email.subject and "Office laptop" in email.body
    assert PENDING_NAME_SESSION_KEY not in client.session
    assert "The passkey “Office laptop” was added" in client.get(reverse("accounts:security")).content.decode()


def test_a_passkey_without_user_verification_is_refused(client, login_as, biller):
    login_as(biller)
    _, response = add_passkey(client, user_verified=False)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_registration_response"
    assert not WebAuthnCredential.objects.exists()
    assert not actions(AuditAction.PASSKEY_ADDED)


@pytest.mark.parametrize("name, error", [("", "This field is required"), ("x" * 65, "at most 64")])
def test_a_bad_name_comes_back_with_its_error(client, login_as, biller, name, error):
    login_as(biller)
    response = client.post(reverse("accounts:passkey_name"), {"name": name})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert PENDING_NAME_SESSION_KEY not in client.session


def test_a_duplicate_name_is_refused(client, login_as, biller):
    login_as(biller)
    add_passkey(client, "Office laptop")
    response = client.post(reverse("accounts:passkey_name"), {"name": "office LAPTOP"})
    assert response.status_code == 400
    assert "already have a passkey with this name" in response.content.decode()
    assert 'value="office LAPTOP"' in response.content.decode()


def test_creating_needs_a_name_first(client, login_as, biller):
    login_as(biller)
    response = client.get(reverse("accounts:passkey_create"))
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    response = post_json(client, REG_BEGIN)
    assert response.status_code == 400 and response.json()["code"] == "no_pending_name"


def test_creating_needs_a_verified_session(client, biller):
    TOTPDeviceFactory(user=biller)
    client.force_login(biller)  # password only
    session = client.session
    session[PENDING_NAME_SESSION_KEY] = "Laptop"
    session.save()
    response = post_json(client, REG_BEGIN)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:mfa"))
    assert post_json(client, REG_BEGIN.replace("begin", "complete")).status_code == 302


def test_anonymous_cannot_create(client):
    response = post_json(client, REG_BEGIN)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_crafted_registration_answers_are_refused_without_a_500(client, login_as, biller):
    login_as(biller)
    for body in ({}, {"id": "x", "rawId": "x", "type": "public-key", "response": {}}, {"response": "nope"}):
        client.post(reverse("accounts:passkey_name"), {"name": "Laptop"})
        post_json(client, REG_BEGIN)
        assert post_json(client, REG_COMPLETE, body).status_code in (400, 422)
    raw = client.post(reverse(REG_COMPLETE), data="{not json", content_type="application/json")
    assert raw.status_code == 400
    assert not WebAuthnCredential.objects.exists()


# --- removing a passkey ---------------------------------------------------------------------------


def test_removing_asks_first_and_changes_nothing_until_confirmed(client, login_as, biller):
    login_as(biller)
    add_passkey(client)
    credential = WebAuthnCredential.objects.get()
    url = reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])
    response = client.post(url)
    assert response.status_code == 200
    assert "Remove the passkey “Office laptop”?" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_removing_a_passkey_audits_it_and_tells_the_user(client, login_as, biller):
    login_as(biller)
    add_passkey(client)
    credential = WebAuthnCredential.objects.get()
    url = reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    assert not WebAuthnCredential.objects.exists()
    assert actions(AuditAction.PASSKEY_REMOVED) == [
        (biller.email, {"name": "Office laptop", "passkey": credential.credential_id_sha256[:16]})
    ]
    assert OutboundEmail.objects.filter(to=biller.email, subject__contains="A passkey was removed").exists()


def test_removing_needs_post(client, login_as, biller):
    login_as(biller)
    add_passkey(client)
    credential = WebAuthnCredential.objects.get()
    assert client.get(reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])).status_code == 405


def test_another_users_passkey_is_not_found(client, login_as, biller, manager):
    login_as(manager)
    add_passkey(client)
    credential = WebAuthnCredential.objects.get()
    client.logout()
    login_as(biller)
    url = reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])
    assert client.post(url, {"confirmed": "yes"}).status_code == 404
    assert client.post(reverse("accounts:passkey_remove", args=["0" * 64]), {"confirmed": "yes"}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_last_second_factor_cannot_be_removed(client, login_as, biller):
    login_as(biller)
    add_passkey(client)
    TOTPDevice.objects.filter(user=biller).delete()  # the passkey is now the only factor
    credential = WebAuthnCredential.objects.get()
    # The session's own device is gone with the app: verify the session with the passkey instead.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = credential.persistent_id
    session.save()
    url = reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])
    response = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "only second factor" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert not actions(AuditAction.PASSKEY_REMOVED)
    # With a second passkey, the first one may go; the session it verified stays signed in.
    add_passkey(client, "Spare key")
    client.post(url, {"confirmed": "yes"})
    assert list(WebAuthnCredential.objects.values_list("name", flat=True)) == ["Spare key"]
    assert client.get(reverse("accounts:security")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == WebAuthnCredential.objects.get().persistent_id


# --- signing in with a passkey -----------------------------------------------------------------------


def registered(client, user, name="Office laptop"):
    """The user with a passkey added in an earlier, finished session."""
    verified_login(client, user)
    key, response = add_passkey(client, name)
    assert response.status_code == 200
    client.logout()
    return key


def test_the_mfa_step_offers_a_passkey_only_to_those_who_have_one(client, biller):
    TOTPDeviceFactory(user=biller)
    client.post(reverse("accounts:login"), {"username": biller.email, "password": PASSWORD})
    assert "Use a passkey" not in client.get(reverse("accounts:mfa")).content.decode()
    client.logout()
    registered(client, biller)
    client.post(reverse("accounts:login"), {"username": biller.email, "password": PASSWORD})
    page = client.get(reverse("accounts:mfa")).content.decode()
    assert "Use a passkey" in page and "passkey-verification-button" in page


def test_password_then_passkey_opens_the_portal(client, biller):
    key = registered(client, biller)
    client.post(reverse("accounts:login"), {"username": biller.email, "password": PASSWORD})
    key_before = client.session.session_key
    options = post_json(client, AUTH_BEGIN).json()
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]]  # only this user's passkeys are offered
    response = post_json(client, AUTH_COMPLETE, key.get(options), query="?next=/claims/")
    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/claims/"
    assert client.session.session_key != key_before
    assert client.get(reverse("portal:dashboard")).status_code == 200
    assert actions(AuditAction.MFA_VERIFIED)[-1][1]["method"] == "passkey"
    biller.refresh_from_db()
    assert biller.last_login is not None
    assert WebAuthnCredential.objects.get().last_used_at is not None


def test_a_passkey_without_user_verification_does_not_sign_in(client, biller):
    key = registered(client, biller)
    client.post(reverse("accounts:login"), {"username": biller.email, "password": PASSWORD})
    response = sign_in_with_passkey(client, key, user_verified=False)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_authentication_response"
    assert client.get(reverse("portal:dashboard")).status_code == 302
    assert actions(AuditAction.MFA_FAILED)[-1][1]["method"] == "passkey"


def test_another_users_passkey_is_refused_at_the_mfa_step(client, biller, manager):
    key = registered(client, manager)
    TOTPDeviceFactory(user=biller)
    client.post(reverse("accounts:login"), {"username": biller.email, "password": PASSWORD})
    response = sign_in_with_passkey(client, key)
    assert response.status_code == 403
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_passkey_alone_signs_in_verified(client, biller):
    key = registered(client, biller)
    response = sign_in_with_passkey(client, key, query="?next=/profile/")
    assert response.status_code == 200 and response.json()["redirect_url"] == "/profile/"
    assert client.get(reverse("accounts:profile")).status_code == 200  # verified: no MFA step
    session = client.session
    assert session[SESSION_STARTED] == pytest.approx(session[SESSION_LAST_SEEN], abs=60)
    login_event = AuditEvent.objects.filter(action=AuditAction.LOGIN).latest("id")
    assert login_event.actor_email == biller.email
    assert login_event.details == {"step": "passkey", "method": "passkey"}


def test_passkey_alone_keeps_to_the_idle_rule(client, biller, settings):
    key = registered(client, biller)
    sign_in_with_passkey(client, key)
    session = client.session
    session[SESSION_LAST_SEEN] -= settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "status", [UserStatus.DISABLED, UserStatus.LOCKED, UserStatus.UNVERIFIED, UserStatus.VERIFICATION_PENDING]
)
def test_passkey_alone_keeps_the_account_rules(client, biller, status):
    key = registered(client, biller)
    biller.status = status
    biller.save(update_fields=["status"])
    response = sign_in_with_passkey(client, key)
    assert response.status_code == 403
    assert "cannot sign in" in response.json()["detail"]
    assert "_auth_user_id" not in client.session
    assert actions(AuditAction.LOGIN_FAILED)[-1] == (biller.email, {"method": "passkey", "reason": status})


def test_passkey_alone_is_refused_while_the_login_throttle_holds_the_account(client, biller):
    key = registered(client, biller)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": biller.email, "password": "wrong-password-1"})
    # Whatever the account's status says, the throttle's lock holds for passkeys too.
    type(biller).objects.filter(pk=biller.pk).update(status=UserStatus.ACTIVE)
    response = sign_in_with_passkey(client, key)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert actions(AuditAction.LOGIN_FAILED)[-1] == (biller.email, {"method": "passkey", "reason": "throttled"})


def test_an_unknown_passkey_is_refused_and_audited(client, biller):
    response = sign_in_with_passkey(client, authenticator())
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session
    assert actions(AuditAction.LOGIN_FAILED)[-1] == ("", {"method": "passkey", "reason": "credential_not_found"})


def test_a_replayed_or_unbegun_answer_is_refused(client, biller):
    key = registered(client, biller)
    options = post_json(client, AUTH_BEGIN).json()
    answer = key.get(options)
    assert post_json(client, AUTH_COMPLETE, answer).status_code == 200
    client.logout()
    assert post_json(client, AUTH_COMPLETE, answer).status_code == 400  # no ceremony begun


def test_crafted_sign_in_answers_answer_400_not_500(client):
    for body in ({}, {"id": 1}, {"id": "AA", "rawId": "AA", "type": "public-key", "response": {"x": 1}}):
        post_json(client, AUTH_BEGIN)
        assert post_json(client, AUTH_COMPLETE, body).status_code in (400, 404, 422)


def test_sign_in_endpoints_refuse_get(client):
    assert client.get(reverse(AUTH_BEGIN)).status_code == 405
    assert client.get(reverse(AUTH_COMPLETE)).status_code == 405


def test_login_page_offers_a_passkey_and_its_script_loads_anonymously(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Use a passkey" in page and "Have a passkey?" in page
    assert 'type="application/json"' in page
    assert client.get(reverse("otp_webauthn:js-i18n-catalog")).status_code == 200


# --- payer staff and PAYER_STAFF_REQUIRE_PASSKEY --------------------------------------------------------


def test_without_the_setting_the_authenticator_app_opens_the_control_panel(client, login_as, payer_staff):
    login_as(payer_staff)
    assert client.get(reverse("control_panel:home")).status_code == 200


def test_with_the_setting_staff_add_a_passkey_first(client, login_as, payer_staff, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    login_as(payer_staff)
    response = client.get(reverse("control_panel:users"))
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    assert "The Control Panel needs a passkey" in client.get(response.url).content.decode()
    # Adding one in this session (verified with the app) is allowed; the app still does not open it.
    add_passkey(client)
    response = client.get(reverse("control_panel:users"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:passkey_step_up"))


def test_with_the_setting_the_app_no_longer_opens_the_control_panel(client, payer_staff, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    key = registered(client, payer_staff)
    client.post(reverse("accounts:login"), {"username": payer_staff.email, "password": PASSWORD})
    totp = TOTPDevice.objects.get(user=payer_staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp.persistent_id  # as after a correct app code
    session.save()
    response = client.get(reverse("control_panel:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:passkey_step_up"))
    assert "Use a passkey" in client.get(response.url).content.decode()
    # The same session confirms with the passkey: the Control Panel opens.
    assert sign_in_with_passkey(client, key).status_code == 200
    assert client.get(reverse("control_panel:home")).status_code == 200


def test_with_the_setting_passkey_alone_opens_the_control_panel(client, payer_staff, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    key = registered(client, payer_staff)
    assert sign_in_with_passkey(client, key).status_code == 200
    assert client.get(reverse("control_panel:home")).status_code == 200


def test_with_the_setting_staff_keep_their_last_passkey(client, payer_staff, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    key = registered(client, payer_staff)
    sign_in_with_passkey(client, key)
    credential = WebAuthnCredential.objects.get()
    url = reverse("accounts:passkey_remove", args=[credential.credential_id_sha256])
    response = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "add another passkey before you remove this one" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_provider_users_are_not_held_to_the_staff_setting(client, login_as, biller, settings):
    settings.PAYER_STAFF_REQUIRE_PASSKEY = True
    login_as(biller)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_the_use_your_passkey_page(client, login_as, biller):
    url = reverse("accounts:passkey_step_up")
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    login_as(biller)
    assert client.post(url).status_code == 405
    response = client.get(url)  # no passkey yet: add one first
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    key, _ = add_passkey(client)
    page = client.get(url + "?next=/profile/")
    assert page.status_code == 200 and "Use a passkey" in page.content.decode()
    assert sign_in_with_passkey(client, key).status_code == 200
    response = client.get(url + "?next=/profile/")  # verified with the passkey now: straight on
    assert response.status_code == 302 and response.url == "/profile/"


def test_passkey_sign_in_keeps_to_the_per_client_limit(client, biller):
    key = registered(client, biller)
    client.logout()
    # Failed passkey answers count toward the client's limit across accounts, as wrong passwords do.
    for _ in range(3):
        assert sign_in_with_passkey(client, authenticator()).status_code == 404
    assert ratelimit.usage("login-client-minute", "ip:127.0.0.1") == 3
    for _ in range(ratelimit.rate("login-client-minute").limit - 3):
        ratelimit.hit("login-client-minute", "ip:127.0.0.1")
    # Once the client has used up its failures, even a good passkey waits, with Retry-After.
    response = sign_in_with_passkey(client, key)
    assert response.status_code == 429 and response.json()["code"] == "sign_in_paused"
    assert 1 <= int(response["Retry-After"]) <= 66
    assert "_auth_user_id" not in client.session
