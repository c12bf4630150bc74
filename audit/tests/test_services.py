"""The audit trail is written with the change it records and can never be edited."""

import pytest
from django.db import transaction
from django.test import RequestFactory

from accounts.models import AccessLevel
from accounts.services import access_levels_set, scope_add, user_status_set
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from audit.services import record

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_where_and_from_where():
    actor, target, organization = UserFactory(), UserFactory(), OrganizationFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Browser/1.0")
    event = record(
        action=AuditAction.STATUS_CHANGED,
        actor=actor,
        target=target,
        organization=organization,
        details={"to": "disabled"},
        request=request,
    )
    event.refresh_from_db()
    assert event.actor == actor and event.actor_email == actor.email
    assert event.target_type == "user" and event.target_id == str(target.uuid)
    assert event.organization == organization
    assert event.ip_address == "10.1.2.3" and event.user_agent == "Browser/1.0"
    assert event.details == {"to": "disabled"}
    assert event.occurred_at.utcoffset().total_seconds() == 0


def test_events_cannot_be_updated_or_deleted_through_the_orm():
    event = record(action=AuditAction.LOGIN, actor_email="someone@example.test")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="logout")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_row_rolls_back_with_the_change():
    user, organization = UserFactory(), OrganizationFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
        raise RuntimeError("the caller failed after the service")
    assert not AuditEvent.objects.filter(action=AuditAction.LEVELS_CHANGED).exists()


def test_level_scope_and_status_changes_are_audited():
    actor, user, organization = UserFactory(kind="payer_staff"), UserFactory(), OrganizationFactory()
    pid = ProviderIdentifierFactory(organization=organization)
    access_levels_set(actor=actor, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    access_levels_set(actor=actor, user=user, organization=organization, levels=[AccessLevel.ELIGIBILITY])
    scope_add(actor=actor, user=user, provider_identifiers=[pid])
    user_status_set(actor=actor, user=user, status="disabled", reason="Left the practice")
    events = list(AuditEvent.objects.filter(actor=actor).order_by("id"))
    assert [e.action for e in events] == [
        AuditAction.LEVELS_CHANGED,
        AuditAction.LEVELS_CHANGED,
        AuditAction.SCOPE_ADDED,
        AuditAction.STATUS_CHANGED,
    ]
    assert events[1].details == {"added": ["Eligibility"], "removed": ["Claims"]}
    assert events[2].details["provider_ids"] == [f"NPI {pid.value}"]
    assert events[3].details == {"from": "active", "to": "disabled", "reason": "Left the practice"}


def test_unchanged_levels_write_nothing():
    user, organization = UserFactory(), OrganizationFactory()
    access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    before = AuditEvent.objects.count()
    access_levels_set(actor=None, user=user, organization=organization, levels=[AccessLevel.CLAIMS])
    assert AuditEvent.objects.count() == before
