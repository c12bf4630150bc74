"""The daily lifecycle jobs: inactivity warning and disabling, the payer's "no manager" notice,
the account managers' digest, and time-limited access (seeds 002/004)."""

from datetime import datetime, time, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.access import provider_ids_in_scope, user_levels
from accounts.models import AccessLevel, Membership, User, UserKind, UserStatus
from accounts.services.access import access_levels_set, scope_add
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from audit.services import audit_chain_verify
from mailbox.models import Participant
from outbox.models import OutboundEmail
from user_management import jobs
from user_management.tasks import daily_lifecycle

pytestmark = pytest.mark.django_db

WARNING = "inactivity_warning"
DIGEST = "manager_digest"
NO_MANAGER = "inactivity_no_manager"


def days_ago(days: int) -> datetime:
    """Local noon ``days`` calendar days ago: whole days, whatever the time the test runs at."""
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(12)))


def make_user(
    email: str,
    *,
    last_login_days: int | None = None,
    changed_days: int = 200,
    status: str = UserStatus.ACTIVE,
    kind: str = UserKind.PROVIDER,
) -> User:
    user = UserFactory(email=email, kind=kind)
    # A queryset update: saving would not touch the session hash, and no signal sets last_login.
    User.objects.filter(pk=user.pk).update(
        status=status,
        status_changed_at=days_ago(changed_days),
        last_login=None if last_login_days is None else days_ago(last_login_days),
    )
    user.refresh_from_db()
    return user


def emails(template: str, to: str | None = None):
    rows = OutboundEmail.objects.filter(template=template)
    return rows.filter(to=to) if to else rows


def status_events(user: User):
    return AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGED, target_id=str(user.uuid))


# --- 1. inactivity -------------------------------------------------------------------------------

CASES = [
    # case, kind, status, last login (days ago), status changed (days ago), expected status, warned
    ("never logged in, enabled 100 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, None, 100, "disabled", False),
    ("logged in 80 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 80, 200, "active", True),
    ("logged in 10 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 10, 200, "active", False),
    ("logged in 75 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 75, 200, "active", False),
    ("logged in 76 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 76, 200, "active", True),
    ("logged in 89 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 89, 200, "active", True),
    ("logged in 90 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 90, 200, "disabled", False),
    ("never logged in, enabled 80 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, None, 80, "active", True),
    ("payer staff, 200 days", UserKind.PAYER_STAFF, UserStatus.ACTIVE, 200, 300, "active", False),
    ("already disabled", UserKind.PROVIDER, UserStatus.DISABLED, 200, 200, "disabled", False),
    ("locked", UserKind.PROVIDER, UserStatus.LOCKED, 200, 200, "locked", False),
    (
        "verification pending",
        UserKind.PROVIDER,
        UserStatus.VERIFICATION_PENDING,
        None,
        200,
        "verification_pending",
        False,
    ),
    # Enabled again yesterday after an inactivity disable: the clock restarts at the enabling,
    # else the next night would disable them again before they had a chance to sign in.
    ("re-enabled yesterday, last login 120 days ago", UserKind.PROVIDER, UserStatus.ACTIVE, 120, 1, "active", False),
]


@pytest.mark.parametrize(
    ("case", "kind", "status", "last_login", "changed", "expected", "warned"), CASES, ids=[c[0] for c in CASES]
)
def test_inactivity_cases(case, kind, status, last_login, changed, expected, warned):
    user = make_user("case@example.test", last_login_days=last_login, changed_days=changed, status=status, kind=kind)
    before = User.objects.get(pk=user.pk)

    result = jobs.inactivity_enforce()

    user.refresh_from_db()
    assert user.status == expected
    assert emails(WARNING, user.email).count() == (1 if warned else 0)
    assert result.warned == (1 if warned else 0)
    disabled_now = expected == "disabled" and status == UserStatus.ACTIVE
    assert result.disabled == (1 if disabled_now else 0)
    if disabled_now:
        assert user.status_reason == "inactivity"
        assert user.status_changed_at > timezone.now() - timedelta(minutes=1)
        assert user.session_epoch == before.session_epoch + 1
        event = status_events(user).get()
        assert event.actor is None
        assert event.details == {"from": "active", "to": "disabled", "reason": "inactivity"}
    else:
        assert (user.status_reason, user.status_changed_at, user.session_epoch) == (
            before.status_reason,
            before.status_changed_at,
            before.session_epoch,
        )
        assert not status_events(user).exists()


def test_warning_says_when_and_links_to_login():
    user = make_user("warn@example.test", last_login_days=76)
    jobs.inactivity_enforce()
    email = emails(WARNING, user.email).get()
    assert "14 days" in email.body
    assert settings.SITE_URL + "/login/" in email.body
    assert email.idempotency_key == f"inactivity-warning:{user.pk}:{timezone.localdate(user.last_login).isoformat()}"


def test_warning_goes_out_once_across_two_runs():
    user = make_user("warn@example.test", last_login_days=80)
    assert jobs.inactivity_enforce().warned == 1
    assert jobs.inactivity_enforce().warned == 0  # the same day
    assert jobs.inactivity_enforce(now=timezone.now() + timedelta(days=1)).warned == 0  # the next day
    assert emails(WARNING, user.email).count() == 1


def test_a_new_inactivity_period_is_warned_again():
    user = make_user("warn@example.test", last_login_days=80)
    jobs.inactivity_enforce()
    # They signed in, then went quiet again: a new reference date, a new warning.
    User.objects.filter(pk=user.pk).update(last_login=days_ago(77))
    assert jobs.inactivity_enforce().warned == 1
    assert emails(WARNING, user.email).count() == 2


def test_second_run_changes_nothing():
    make_user("stale@example.test", last_login_days=120)
    make_user("warn@example.test", last_login_days=80)
    make_user("fresh@example.test", last_login_days=3)
    first = jobs.inactivity_enforce()
    assert (first.warned, first.disabled) == (1, 1)
    snapshot = list(User.objects.order_by("pk").values_list("pk", "status", "status_changed_at", "session_epoch"))
    events, outbox = AuditEvent.objects.count(), OutboundEmail.objects.count()

    second = jobs.inactivity_enforce()

    assert (second.warned, second.disabled) == (0, 0)
    assert list(User.objects.order_by("pk").values_list("pk", "status", "status_changed_at", "session_epoch")) == (
        snapshot
    )
    assert AuditEvent.objects.count() == events
    assert OutboundEmail.objects.count() == outbox


def test_disabling_ends_the_sessions(login_as, client):
    user = make_user("stale@example.test", last_login_days=120)
    login_as(user)  # logging in sets last_login: put it back
    User.objects.filter(pk=user.pk).update(last_login=days_ago(120))
    user.refresh_from_db()
    assert client.get("/").status_code == 200
    session_hash = user.get_session_auth_hash()

    jobs.inactivity_enforce()

    user.refresh_from_db()
    assert user.get_session_auth_hash() != session_hash
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# The job costs a constant number of queries whatever the number of stale users; the audit events
# are appended in bulk under one chain lock (audit.services.record_many).
SET_BASED_QUERIES = 4


@pytest.mark.parametrize(("total", "stale"), [(2000, 200), (2000, 20)])
def test_bulk_disable_in_a_bounded_number_of_queries(total, stale, django_assert_max_num_queries):
    recent, old = days_ago(5), days_ago(100)
    User.objects.bulk_create(
        [
            User(
                email=f"bulk{i}@example.test",
                full_name=f"Bulk User {i}",
                password="!",  # unusable, and no hashing for 2,000 users
                kind=UserKind.PROVIDER,
                status=UserStatus.ACTIVE,
                status_changed_at=days_ago(200),
                last_login=old if i < stale else recent,
            )
            for i in range(total)
        ],
        batch_size=500,
    )
    stale_ids = set(User.objects.filter(last_login=old).values_list("pk", flat=True))
    assert len(stale_ids) == stale

    # 1 SAVEPOINT (the job's transaction, inside the test's)
    # 2 SELECT the active provider users past the warning threshold (FOR UPDATE on PostgreSQL)
    # 3 UPDATE accounts_user SET status, status_reason, status_changed_at, session_epoch + 1
    #   WHERE id IN (the stale ids) AND status = 'active'
    # 4 RELEASE SAVEPOINT
    # + the audit events, appended with one lock: SELECT the chain's tail hash (after the lock on
    #   PostgreSQL), then one bulk INSERT per 1,000 events: a bound independent of the 200
    from math import ceil

    from django.db import connection

    from audit.models import AuditEvent

    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    per_insert = min(1000, connection.ops.bulk_batch_size(fields, [AuditEvent()] * stale))
    # (SQLite caps the parameters of one statement, so its bulk INSERTs are smaller batches.)
    with django_assert_max_num_queries(SET_BASED_QUERIES + 2 + ceil(stale / per_insert)) as captured:
        result = jobs.inactivity_enforce()
    set_based = [
        q["sql"]
        for q in captured.captured_queries
        if "audit_auditevent" not in q["sql"] and "pg_advisory_xact_lock" not in q["sql"]  # the chain's lock
    ]
    assert len(set_based) <= SET_BASED_QUERIES, set_based
    assert sum(sql.startswith("UPDATE") for sql in set_based) == 1

    assert (result.warned, result.disabled) == (0, stale)
    assert set(User.objects.filter(status=UserStatus.DISABLED).values_list("pk", flat=True)) == stale_ids
    assert User.objects.filter(status=UserStatus.ACTIVE).count() == total - stale
    events = AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGED)
    assert events.count() == stale
    assert {e.details["reason"] for e in events} == {"inactivity"}
    assert audit_chain_verify().ok


# --- 2. the payer team hears of TINs left without an active account manager ----------------------


def _manager(email, organization, **kwargs) -> User:
    user = make_user(email, **kwargs)
    access_levels_set(actor=None, user=user, organization=organization, levels=AccessLevel.values)
    return user


def test_payer_team_told_of_tins_without_a_manager(settings):
    settings.PAYER_TEAM_EMAILS = ["team@plan.test", "lead@plan.test"]
    lone, shared = OrganizationFactory(), OrganizationFactory()
    _manager("lone@example.test", lone, last_login_days=100)  # the only manager: TIN left without one
    _manager("gone@example.test", shared, last_login_days=100)
    _manager("stays@example.test", shared, last_login_days=2)  # another active manager remains

    jobs.inactivity_enforce()
    assert jobs.no_manager_notify() == 1
    assert jobs.no_manager_notify() == 1  # counted again, but mailed once a day

    assert sorted(emails(NO_MANAGER).values_list("to", flat=True)) == ["lead@plan.test", "team@plan.test"]
    body = emails(NO_MANAGER, "team@plan.test").get().body
    assert "1 organization" in body
    assert settings.SITE_URL + "/control-panel/organizations/?flag=no_manager" in body


def test_no_payer_email_when_every_tin_keeps_a_manager():
    org = OrganizationFactory()
    _manager("stays@example.test", org, last_login_days=2)
    make_user("stale@example.test", last_login_days=100)
    jobs.inactivity_enforce()
    assert jobs.no_manager_notify() == 0
    assert not emails(NO_MANAGER).exists()


# --- 3. the account managers' digest -------------------------------------------------------------


def _member(email, organization, **kwargs) -> User:
    user = make_user(email, **kwargs)
    Membership.objects.create(user=user, organization=organization)
    return user


def test_digest_one_email_per_manager_per_tin_with_counts():
    org, other = OrganizationFactory(name="North Clinic"), OrganizationFactory(name="South Clinic")
    quiet = OrganizationFactory(name="Quiet Clinic")
    first = _manager("first@example.test", org, last_login_days=1)
    _manager("second@example.test", org, last_login_days=1)
    # ``first`` also manages ``other``: one digest for each TIN.
    access_levels_set(actor=None, user=first, organization=other, levels=AccessLevel.values)
    _manager("quiet@example.test", quiet, last_login_days=1)
    _member("pending1@example.test", org, status=UserStatus.VERIFICATION_PENDING)
    _member("pending2@example.test", org, status=UserStatus.VERIFICATION_PENDING)
    _member("stale@example.test", org, last_login_days=95)
    _member("stale2@example.test", other, last_login_days=95)
    _member("fresh@example.test", quiet, last_login_days=1)

    jobs.inactivity_enforce()
    assert jobs.manager_digest_send() == 3

    assert emails(DIGEST, "second@example.test").count() == 1
    assert emails(DIGEST, "first@example.test").count() == 2
    assert not emails(DIGEST, "quiet@example.test").exists()  # nothing to report
    north = emails(DIGEST, "second@example.test").get()
    assert "North Clinic" in north.subject + north.body
    assert "2 users are waiting for verification" in north.body
    assert "1 user was disabled" in north.body
    assert settings.SITE_URL + "/users/?status=verification_pending" in north.body
    assert settings.SITE_URL + "/users/?status=disabled" in north.body
    assert "pending1@" not in north.body and "stale@" not in north.body  # counts and links only
    south = emails(DIGEST, "first@example.test").get(body__contains="South Clinic")
    assert "1 user was disabled" in south.body
    assert "waiting for verification" not in south.body

    assert jobs.manager_digest_send() == 0  # once a day per manager and TIN
    assert emails(DIGEST).count() == 3


def test_digest_query_count_does_not_grow_with_users(django_assert_max_num_queries):
    org = OrganizationFactory()
    _manager("boss@example.test", org, last_login_days=1)
    for i in range(30):
        _member(f"pending{i}@example.test", org, status=UserStatus.VERIFICATION_PENDING)
    # 1 SAVEPOINT, 2 SELECT counts per organization (pending, disabled today), 3 SELECT the active
    # managers of those organizations, 4 SELECT the organizations, then per digest: SELECT the
    # idempotency key, INSERT the email; RELEASE SAVEPOINT.
    with django_assert_max_num_queries(7):
        assert jobs.manager_digest_send() == 1


def test_no_digest_when_nothing_to_report():
    org = OrganizationFactory()
    _manager("boss@example.test", org, last_login_days=1)
    _member("fresh@example.test", org, last_login_days=1)
    jobs.inactivity_enforce()
    assert jobs.manager_digest_send() == 0
    assert not emails(DIGEST).exists()


# --- 4. time-limited access ----------------------------------------------------------------------


@pytest.fixture
def temp_setup(org, npi, manager):
    """A temporary biller of ``org`` with levels and scope there, and a second TIN they keep."""
    other = OrganizationFactory(name="Elsewhere Clinic")
    other_npi = ProviderIdentifierFactory(organization=other)
    user = make_user("temp@example.test", last_login_days=1)
    access_levels_set(actor=None, user=user, organization=org, levels=[AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY])
    access_levels_set(actor=None, user=user, organization=other, levels=[AccessLevel.CLAIMS])
    scope_add(actor=None, user=user, provider_identifiers=[npi, other_npi])
    return user, other, other_npi


def _ends(user, organization, days_from_today: int) -> None:
    Membership.objects.filter(user=user, organization=organization).update(
        ends_on=timezone.localdate() + timedelta(days=days_from_today)
    )


def test_access_ends_the_day_after_its_end_date(temp_setup, org, npi):
    user, other, other_npi = temp_setup
    _ends(user, org, -1)
    epoch = user.session_epoch

    result = jobs.memberships_expire()

    assert result.removed == 1 and result.skipped == []
    user.refresh_from_db()
    assert user_levels(user=user, organization=org) == set()
    assert list(provider_ids_in_scope(user=user)) == [other_npi]
    assert not Membership.objects.filter(user=user, organization=org).exists()
    assert user_levels(user=user, organization=other) == {AccessLevel.CLAIMS}  # the other TIN untouched
    assert user.session_epoch == epoch + 1
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_REMOVED, target_id=str(user.uuid))
    assert event.organization == org and event.actor is None
    assert event.details == {
        "reason": "access end date passed",
        "ends_on": (timezone.localdate() - timedelta(1)).isoformat(),
    }
    thread = Participant.objects.select_related("thread").get(user=user).thread
    assert thread.subject == "Your access to Springfield Family Clinic ended"

    assert jobs.memberships_expire().removed == 0  # idempotent
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_REMOVED).count() == 1


def test_access_ending_today_is_kept(temp_setup, org):
    user, *_ = temp_setup
    _ends(user, org, 0)
    assert jobs.memberships_expire().removed == 0
    assert Membership.objects.filter(user=user, organization=org).exists()
    assert user_levels(user=user, organization=org) == {AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY}


def test_last_account_manager_is_skipped(org, manager):
    _ends(manager, org, -3)
    result = jobs.memberships_expire()
    assert result.removed == 0
    assert len(result.skipped) == 1 and manager.email in result.skipped[0]
    assert Membership.objects.filter(user=manager, organization=org).exists()
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=manager, organization=org)
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_REMOVED).exists()


def test_two_expiring_managers_leave_one(org, manager):
    deputy = _manager("deputy@example.test", org, last_login_days=1)
    _ends(manager, org, -1)
    _ends(deputy, org, -1)
    result = jobs.memberships_expire()
    assert result.removed == 1 and len(result.skipped) == 1
    assert Membership.objects.filter(organization=org, user__in=[manager, deputy]).count() == 1


# --- 5. the task, the command and the schedule -------------------------------------------------------


def test_daily_task_runs_every_step_and_returns_counts(temp_setup, org):
    user, *_ = temp_setup
    _ends(user, org, -1)
    make_user("stale@example.test", last_login_days=120)
    make_user("warn@example.test", last_login_days=80)

    counts = daily_lifecycle.delay().get()

    assert counts == {
        "warned": 1,
        "disabled": 1,
        "tins_without_manager": 0,
        "digests": 0,
        "memberships_removed": 1,
        "memberships_skipped": 0,
        "errors": 0,
    }


def test_command_dry_run_changes_nothing(capsys):
    make_user("stale@example.test", last_login_days=120)
    make_user("warn@example.test", last_login_days=80)
    events, outbox = AuditEvent.objects.count(), OutboundEmail.objects.count()

    call_command("run_daily_jobs", "--dry-run")

    out = capsys.readouterr().out
    assert "Dry run" in out and "1 user would be disabled" in out and "1 user would be warned" in out
    assert User.objects.filter(status=UserStatus.DISABLED).count() == 0
    assert (AuditEvent.objects.count(), OutboundEmail.objects.count()) == (events, outbox)

    call_command("run_daily_jobs")
    assert "1 user disabled" in capsys.readouterr().out
    assert User.objects.filter(status=UserStatus.DISABLED).count() == 1


def test_beat_runs_it_at_two_in_the_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["daily-lifecycle"]
    assert entry["task"] == "user_management.tasks.daily_lifecycle"
    assert entry["schedule"] == crontab(hour=2, minute=0)
