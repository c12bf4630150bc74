"""The access matrix: every URL that names an object, for every action, tried by every persona.

Every URL-action below × 10 personas, each probe its own test case (id ``persona-url-action``). The
expected answer of each probe is written in MATRIX below, and the run ends with the line
``access matrix: N probes, M unexpected`` (printed by tests/security/conftest.py).

The personas (columns of MATRIX):

- owner: the provider user who owns the object (the requester, a participant of the thread, the
  holder of the claim's provider ID with Claims), or, for User Management and access reviews, the
  account manager of the TIN. On a Control Panel URL: the provider user the object is about.
- same_tin_no_level: a user of the same TIN with every access level except the one the URL needs
  (when it needs none: every level but Manage Account), the owner's provider ID in scope.
- same_tin_peer: a user of the same TIN who holds the level the URL needs but is not the owner (not
  the requester, not a participant, the claim's provider ID not in scope); for a manager URL, a
  second account manager of the TIN, who may do what the first may.
- removed_owner: the owner after an account manager removed them from the TIN (levels, scope and
  membership gone), still working for another TIN with the same levels there. What was theirs
  alone stays theirs (their own request, their own conversation with the payer team); what
  belongs to the TIN (its users, its review, its claims, its colleagues' threads) does not.
- other_manager: the account manager of another TIN, with every level there.
- disabled: the user who would be let in (the owner, or payer staff on a Control Panel URL),
  signed in with both factors, then disabled: the session must end on the next request.
- locked: that same user, signed in, then Locked by failed sign-ins elsewhere: a lock refuses new
  sign-ins only, so the open session goes on with exactly that user's answers. Its expected
  answers are read from the owner's column (payer_staff's on a Control Panel URL); the locked
  column below is not read.
- no_mfa: that same user signed in with the password only.
- anonymous: nobody signed in.
- payer_staff: an analyst of the plan.

The answers:

- "200": the page. "200+": the page, and it shows the object. "200-": the page (the persona's own
  list or export), and the object is not in it.
- "302": the action was done and the app redirects; the object's state must have changed.
- "403": refused (a missing access level, a Control Panel page for a provider user, a provider page
  for payer staff). "404": the object is out of the persona's reach, so it does not exist for them.
- LOGIN / MFA: a redirect to /login/ or to /mfa/.

For every POST that is not a success, the object's state must be unchanged.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from access_requests.models import AccessRequest
from access_reviews.models import ReviewCampaign, ReviewDecision
from accounts.access import user_levels
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    Membership,
    Organization,
    ProviderIdentifierUserObjectPermission,
    Registration,
    User,
)
from assessments.models import Assessment
from audit.models import AuditEvent
from authorizations.models import AuthorizationRequest, Diagnosis
from claims.models import Appeal, Claim, ClaimDraft
from enrollment.models import EnrollmentApplication
from enrollment.models import Section as EnrollmentSection
from health_records.models import RecordOptOut
from mailbox.models import Message, Participant, Thread
from outbox.models import OutboundEmail
from tests.security.conftest import MEMBER_BIRTH_DATE, PERSONAS, World, sign_in

pytestmark = pytest.mark.django_db

LOGIN, MFA = "login", "mfa"
MANAGE = AccessLevel.MANAGE_ACCOUNT


# fmt: off
MATRIX: dict[str, tuple[str, ...]] = {
    # url-action                 owner   same_tin_no_level  same_tin_peer  removed_owner  other_manager  disabled  locked  no_mfa  anonymous  payer_staff
    # User Management (owner: the account manager of the TIN; the object: the biller)
    "users-list":               ("200+", "403",             "200+",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "user-view":                ("200+", "403",             "200+",        "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "user-save":                ("302",  "403",             "302",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "user-disable":             ("302",  "403",             "302",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "user-remove-from-tin":     ("302",  "403",             "302",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "audit-list":               ("200+", "403",             "200+",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "audit-export":             ("200+", "403",             "200+",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Access reviews (owner: the account manager of the TIN)
    "review-tasks-list":        ("200+", "403",             "200+",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "review-task-view":         ("200+", "403",             "200+",        "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "review-task-decide":       ("302",  "403",             "302",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "review-task-keep-many":    ("302",  "403",             "302",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # My Profile and Add Facility requests (owner: the requester)
    "profile-list":             ("200+", "200-",            "200-",        "200+",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "request-view":             ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Security and passkeys (owner: the biller, whose login the passkey belongs to, whatever the TIN)
    "security-page":            ("200+", "200-",            "200-",        "200+",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "200-"),
    # The load balancer's health probe: open to everyone, no PHI, the same answer signed in or not.
    "healthz":                  ("200",  "200",             "200",         "200",         "200",         "200",    "200",  "200",  "200",     "200"),
    "passkey-remove":           ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "404"),
    # Message Box (owner: a participant; level: Message Box)
    "inbox-list":               ("200+", "403",             "200-",        "200+",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "thread-view":              ("200+", "403",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "thread-reply":             ("302",  "403",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "thread-archive":           ("302",  "403",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "colleague-thread-list":    ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "colleague-thread-view":    ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "colleague-thread-reply":   ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Live chat (owner: the biller, whose chat waits for the team; level: Message Box). Their own
    # conversation, like their thread with the payer team, stays theirs after leaving the TIN.
    "chat-leave-form":          ("200+", "403",             "200-",        "200+",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "chat-leave-send":          ("302",  "403",             "302",         "302",         "302",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Claims and Eligibility (owner: the biller, npi in scope with Claims and Eligibility)
    "claims-list":              ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-view":               ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claims-export":            ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "payments-list":            ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "payment-view":             ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "payment-835":              ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "payment-pdf":              ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "appeal-form":              ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "appeal-submit":            ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "appeal-document":          ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "appeal-letter":            ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-submit-form":        ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-draft-save":         ("302",  "403",             "400",         "400",         "400",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-drafts-list":        ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-draft-view":         ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-draft-edit":         ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-draft-submit":       ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-draft-837p":         ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "eligibility-form":         ("200",  "403",             "200",         "200",         "200",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-correct-form":       ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-replace":            ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-void":               ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "claim-status-form":        ("200",  "403",             "200",         "200",         "200",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Only the claims of the asker's provider IDs answer; everyone else reads the same "No match".
    "claim-status-check":       ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Any Eligibility holder may ask about any member: the birth date is the proof (claims.services).
    "eligibility-check":        ("200+", "403",             "200+",        "200+",        "200+",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Assessments (owner: the manager, who filed them under npi; level: Assessments)
    "assessments-list":         ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "assessment-view":          ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "assessment-draft-save":    ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "assessment-print":         ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Control Panel: Assessments (every assessment; read-only)
    "cp-assessments-list":      ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-assessments-export":    ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-assessment-view":       ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    # Health Records (owner: the manager, npi billed the member's claim; level: Health Records).
    # A member out of reach gets the "not available" page, with status 404.
    "health-record-view":       ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "health-record-summary":    ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "care-gaps-list":           ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "care-gaps-export":         ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "cp-health-record-view":    ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-health-record-opt-out": ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    # Control Panel: Users (owner: the biller)
    "cp-users-list":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-user-view":             ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-user-disable":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-user-password-reset":   ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-user-scope-add":        ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-user-scope-remove":     ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-user-levels-update":    ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    # Control Panel: Organizations and registrations (owner: the account manager of the TIN)
    "cp-organizations-list":    ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-organization-view":     ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-organization-verify":   ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-registration-decide":   ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    # Control Panel: Requests and Mailbox (owner: the biller)
    "cp-requests-list":         ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-mailbox-list":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-thread-view":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-thread-reply":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-thread-take":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-request-decide":        ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-request-reply-preview": ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-chat":                  ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    # A thread between colleagues is not the payer's: the Mailbox does not know it.
    "cp-colleague-thread-view": ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "404"),
    "cp-colleague-thread-reply":("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "404"),
    # Control Panel: Audit and Reviews (owner: the account manager of the TIN)
    "cp-audit-list":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-audit-export":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-emails-list":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-email-retry":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-reviews-list":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-review-open":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-appeals-list":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-appeal-view":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-appeal-document":       ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200"),
    "cp-appeal-take":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-appeal-decide":         ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-review-view":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-review-keep":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    # Prior authorizations (owner: the manager, who requested under npi; level: Authorizations).
    # A request belongs to the provider ID's TIN, as a claim does: removed from the TIN, the
    # requester no longer reaches it; a peer without npi in scope never did.
    "auth-list":                ("200+", "403",             "200-",        "200-",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-view":                ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-letter":              ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-attachment":          ("200",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-information-form":    ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-information-send":    ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-withdraw":            ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-appeal-form":         ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-appeal-send":         ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # A draft is its author's alone until submitted, and only while they may use its provider ID.
    "auth-draft-view":          ("200+", "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-draft-save":          ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "auth-draft-delete":        ("302",  "403",             "404",         "404",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Control Panel: prior authorizations (the object: the manager's requests).
    "cp-auth-queue":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-auth-view":             ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-auth-take":             ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-auth-information":      ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-auth-extend":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-auth-decide":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-auth-letter":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200"),
    "cp-auth-attachment":       ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200"),
    # Enrollment (owner: the manager, Provider Admin of the applications; the biller reads one). An
    # application is reached through its own grants, not a TIN: removed from the TIN, the admin keeps it.
    "enrol-list":               ("200+", "200-",            "200-",        "200+",        "200-",        LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-summary":            ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-section":            ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-section-save":       ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-section-complete":   ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-row-remove":         ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-document":           ("200",  "404",             "404",         "200",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-users":              ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-invite":             ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-user-update":        ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-user-revoke":        ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-sign":               ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-sign-save":          ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-pay":                ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-pay-start":          ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-pay-test":           ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-pay-test-confirm":   ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-pay-return":         ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-submit":             ("200+", "404",             "404",         "200+",        "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    "enrol-submit-send":        ("302",  "404",             "404",         "302",         "404",         LOGIN,    LOGIN,  MFA,    LOGIN,     "403"),
    # Control Panel: enrollment (the analyst holds the Enrollment Supervisor role).
    "cp-enrol-queue":           ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-enrol-view":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200+"),
    "cp-enrol-take":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-enrol-return":          ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-enrol-approve":         ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-enrol-deny":            ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-enrol-reassign":        ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "302"),
    "cp-enrol-document":        ("403",  "403",             "403",         "403",         "403",         LOGIN,    LOGIN,  MFA,    LOGIN,     "200"),
}
# fmt: on


# --- how each URL-action is tried ------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One URL and action: how to call it, who owns its object, and how to see what it did."""

    method: str  # "get" or "post"
    url: Callable[[World], str]
    owner: str = "manager"  # the world's user who owns the object: "manager" or "biller"
    level: str | None = None  # the access level the URL needs (None: none, or the Control Panel)
    control_panel: bool = False
    data: Callable[[World], dict] | None = None
    marker: Callable[[World], str] | None = None  # shown by a page that shows the object
    state: Callable[[World], Any] | None = None  # of a POST: the object's state it would change


def _levels(user: User, world: World) -> frozenset[str]:
    return frozenset(user_levels(user=user, organization=world.org))


def _scope_values(user: User) -> list[str]:
    return list(
        ProviderIdentifierUserObjectPermission.objects.filter(
            user=user, permission__codename=SCOPE_PERMISSION
        ).values_list("content_object__value", flat=True)
    )


def _status(user: User) -> str:
    return User.objects.values_list("status", flat=True).get(pk=user.pk)


def _messages(thread: Thread) -> int:
    return Message.objects.filter(thread=thread).count()


def _archived(thread: Thread) -> frozenset:
    return frozenset(Participant.objects.filter(thread=thread).values_list("user_id", "archived"))


def _decisions(world: World) -> int:
    return ReviewDecision.objects.filter(task=world.task).count()


def _url(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def _status_question(w: World) -> dict:
    """The four facts of the matrix claim, billed to the matrix member (whose birth date is known)."""
    Claim.objects.filter(pk=w.claim.pk).update(member_id=w.member.member_id)
    return {
        "member_id": w.member.member_id,
        "date_of_birth": MEMBER_BIRTH_DATE.isoformat(),
        "service_date": w.claim.service_date_from.isoformat(),
        "billed_amount": str(w.claim.billed_amount),
    }


BILLER = lambda w: w.biller.uuid  # noqa: E731
TASK = lambda w: w.task.uuid  # noqa: E731
PAYMENT = lambda w: w.payment.uuid  # noqa: E731
APPEAL = lambda w: w.appeal.uuid  # noqa: E731
DOCUMENT = lambda w: w.appeal.documents.get().uuid  # noqa: E731
CLAIM_DRAFT = lambda w: w.claim_draft.uuid  # noqa: E731


def claim_form_data(world: World) -> dict:
    """A one-line claim of the world's member under npi, today, as the Submit a claim form posts it."""
    today = timezone.localdate().isoformat()
    return {
        "billing_provider": world.npi.value,
        "member_id": world.member.member_id,
        "member_birth_date": MEMBER_BIRTH_DATE.isoformat(),
        "diagnosis_A": "E11.9",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-procedure_code": "99213",
        "lines-0-pointers": "A",
        "lines-0-date_from": today,
        "lines-0-place_of_service": "11",
        "lines-0-units": "1",
        "lines-0-charge": "90",
        "action": "save",
    }


THREAD = lambda w: w.thread.uuid  # noqa: E731
COLLEAGUE_THREAD = lambda w: w.colleague_thread.uuid  # noqa: E731
IN_30_DAYS = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()

_manager = {"owner": "manager", "level": MANAGE}
_message_box = {"owner": "biller", "level": AccessLevel.MESSAGE_BOX}
_cp_biller = {"owner": "biller", "control_panel": True}
_assessments = {"owner": "manager", "level": AccessLevel.ASSESSMENTS}
_health_records = {"owner": "manager", "level": AccessLevel.HEALTH_RECORDS}
ASSESSMENT = lambda w: w.assessment.uuid  # noqa: E731
_cp_manager = {"owner": "manager", "control_panel": True}
_authorizations = {"owner": "manager", "level": AccessLevel.AUTHORIZATIONS}
AUTH = lambda w: w.authorization.uuid  # noqa: E731
DRAFT = lambda w: w.authorization_draft.uuid  # noqa: E731
NEW_AUTH = lambda w: w.new_authorization.uuid  # noqa: E731


def _auth_status(authorization) -> str:
    return AuthorizationRequest.objects.values_list("status", flat=True).get(pk=authorization.pk)


PROBES: dict[str, Probe] = {
    "users-list": Probe("get", _url("accounts:user_management"), **_manager, marker=lambda w: w.biller.email),
    "user-view": Probe("get", _url("accounts:update_user", BILLER), **_manager, marker=lambda w: w.biller.email),
    # Update User is one form: the Save (levels, provider IDs, end date) and the status buttons.
    "user-save": Probe(
        "post",
        _url("accounts:update_user", BILLER),
        **_manager,
        data=lambda w: {
            "organization": str(w.org.uuid),
            "edit": "1",
            "levels": [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY],
            "remove_ids": [str(w.npi.uuid)],
            "add_ids": w.npi2.value,
            "ends_on": IN_30_DAYS,
            "comment": "No more Message Box",
            "action": "save",
            "confirmed": "yes",
        },
        state=lambda w: (
            _levels(w.biller, w),
            frozenset(_scope_values(w.biller)),
            Membership.objects.filter(user=w.biller, organization=w.org).values_list("ends_on", flat=True).first(),
        ),
    ),
    "user-disable": Probe(
        "post",
        _url("accounts:update_user", BILLER),
        **_manager,
        data=lambda w: {
            "action": "disable",
            "comment": "Left the practice",
            "organization": str(w.org.uuid),
            "confirmed": "yes",
        },
        state=lambda w: _status(w.biller),
    ),
    "user-remove-from-tin": Probe(
        "post",
        _url("accounts:update_user", BILLER),
        **_manager,
        data=lambda w: {
            "action": "remove",
            "comment": "Left the practice",
            "organization": str(w.org.uuid),
            "confirmed": "yes",
        },
        state=lambda w: Membership.objects.filter(user=w.biller, organization=w.org).exists(),
    ),
    "audit-list": Probe("get", _url("manager_audit"), **_manager, marker=lambda w: w.biller.email),
    "audit-export": Probe("get", _url("manager_audit_export"), **_manager, marker=lambda w: w.biller.email),
    "review-tasks-list": Probe("get", _url("access_reviews:my_tasks"), **_manager, marker=lambda w: w.campaign.name),
    "review-task-view": Probe("get", _url("access_reviews:task", TASK), **_manager, marker=lambda w: w.biller.email),
    "review-task-decide": Probe(
        "post",
        _url("access_reviews:decide", TASK),
        **_manager,
        data=lambda w: {"user": str(w.biller.uuid), "decision": "keep"},
        state=_decisions,
    ),
    "review-task-keep-many": Probe(
        "post",
        _url("access_reviews:keep_many", TASK),
        **_manager,
        data=lambda w: {"users": [str(w.biller.uuid)]},
        state=_decisions,
    ),
    "profile-list": Probe("get", _url("accounts:profile"), owner="biller", marker=lambda w: w.access_request.reference),
    "request-view": Probe(
        "get",
        _url("access_requests:detail", lambda w: w.access_request.uuid),
        owner="biller",
        marker=lambda w: w.access_request.reference,
    ),
    "security-page": Probe("get", _url("accounts:security"), owner="biller", marker=lambda w: w.passkey.name),
    "healthz": Probe("get", _url("healthz"), owner="biller"),
    "passkey-remove": Probe(
        "post",
        _url("accounts:passkey_remove", lambda w: w.passkey.credential_id_sha256),
        owner="biller",
        data=lambda w: {"confirmed": "yes"},
        state=lambda w: WebAuthnCredential.objects.filter(pk=w.passkey.pk).exists(),
    ),
    "chat-leave-form": Probe(
        "get", _url("chat:leave_message"), **_message_box, marker=lambda w: str(w.chat.thread.uuid)
    ),
    "chat-leave-send": Probe(
        "post",
        _url("chat:leave_message"),
        **_message_box,
        data=lambda w: {"body": "Please call me back about C2026MX0001."},
        state=lambda w: Thread.objects.filter(subject="Message left in the live chat").count(),
    ),
    "inbox-list": Probe("get", _url("mailbox:inbox"), **_message_box, marker=lambda w: w.thread.subject),
    "thread-view": Probe("get", _url("mailbox:thread", THREAD), **_message_box, marker=lambda w: w.thread.subject),
    "thread-reply": Probe(
        "post",
        _url("mailbox:thread", THREAD),
        **_message_box,
        data=lambda w: {"body": "One more question."},
        state=lambda w: _messages(w.thread),
    ),
    "thread-archive": Probe(
        "post",
        _url("mailbox:archive", THREAD),
        **_message_box,
        data=lambda w: {"archived": "1"},
        state=lambda w: _archived(w.thread),
    ),
    "colleague-thread-list": Probe(
        "get", _url("mailbox:inbox"), **_message_box, marker=lambda w: w.colleague_thread.subject
    ),
    "colleague-thread-view": Probe(
        "get",
        _url("mailbox:thread", COLLEAGUE_THREAD),
        **_message_box,
        marker=lambda w: w.colleague_thread.subject,
    ),
    "colleague-thread-reply": Probe(
        "post",
        _url("mailbox:thread", COLLEAGUE_THREAD),
        **_message_box,
        data=lambda w: {"body": "A word between colleagues."},
        state=lambda w: _messages(w.colleague_thread),
    ),
    "claims-list": Probe(
        "get",
        _url("claims:list"),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.claim.claim_number,
    ),
    "claim-view": Probe(
        "get",
        _url("claims:detail", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.claim.claim_number,
    ),
    "claims-export": Probe(
        "get", _url("claims:export"), owner="biller", level=AccessLevel.CLAIMS, marker=lambda w: w.claim.claim_number
    ),
    "payments-list": Probe(
        "get",
        _url("claims:payments"),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.payment.trace_number,
    ),
    "payment-view": Probe(
        "get",
        _url("claims:payment", PAYMENT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.claim.claim_number,
    ),
    "payment-835": Probe(
        "get",
        _url("claims:payment_835", PAYMENT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: f"CLP*{w.claim.claim_number}",
    ),
    # A PDF's text is compressed: the answer is the status; its content is tested in claims.tests.
    "payment-pdf": Probe("get", _url("claims:payment_pdf", PAYMENT), owner="biller", level=AccessLevel.CLAIMS),
    "appeal-form": Probe(
        "get",
        _url("claims:appeal_new", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.claim.claim_number,
    ),
    "appeal-submit": Probe(
        "post",
        _url("claims:appeal_new", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        data=lambda w: {"kind": "appeal", "reason": "coding", "note": "Modifier 25 applies."},
        state=lambda w: Appeal.objects.filter(claim=w.claim).count(),
    ),
    "appeal-document": Probe(
        "get",
        _url("claims:appeal_document", APPEAL, DOCUMENT),
        owner="biller",
        level=AccessLevel.CLAIMS,
    ),
    "appeal-letter": Probe(
        "get",
        _url("claims:appeal_letter", lambda w: w.decided_appeal.uuid),
        owner="biller",
        level=AccessLevel.CLAIMS,
    ),
    "claim-correct-form": Probe(
        "get",
        _url("claims:correct", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: w.claim.claim_number,
    ),
    # The matrix claim has no service lines: its replacement changes the billed amount.
    "claim-replace": Probe(
        "post",
        _url("claims:correct", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        data=lambda w: {"billed_amount": str(w.claim.billed_amount + 1)},
        state=lambda w: Claim.objects.filter(replaces=w.claim).count(),
    ),
    "claim-void": Probe(
        "post",
        _url("claims:void", lambda w: w.claim.claim_number),
        owner="biller",
        level=AccessLevel.CLAIMS,
        data=lambda w: {"reason": "Billed under the wrong member.", "confirmed": "yes"},
        state=lambda w: Claim.objects.filter(replaces=w.claim).count(),
    ),
    "claim-status-form": Probe("get", _url("claims:status"), owner="biller", level=AccessLevel.CLAIMS),
    "claim-status-check": Probe(
        "post",
        _url("claims:status"),
        owner="biller",
        level=AccessLevel.CLAIMS,
        data=lambda w: _status_question(w),
        marker=lambda w: w.claim.claim_number,
    ),
    "claim-submit-form": Probe(
        "get", _url("claims:submit"), owner="biller", level=AccessLevel.CLAIMS, marker=lambda w: w.npi.value
    ),
    "claim-draft-save": Probe(
        "post",
        _url("claims:submit"),
        owner="biller",
        level=AccessLevel.CLAIMS,
        data=lambda w: claim_form_data(w),
        state=lambda w: ClaimDraft.objects.count(),
    ),
    "claim-drafts-list": Probe(
        "get",
        _url("claims:submit_drafts"),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: str(w.claim_draft.uuid),
    ),
    "claim-draft-view": Probe(
        "get",
        _url("claims:submit_draft", CLAIM_DRAFT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: "E11.9",
    ),
    "claim-draft-edit": Probe(
        "get",
        _url("claims:submit_edit", CLAIM_DRAFT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: "E11.9",
    ),
    "claim-draft-submit": Probe(
        "post",
        _url("claims:submit_send", CLAIM_DRAFT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        state=lambda w: Claim.objects.filter(draft__uuid=w.claim_draft.uuid).count(),
    ),
    "claim-draft-837p": Probe(
        "get",
        _url("claims:submit_837p", CLAIM_DRAFT),
        owner="biller",
        level=AccessLevel.CLAIMS,
        marker=lambda w: "ST*837",
    ),
    "eligibility-form": Probe("get", _url("claims:eligibility"), owner="biller", level=AccessLevel.ELIGIBILITY),
    "eligibility-check": Probe(
        "post",
        _url("claims:eligibility"),
        owner="biller",
        level=AccessLevel.ELIGIBILITY,
        data=lambda w: {"member_id": w.member.member_id, "date_of_birth": MEMBER_BIRTH_DATE.isoformat()},
        marker=lambda w: "Covered on",
    ),
    "assessments-list": Probe(
        "get", _url("assessments:list"), **_assessments, marker=lambda w: w.assessment.member.member_id
    ),
    "assessment-view": Probe(
        "get", _url("assessments:detail", ASSESSMENT), **_assessments, marker=lambda w: w.assessment.member.member_id
    ),
    "assessment-draft-save": Probe(
        "post",
        _url("assessments:detail", lambda w: w.assessment_draft.uuid),
        **_assessments,
        data=lambda w: {"height-in": "64", "action": "save"},
        state=lambda w: Assessment.objects.values_list("response", flat=True).get(pk=w.assessment_draft.pk),
    ),
    # A PDF: the answer is the status only.
    "assessment-print": Probe("get", _url("assessments:print", ASSESSMENT), **_assessments),
    "cp-assessments-list": Probe(
        "get", _url("control_panel:assessments"), **_cp_manager, marker=lambda w: w.assessment.member.member_id
    ),
    "cp-assessments-export": Probe(
        "get", _url("control_panel:assessments_export"), **_cp_manager, marker=lambda w: str(w.assessment.uuid)
    ),
    "cp-assessment-view": Probe(
        "get",
        _url("control_panel:assessment", ASSESSMENT),
        **_cp_manager,
        marker=lambda w: w.assessment.member.member_id,
    ),
    "health-record-view": Probe(
        "get",
        _url("health_records:record_section", lambda w: w.hr_member.uuid, lambda w: "medications"),
        **_health_records,
        marker=lambda w: "metformin MX-5",
    ),
    "health-record-summary": Probe(
        "get", _url("health_records:record", lambda w: w.hr_member.uuid), **_health_records, marker=lambda w: "MX-6"
    ),
    "care-gaps-list": Probe("get", _url("health_records:care_gaps"), **_health_records, marker=lambda w: "MX-6"),
    "care-gaps-export": Probe(
        "get", _url("health_records:care_gaps_export"), **_health_records, marker=lambda w: "MX-6"
    ),
    "cp-health-record-view": Probe(
        "get",
        lambda w: reverse("control_panel:health_records") + f"?member_id={w.hr_member.member_id}",
        **_cp_manager,
        marker=lambda w: "MX-6",
    ),
    "cp-health-record-opt-out": Probe(
        "post",
        _url("control_panel:health_records_opt_out", lambda w: w.hr_member.uuid),
        **_cp_manager,
        data=lambda w: {"opted_out": "yes"},
        state=lambda w: RecordOptOut.objects.filter(member=w.hr_member).exists(),
    ),
    "cp-users-list": Probe("get", _url("control_panel:users"), **_cp_biller, marker=lambda w: w.biller.email),
    "cp-user-view": Probe("get", _url("control_panel:user", BILLER), **_cp_biller, marker=lambda w: w.biller.email),
    "cp-user-disable": Probe(
        "post",
        _url("control_panel:user_status", BILLER),
        **_cp_biller,
        data=lambda w: {"action": "disable", "reason": "Left the practice", "confirmed": "yes"},
        state=lambda w: _status(w.biller),
    ),
    "cp-user-password-reset": Probe(
        "post",
        _url("control_panel:user_password_reset", BILLER),
        **_cp_biller,
        data=lambda w: {},
        state=lambda w: OutboundEmail.objects.filter(to=w.biller.email, template="password_reset").count(),
    ),
    "cp-user-scope-add": Probe(
        "post",
        _url("control_panel:user_scope_add", BILLER),
        **_cp_biller,
        data=lambda w: {"kind": "npi", "value": w.npi2.value},
        state=lambda w: frozenset(_scope_values(w.biller)),
    ),
    "cp-user-scope-remove": Probe(
        "post",
        _url("control_panel:user_scope_remove", BILLER, lambda w: w.npi.uuid),
        **_cp_biller,
        data=lambda w: {"confirmed": "yes"},
        state=lambda w: frozenset(_scope_values(w.biller)),
    ),
    "cp-user-levels-update": Probe(
        "post",
        _url("control_panel:user_levels", BILLER, lambda w: w.org.uuid),
        **_cp_biller,
        data=lambda w: {f"org{w.org.pk}-levels": [AccessLevel.CLAIMS]},
        state=lambda w: _levels(w.biller, w),
    ),
    "cp-organizations-list": Probe(
        "get", _url("control_panel:organizations"), **_cp_manager, marker=lambda w: w.registration.user.email
    ),
    "cp-organization-view": Probe(
        "get", _url("control_panel:organization", lambda w: w.org.uuid), **_cp_manager, marker=lambda w: w.manager.email
    ),
    "cp-organization-verify": Probe(
        "post",
        _url("control_panel:organization_verify", lambda w: w.org.uuid),
        **_cp_manager,
        data=lambda w: {},
        state=lambda w: Organization.objects.values_list("tin_verified", flat=True).get(pk=w.org.pk),
    ),
    "cp-registration-decide": Probe(
        "post",
        _url("control_panel:registration_decide", lambda w: w.registration.uuid),
        **_cp_manager,
        data=lambda w: {"decision": "reject", "reason": "Unknown to the practice"},
        state=lambda w: Registration.objects.values_list("status", flat=True).get(pk=w.registration.pk),
    ),
    "cp-requests-list": Probe(
        "get", _url("control_panel:requests"), **_cp_biller, marker=lambda w: w.access_request.reference
    ),
    "cp-mailbox-list": Probe("get", _url("control_panel:mailbox"), **_cp_biller, marker=lambda w: w.thread.subject),
    "cp-thread-view": Probe(
        "get", _url("control_panel:mailbox_thread", THREAD), **_cp_biller, marker=lambda w: w.thread.subject
    ),
    "cp-thread-reply": Probe(
        "post",
        _url("control_panel:mailbox_reply", THREAD),
        **_cp_biller,
        data=lambda w: {"body": "Please resubmit with the modifier."},
        state=lambda w: _messages(w.thread),
    ),
    "cp-thread-take": Probe(
        "post",
        _url("control_panel:mailbox_take", THREAD),
        **_cp_biller,
        data=lambda w: {},
        state=lambda w: Thread.objects.values_list("assigned_to_id", flat=True).get(pk=w.thread.pk),
    ),
    "cp-request-decide": Probe(
        "post",
        _url("control_panel:mailbox_decide", lambda w: w.access_request.thread.uuid),
        **_cp_biller,
        data=lambda w: {
            **{f"decision_{item.pk}": "deny" for item in w.access_request.items.all()},
            **{f"reason_{item.pk}": "Not your practice." for item in w.access_request.items.all()},
            "reply": "",
        },
        state=lambda w: AccessRequest.objects.values_list("status", flat=True).get(pk=w.access_request.pk),
    ),
    "cp-request-reply-preview": Probe(
        "post",
        _url("control_panel:mailbox_reply_preview", lambda w: w.access_request.thread.uuid),
        **_cp_biller,
        data=lambda w: {
            **{f"decision_{item.pk}": "deny" for item in w.access_request.items.all()},
            **{f"reason_{item.pk}": "Not your practice." for item in w.access_request.items.all()},
        },
        marker=lambda w: "Not your practice.",
        state=lambda w: (
            AccessRequest.objects.values_list("status", flat=True).get(pk=w.access_request.pk),
            _messages(w.access_request.thread),
        ),
    ),
    "cp-chat": Probe("get", _url("control_panel:chat"), **_cp_biller, marker=lambda w: str(w.chat.thread.uuid)),
    "cp-colleague-thread-view": Probe(
        "get",
        _url("control_panel:mailbox_thread", COLLEAGUE_THREAD),
        **_cp_biller,
        marker=lambda w: w.colleague_thread.subject,
    ),
    "cp-colleague-thread-reply": Probe(
        "post",
        _url("control_panel:mailbox_reply", COLLEAGUE_THREAD),
        **_cp_biller,
        data=lambda w: {"body": "The payer joins in."},
        state=lambda w: _messages(w.colleague_thread),
    ),
    # The world's events fill more than the first page: filtered by one action the biller took, the
    # rows name the biller (a marker in the rows, not in the filter's own input).
    "cp-audit-list": Probe(
        "get",
        lambda w: f"{reverse('control_panel:audit')}?action=appeal_submitted",
        **_cp_manager,
        marker=lambda w: w.biller.email,
    ),
    "cp-audit-export": Probe("get", _url("control_panel:audit_export"), **_cp_manager, marker=lambda w: w.biller.email),
    "cp-emails-list": Probe("get", _url("control_panel:emails"), **_cp_biller, marker=lambda w: w.failed_email.subject),
    "cp-email-retry": Probe(
        "post",
        _url("control_panel:email_retry", lambda w: w.failed_email.uuid),
        **_cp_biller,
        data=lambda w: {"confirmed": "yes"},
        state=lambda w: OutboundEmail.objects.values_list("failed_at", "attempts").get(pk=w.failed_email.pk),
    ),
    "cp-reviews-list": Probe("get", _url("control_panel:reviews"), **_cp_manager, marker=lambda w: w.campaign.name),
    "cp-review-open": Probe(
        "post",
        _url("control_panel:reviews"),
        **_cp_manager,
        data=lambda w: {"name": "Second round", "due_on": IN_30_DAYS, "grace_days": "14", "tins": ""},
        state=lambda w: ReviewCampaign.objects.count(),
    ),
    "cp-appeals-list": Probe(
        "get", _url("control_panel:appeals"), **_cp_biller, marker=lambda w: w.appeal.claim.claim_number
    ),
    "cp-appeal-view": Probe(
        "get", _url("control_panel:appeal", APPEAL), **_cp_biller, marker=lambda w: w.appeal.claim.claim_number
    ),
    "cp-appeal-document": Probe("get", _url("control_panel:appeal_document", APPEAL, DOCUMENT), **_cp_biller),
    "cp-appeal-take": Probe(
        "post",
        _url("control_panel:appeal_take", APPEAL),
        **_cp_biller,
        data=lambda w: {},
        state=lambda w: Appeal.objects.values_list("status", flat=True).get(pk=w.appeal.pk),
    ),
    "cp-appeal-decide": Probe(
        "post",
        _url("control_panel:appeal_decide", lambda w: w.review_appeal.uuid),
        **_cp_biller,
        data=lambda w: {"outcome": "upheld", "reason": "The records do not support it."},
        state=lambda w: Appeal.objects.values_list("status", flat=True).get(pk=w.review_appeal.pk),
    ),
    "cp-review-view": Probe(
        "get", _url("control_panel:review", lambda w: w.campaign.uuid), **_cp_manager, marker=lambda w: w.campaign.name
    ),
    "cp-review-keep": Probe(
        "post",
        _url("control_panel:review_keep", lambda w: w.campaign.uuid, TASK),
        **_cp_manager,
        data=lambda w: {"user": str(w.manager.uuid)},
        state=_decisions,
    ),
    "auth-list": Probe(
        "get", _url("authorizations:list"), **_authorizations, marker=lambda w: w.authorization.reference
    ),
    "auth-view": Probe(
        "get", _url("authorizations:detail", AUTH), **_authorizations, marker=lambda w: w.authorization.reference
    ),
    "auth-letter": Probe(
        "get", _url("authorizations:letter", lambda w: w.decided_authorization.uuid), **_authorizations
    ),
    "auth-attachment": Probe(
        "get", _url("authorizations:attachment", AUTH, lambda w: w.attachment.uuid), **_authorizations
    ),
    "auth-information-form": Probe(
        "get", _url("authorizations:information", AUTH), **_authorizations, marker=lambda w: "Matrix notes MX-5"
    ),
    "auth-information-send": Probe(
        "post",
        _url("authorizations:information", AUTH),
        **_authorizations,
        data=lambda w: {"text": "The notes are attached."},
        state=lambda w: _auth_status(w.authorization),
    ),
    "auth-withdraw": Probe(
        "post",
        _url("authorizations:withdraw", AUTH),
        **_authorizations,
        data=lambda w: {"reason": "Cancelled", "confirmed": "yes"},
        state=lambda w: _auth_status(w.authorization),
    ),
    "auth-appeal-form": Probe(
        "get",
        _url("authorizations:appeal", lambda w: w.decided_authorization.uuid),
        **_authorizations,
        marker=lambda w: "Matrix denial MX-7",
    ),
    "auth-appeal-send": Probe(
        "post",
        _url("authorizations:appeal", lambda w: w.decided_authorization.uuid),
        **_authorizations,
        data=lambda w: {"reason": "The records show the need."},
        state=lambda w: AuthorizationRequest.objects.filter(appeal_of=w.decided_authorization).count(),
    ),
    "auth-draft-view": Probe(
        "get",
        _url("authorizations:draft_step", DRAFT, lambda w: "review"),
        **_authorizations,
        marker=lambda w: w.authorization_draft.reference,
    ),
    "auth-draft-save": Probe(
        "post",
        _url("authorizations:draft_step", DRAFT, lambda w: "diagnoses"),
        **_authorizations,
        data=lambda w: {"code_1": "I10"},
        state=lambda w: list(Diagnosis.objects.filter(request=w.authorization_draft).values_list("code", flat=True)),
    ),
    "auth-draft-delete": Probe(
        "post",
        _url("authorizations:draft_delete", DRAFT),
        **_authorizations,
        data=lambda w: {"confirmed": "yes"},
        state=lambda w: AuthorizationRequest.objects.filter(pk=w.authorization_draft.pk).exists(),
    ),
    "cp-auth-queue": Probe(
        "get", _url("control_panel:authorizations"), **_cp_manager, marker=lambda w: w.authorization.reference
    ),
    "cp-auth-view": Probe(
        "get", _url("control_panel:authorization", AUTH), **_cp_manager, marker=lambda w: w.authorization.reference
    ),
    "cp-auth-take": Probe(
        "post",
        _url("control_panel:authorization_take", NEW_AUTH),
        **_cp_manager,
        data=lambda w: {},
        state=lambda w: AuthorizationRequest.objects.values_list("assigned_to", flat=True).get(
            pk=w.new_authorization.pk
        ),
    ),
    "cp-auth-information": Probe(
        "post",
        _url("control_panel:authorization_information", NEW_AUTH),
        **_cp_manager,
        data=lambda w: {"needed": "Therapy notes", "deadline": IN_30_DAYS},
        state=lambda w: _auth_status(w.new_authorization),
    ),
    "cp-auth-extend": Probe(
        "post",
        _url("control_panel:authorization_extend", AUTH),
        **_cp_manager,
        data=lambda w: {"days": "5", "reason": "Waiting for records"},
        state=lambda w: AuthorizationRequest.objects.values_list("due_at", flat=True).get(pk=w.authorization.pk),
    ),
    "cp-auth-decide": Probe(
        "post",
        _url("control_panel:authorization", AUTH),
        **_cp_manager,
        data=lambda w: {"line1-decision": "denied", "line1-reason_code": "DOC01"},
        state=lambda w: _auth_status(w.authorization),
    ),
    "cp-auth-letter": Probe(
        "get", _url("control_panel:authorization_letter", lambda w: w.decided_authorization.uuid), **_cp_manager
    ),
    "cp-auth-attachment": Probe(
        "get", _url("control_panel:authorization_attachment", AUTH, lambda w: w.attachment.uuid), **_cp_manager
    ),
}


_enrollment = {"owner": "manager"}
ENROL = lambda w: w.enrollment.uuid  # noqa: E731
ENROL_REVIEW = lambda w: w.enrollment_review.uuid  # noqa: E731


def _enrol_status(application) -> str:
    return EnrollmentApplication.objects.values_list("status", flat=True).get(pk=application.pk)


def _enrol_audits(w: World, action: str, application=None) -> int:
    target = str((application or w.enrollment).uuid)
    return AuditEvent.objects.filter(action=action, target_id=target).count()


def _grant_data(w: World) -> dict:
    prefix = f"u{w.biller.uuid.hex[:8]}"
    data = {f"{prefix}-section_{section.value}": "read" for section in EnrollmentSection}
    data[f"{prefix}-section_locations"] = "write"
    return data


ENROLLMENT_PROBES: dict[str, Probe] = {
    "enrol-list": Probe("get", _url("enrollment:list"), **_enrollment, marker=lambda w: w.enrollment.reference),
    "enrol-summary": Probe(
        "get", _url("enrollment:summary", ENROL), **_enrollment, marker=lambda w: w.enrollment.reference
    ),
    "enrol-section": Probe(
        "get",
        _url("enrollment:section", ENROL, lambda w: "locations"),
        **_enrollment,
        marker=lambda w: "742 Evergreen Terrace",
    ),
    "enrol-section-save": Probe(
        "post",
        _url("enrollment:section", ENROL, lambda w: "locations"),
        **_enrollment,
        data=lambda w: {
            "address_line1": "9 Matrix Way",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62704",
            "phone": "217-555-0177",
            "hours": "9-5",
        },
        state=lambda w: w.enrollment.locations.count(),
    ),
    "enrol-section-complete": Probe(
        "post",
        _url("enrollment:section_complete", ENROL, lambda w: "locations"),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: _enrol_audits(w, "enrollment_section_completed"),
    ),
    "enrol-row-remove": Probe(
        "post",
        _url("enrollment:row_remove", ENROL, lambda w: "locations", lambda w: w.enrollment.locations.get().uuid),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: w.enrollment.locations.count(),
    ),
    "enrol-document": Probe(
        "get", _url("enrollment:document", ENROL, lambda w: w.enrollment.documents.get().uuid), **_enrollment
    ),
    "enrol-users": Probe("get", _url("enrollment:users", ENROL), **_enrollment, marker=lambda w: w.biller.email),
    "enrol-invite": Probe(
        "post",
        _url("enrollment:users", ENROL),
        **_enrollment,
        data=lambda w: {
            "email": "invitee@matrix.test",
            "full_name": "Ivy Invitee",
            **{f"section_{s.value}": "none" for s in EnrollmentSection},
        },
        state=lambda w: w.enrollment.grants.count(),
    ),
    "enrol-user-update": Probe(
        "post",
        _url("enrollment:user_update", ENROL, lambda w: w.biller.uuid),
        **_enrollment,
        data=_grant_data,
        state=lambda w: w.enrollment.grants.get(user=w.biller).sections,
    ),
    "enrol-user-revoke": Probe(
        "post",
        _url("enrollment:user_revoke", ENROL, lambda w: w.biller.uuid),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: w.enrollment.grants.filter(user=w.biller).exists(),
    ),
    "enrol-sign": Probe("get", _url("enrollment:sign", ENROL), **_enrollment, marker=lambda w: w.enrollment.reference),
    "enrol-sign-save": Probe(
        "post",
        _url("enrollment:sign", ENROL),
        **_enrollment,
        data=lambda w: {"typed_name": w.manager.full_name, "attest": "on"},
        state=lambda w: EnrollmentApplication.objects.values_list("signed_at", flat=True).get(pk=w.enrollment.pk),
    ),
    "enrol-pay": Probe("get", _url("enrollment:pay", ENROL), **_enrollment, marker=lambda w: w.enrollment.reference),
    "enrol-pay-start": Probe(
        "post",
        _url("enrollment:pay", ENROL),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: w.enrollment.payments.count(),
    ),
    "enrol-pay-test": Probe(
        "get",
        _url("enrollment:pay_test", ENROL, lambda w: w.enrollment_payment.uuid),
        **_enrollment,
        marker=lambda w: w.enrollment.reference,
    ),
    "enrol-pay-test-confirm": Probe(
        "post",
        _url("enrollment:pay_test", ENROL, lambda w: w.enrollment_payment.uuid),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: EnrollmentApplication.objects.values_list("fee_paid_at", flat=True).get(pk=w.enrollment.pk),
    ),
    "enrol-pay-return": Probe(
        "get", _url("enrollment:pay_return", ENROL), **_enrollment, marker=lambda w: w.enrollment.reference
    ),
    "enrol-submit": Probe(
        "get",
        _url("enrollment:submit", lambda w: w.enrollment_ready.uuid),
        **_enrollment,
        marker=lambda w: w.enrollment_ready.reference,
    ),
    "enrol-submit-send": Probe(
        "post",
        _url("enrollment:submit", lambda w: w.enrollment_ready.uuid),
        **_enrollment,
        data=lambda w: {},
        state=lambda w: _enrol_status(w.enrollment_ready),
    ),
    "cp-enrol-queue": Probe(
        "get", _url("control_panel:enrollment_queue"), **_cp_manager, marker=lambda w: w.enrollment_submitted.reference
    ),
    "cp-enrol-view": Probe(
        "get",
        _url("control_panel:enrollment", ENROL_REVIEW),
        **_cp_manager,
        marker=lambda w: w.enrollment_review.reference,
    ),
    "cp-enrol-take": Probe(
        "post",
        _url("control_panel:enrollment_take", lambda w: w.enrollment_submitted.uuid),
        **_cp_manager,
        data=lambda w: {},
        state=lambda w: _enrol_status(w.enrollment_submitted),
    ),
    "cp-enrol-return": Probe(
        "post",
        _url("control_panel:enrollment_return", ENROL_REVIEW),
        **_cp_manager,
        data=lambda w: {"fix_locations": "Add the suite number."},
        state=lambda w: _enrol_status(w.enrollment_review),
    ),
    "cp-enrol-approve": Probe(
        "post",
        _url("control_panel:enrollment_approve", ENROL_REVIEW),
        **_cp_manager,
        data=lambda w: {},
        state=lambda w: _enrol_status(w.enrollment_review),
    ),
    "cp-enrol-deny": Probe(
        "post",
        _url("control_panel:enrollment_deny", ENROL_REVIEW),
        **_cp_manager,
        data=lambda w: {"reason": "Excluded from federal health care programs."},
        state=lambda w: _enrol_status(w.enrollment_review),
    ),
    "cp-enrol-reassign": Probe(
        "post",
        _url("control_panel:enrollment_reassign", ENROL_REVIEW),
        **_cp_manager,
        data=lambda w: {"to": str(w.analyst.uuid)},
        state=lambda w: _enrol_audits(w, "enrollment_reassigned", w.enrollment_review),
    ),
    "cp-enrol-document": Probe(
        "get",
        _url("control_panel:enrollment_document", ENROL_REVIEW, lambda w: w.enrollment_review.documents.get().uuid),
        **_cp_manager,
    ),
}
PROBES.update(ENROLLMENT_PROBES)

# The table and the probes describe the same URL-actions, each with one answer per persona.
assert MATRIX.keys() == PROBES.keys(), sorted(MATRIX.keys() ^ PROBES.keys())
assert all(len(row) == len(PERSONAS) for row in MATRIX.values())

CASES = [(key, persona) for key in MATRIX for persona in PERSONAS]


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def answer(response, marker: str | None) -> str:
    """The response in the table's words."""
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("accounts:login")):
            return LOGIN
        if location.startswith(reverse("accounts:mfa")):
            return MFA
        return "302"
    if response.status_code == 200 and marker is not None:
        return "200+" if marker in _content(response) else "200-"
    return str(response.status_code)


@pytest.mark.parametrize(("key", "persona"), CASES, ids=[f"{persona}-{key}" for key, persona in CASES])
def test_access_matrix(client, world, matrix_results, key, persona):
    probe = PROBES[key]
    expected = MATRIX[key][PERSONAS.index(persona)]
    if persona == "locked":
        expected = MATRIX[key][PERSONAS.index("payer_staff" if probe.control_panel else "owner")]
    sign_in(client, world, persona, owner=probe.owner, level=probe.level, control_panel=probe.control_panel)
    before = probe.state(world) if probe.state else None

    url = probe.url(world)
    if probe.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, probe.data(world) if probe.data else {})
    actual = answer(response, probe.marker(world) if probe.marker else None)
    if probe.state is not None:
        after = probe.state(world)
        if expected == "302" and after == before:
            actual += " but nothing changed"
        elif expected != "302" and after != before:
            actual += f" and changed {before!r} to {after!r}"
    matrix_results.append((persona, key, expected, actual))
    assert actual == expected, f"{persona} {probe.method.upper()} {url}: expected {expected}, got {actual}"
