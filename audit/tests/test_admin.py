"""The audit trail in the Django admin stays read-only and shows the chain."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from audit.models import AuditAction, AuditEvent
from audit.services import record

pytestmark = pytest.mark.django_db


def test_admin_is_read_only_and_shows_the_hashes(payer_staff):
    event = record(action=AuditAction.LOGIN, actor_email="a@example.test")
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = payer_staff
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    readonly = model_admin.get_readonly_fields(request, event)
    assert "hash" in readonly and "prev_hash" in readonly
    assert "hash" in model_admin.get_fields(request, event)
