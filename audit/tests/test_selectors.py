"""Who may read which audit events, and the viewer's filters: one query each."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AccessLevel, User
from accounts.services.access import access_levels_set
from accounts.tests.factories import OrganizationFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from audit.selectors import UUIDText, audit_events_all, audit_events_filter
from audit.services import record
from user_management.selectors import audit_events_for_manager, manager_audit_scope

pytestmark = pytest.mark.django_db


def test_uuid_text_is_what_str_of_the_uuid_gives(biller):
    assert User.objects.filter(pk=biller.pk).values_list(UUIDText("uuid"), flat=True).get() == str(biller.uuid)


@pytest.fixture
def events(org, other_org, manager, biller, outsider, payer_staff):
    """One event of each kind the manager's rule has to sort out, by name."""
    return {
        "own_org": record(action=AuditAction.MESSAGE_SENT, actor=biller, organization=org),
        "biller_login": record(action=AuditAction.LOGIN, actor=biller, target=biller),
        "biller_status": record(action=AuditAction.STATUS_CHANGED, actor=payer_staff, target=biller),
        "biller_on_other_org": record(
            action=AuditAction.LEVELS_CHANGED, actor=outsider, target=biller, organization=other_org
        ),
        "other_org": record(action=AuditAction.MESSAGE_SENT, actor=outsider, organization=other_org),
        "outsider_login": record(action=AuditAction.LOGIN, actor=outsider, target=outsider),
        "failed_login": record(action=AuditAction.LOGIN_FAILED, actor_email=biller.email),
    }


def test_payer_staff_read_every_event(events):
    assert set(events.values()) <= set(audit_events_all())


def test_a_manager_reads_their_tins_and_their_users_events(manager, events, django_assert_num_queries):
    # 1. the scope: (organization, user uuid) of every grant on the TINs where the manager holds
    #    Manage Account
    # 2. events WHERE organization IN (those TINs) OR (no organization AND target user IN (those
    #    users)), organization joined
    with django_assert_num_queries(2):
        visible = {event.pk for event in audit_events_for_manager(user=manager)}
    names = {name for name, event in events.items() if event.pk in visible}
    assert names == {"own_org", "biller_login", "biller_status"}


def test_the_manager_rule_follows_current_grants(manager, biller, org, events):
    access_levels_set(actor=None, user=biller, organization=org, levels=[])
    visible = set(audit_events_for_manager(user=manager))
    assert events["biller_login"] not in visible and events["own_org"] in visible


def test_without_manage_account_nothing_is_visible(biller, events, django_assert_num_queries):
    with django_assert_num_queries(1):  # the scope, empty: no query for events
        assert list(audit_events_for_manager(user=biller)) == []


def test_the_scope_is_the_managed_tins_and_their_users(manager, biller, no_level_user, org):
    organization_ids, member_uuids = manager_audit_scope(user=manager)
    assert organization_ids == {org.pk}
    assert member_uuids == {str(manager.uuid), str(biller.uuid)}


def test_an_inactive_manager_sees_nothing(manager, events):
    manager.status = "disabled"
    assert list(audit_events_for_manager(user=manager)) == []


def test_a_manager_of_two_tins_sees_both(manager, other_org, events):
    access_levels_set(actor=None, user=manager, organization=other_org, levels=[AccessLevel.MANAGE_ACCOUNT])
    visible = set(audit_events_for_manager(user=manager))
    assert {events["other_org"], events["outsider_login"], events["biller_on_other_org"]} <= visible


def _filtered(**filters):
    return set(audit_events_filter(audit_events_all(), **filters))


def test_filter_by_actor_exactly_or_by_part(events, biller):
    exact = _filtered(actor=biller.email, actor_exact=True)
    assert exact == {events["own_org"], events["biller_login"], events["failed_login"]}
    assert _filtered(actor=biller.email.upper(), actor_exact=True) == exact
    assert _filtered(actor="BILLER@", actor_exact=False) >= exact
    assert _filtered(actor="biller", actor_exact=True) == set()


def test_filter_by_target_user(events, biller):
    found = _filtered(target_email=biller.email.upper())
    assert {events["biller_login"], events["biller_status"], events["biller_on_other_org"]} <= found
    assert {(event.target_type, event.target_id) for event in found} == {("user", str(biller.uuid))}
    assert _filtered(target_email="nobody@example.test") == set()


def test_filter_by_tin_and_action(events, other_org):
    assert _filtered(tin=other_org.tin, action=AuditAction.MESSAGE_SENT) == {events["other_org"]}
    assert _filtered(action=AuditAction.LOGIN_FAILED) == {events["failed_login"]}


def test_filter_by_time():
    old = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    now = timezone.now()
    assert old in _filtered(occurred_from=now - datetime.timedelta(minutes=1))
    assert old not in _filtered(occurred_from=now + datetime.timedelta(minutes=1))
    assert old not in _filtered(occurred_before=now - datetime.timedelta(minutes=1))
    assert old in _filtered(occurred_before=now + datetime.timedelta(minutes=1))


def test_filters_keep_the_managers_restriction(manager, outsider, events):
    restricted = audit_events_filter(audit_events_for_manager(user=manager), actor=outsider.email, actor_exact=True)
    assert list(restricted) == []


def test_other_organizations_do_not_leak_through_a_user_of_both(manager, biller, org):
    """A user of two TINs: what the second TIN did to them stays with the second TIN."""
    elsewhere = OrganizationFactory()
    other_manager = UserFactory()
    access_levels_set(actor=other_manager, user=biller, organization=elsewhere, levels=[AccessLevel.CLAIMS])
    visible = audit_events_for_manager(user=manager)
    assert not visible.filter(organization=elsewhere).exists()
    assert AuditEvent.objects.filter(organization=elsewhere, target_id=str(biller.uuid)).exists()
