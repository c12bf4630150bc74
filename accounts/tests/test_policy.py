"""The lifecycle policy follows the settings at call time: a deployment with other numbers gets
them enforced and stated (nightly job, emails, pages, links, idle sign-out)."""

import json
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLevel, LinkPurpose, Membership, RegistrationLink, RoleTemplate, User, UserStatus
from accounts.services import registration as registration_services
from accounts.tests.factories import UserFactory
from accounts.tests.test_views_session import go_idle
from conftest import make_provider
from core import policy
from outbox.models import OutboundEmail
from user_management import jobs
from user_management.services import users as user_actions

pytestmark = pytest.mark.django_db

SHORT = override_settings(INACTIVITY_WARN_DAYS=46, INACTIVITY_DISABLE_DAYS=60)


def days_ago(days: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(12)))


def stale(user: User, days: int) -> User:
    User.objects.filter(pk=user.pk).update(
        status=UserStatus.ACTIVE, status_changed_at=days_ago(200), last_login=days_ago(days)
    )
    user.refresh_from_db()
    return user


def provider(email: str, days: int) -> User:
    return stale(UserFactory(email=email), days)


# --- inactivity ------------------------------------------------------------------------------------


@SHORT
@pytest.mark.parametrize(
    ("days", "status", "warned"),
    [(45, UserStatus.ACTIVE, False), (46, UserStatus.ACTIVE, True), (59, UserStatus.ACTIVE, True)]
    + [(60, UserStatus.DISABLED, False), (76, UserStatus.DISABLED, False)],
)
def test_the_job_warns_and_disables_at_the_configured_days(days, status, warned):
    user = provider("short@example.test", days)
    jobs.inactivity_enforce()
    user.refresh_from_db()
    assert user.status == status
    assert OutboundEmail.objects.filter(template="inactivity_warning", to=user.email).exists() == warned


@SHORT
def test_the_warning_and_the_digest_say_the_configured_days(org, manager):
    warned = provider("warned@example.test", 46)
    gone = provider("gone@example.test", 61)
    Membership.objects.create(user=gone, organization=org)
    stale(manager, 1)
    jobs.inactivity_enforce()
    warning = OutboundEmail.objects.get(template="inactivity_warning", to=warned.email)
    assert "disabled after 60 days without a sign-in" in warning.body
    assert "Sign in within 14 days" in warning.body
    assert "90" not in warning.body
    jobs.manager_digest_send()
    digest = OutboundEmail.objects.get(template="manager_digest", to=manager.email)
    assert "1 user was disabled today after 60 days without signing in" in digest.body


@override_settings(INACTIVITY_WARN_DAYS=1, INACTIVITY_DISABLE_DAYS=2)
def test_one_day_reads_in_the_singular():
    warned = provider("one@example.test", 1)
    jobs.inactivity_enforce()
    body = OutboundEmail.objects.get(template="inactivity_warning", to=warned.email).body
    assert "disabled after 2 days" in body and "Sign in within 1 day (" in body


@SHORT
def test_the_work_queue_and_the_dashboard_say_the_configured_days(client, login_as, manager, org):
    stale(manager, 0)
    late = stale(make_provider("late@example.test", org, [AccessLevel.CLAIMS]), 50)
    login_as(manager)
    page = client.get(reverse("accounts:user_management")).content.decode()
    assert f"{late.full_name} has not signed in since" in page
    assert "will be disabled at 60 days." in page and "90 days" not in page
    dashboard = client.get("/").content.decode()
    assert "No sign-in for 46 days or more; the portal disables a user at 60 days." in dashboard
    help_page = client.get(reverse("help:page", args=["user-management"])).content.decode()
    assert "The 60-day rule" in help_page and "warning email at 46 days" in help_page


@SHORT
def test_the_work_queue_uses_the_configured_warning_day(manager, org):
    from user_management.selectors import manager_work_queue

    near = stale(make_provider("near@example.test", org, [AccessLevel.CLAIMS]), 47)
    stale(make_provider("early@example.test", org, [AccessLevel.CLAIMS]), 40)
    assert [user.pk for user in manager_work_queue(manager=manager)["inactive_users"]] == [near.pk]


# --- registration and invitation links ------------------------------------------------------------


def _pending(org):
    return registration_services.registration_submit(
        full_name="Nora Quinn", email="nora@example.test", phone="555", tin=org.tin
    ).user


@override_settings(REGISTRATION_LINK_HOURS=48)
def test_the_registration_link_lasts_the_configured_hours(client, login_as, manager, org):
    nora = _pending(org)
    login_as(manager)
    response = client.post(
        reverse("accounts:update_user", args=[nora.uuid]),
        {
            "organization": str(org.uuid),
            "edit": "1",
            "levels": [],
            "template": RoleTemplate.objects.get(name="Biller").pk,
            "action": "enable",
            "comment": "",
            "ends_on": "",
        },
        follow=True,
    )
    assert "(the link works for 48 hours)." in response.content.decode()
    link = RegistrationLink.objects.get(user=nora, purpose=LinkPurpose.REGISTRATION)
    assert link.expires_at - link.created_at == timedelta(hours=48)
    email = OutboundEmail.objects.get(template="registration", to=nora.email)
    assert "(the link works once, for 48 hours)" in email.body
    # Usable until the 48th hour, not after.
    with mock.patch("django.utils.timezone.now", return_value=link.created_at + timedelta(hours=47, minutes=59)):
        assert link.is_usable
    with mock.patch("django.utils.timezone.now", return_value=link.created_at + timedelta(hours=48, seconds=1)):
        assert not link.is_usable


@override_settings(INVITATION_DAYS=3, REGISTRATION_LINK_HOURS=1)
def test_the_invitation_lasts_the_configured_days(client, login_as, manager):
    login_as(manager)
    page = client.get(reverse("accounts:invite")).content.decode()
    assert "a link that works for 3 days" in page
    assert registration_services.link_validity() == "1 hour"
    assert registration_services.link_validity(LinkPurpose.INVITATION) == "3 days"
    with override_settings(INVITATION_DAYS=1):
        assert registration_services.link_validity(LinkPurpose.INVITATION) == "1 day"
    help_page = client.get(reverse("help:page", args=["user-management"])).content.decode()
    assert "it works for 1 hour)" in help_page and "The invitation link works for 3 days;" in help_page


@override_settings(INVITATION_DAYS=3)
def test_the_invitation_email_and_link_follow_the_setting(manager, org):
    user_actions.invitation_create(
        actor=manager, organization=org, email="ivy@example.test", full_name="Ivy Invitee", levels=[]
    )
    link = RegistrationLink.objects.get(user__email="ivy@example.test")
    assert link.expires_at - link.created_at == timedelta(days=3)
    assert "(the link works once, for 3 days)" in OutboundEmail.objects.get(template="invitation").body


# --- idle sign-out -----------------------------------------------------------------------------------


@override_settings(SESSION_IDLE_TIMEOUT=timedelta(minutes=10))
def test_a_ten_minute_idle_timeout_is_enforced_and_stated(client, login_as):
    login_as(UserFactory())
    go_idle(client, minutes=9)
    response = client.get("/")
    assert response.status_code == 200
    assert json.loads(str(response.context["idle_timer"]))["idleWords"] == "10 minutes"
    assert response.context["SESSION_IDLE_MINUTES"] == 10
    go_idle(client, minutes=11)
    response = client.get("/", follow=True)
    texts = [str(message) for message in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]
    assert any("after 10 minutes without activity" in text for text in texts), texts
    signing_in = client.get(reverse("help:page", args=["signing-in"])).content.decode()
    assert "After 10 minutes without using the portal" in signing_in


def test_the_policy_reads_the_settings_at_call_time():
    with override_settings(INACTIVITY_WARN_DAYS=5, INACTIVITY_DISABLE_DAYS=8, REGISTRATION_LINK_HOURS=2):
        assert policy.policy_context()["INACTIVITY_NOTICE_DAYS"] == 3
        assert policy.registration_link_ttl() == timedelta(hours=2)
    assert (policy.inactivity_warn_days(), policy.inactivity_disable_days()) == (76, 90)
    assert policy.invitation_ttl() == timedelta(days=7)
    assert policy.quantity(1, "minute") == "1 minute" and policy.quantity(15, "minute") == "15 minutes"
