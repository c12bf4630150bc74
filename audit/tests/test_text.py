"""Every audit event reads as one plain sentence."""

import pytest

from accounts.models import AccessLevel, Organization
from accounts.services.access import access_levels_set, scope_add
from accounts.services.users import user_status_set
from audit.models import AuditAction, AuditEvent
from audit.text import SENTENCES, event_sentence, fallback_sentence

CLINIC = Organization(id=1, name="Springfield Family Clinic", tin="123456789")

# Details as each action's service writes them (see the record() calls across the apps).
DETAILS = {
    AuditAction.LOGIN: {"step": "password"},
    AuditAction.SESSION_EXPIRED: {"reason": "idle"},
    AuditAction.MFA_ENROLLED: {"device": "totp"},
    AuditAction.MFA_FAILED: {"step": "verify"},
    AuditAction.PASSWORD_RESET_REQUESTED: {"email_sent": True},
    AuditAction.PASSWORD_RESET_COMPLETED: {"unlocked": True},
    AuditAction.STATUS_CHANGED: {"from": "active", "to": "disabled", "reason": "Left the practice"},
    AuditAction.USER_CREATED: {"kind": "provider", "status": "active"},
    AuditAction.LEVELS_CHANGED: {"added": ["Claims"], "removed": ["Eligibility"]},
    AuditAction.SCOPE_ADDED: {"provider_ids": ["NPI 1245319599"], "reason": "Request R-2026-0001"},
    AuditAction.SCOPE_REMOVED: {"provider_ids": ["NPI 1245319599"]},
    AuditAction.ORGANIZATION_CREATED: {"tin": "123456789", "tin_verified": True},
    AuditAction.PROVIDER_ID_CREATED: {"kind": "npi", "value": "1245319599"},
    AuditAction.ADMIN_CHANGED: {"created": False, "fields": ["name", "tin"]},
    AuditAction.MESSAGE_SENT: {"message": "m", "kind": "payer", "from_payer": False},
    AuditAction.THREAD_ASSIGNED: {"assigned_to": "analyst@demo.test"},
    AuditAction.THREAD_ARCHIVED: {"archived": True},
    AuditAction.REQUEST_CREATED: {"reference": "R-2026-0001", "items": ["npi 1245319599"]},
    AuditAction.REQUEST_DECIDED: {
        "reference": "R-2026-0001",
        "requester": "biller@demo.test",
        "status": "partially_approved",
        "approved": ["npi 1245319599"],
        "denied": {"npi 1456789019": "Not your TIN"},
    },
    AuditAction.AUDIT_EXPORTED: {"scope": "all", "filters": {"tin": "123456789"}},
}


def event(action, *, actor_email="analyst@demo.test", target_repr="biller@demo.test", organization=CLINIC, **kw):
    return AuditEvent(
        action=action,
        actor_email=actor_email,
        target_type=kw.pop("target_type", "user"),
        target_id="00000000-0000-0000-0000-000000000001",
        target_repr=target_repr,
        organization=organization,
        details=kw.pop("details", DETAILS.get(action, {})),
        **kw,
    )


@pytest.mark.parametrize("action", AuditAction.values)
def test_every_action_reads_as_a_plain_sentence(action):
    sentence = event_sentence(event(action))
    assert sentence and "\n" not in sentence and "<" not in sentence
    if action == AuditAction.LOGIN_FAILED:
        assert sentence == "Failed login for analyst@demo.test"
    else:
        assert "analyst@demo.test" in sentence
    if action not in SENTENCES:  # the fallback names the action and its target
        assert AuditAction(action).label in sentence and "biller@demo.test" in sentence


@pytest.mark.parametrize("action", AuditAction.values)
@pytest.mark.parametrize("details", [{}, {"added": 3, "provider_ids": None, "denied": "x", "filters": [1]}])
def test_odd_details_never_break_a_sentence(action, details):
    assert event_sentence(event(action, details=details, organization=None, actor_email="", target_repr=""))


def test_examples():
    assert event_sentence(event(AuditAction.SCOPE_ADDED)) == (
        "analyst@demo.test added NPI 1245319599 to biller@demo.test (request R-2026-0001)"
    )
    assert event_sentence(event(AuditAction.LEVELS_CHANGED, actor_email="manager@demo.test")) == (
        "manager@demo.test changed access levels of biller@demo.test on Springfield Family Clinic: "
        "added Claims; removed Eligibility"
    )
    assert event_sentence(event(AuditAction.LOGIN, actor_email="biller@demo.test")) == "biller@demo.test logged in"
    assert event_sentence(event(AuditAction.LOGIN_FAILED, actor_email="x@y")) == "Failed login for x@y"
    assert event_sentence(event(AuditAction.STATUS_CHANGED, actor_email="")) == (
        "The system changed the status of biller@demo.test from Active to Disabled (reason: Left the practice)"
    )
    assert event_sentence(event(AuditAction.REQUEST_DECIDED, target_repr="R-2026-0001 (Partially approved)")) == (
        "analyst@demo.test decided Add Facility request R-2026-0001 of biller@demo.test: "
        "approved npi 1245319599; denied npi 1456789019 (Not your TIN)"
    )
    assert event_sentence(event(AuditAction.THREAD_ASSIGNED, target_repr="Question", details={})) == (
        "analyst@demo.test released the thread “Question”"
    )


def test_an_unknown_action_falls_back_to_its_value_and_target():
    unknown = event("something_new", target_repr="Thing 1")
    assert event_sentence(unknown) == fallback_sentence(unknown)
    assert event_sentence(unknown) == "analyst@demo.test: something_new — Thing 1 on Springfield Family Clinic"


def test_markup_stays_text():
    sentence = event_sentence(event(AuditAction.PASSWORD_RESET_SENT, target_repr="<b>x</b>"))
    assert sentence == "analyst@demo.test sent a password reset email to <b>x</b>"  # escaped by the template


@pytest.mark.django_db
def test_sentences_of_events_written_by_the_services(payer_staff, biller, org, npi):
    access_levels_set(actor=payer_staff, user=biller, organization=org, levels=[AccessLevel.CLAIMS])
    scope_add(actor=payer_staff, user=biller, provider_identifiers=[npi], reason="Request R-1")
    user_status_set(actor=payer_staff, user=biller, status="locked")
    sentences = [event_sentence(e) for e in AuditEvent.objects.filter(actor=payer_staff).order_by("id")]
    assert sentences == [
        f"{payer_staff.email} changed access levels of {biller.email} on {org.name}: removed Eligibility, Message Box",
        # the biller already had the NPI: nothing added, nothing recorded
        f"{payer_staff.email} changed the status of {biller.email} from Active to Locked",
    ]
