"""Where sign-in leads back to, the idle sign-out and its warning, and the "Stay signed in" call."""

import json
import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import reverse

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED, safe_next_path
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from accounts.tests.test_views_auth import code_for, password_step
from mailbox.services import thread_start_with_payer

pytestmark = pytest.mark.django_db


def full_sign_in(client, user, device, next_url):
    """Password then TOTP, both posting ``next`` as the login page's hidden field does."""
    response = password_step(client, user.email, next_url=next_url)
    assert response.status_code == 302
    mfa_url = response.url
    assert mfa_url.startswith(reverse("accounts:mfa"))
    # The MFA page is opened with the next the login step chose; its form posts it back.
    page = client.get(mfa_url)
    assert page.status_code == 200
    return client.post(reverse("accounts:mfa"), {"token": code_for(device), "next": page.context["next"]})


def go_idle(client, minutes=16):
    session = client.session
    session[SESSION_STARTED] = time.time() - 3600
    session[SESSION_LAST_SEEN] = time.time() - minutes * 60
    session.save()


# --- next= that is not a safe local path --------------------------------------------------------

UNSAFE_NEXT = [
    "foo",
    "foo/bar",
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\\evil.example",
    "/profile/\r\nSet-Cookie: x=1",
    "/profile/\t",
    "/no-such-page/",
    "/logout/",  # takes POST only
]


def test_a_nul_in_next_is_refused_site_wide_before_any_sign_in_step(client):
    # Control characters other than tab, CR and LF never reach a view (RefuseControlCharactersMiddleware).
    assert client.get(reverse("accounts:login"), {"next": "/\x00profile/"}).status_code == 400
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "x", "next": "/\x00p/"})
    assert response.status_code == 400
    assert not client.session.get("_auth_user_id")


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_unsafe_next_falls_back_to_home_and_keeps_the_sign_in(client, next_url):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    response = full_sign_in(client, user, device, next_url)
    assert response.status_code == 302
    assert response.url == "/"
    # Still signed in, second factor included.
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"].is_verified()


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_unsafe_next_on_the_login_page_is_not_echoed(client, next_url):
    response = client.get(reverse("accounts:login"), {"next": next_url})
    assert response.status_code == 200
    assert response.context["next"] == ""


def test_a_safe_next_is_kept_through_password_and_code(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    response = full_sign_in(client, user, device, "/profile/?after=x")
    assert response.status_code == 302 and response.url == "/profile/?after=x"


def test_next_naming_a_post_only_page_is_dropped(client, manager, biller):
    device = TOTPDeviceFactory(user=manager)
    post_only_url = reverse("accounts:session_keepalive")
    response = full_sign_in(client, manager, device, post_only_url)
    assert response.url == "/"


def test_safe_next_path_rules(rf):
    request = rf.get("/")
    assert safe_next_path(request, "/messages/") == "/messages/"
    assert safe_next_path(request, "/control-panel/") == "/control-panel/"
    assert safe_next_path(request, "/control-panel/mailbox/00000000-0000-0000-0000-000000000000/reply/") is None
    assert safe_next_path(request, "/session/keepalive/") is None
    assert safe_next_path(request, "/users/00000000-0000-0000-0000-000000000000/") is not None
    assert safe_next_path(request, None) is None


# --- an idle (or signed-out) form post comes back to its page, never to a POST-only URL ----------


def test_idle_post_of_update_user_action_returns_to_the_update_user_page(client, login_as, manager, biller):
    device = TOTPDeviceFactory(user=manager)
    login_as(manager)
    page_url = reverse("accounts:update_user", args=[biller.uuid])
    go_idle(client)
    response = client.post(
        page_url,
        {"action": "password_reset"},
        HTTP_REFERER=f"http://testserver{page_url}",
    )
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={page_url.replace('/', '%2F')}"
    # Nothing was done for the expired session.
    assert not client.session.get("_auth_user_id")
    login_page = client.get(response.url)
    assert login_page.context["next"] == page_url
    response = full_sign_in(client, manager, device, login_page.context["next"])
    assert response.url == page_url
    assert client.get(response.url).status_code == 200


def test_idle_message_box_reply_returns_to_the_thread(client, login_as, biller):
    device = TOTPDeviceFactory(user=biller)
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="Why was C1 denied?")
    thread_url = reverse("mailbox:thread", args=[thread.uuid])
    login_as(biller)
    go_idle(client)
    response = client.post(thread_url, {"body": "A long reply"}, HTTP_REFERER=f"http://testserver{thread_url}")
    next_url = client.get(response.url).context["next"]
    assert next_url == thread_url
    response = full_sign_in(client, biller, device, next_url)
    assert response.url == thread_url
    assert client.get(thread_url).status_code == 200
    assert thread.messages.count() == 1  # the reply was not sent by the expired session


def test_idle_post_to_a_post_only_control_panel_reply_returns_to_the_thread(client, login_as, payer_staff, biller):
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="Why?")
    thread_url = reverse("control_panel:mailbox_thread", args=[thread.uuid])
    login_as(payer_staff)
    go_idle(client)
    response = client.post(
        reverse("control_panel:mailbox_reply", args=[thread.uuid]),
        {"body": "Answer"},
        HTTP_REFERER=f"http://testserver{thread_url}",
    )
    assert client.get(response.url).context["next"] == thread_url


@pytest.mark.parametrize(
    "referer",
    ["", "https://evil.example/users/", "http://testserver/session/keepalive/"],
)
def test_idle_post_without_a_usable_referer_returns_to_the_dashboard(client, login_as, manager, biller, referer):
    login_as(manager)
    go_idle(client)
    extra = {"HTTP_REFERER": referer} if referer else {}
    response = client.post(reverse("control_panel:user_status", args=[biller.uuid]), {"action": "disable"}, **extra)
    assert client.get(response.url).context["next"] == "/"


def test_signed_out_post_goes_to_sign_in_with_the_form_page_as_next(client, biller):
    page_url = reverse("accounts:update_user", args=[biller.uuid])
    response = client.post(
        reverse("mailbox:compose"),
        {"body": "typed"},
        HTTP_REFERER=f"http://testserver{page_url}",
    )
    assert response.status_code == 302
    assert client.get(response.url).context["next"] == page_url


def test_signed_out_get_keeps_its_own_path_as_next(client):
    response = client.get("/profile/?q=1234")
    assert client.get(response.url).context["next"] == "/profile/?q=1234"


# --- the idle notice and the page's timer follow the setting -------------------------------------


@override_settings(SESSION_IDLE_TIMEOUT=timedelta(minutes=5))
def test_idle_notice_names_the_configured_minutes(client, login_as):
    login_as(UserFactory())
    go_idle(client, minutes=6)
    response = client.get("/", follow=True)
    texts = [str(message) for message in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]
    assert any("after 5 minutes without activity" in text for text in texts), texts
    assert b"15 minutes" not in response.content


@override_settings(SESSION_IDLE_TIMEOUT=timedelta(minutes=5))
def test_session_idle_at_four_minutes_of_five_still_works(client, login_as):
    login_as(UserFactory())
    go_idle(client, minutes=4)
    assert client.get("/").status_code == 200


@override_settings(SESSION_IDLE_TIMEOUT=timedelta(minutes=5), SESSION_IDLE_WARNING_SECONDS=45)
def test_signed_in_pages_carry_the_idle_timer(client, login_as):
    user = UserFactory()
    login_as(user)
    go_idle(client, minutes=2)
    response = client.get("/")
    config = json.loads(str(response.context["idle_timer"]))
    assert config["idleWords"] == "5 minutes"
    assert config["warningSeconds"] == 45
    assert config["keepaliveUrl"] == reverse("accounts:session_keepalive")
    assert config["owner"] == str(user.uuid)
    # The request itself restarted the clock (more than a quarter of the timeout had passed).
    assert 290 <= config["secondsLeft"] <= 300
    assert b"data-session-idle=" in response.content
    assert b"portal/js/session.js" in response.content


def test_signed_out_pages_carry_no_timer(client):
    response = client.get(reverse("accounts:login"))
    assert b"data-session-idle" not in response.content
    assert b"portal/js/session.js" in response.content  # drafts are kept through the sign-in


# --- "Stay signed in" ----------------------------------------------------------------------------


def test_keepalive_anonymous_goes_to_login(client):
    response = client.post(reverse("accounts:session_keepalive"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_keepalive_refuses_get(client, login_as):
    login_as(UserFactory())
    assert client.get(reverse("accounts:session_keepalive")).status_code == 405


def test_keepalive_restarts_the_idle_clock(client, login_as):
    login_as(UserFactory())
    go_idle(client, minutes=14)
    response = client.post(reverse("accounts:session_keepalive"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert 895 <= response.json()["seconds_left"] <= 900
    assert time.time() - client.session[SESSION_LAST_SEEN] < 5
    # Fourteen more minutes later the session is still alive: the clock was restarted.
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 14 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_keepalive_after_the_timeout_signs_out(client, login_as):
    login_as(UserFactory())
    go_idle(client, minutes=16)
    response = client.post(reverse("accounts:session_keepalive"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_keepalive_needs_the_csrf_token(login_as, db):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    from conftest import verified_login

    verified_login(client, user)
    assert client.post(reverse("accounts:session_keepalive")).status_code == 403
    page = client.get("/")
    token = page.context["csrf_token"]
    response = client.post(reverse("accounts:session_keepalive"), HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200


def test_keepalive_needs_the_second_factor(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    client.force_login(user)
    response = client.post(reverse("accounts:session_keepalive"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:mfa"))


def test_keepalive_query_count(client, login_as, django_assert_num_queries):
    login_as(UserFactory())
    client.get("/")
    # session read, user, OTP device (is_verified), savepoint, session write, release savepoint
    with django_assert_num_queries(6):
        assert client.post(reverse("accounts:session_keepalive")).status_code == 200


# --- which fields keep a draft in the tab --------------------------------------------------------


def test_long_text_fields_keep_drafts_and_eligibility_does_not(client, login_as, biller):
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="Why?")
    login_as(biller)
    assert b'data-draft="reply"' in client.get(reverse("mailbox:thread", args=[thread.uuid])).content
    assert b'data-draft="message"' in client.get(reverse("mailbox:compose")).content
    assert b'data-draft="note"' in client.get(reverse("access_requests:add_facility")).content
    assert b"data-draft=" not in client.get(reverse("claims:eligibility")).content
    # The sign-in pages hold drafts back from being dropped while the user signs in again.
    client.post(reverse("accounts:logout"))
    assert b"data-draft-keep" in client.get(reverse("accounts:login")).content
