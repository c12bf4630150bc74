"""Audit events as one plain sentence a person can read ("manager@… changed access levels of …").

The sentence is plain text: templates escape it and the CSV export neutralises formulas. It is
built from the row alone (its details and its organization, which the selectors join), so a page
of sentences costs no extra query. An action without its own sentence falls back to its label and
target; a row whose details are not what its action writes falls back the same way.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model

from audit.models import AuditAction, AuditEvent

SYSTEM = "The system"


def _actor(event: AuditEvent) -> str:
    return event.actor_email or SYSTEM


def _target(event: AuditEvent, unknown: str = "an unnamed target") -> str:
    if event.target_repr:
        return event.target_repr
    if event.target_type:
        return f"{event.target_type} {event.target_id}".strip()
    return unknown


def _organization(event: AuditEvent) -> str:
    if event.organization_id is None:
        return ""
    return event.organization.name


def _texts(value) -> list[str]:
    """A list of short texts from a details value, whatever its shape."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return [str(key) for key in value]
    if value in (None, ""):
        return []
    return [str(value)]


def _lower_first(text: str) -> str:
    """Lower-case a leading capital ("Request R-1" → "request R-1"), but not an initialism ("NPI …")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _on_organization(event: AuditEvent, preposition: str = "on") -> str:
    name = _organization(event)
    return f" {preposition} {name}" if name else ""


def _status_label(value) -> str:
    # The configured user model's own labels (the trail does not depend on the accounts app).
    labels = dict(get_user_model()._meta.get_field("status").flatchoices)
    return str(labels.get(value) or value or "unknown")


# --- one function per action ---------------------------------------------------------------------


def _login(event):
    return f"{_actor(event)} logged in"


def _login_failed(event):
    return f"Failed login for {event.actor_email or 'an empty email'}"


def _logout(event):
    return f"{_actor(event)} logged out"


def _session_expired(event):
    if event.details.get("reason") == "idle":
        return f"{_actor(event)} was signed out after a period without activity"
    return f"{_actor(event)} was signed out at the end of the longest allowed session"


def _mfa_enrolled(event):
    return f"{_actor(event)} set up an authenticator app"


def _mfa_verified(event):
    return f"{_actor(event)} passed the second factor"


def _mfa_failed(event):
    when = " while setting up an authenticator app" if event.details.get("step") == "enroll" else ""
    return f"{_actor(event)} entered a wrong authenticator code{when}"


def _mfa_backup_code(event):
    return f"{_actor(event)} passed the second factor with a backup code"


def _passkey_added(event):
    return f"{_actor(event)} added a passkey named {event.details.get('name') or 'Passkey'}"


def _passkey_removed(event):
    return f"{_actor(event)} removed the passkey named {event.details.get('name') or 'Passkey'}"


def _password_changed(event):
    return f"{_actor(event)} changed their password"


def _profile_updated(event):
    fields = {"full_name": "name", "phone": "telephone number"}
    changed = [fields.get(name, name) for name in event.details.get("fields", [])]
    return f"{_actor(event)} changed their {' and '.join(changed) or 'profile'}"


def _password_reset_requested(event):
    sent = event.details.get("email_sent")
    tail = "" if sent is None else ("; an email was sent" if sent else "; no email was sent")
    return f"Password reset requested for {event.actor_email or _target(event, unknown='an empty email')}{tail}"


def _password_reset_completed(event):
    unlocked = " and was unlocked" if event.details.get("unlocked") else ""
    return f"{event.actor_email or _target(event)} reset their password{unlocked}"


def _password_reset_sent(event):
    return f"{_actor(event)} sent a password reset email to {_target(event)}"


def _status_changed(event):
    details = event.details
    sentence = (
        f"{_actor(event)} changed the status of {_target(event)} from {_status_label(details.get('from'))} "
        f"to {_status_label(details.get('to'))}"
    )
    if details.get("reason"):
        sentence += f" (reason: {details['reason']})"
    return sentence


def _user_created(event):
    return f"{_actor(event)} created the user {_target(event)}"


def _levels_changed(event):
    changes = []
    if added := _texts(event.details.get("added")):
        changes.append(f"added {', '.join(added)}")
    if removed := _texts(event.details.get("removed")):
        changes.append(f"removed {', '.join(removed)}")
    summary = f": {'; '.join(changes)}" if changes else ""
    return f"{_actor(event)} changed access levels of {_target(event)}{_on_organization(event)}{summary}"


def _scope_added(event):
    ids = ", ".join(_texts(event.details.get("provider_ids"))) or "provider IDs"
    reason = event.details.get("reason")
    because = f" ({_lower_first(str(reason))})" if reason else ""
    return f"{_actor(event)} added {ids} to {_target(event)}{because}"


def _scope_removed(event):
    ids = ", ".join(_texts(event.details.get("provider_ids"))) or "provider IDs"
    return f"{_actor(event)} removed {ids} from {_target(event)}"


def _organization_created(event):
    return f"{_actor(event)} created the organization {_target(event)}"


def _provider_id_created(event):
    return f"{_actor(event)} created the provider ID {_target(event)}{_on_organization(event)}"


def _admin_changed(event):
    verb = "created" if event.details.get("created") else "changed"
    fields = _texts(event.details.get("fields"))
    changed = f" (fields: {', '.join(fields)})" if fields and verb == "changed" else ""
    what = " ".join(part for part in (event.target_type, event.target_repr) if part) or "an object"
    return f"{_actor(event)} {verb} {what} in the admin{changed}"


def _message_sent(event):
    return f"{_actor(event)} sent a secure message in the thread “{_target(event)}”"


def _thread_assigned(event):
    assignee = event.details.get("assigned_to")
    if not assignee:
        return f"{_actor(event)} released the thread “{_target(event)}”"
    if assignee == event.actor_email:
        return f"{_actor(event)} took the thread “{_target(event)}”"
    return f"{_actor(event)} assigned the thread “{_target(event)}” to {assignee}"


def _thread_archived(event):
    verb = "archived" if event.details.get("archived", True) else "moved back to the inbox"
    return f"{_actor(event)} {verb} the thread “{_target(event)}”"


def _request_created(event):
    reference = event.details.get("reference") or _target(event)
    items = ", ".join(_texts(event.details.get("items")))
    asking = f" for {items}" if items else ""
    return f"{_actor(event)} sent Add Facility request {reference}{asking}"


def _request_decided(event):
    details = event.details
    reference = details.get("reference") or _target(event)
    requester = f" of {details['requester']}" if details.get("requester") else ""
    parts = []
    if approved := _texts(details.get("approved")):
        parts.append(f"approved {', '.join(approved)}")
    denied = details.get("denied")
    if isinstance(denied, dict) and denied:
        parts.append("denied " + ", ".join(f"{item} ({reason})" if reason else item for item, reason in denied.items()))
    elif denied_list := _texts(denied):
        parts.append(f"denied {', '.join(denied_list)}")
    summary = f": {'; '.join(parts)}" if parts else ""
    return f"{_actor(event)} decided Add Facility request {reference}{requester}{summary}"


def _audit_exported(event):
    filters = event.details.get("filters")
    shown = ""
    if isinstance(filters, dict) and filters:
        shown = " (" + ", ".join(f"{key} {value}" for key, value in sorted(filters.items())) + ")"
    return f"{_actor(event)} exported the audit log{shown}"


# Registration, invitations, membership, claims and eligibility are being written elsewhere at the
# same time: SENTENCES keys them by value, so a renamed member cannot break this module, and their
# sentences use only the target, the organization and details already in use.
def _registration_submitted(event):
    return f"{_actor(event)} registered{_on_organization(event, 'for')}"


def _invitation_sent(event):
    return f"{_actor(event)} invited {_target(event)}{_on_organization(event, 'to')}"


def _invitation_revoked(event):
    return f"{_actor(event)} revoked the invitation of {_target(event)}{_on_organization(event, 'to')}"


def _organization_verified(event):
    return f"{_actor(event)} verified the TIN of {_organization(event) or _target(event)}"


def _membership_removed(event):
    name = _organization(event)
    return f"{_actor(event)} removed {_target(event)} from {name or 'an organization'}"


def _claim_viewed(event):
    return f"{_actor(event)} viewed claim {_target(event)}"


def _eligibility_checked(event):
    details = event.details
    member = details.get("member_id") or _target(event)
    day = f" on {details['date_of_service']}" if details.get("date_of_service") else ""
    result = f": {str(details['result']).replace('_', ' ')}" if details.get("result") else ""
    return f"{_actor(event)} checked eligibility of member {member}{day}{result}"


def _eligibility_throttled(event):
    limit = f" (limit {event.details['limit']})" if event.details.get("limit") else ""
    return f"{_actor(event)} was refused an eligibility lookup: too many{limit}"


SENTENCES: dict[str, Callable[[AuditEvent], str]] = {
    AuditAction.LOGIN: _login,
    AuditAction.LOGIN_FAILED: _login_failed,
    AuditAction.LOGOUT: _logout,
    AuditAction.SESSION_EXPIRED: _session_expired,
    AuditAction.MFA_ENROLLED: _mfa_enrolled,
    AuditAction.MFA_VERIFIED: _mfa_verified,
    AuditAction.MFA_FAILED: _mfa_failed,
    AuditAction.MFA_BACKUP_CODE_USED: _mfa_backup_code,
    AuditAction.PASSKEY_ADDED: _passkey_added,
    AuditAction.PASSKEY_REMOVED: _passkey_removed,
    AuditAction.PASSWORD_CHANGED: _password_changed,
    AuditAction.PROFILE_UPDATED: _profile_updated,
    AuditAction.PASSWORD_RESET_REQUESTED: _password_reset_requested,
    AuditAction.PASSWORD_RESET_COMPLETED: _password_reset_completed,
    AuditAction.PASSWORD_RESET_SENT: _password_reset_sent,
    AuditAction.STATUS_CHANGED: _status_changed,
    AuditAction.USER_CREATED: _user_created,
    AuditAction.LEVELS_CHANGED: _levels_changed,
    AuditAction.SCOPE_ADDED: _scope_added,
    AuditAction.SCOPE_REMOVED: _scope_removed,
    AuditAction.ORGANIZATION_CREATED: _organization_created,
    AuditAction.PROVIDER_ID_CREATED: _provider_id_created,
    AuditAction.ADMIN_CHANGED: _admin_changed,
    AuditAction.MESSAGE_SENT: _message_sent,
    AuditAction.THREAD_ASSIGNED: _thread_assigned,
    AuditAction.THREAD_ARCHIVED: _thread_archived,
    AuditAction.REQUEST_CREATED: _request_created,
    AuditAction.REQUEST_DECIDED: _request_decided,
    AuditAction.AUDIT_EXPORTED: _audit_exported,
    "registration_submitted": _registration_submitted,
    "invitation_sent": _invitation_sent,
    "invitation_revoked": _invitation_revoked,
    "organization_verified": _organization_verified,
    "membership_removed": _membership_removed,
    "claim_viewed": _claim_viewed,
    "eligibility_checked": _eligibility_checked,
    "eligibility_throttled": _eligibility_throttled,
}


def fallback_sentence(event: AuditEvent) -> str:
    """The sentence of an action without its own: "<actor>: <label> — <target> on <organization>"."""
    sentence = f"{_actor(event)}: {event.get_action_display()}"
    if target := _target(event, unknown=""):
        sentence += f" — {target}"
    return sentence + _on_organization(event)


def event_sentence(event: AuditEvent) -> str:
    """One plain-text sentence for the event; never raises on odd details."""
    describe = SENTENCES.get(event.action)
    if describe is not None and isinstance(event.details, dict):
        try:
            return describe(event)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    return fallback_sentence(event)
