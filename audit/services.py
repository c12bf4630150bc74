"""Writing the audit trail. Call ``record`` inside the transaction of the change it records."""

from typing import Any

from django.db import models

from audit.models import AuditAction, AuditEvent


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    action: AuditAction | str,
    actor=None,
    actor_email: str = "",
    target: models.Model | None = None,
    organization=None,
    details: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one audit event. ``target`` is any model with a ``uuid`` (or a primary key)."""
    if actor is not None and getattr(actor, "is_authenticated", False) is False:
        actor = None
    target_type = target_id = target_repr = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(getattr(target, "uuid", None) or target.pk)
        target_repr = str(target)[:300]
    user_agent = ""
    if request is not None:
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email)[:254],
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        organization=organization,
        details=details or {},
        ip_address=_client_ip(request),
        user_agent=user_agent,
    )
