"""Fixtures of the access matrix: one small world holding one object of every kind a URL can name,
and the personas who try each URL.

The world is built through the same factories and services as the rest of the suite, so every
object is in the state the app itself produces (grants, memberships, threads with participants,
an open request with its payer thread, an open review task, a registration waiting for the payer).
"""

import datetime
from dataclasses import dataclass, fields

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from access_requests.models import AccessRequest
from access_requests.services import access_request_create
from access_reviews.models import ReviewCampaign, ReviewTask
from access_reviews.services import campaign_open
from accounts.access import user_levels
from accounts.models import AccessLevel, Organization, ProviderIdentifier, Registration, User, UserKind, UserStatus
from accounts.services.access import access_levels_set, scope_add
from accounts.services.registration import registration_submit
from accounts.services.users import user_status_set
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from assessments.models import Assessment
from assessments.services import assessment_start, assessment_submit
from authorizations.models import Attachment, AuthorizationRequest
from authorizations.tests.builders import matrix_authorizations
from chat.models import Conversation
from chat.services import conversation_start
from claims.appeal_services import appeal_decide, appeal_submit, appeal_take
from claims.models import Appeal, Claim, ClaimDraft, Member, Remittance
from claims.remittance import remittance_import
from claims.tests.factories import ClaimFactory, CoverageFactory, MemberFactory
from claims.tests.remittance_builder import file_for
from claims.tests.submission_builder import claim_draft_for
from conftest import make_provider, verified_login
from devdata.enrollment import filled_application, npi_with_check_digit, staff_role_set
from enrollment.models import EnrollmentApplication, Section, SectionAccess, StaffRole
from enrollment.models import Payment as EnrollmentPayment
from enrollment.services import application_submit, application_take, grant_invite, payment_start
from health_records.models import BundleImport, CareGap, CareGapRule, Medication
from health_records.services import care_gap_rules_load
from mailbox.models import Thread
from mailbox.services import message_reply, thread_start_with_member, thread_start_with_payer
from outbox.models import OutboundEmail
from user_management.services.users import user_remove_from_organization

# What the table's columns mean (see the module docstring of test_access_matrix.py).
PERSONAS = (
    "owner",
    "same_tin_no_level",
    "same_tin_peer",
    "removed_owner",
    "other_manager",
    "disabled",
    "locked",
    "no_mfa",
    "anonymous",
    "payer_staff",
)

MEMBER_BIRTH_DATE = datetime.date(1956, 5, 12)


@dataclass
class World:
    """One object of every kind a URL names, and the users around them."""

    org: Organization  # TIN 123456789, not verified yet (a registration waits for the payer)
    other_org: Organization  # TIN 987654321
    npi: ProviderIdentifier  # of org, in the scope of manager and biller
    npi2: ProviderIdentifier  # of org, in nobody's scope (asked for in the open request)
    other_npi: ProviderIdentifier  # of other_org
    manager: User  # account manager of org, every level, scope npi
    biller: User  # user of org with Claims, Eligibility, Message Box; scope npi
    other_manager: User  # account manager of other_org, every level there, scope other_npi
    analyst: User  # payer staff
    thread: Thread  # biller ↔ payer team, with one payer reply
    colleague_thread: Thread  # biller ↔ manager inside org
    access_request: AccessRequest  # biller's open Add Facility request for npi2, with its payer thread
    claim: Claim  # billed under npi
    payment: Remittance  # an 835 payment to org paying claim
    appeal: Appeal  # the biller's open reconsideration of another claim of npi, with one PDF
    review_appeal: Appeal  # the biller's appeal of a third claim, taken by the analyst
    decided_appeal: Appeal  # the biller's appeal of a fourth claim, overturned by the analyst
    member: Member  # covered today
    campaign: ReviewCampaign  # open, for org only
    task: ReviewTask  # org's task of the campaign
    registration: Registration  # a registrant under org's TIN, routed to the payer
    passkey: WebAuthnCredential  # the biller's passkey
    assessment: Assessment  # an NOP submitted by the manager under npi, for assessment_member
    assessment_draft: Assessment  # an HRA draft started by the manager under npi
    hr_member: Member  # attributed to npi by the claim, with a medication and an open care gap
    authorization: AuthorizationRequest  # manager's request under npi, the plan waiting for information
    attachment: Attachment  # of that request
    decided_authorization: AuthorizationRequest  # manager's decided request under npi, its letter, a denied line
    authorization_draft: AuthorizationRequest  # manager's draft under npi, at the review step
    new_authorization: AuthorizationRequest  # manager's request under npi, just submitted, taken by nobody
    claim_draft: ClaimDraft  # the biller's claim keyed under npi for member, not submitted
    failed_email: OutboundEmail  # an email to the biller the mail server refused for good
    enrollment: EnrollmentApplication  # manager's facility draft, every section complete, signed, fee unpaid; the biller reads it
    enrollment_payment: EnrollmentPayment  # a pending test payment of that draft
    enrollment_ready: EnrollmentApplication  # manager's draft, signed and paid: ready to submit
    enrollment_submitted: EnrollmentApplication  # manager's application, submitted, taken by nobody
    enrollment_review: EnrollmentApplication  # manager's application in review by the analyst (a supervisor)
    chat: Conversation  # the biller's live chat, waiting for the team, filed under org


def build_world() -> World:
    org = OrganizationFactory(name="Springfield Family Clinic", tin="123456789")
    other_org = OrganizationFactory(name="Shelbyville Medical Group", tin="987654321")
    npi = ProviderIdentifierFactory(organization=org, value="1234567893", display_name="Julius Hibbert MD")
    npi2 = ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")
    other_npi = ProviderIdentifierFactory(organization=other_org, value="1987654328", display_name="Nick Riviera MD")
    manager = make_provider("manager@matrix.test", org, AccessLevel.values, [npi])
    biller = make_provider(
        "biller@matrix.test", org, [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX], [npi]
    )
    other_manager = make_provider("other-manager@matrix.test", other_org, AccessLevel.values, [other_npi])
    analyst = UserFactory(email="analyst@matrix.test", full_name="Ann Analyst", kind=UserKind.PAYER_STAFF)

    thread = thread_start_with_payer(
        sender=biller, subject="Claim question MX-1", body="Why was my claim denied?", organization=org
    )
    message_reply(thread=thread, sender=analyst, body="A modifier is missing.")
    colleague_thread = thread_start_with_member(
        sender=biller, recipient=manager, organization=org, subject="Colleague note MX-2", body="See the new office."
    )
    access_request = access_request_create(requester=biller, items=[("npi", npi2.value)], note="New office")

    claim = ClaimFactory(provider_identifier=npi, claim_number="C2026MX0001")
    remittance_import(text=file_for([claim], trace="EFTMX0005"))
    payment = Remittance.objects.get(trace_number="EFTMX0005")
    appeals = []
    for number in ("C2026MX0002", "C2026MX0003", "C2026MX0004"):
        appeals.append(
            appeal_submit(
                actor=biller,
                claim=ClaimFactory(provider_identifier=npi, claim_number=number),
                kind="reconsideration",
                reason="other",
                note=f"Please look again at {number} (appeal MX-6).",
                files=[SimpleUploadedFile("records.pdf", b"%PDF-1.4\n%matrix\n")] if number.endswith("2") else [],
            )
        )
    appeal, review_appeal, decided_appeal = appeals
    appeal_take(actor=analyst, appeal=review_appeal)
    appeal_take(actor=analyst, appeal=decided_appeal)
    appeal_decide(actor=analyst, appeal=decided_appeal, outcome="overturned", reason="Records support it.")
    member = MemberFactory(member_id="M900000001", date_of_birth=MEMBER_BIRTH_DATE)
    CoverageFactory(member=member)

    campaign = campaign_open(
        actor=analyst,
        name="Matrix review MX-3",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        organizations=[org],
    )
    task = campaign.tasks.get()

    # A TIN not verified yet: a registration under it waits in the payer's Organizations queue.
    Organization.objects.filter(pk=org.pk).update(tin_verified=False)
    org.refresh_from_db()
    registration = registration_submit(
        full_name="Rita Registrant", email="registrant@matrix.test", phone="555-0100", tin=org.tin
    )
    assert registration is not None and registration.routed_to_payer

    # A stored passkey as a finished WebAuthn ceremony leaves it (the ceremony is tested elsewhere).
    passkey = WebAuthnCredential.objects.create(
        user=biller, name="Matrix key MX-4", credential_id=b"matrix-passkey-mx-4", public_key=b"\x00", confirmed=True
    )

    call_command("assessments_load", verbosity=0)
    assessment_member = MemberFactory(member_id="M900000002", first_name="Maude", last_name="Matrix")
    assessment = assessment_start(actor=manager, member=assessment_member, provider_identifier=npi, code="NOP")
    today = timezone.localdate()
    assessment_submit(
        actor=manager,
        assessment=assessment,
        answers={
            "lmp": [today - datetime.timedelta(days=60)],
            "first-visit": [today - datetime.timedelta(days=1)],
            "gravida": [1],
            "para": [0],
            "multiple": [False],
            "high-risk": ["no"],
            "case-management": [False],
        },
    )
    assessment_draft = assessment_start(actor=manager, member=assessment_member, provider_identifier=npi, code="HRA")

    care_gap_rules_load()
    hr_member = MemberFactory(member_id=claim.member_id, first_name="Rhoda", last_name="Record")
    bundle = BundleImport.objects.create(member=hr_member, source="matrix.json", sha256="0" * 64, resources=1)
    Medication.objects.create(
        member=hr_member,
        resource_id="m1",
        code_system="http://www.nlm.nih.gov/research/umls/rxnorm",
        code="860975",
        display="metformin MX-5",
        status="active",
        bundle=bundle,
    )
    CareGap.objects.create(
        member=hr_member,
        rule=CareGapRule.objects.get(code="diabetes-hba1c"),
        evidence="No HbA1c MX-6",
        computed_on=timezone.localdate(),
    )
    authorization, decided_authorization, authorization_draft, new_authorization = matrix_authorizations(
        requester=manager, provider=npi, member=member, analyst=analyst
    )

    claim_draft = claim_draft_for(actor=biller, provider=npi, member=member)
    chat, _ = conversation_start(provider=biller, body="Is the remittance for C2026MX0001 sent?")

    staff_role_set(analyst, StaffRole.SUPERVISOR)
    enrollment = filled_application(
        admin=manager, legal_name="Matrix Surgical", npi=npi_with_check_digit("160000000"), tin="111222333", pay=False
    )
    read_all = {section.value: SectionAccess.READ for section in Section}
    grant_invite(actor=manager, application=enrollment, email=biller.email, full_name="", sections=read_all, rights={})
    payment_start(actor=manager, application=enrollment)
    enrollment_ready = filled_application(
        admin=manager, legal_name="Matrix Imaging", npi=npi_with_check_digit("160000001"), tin="111222334"
    )
    enrollment_submitted = filled_application(
        admin=manager, legal_name="Matrix Dialysis", npi=npi_with_check_digit("160000002"), tin="111222335"
    )
    application_submit(actor=manager, application=enrollment_submitted)
    enrollment_review = filled_application(
        admin=manager, legal_name="Matrix Home Health", npi=npi_with_check_digit("160000003"), tin="111222336"
    )
    application_submit(actor=manager, application=enrollment_review)
    application_take(actor=analyst, application=enrollment_review)

    return World(
        org=org,
        other_org=other_org,
        npi=npi,
        npi2=npi2,
        other_npi=other_npi,
        manager=manager,
        biller=biller,
        other_manager=other_manager,
        analyst=analyst,
        thread=thread,
        colleague_thread=colleague_thread,
        access_request=access_request,
        claim=claim,
        payment=payment,
        appeal=appeal,
        review_appeal=review_appeal,
        decided_appeal=decided_appeal,
        member=member,
        campaign=campaign,
        task=task,
        registration=registration,
        passkey=passkey,
        assessment=assessment,
        assessment_draft=assessment_draft,
        hr_member=hr_member,
        authorization=authorization,
        attachment=authorization.attachments.get(),
        decided_authorization=decided_authorization,
        authorization_draft=authorization_draft,
        new_authorization=new_authorization,
        claim_draft=claim_draft,
        failed_email=OutboundEmail.objects.create(
            to=biller.email,
            subject="You have a new secure message",
            body="Sign in to read it.",
            attempts=1,
            failed_at=timezone.now(),
            last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
        ),
        enrollment=enrollment,
        enrollment_payment=enrollment.payments.get(),
        enrollment_ready=enrollment_ready,
        enrollment_submitted=enrollment_submitted,
        enrollment_review=enrollment_review,
        chat=chat,
    )


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction that is rolled back at its end.

    Each test runs in a savepoint of that transaction (pytest-django's ``db``), so whatever a probe
    changes is undone before the next one, and nothing is left for the rest of the suite.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_world_once, db):
    """The module's world with fresh instances: a probe may have changed an earlier test's copies."""
    return World(
        **{
            field.name: type(value).objects.get(pk=value.pk)
            for field in fields(World)
            for value in [getattr(_world_once, field.name)]
        }
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """The eligibility throttle counts in the cache by user id, and ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


def _colleague(world: World, email: str, levels, scope) -> User:
    return make_provider(email, world.org, levels, scope)


def _removed_owner(world: World, user: User) -> User:
    """The owner after an account manager of the TIN removed them from it (levels, scope and
    membership gone, through the app's own service), while they keep working for another TIN with
    the levels they had here: one login spanning several TINs is the normal case."""
    levels = user_levels(user=user, organization=world.org)
    access_levels_set(actor=None, user=user, organization=world.other_org, levels=levels)
    scope_add(actor=None, user=user, provider_identifiers=[world.other_npi])
    remover = world.manager
    if user.pk == world.manager.pk:
        # The last account manager of a TIN cannot be removed: name a successor first.
        remover = _colleague(world, "successor@matrix.test", AccessLevel.values, [])
    user_remove_from_organization(actor=remover, user=user, organization=world.org, comment="Moved to another TIN")
    user.refresh_from_db()
    return user


def persona_user(world: World, persona: str, *, owner: str, level: str | None, control_panel: bool) -> User | None:
    """The user behind ``persona`` for one URL.

    ``owner`` names the world's user who owns the object ("manager" or "biller"); ``level`` is the
    access level the URL needs (None: no level, only a provider login); ``control_panel`` says the
    URL is for payer staff, who are then the ones allowed in.
    """
    allowed = world.analyst if control_panel else getattr(world, owner)
    if persona == "owner":
        return getattr(world, owner)
    if persona == "same_tin_no_level":
        # Every level but the one the URL needs (no level needed: every level but Manage Account),
        # and the owner's provider ID in scope: only the missing level stands in the way.
        missing = level or AccessLevel.MANAGE_ACCOUNT
        return _colleague(
            world, "colleague@matrix.test", [lv for lv in AccessLevel.values if lv != missing], [world.npi]
        )
    if persona == "same_tin_peer":
        # Holds the level the URL needs on the same TIN, but is not the owner: not the requester,
        # not a participant, the claim's provider ID not in scope. For a manager URL: a second
        # account manager of the TIN, who may do what the first one may.
        if level == AccessLevel.MANAGE_ACCOUNT:
            levels = AccessLevel.values
        else:
            levels = [lv for lv in AccessLevel.values if lv != AccessLevel.MANAGE_ACCOUNT]
        return _colleague(world, "peer@matrix.test", levels, [world.npi2])
    if persona == "removed_owner":
        return _removed_owner(world, getattr(world, owner))
    if persona == "other_manager":
        return world.other_manager
    if persona in ("disabled", "locked", "no_mfa"):
        return allowed
    if persona == "anonymous":
        return None
    if persona == "payer_staff":
        return world.analyst
    raise AssertionError(f"unknown persona {persona}")


def sign_in(client, world: World, persona: str, *, owner: str, level: str | None, control_panel: bool) -> User | None:
    """Put the client in the persona's shoes: signed in with both factors, or not at all, or with
    the password only (no_mfa), or signed in and then disabled (the session must die) or locked
    (the session goes on: a lock refuses new sign-ins only)."""
    user = persona_user(world, persona, owner=owner, level=level, control_panel=control_panel)
    if user is None:
        return None
    if persona == "no_mfa":
        client.force_login(user)
        return user
    verified_login(client, user)
    if persona in ("disabled", "locked"):
        status = UserStatus.DISABLED if persona == "disabled" else UserStatus.LOCKED
        user_status_set(actor=None, user=user, status=status, reason="access matrix")
    return user


# --- the summary line ------------------------------------------------------------------------------

_RESULTS: list[tuple[str, str, str, str]] = []


@pytest.fixture
def matrix_results():
    """Every probe's (persona, url-action, expected, actual), for the summary line."""
    return _RESULTS


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    unexpected = [row for row in _RESULTS if row[2] != row[3]]
    terminalreporter.write_line(f"access matrix: {len(_RESULTS)} probes, {len(unexpected)} unexpected")
    for persona, key, expected, actual in unexpected:
        terminalreporter.write_line(f"  {persona}-{key}: expected {expected}, got {actual}")
