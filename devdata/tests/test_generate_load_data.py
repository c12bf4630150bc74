"""generate_load_data at small sizes: refused without DEBUG or --force, deterministic with --seed,
coherent (who may see what, threads, claims), and its audit trail still verifies."""

import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Max, Q

from access_requests.models import AccessRequest, AccessRequestItem, RequestStatus
from accounts.access import provider_ids_in_scope
from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    Registration,
    User,
    UserKind,
    UserStatus,
)
from accounts.validators import npi_is_valid, tin_is_valid
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from authorizations.models import DECIDED_STATUSES, AuthorizationRequest, LineDecision, ServiceLine
from authorizations.models import RequestStatus as AuthStatus
from chat.models import Conversation, ConversationStatus
from claims.models import Claim, ClaimLine, ClaimPayment, ClaimStatus, LineAdjustment, Member, Remittance
from claims.selectors import claims_visible_to
from devdata.loaddata import DEMO_NPIS, DEMO_TINS, LoadSizes, npi_from_base
from devdata.management.commands import seed_demo
from enrollment import selectors as enrollment_selectors
from enrollment.models import EnrollmentApplication, EnrollmentGrant, Location, Section, Specialty
from enrollment.models import Status as EnrollStatus
from enrollment.services import missing_in, signature_is_valid
from mailbox.models import Message, Participant, Thread, ThreadKind

pytestmark = pytest.mark.django_db

SIZES = {
    "users": 150,
    "tins": 8,
    "provider_ids": 60,
    "messages": 500,
    "claims": 700,
    "events": 300,
    "authorizations": 400,
    "chats": 60,
    "enrollments": 50,
}
ANCHOR = datetime.date(2026, 6, 1)
ANCHOR_TIME = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
PERSONAS = len(seed_demo.PERSONAS)
# seed_demo's demo prior authorizations post Message Box notices now (through the services), with
# random uuids: left out of the counts and the fingerprint of the generated rows.
# seed_demo's own Message Box notices (through the services, so with fresh uuids each run).
SEED_NOTICES = Q(kind=ThreadKind.SYSTEM) & (
    Q(subject__startswith="Prior authorization PA-") | Q(subject__startswith="Enrollment EN-")
)


def generate(seed: int = 42, **overrides) -> str:
    out = io.StringIO()
    call_command("generate_load_data", force=True, seed=seed, anchor=ANCHOR, stdout=out, **{**SIZES, **overrides})
    return out.getvalue()


class _Rollback(Exception):
    pass


def fingerprint() -> str:
    """A digest of the generated rows by natural keys (primary keys vary, and so do the uuids of
    seed_demo's own rows, which go through the services)."""
    digest = hashlib.sha256()

    def feed(queryset, *fields):
        for row in queryset.order_by(*fields).values_list(*fields):
            digest.update(repr(row).encode())

    feed(Organization.objects.exclude(tin__in=DEMO_TINS), "tin", "name", "uuid", "tin_verified", "city")
    feed(
        ProviderIdentifier.objects.exclude(value__in=DEMO_NPIS).exclude(kind="tin"),
        "kind",
        "value",
        "display_name",
        "organization__tin",
        "uuid",
    )
    feed(
        User.objects.exclude(email__endswith="@demo.test"), "email", "full_name", "status", "kind", "last_login", "uuid"
    )
    feed(Membership.objects.all(), "user__email", "organization__tin", "ends_on")
    feed(OrganizationUserObjectPermission.objects.all(), "user__email", "content_object__tin", "permission__codename")
    feed(ProviderIdentifierUserObjectPermission.objects.all(), "user__email", "content_object__value")
    threads = Thread.objects.exclude(SEED_NOTICES).exclude(chat__isnull=False)
    feed(threads, "uuid", "kind", "subject", "created_by__email", "last_message_at", "payer_unread")
    feed(Participant.objects.filter(thread__in=threads), "thread__uuid", "user__email", "unread", "archived")
    feed(Message.objects.filter(thread__in=threads), "uuid", "thread__uuid", "sender__email", "body", "created_at")
    feed(AccessRequest.objects.all(), "uuid", "requester__email", "status")
    feed(AccessRequestItem.objects.all(), "request__uuid", "kind", "value", "decision")
    feed(Member.objects.filter(member_id__startswith="LM"), "member_id", "first_name", "date_of_birth", "uuid")
    feed(
        Claim.objects.filter(claim_number__startswith="LC"),
        "claim_number",
        "provider_identifier__value",
        "member_id",
        "billed_amount",
        "status",
        "received_date",
        "uuid",
    )
    # Not the reference: it is PA-<year>-<primary key>, and primary keys vary between runs (a
    # rolled-back PostgreSQL sequence does not go back).
    feed(
        AuthorizationRequest.objects.filter(created_at__lt=ANCHOR_TIME),
        "uuid",
        "status",
        "requesting_provider__value",
        "member__member_id",
        "due_at",
    )
    feed(ServiceLine.objects.filter(request__created_at__lt=ANCHOR_TIME), "request__uuid", "line_number", "code")
    # Live chats and enrollment applications: seed_demo's own (through the services) left out.
    chats = Conversation.objects.filter(created_at__lt=ANCHOR_TIME)
    feed(chats, "uuid", "provider__email", "organization__tin", "status", "staff__email", "created_at", "closed_at")
    feed(Message.objects.filter(thread__chat__in=chats), "uuid", "thread__chat__uuid", "sender__email", "body")
    applications = EnrollmentApplication.objects.filter(created_at__lt=ANCHOR_TIME)
    # Not the signature's hash nor the document's storage name (a fresh file name each run), nor
    # the account number's ciphertext (Fernet takes a random IV).
    feed(
        applications,
        "uuid",
        "reference",
        "status",
        "created_by__email",
        "legal_name",
        "npi",
        "tin",
        "assigned_to__email",
    )
    feed(EnrollmentGrant.objects.filter(application__in=applications), "application__uuid", "user__email", "sections")
    feed(Location.objects.filter(application__in=applications), "uuid", "address_line1", "postal_code")
    feed(Specialty.objects.filter(application__in=applications), "uuid", "name", "is_primary")
    generated_lines = ClaimLine.objects.filter(claim__claim_number__startswith="LC")
    feed(generated_lines, "claim__claim_number", "line_number", "procedure_code", "billed_amount", "paid_amount")
    feed(
        LineAdjustment.objects.filter(line__in=generated_lines),
        "line__claim__claim_number",
        "line__line_number",
        "group_code",
        "reason_code",
        "amount",
    )
    generated_payments = Remittance.objects.filter(trace_number__startswith="LT")
    feed(generated_payments, "trace_number", "payment_date", "amount", "payee_tin", "uuid")
    feed(
        ClaimPayment.objects.filter(remittance__in=generated_payments),
        "remittance__trace_number",
        "claim__claim_number",
        "status_code",
        "paid_amount",
    )
    # seed_demo's events happen now; the generated ones before the anchor.
    feed(
        AuditEvent.objects.filter(occurred_at__lt=ANCHOR_TIME),
        "uuid",
        "occurred_at",
        "action",
        "actor_email",
        "target_type",
        "target_repr",  # not target_id: the personas' uuids come from seed_demo
        "organization__tin",
        "details",
    )
    return digest.hexdigest()


def fingerprint_of_run(seed: int) -> str:
    """Generate, take the fingerprint, and roll it all back."""
    try:
        with transaction.atomic():
            generate(seed)
            result = fingerprint()
            raise _Rollback
    except _Rollback:
        return result


def test_npi_from_base_computes_the_check_digit():
    assert npi_from_base(123456789) == "1234567893"  # the demo NPI (Luhn over the 80840 prefix)
    assert npi_from_base(198765432) == "1987654328"
    assert all(npi_is_valid(npi_from_base(base)) for base in range(100_000_000, 100_000_500))


def test_refused_with_debug_off_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_load_data", stdout=io.StringIO(), **SIZES)
    assert not User.objects.exists()


def test_same_seed_same_rows_and_another_seed_other_rows():
    first = fingerprint_of_run(42)
    assert fingerprint_of_run(42) == first
    assert fingerprint_of_run(7) != first


def test_refuses_a_database_that_already_holds_generated_data():
    generate()
    with pytest.raises(CommandError, match="already holds generated data"):
        generate()


def test_generated_data_is_coherent():
    output = generate()
    sizes = LoadSizes(**SIZES)
    assert "Generated in" in output

    # Organizations, provider IDs, users: the sizes asked for, valid identifiers.
    assert Organization.objects.count() == SIZES["tins"] + 3
    assert all(tin_is_valid(tin) for tin in Organization.objects.values_list("tin", flat=True))
    npis = list(ProviderIdentifier.objects.filter(kind="npi").values_list("value", flat=True))
    assert len(npis) == SIZES["provider_ids"] + 4 and all(npi_is_valid(v) for v in npis)
    assert not Organization.objects.annotate(n=Count("provider_ids")).filter(n=0).exists()
    assert User.objects.count() == SIZES["users"] + PERSONAS
    assert User.objects.filter(kind=UserKind.PAYER_STAFF).count() >= 2

    # Access levels imply a membership; scope lies in the user's organizations.
    grants = set(OrganizationUserObjectPermission.objects.values_list("user_id", "content_object_id"))
    members = set(Membership.objects.values_list("user_id", "organization_id"))
    assert grants and grants <= members
    scope = set(
        ProviderIdentifierUserObjectPermission.objects.values_list("user_id", "content_object__organization_id")
    )
    assert scope and scope <= members
    # Every TIN with users has an active account manager.
    managed = set(
        OrganizationUserObjectPermission.objects.filter(
            permission__codename=AccessLevel.MANAGE_ACCOUNT, user__status=UserStatus.ACTIVE
        ).values_list("content_object_id", flat=True)
    )
    assert {org for _user, org in members} <= managed
    # Registrations wait for verification and hold no level yet.
    pending = User.objects.filter(status=UserStatus.VERIFICATION_PENDING)
    assert set(pending.values_list("pk", flat=True)) == set(Registration.objects.values_list("user_id", flat=True))
    assert not OrganizationUserObjectPermission.objects.filter(user__in=pending).exists()

    # Messages: the number asked for, every thread has messages and the right participants.
    # seed_demo's own rows (its prior authorization notices, its demo live chat) come on top.
    generated = Message.objects.exclude(thread__in=Thread.objects.filter(SEED_NOTICES))
    assert generated.exclude(thread__chat__isnull=False).count() == SIZES["messages"]
    threads = Thread.objects.annotate(
        n=Count("messages"), last=Max("messages__created_at"), people=Count("participants")
    )
    assert not threads.filter(n=0).exists()
    assert all(t.last == t.last_message_at for t in threads)
    assert not threads.filter(kind=ThreadKind.ORGANIZATION, people__lt=2).exists()
    assert not threads.filter(people=0).exists()
    # Every access request has its thread, items, and a decision consistent with its status.
    assert AccessRequest.objects.exists()
    assert not AccessRequest.objects.annotate(n=Count("items")).filter(n=0).exists()
    assert not AccessRequestItem.objects.filter(request__status=RequestStatus.OPEN).exclude(decision="pending").exists()

    # Claims and members.
    assert Claim.objects.filter(claim_number__startswith="LC").count() == SIZES["claims"]
    member_ids = set(Member.objects.values_list("member_id", flat=True))
    assert set(Claim.objects.values_list("member_id", flat=True)) <= member_ids

    # Prior authorizations: the number asked for, each with diagnoses and lines, decisions that
    # match the status, the manager's share under the demo NPI, some denials appealed.
    generated = AuthorizationRequest.objects.filter(created_at__lt=ANCHOR_TIME)
    assert generated.count() == SIZES["authorizations"]
    assert not generated.annotate(n=Count("diagnoses")).filter(n=0).exists()
    assert not generated.annotate(n=Count("lines")).filter(n=0).exists()
    assert not generated.filter(status=AuthStatus.APPROVED, lines__decision=LineDecision.DENIED).exists()
    assert not generated.filter(status__in=DECIDED_STATUSES, lines__decision=LineDecision.PENDING).exists()
    assert generated.filter(status=AuthStatus.DENIED).exists() and generated.filter(status=AuthStatus.DRAFT).exists()
    assert generated.filter(appeal_of__isnull=False).exists()
    assert generated.filter(requesting_provider__value="1234567893").count() >= sizes.manager_authorizations
    # Service lines add up to their claim; adjustments explain billed minus paid on paid claims.
    generated = Claim.objects.filter(claim_number__startswith="LC")
    assert LineAdjustment.objects.filter(line__claim__in=generated, group_code="CO", reason_code="45").exists()
    for claim in generated.prefetch_related("lines__adjustments"):  # summed in Python: SQLite sums in floats
        lines = claim.lines.all()
        assert lines, claim.claim_number
        assert sum(line.billed_amount for line in lines) == claim.billed_amount, claim.claim_number
        assert sum(line.paid_amount for line in lines) == claim.paid_amount, claim.claim_number
        if claim.status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED):
            adjusted = sum(a.amount for line in lines for a in line.adjustments.all())
            assert claim.billed_amount - adjusted == claim.paid_amount, claim.claim_number
    paid = generated.filter(status__in=[ClaimStatus.PAID, ClaimStatus.ADJUSTED])

    # Remittances: one payment per paid claim, its EFT the claim's check number, sums that add up,
    # paid to the TIN the claim was billed under.
    generated_payments = ClaimPayment.objects.filter(remittance__trace_number__startswith="LT")
    assert generated_payments.count() == paid.count() > 0
    assert not generated_payments.exclude(claim__check_number=F("remittance__trace_number")).exists()
    assert not generated_payments.exclude(
        remittance__organization=F("claim__provider_identifier__organization")
    ).exists()
    remittances = Remittance.objects.filter(trace_number__startswith="LT")
    for remittance in remittances.prefetch_related("claim_payments"):
        assert sum(p.paid_amount for p in remittance.claim_payments.all()) == remittance.amount
    assert not remittances.exclude(payee_tin=F("organization__tin")).exists()

    # The demo personas' big share.
    biller = User.objects.get(email="biller@demo.test")
    manager = User.objects.get(email="manager@demo.test")
    assert provider_ids_in_scope(user=biller).count() >= sizes.biller_provider_ids
    assert claims_visible_to(user=biller).count() >= sizes.biller_claims
    assert Participant.objects.filter(user=biller).count() >= sizes.biller_threads
    review = AccessRequest.objects.filter(requester=biller, status=RequestStatus.OPEN).annotate(n=Count("items"))
    assert review.filter(n=20).exists()
    demo_tin = Organization.objects.get(tin="123456789")
    assert Membership.objects.filter(organization=demo_tin).count() >= sizes.demo_tin_users
    assert manager.memberships.filter(organization=demo_tin).exists()

    # Live chats: the number asked for, each over its own payer thread with its lines; open ones
    # one per provider, the queue without staff, the analyst on some and with recently closed ones.
    chats = Conversation.objects.filter(created_at__lt=ANCHOR_TIME)
    assert chats.count() == SIZES["chats"]
    by_status = dict(chats.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    assert by_status[ConversationStatus.CLOSED] > by_status[ConversationStatus.WAITING] >= 2
    assert by_status[ConversationStatus.ACTIVE] >= 2
    assert not chats.filter(status=ConversationStatus.WAITING, staff__isnull=False).exists()
    assert not chats.filter(status=ConversationStatus.ACTIVE, taken_at__isnull=True).exists()
    assert not chats.filter(status=ConversationStatus.CLOSED, closed_at__isnull=True).exists()
    assert not chats.exclude(thread__kind=ThreadKind.PAYER).exists()
    assert not chats.exclude(thread__created_by=F("provider")).exists()
    lines = chats.annotate(n=Count("thread__messages"))
    assert not lines.filter(status=ConversationStatus.CLOSED, n__lt=3).exists()  # 2 lines and the closing one
    assert not lines.filter(n=0).exists()
    assert not chats.annotate(n=Count("thread__participants")).exclude(n=1).exists()
    analyst = User.objects.get(email="analyst@demo.test")
    assert chats.filter(status=ConversationStatus.ACTIVE, staff=analyst).exists()
    assert (
        chats.filter(
            status=ConversationStatus.CLOSED, staff=analyst, closed_at__gte=ANCHOR_TIME - datetime.timedelta(days=3)
        ).count()
        >= 3
    )
    assert chats.filter(provider=biller).count() >= 1
    open_chats = Conversation.objects.open().values("provider").annotate(n=Count("id"))
    assert not open_chats.filter(n__gt=1).exists()

    # Enrollment applications: the number asked for, every status, the Provider Admin's grant on
    # each, sections complete, signed and paid once submitted, the demo share for enroll@demo.test.
    applications = EnrollmentApplication.objects.filter(created_at__lt=ANCHOR_TIME)
    assert applications.count() == SIZES["enrollments"]
    statuses = set(applications.values_list("status", flat=True))
    assert statuses >= {EnrollStatus.DRAFT, EnrollStatus.SUBMITTED, EnrollStatus.IN_REVIEW, EnrollStatus.APPROVED}
    assert applications.filter(grants__is_admin=True).distinct().count() == SIZES["enrollments"]
    assert not applications.exclude(grants__user=F("created_by")).exists()
    enroll = User.objects.get(email="enroll@demo.test")
    assert enrollment_selectors.applications_for(user=enroll).count() >= sizes.enroll_applications
    for application in enrollment_selectors.application_with_sections(
        queryset=applications.exclude(status=EnrollStatus.DRAFT)
    ):
        # As of the data's "today" (a license valid then may have expired since).
        assert all(not missing_in(application, section, today=ANCHOR) for section in Section), application.reference
        assert set(application.completed_sections) == set(Section.values), application.reference
        assert signature_is_valid(application), application.reference
        assert application.fee_exempt or application.fee_paid_at is not None, application.reference
    assert not applications.filter(status=EnrollStatus.IN_REVIEW, assigned_to__isnull=True).exists()
    assert not applications.filter(status=EnrollStatus.APPROVED, organization__isnull=True).exists()
    for application in applications.filter(status=EnrollStatus.APPROVED):
        assert ProviderIdentifier.objects.filter(
            kind="npi", value=application.npi, organization=application.organization
        ).exists(), application.reference
    assert not applications.filter(status=EnrollStatus.RETURNED, correction_due__lte=ANCHOR).exists()
    assert enrollment_selectors.queue().exists()

    # The audit trail: the events asked for, chained after seed_demo's, and it verifies.
    assert AuditEvent.objects.filter(occurred_at__lt=ANCHOR_TIME).count() == SIZES["events"]
    result = audit_chain_verify()
    assert result.ok, result.describe()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Verified" in out.getvalue()
