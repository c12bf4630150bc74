"""The rules of enrollment: transitions, validations, rights, the signature, the fee, the webhook,
the daily job."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organization, ProviderIdentifier, UserStatus
from audit.models import AuditEvent
from enrollment import services
from enrollment.models import (
    ApplicantKind,
    BankAccount,
    EnrollmentApplication,
    EnrollmentGrant,
    License,
    Owner,
    Payment,
    Section,
    SectionAccess,
    Status,
)
from enrollment.payments import WebhookRefused
from enrollment.tests.conftest import VALID_NPI, VALID_TIN, fill, locations_writer, ready
from mailbox.models import Participant
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

# --- the transition table --------------------------------------------------------------------------

ALLOWED = [
    (Status.DRAFT, "submit", Status.SUBMITTED),
    (Status.RETURNED, "submit", Status.RESUBMITTED),
    (Status.SUBMITTED, "take", Status.IN_REVIEW),
    (Status.RESUBMITTED, "take", Status.IN_REVIEW),
    (Status.IN_REVIEW, "return", Status.RETURNED),
    (Status.IN_REVIEW, "approve", Status.APPROVED),
    (Status.IN_REVIEW, "deny", Status.DENIED),
    (Status.RETURNED, "expire", Status.REJECTED),
]
ACTIONS = ["submit", "take", "return", "approve", "deny", "expire"]


@pytest.mark.parametrize(("status", "action", "expected"), ALLOWED)
def test_allowed_transitions(status, action, expected):
    assert services.next_status(status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in Status for a in ACTIONS if (s, a) not in {(x, y) for x, y, _ in ALLOWED}],
)
def test_every_other_transition_is_refused(status, action):
    with pytest.raises(ValidationError):
        services.next_status(status, action)


def test_the_table_is_exactly_the_allowed_list():
    assert {(s, a): t for s, a, t in ALLOWED} == services.TRANSITIONS


# --- validations -----------------------------------------------------------------------------------


def test_an_npi_failing_its_check_digit_is_refused_and_nothing_saved(application, admin_user):
    with pytest.raises(ValidationError) as error:
        services.identification_save(
            actor=admin_user,
            application=application,
            legal_name="X",
            npi="1234567890",
            tin=VALID_TIN,
            taxonomy_code="282N00000X",
            is_dme_supplier=False,
        )
    assert "check digit" in error.value.message_dict["npi"][0]
    application.refresh_from_db()
    assert application.npi == "" and Section.IDENTIFICATION not in application.completed_sections


def test_a_valid_identification_is_saved_and_complete(application, admin_user):
    services.identification_save(
        actor=admin_user,
        application=application,
        legal_name="Springfield General",
        npi=VALID_NPI,
        tin=VALID_TIN,
        taxonomy_code="282n00000x",
        is_dme_supplier=False,
    )
    application.refresh_from_db()
    assert application.taxonomy_code == "282N00000X"
    assert Section.IDENTIFICATION in application.completed_sections


def test_an_expired_license_is_refused(application, admin_user):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.license_add(
            actor=admin_user,
            application=application,
            kind="license",
            number="1",
            state="IL",
            issued_on=today - timedelta(days=900),
            expires_on=today - timedelta(days=1),
        )
    assert "expired" in error.value.message_dict["expires_on"][0]
    assert not License.objects.exists()


def test_ownership_over_100_percent_is_refused(application, admin_user):
    services.owner_add(
        actor=admin_user, application=application, kind="person", name="A", role="owner", percent=Decimal("70")
    )
    with pytest.raises(ValidationError) as error:
        services.owner_add(
            actor=admin_user,
            application=application,
            kind="organization",
            name="B",
            role="owner",
            percent=Decimal("30.01"),
        )
    assert "100" in error.value.message_dict["percent"][0]
    assert Owner.objects.count() == 1
    services.owner_add(
        actor=admin_user, application=application, kind="organization", name="B", role="owner", percent=Decimal("30")
    )
    assert Owner.objects.count() == 2


@pytest.mark.parametrize(
    ("routing", "valid"),
    [("021000021", True), ("011000015", True), ("021000022", False), ("12345678", False), ("abcdefghi", False)],
)
def test_the_aba_checksum(routing, valid):
    assert services.aba_is_valid(routing) is valid


def test_a_routing_number_failing_the_checksum_is_refused(application, admin_user):
    with pytest.raises(ValidationError) as error:
        services.bank_account_save(
            actor=admin_user,
            application=application,
            holder_name="X",
            routing_number="021000022",
            account_number="123456789",
        )
    assert "routing" in error.value.message_dict["routing_number"][0]
    assert not BankAccount.objects.exists()


def test_the_account_number_is_stored_encrypted_and_shown_masked(application, admin_user):
    account = services.bank_account_save(
        actor=admin_user,
        application=application,
        holder_name="X",
        routing_number="021000021",
        account_number="000123456789",
    )
    assert "123456789" not in account.account_number_encrypted
    assert services.account_number_decrypt(account.account_number_encrypted) == "000123456789"
    assert account.masked == "••••6789"


# --- rights ----------------------------------------------------------------------------------------


def test_the_creator_is_the_provider_admin(application, admin_user):
    grant = EnrollmentGrant.objects.get(application=application, user=admin_user)
    assert grant.is_admin and all(grant.right(r) for r in services.RIGHTS)


def test_a_read_only_user_cannot_write_a_section(application, admin_user, colleague):
    locations_writer(application, admin_user, colleague)
    with pytest.raises(PermissionDenied):
        services.owner_add(
            actor=colleague, application=application, kind="person", name="X", role="owner", percent=Decimal("5")
        )
    assert not Owner.objects.exists()
    services.location_add(
        actor=colleague,
        application=application,
        address_line1="2 Elm",
        city="Springfield",
        state="IL",
        postal_code="62701",
        phone="2175550101",
        hours="9-5",
    )
    assert application.locations.count() == 1


def test_an_outsider_cannot_touch_the_application(application, stranger):
    with pytest.raises(PermissionDenied):
        services.location_add(
            actor=stranger,
            application=application,
            address_line1="x",
            city="x",
            state="IL",
            postal_code="62701",
            phone="2175550101",
            hours="x",
        )
    assert list(EnrollmentApplication.objects.restrict(stranger)) == []


def test_only_the_admin_invites(application, admin_user, colleague, stranger):
    locations_writer(application, admin_user, colleague)
    with pytest.raises(PermissionDenied):
        services.grant_invite(
            actor=colleague, application=application, email=stranger.email, full_name="", sections={}, rights={}
        )


def test_inviting_someone_without_a_login_creates_an_invited_user(application, admin_user):
    grant = services.grant_invite(
        actor=admin_user,
        application=application,
        email="New.Person@Example.test",
        full_name="New Person",
        sections={Section.LOCATIONS: SectionAccess.WRITE},
        rights={"message": True},
    )
    assert grant.user.email == "new.person@example.test" and grant.user.status == UserStatus.UNVERIFIED
    assert grant.may_write(Section.LOCATIONS) and not grant.may_read(Section.BANK)
    assert OutboundEmail.objects.filter(to="new.person@example.test", template="invitation").exists()


def test_rights_are_changed_and_revoked(application, admin_user, colleague):
    grant = locations_writer(application, admin_user, colleague)
    services.grant_update(
        actor=admin_user, grant=grant, sections={Section.BANK: SectionAccess.WRITE}, rights={"submit": True}
    )
    grant.refresh_from_db()
    assert grant.may_write(Section.BANK) and not grant.may_read(Section.LOCATIONS) and grant.can_submit
    services.grant_revoke(actor=admin_user, grant=grant)
    assert services.grant_of(user=colleague, application=application) is None


def test_a_user_without_the_submit_right_cannot_submit(application, admin_user, colleague):
    ready(application, admin_user)
    locations_writer(application, admin_user, colleague)
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=colleague, application=application)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


# --- signature, fee, submit ------------------------------------------------------------------------


def test_signing_records_signer_time_and_hash(application, admin_user):
    fill(application, admin_user)
    services.application_sign(actor=admin_user, application=application, typed_name="edna  krabappel", attest=True)
    application.refresh_from_db()
    assert application.signed_by == admin_user and application.signed_at is not None
    assert application.signed_hash == services.content_hash(application) and len(application.signed_hash) == 64
    assert services.signature_is_valid(application)


def test_signing_needs_the_own_full_name_and_the_attestation(application, admin_user):
    fill(application, admin_user)
    with pytest.raises(ValidationError) as error:
        services.application_sign(actor=admin_user, application=application, typed_name="Someone Else", attest=False)
    assert set(error.value.message_dict) == {"typed_name", "attest"}


def test_any_later_change_voids_the_signature(application, admin_user):
    fill(application, admin_user)
    services.application_sign(actor=admin_user, application=application, typed_name=admin_user.full_name, attest=True)
    services.location_add(
        actor=admin_user,
        application=application,
        address_line1="9 Oak",
        city="Springfield",
        state="IL",
        postal_code="62701",
        phone="2175550102",
        hours="9-5",
    )
    application.refresh_from_db()
    assert application.signed_hash == "" and not services.signature_is_valid(application)
    assert application.events.filter(kind="signature_voided").exists()


@override_settings(ENROLLMENT_FEES={2026: 75000, 2027: 80000})
def test_fee_rules():
    assert services.fee_for(kind=ApplicantKind.FACILITY, year=2026) == 75000
    assert services.fee_for(kind=ApplicantKind.FACILITY, year=2027) == 80000
    assert services.fee_for(kind=ApplicantKind.FACILITY, year=2030) == 80000
    assert services.fee_for(kind=ApplicantKind.INDIVIDUAL, year=2026) == 0


def test_submit_without_signature_or_fee_is_refused(application, admin_user):
    fill(application, admin_user)
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=admin_user, application=application)
    text = " ".join(error.value.messages)
    assert "signed" in text and "fee" in text
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_an_individual_is_exempt_and_submits_without_paying(admin_user):
    application = services.application_create(
        actor=admin_user, kind=ApplicantKind.INDIVIDUAL, legal_name="Julius Hibbert"
    )
    assert application.fee_exempt
    fill(application, admin_user)
    services.application_sign(actor=admin_user, application=application, typed_name=admin_user.full_name, attest=True)
    services.application_submit(actor=admin_user, application=application)
    assert EnrollmentApplication.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_the_full_path_to_approval_creates_the_claim_system_rows(application, admin_user, specialist, supervisor):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    services.application_return(
        actor=specialist,
        application=application,
        corrections=[services.CorrectionItem(section=Section.LOCATIONS, note="Add the suite number.")],
    )
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert application.correction_due == timezone.localdate() + timedelta(days=30)
    services.location_add(
        actor=admin_user,
        application=application,
        address_line1="1 Main St Suite 2",
        city="Springfield",
        state="IL",
        postal_code="62701",
        phone="2175550100",
        hours="9-5",
    )
    services.section_complete(actor=admin_user, application=application, section=Section.LOCATIONS)
    with pytest.raises(ValidationError):  # the change voided the signature
        services.application_submit(actor=admin_user, application=application)
    services.application_sign(actor=admin_user, application=application, typed_name=admin_user.full_name, attest=True)
    services.application_submit(actor=admin_user, application=application)
    application.refresh_from_db()
    assert application.status == Status.RESUBMITTED
    services.application_take(actor=specialist, application=application)
    with pytest.raises(PermissionDenied):
        services.application_approve(actor=specialist, application=application)
    services.application_approve(actor=supervisor, application=application)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    organization = Organization.objects.get(tin=VALID_TIN)
    assert organization.tin_verified and application.organization == organization
    assert ProviderIdentifier.objects.filter(kind="npi", value=VALID_NPI, organization=organization).exists()
    assert application.revalidation_due == timezone.localdate().replace(year=timezone.localdate().year + 5)
    subjects = list(Participant.objects.filter(user=admin_user).values_list("thread__subject", flat=True))
    for status in ("Draft", "Submitted", "In review", "Returned for correction", "Resubmitted", "Approved"):
        assert any(s.endswith(status) for s in subjects), status
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "enrollment_created",
        "enrollment_signed",
        "enrollment_fee_paid",
        "enrollment_submitted",
        "enrollment_status_changed",
    } <= actions


def test_deny_needs_a_reason(application, admin_user, specialist, supervisor):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    with pytest.raises(ValidationError):
        services.application_deny(actor=supervisor, application=application, reason=" ")
    services.application_deny(actor=supervisor, application=application, reason="Excluded from federal programs.")
    application.refresh_from_db()
    assert application.status == Status.DENIED and application.decision_reason


def test_a_supervisor_reassigns(application, admin_user, specialist, supervisor):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=supervisor, application=application)
    services.application_reassign(actor=supervisor, application=application, to=specialist)
    application.refresh_from_db()
    assert application.assigned_to == specialist
    with pytest.raises(PermissionDenied):
        services.application_reassign(actor=specialist, application=application, to=supervisor)


# --- the Stripe webhook ----------------------------------------------------------------------------

SECRET = "whsec_test_secret"


def _signed(payload: str, secret: str = SECRET) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret)


def _event(session_id: str, reference: str) -> str:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "client_reference_id": reference,
                }
            },
        }
    )


@override_settings(ENROLLMENT_PAYMENT_PROCESSOR="stripe", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY="sk_test_x")
def test_a_signed_webhook_marks_the_fee_paid(application, admin_user):
    payment = Payment.objects.create(
        application=application, processor="stripe", external_id="cs_test_1", amount_cents=75000, started_by=admin_user
    )
    payload = _event("cs_test_1", str(payment.uuid))
    assert services.stripe_webhook_handle(payload=payload.encode(), signature=_signed(payload)) is True
    application.refresh_from_db()
    assert application.fee_paid_at is not None
    # Stripe repeats events: the second one changes nothing.
    assert services.stripe_webhook_handle(payload=payload.encode(), signature=_signed(payload)) is False


@override_settings(ENROLLMENT_PAYMENT_PROCESSOR="stripe", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY="sk_test_x")
def test_a_webhook_with_a_bad_signature_is_refused(application, admin_user):
    Payment.objects.create(
        application=application, processor="stripe", external_id="cs_test_2", amount_cents=75000, started_by=admin_user
    )
    payload = _event("cs_test_2", "x")
    with pytest.raises(WebhookRefused):
        services.stripe_webhook_handle(payload=payload.encode(), signature=_signed(payload, "whsec_wrong"))
    application.refresh_from_db()
    assert application.fee_paid_at is None


@override_settings(ENROLLMENT_PAYMENT_PROCESSOR="stripe", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY="sk_test_x")
def test_the_stripe_checkout_adapter_creates_a_session(application, admin_user, monkeypatch):
    """The adapter's request to Stripe, caught before the network."""
    sent = {}

    def create(self, params=None, options=None):
        sent.update(params)
        return stripe.checkout.Session.construct_from(
            {"id": "cs_test_3", "url": "https://checkout.stripe.com/c/pay/cs_test_3"}, "sk_test_x"
        )

    monkeypatch.setattr(stripe.checkout.SessionService, "create", create)
    url = services.payment_start(actor=admin_user, application=application)
    assert url == "https://checkout.stripe.com/c/pay/cs_test_3"
    assert sent["line_items"][0]["price_data"]["unit_amount"] == 75000
    assert Payment.objects.get(external_id="cs_test_3").application == application


def test_the_test_processor_is_refused_when_stripe_is_configured(application, admin_user):
    services.payment_start(actor=admin_user, application=application)
    payment = application.payments.get()
    with override_settings(ENROLLMENT_PAYMENT_PROCESSOR="stripe"), pytest.raises(PermissionDenied):
        services.test_payment_confirm(actor=admin_user, payment=payment)


# --- the daily job ---------------------------------------------------------------------------------


def test_an_application_not_corrected_in_time_is_rejected(application, admin_user, specialist):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    services.application_return(
        actor=specialist,
        application=application,
        corrections=[services.CorrectionItem(section=Section.BANK, note="Wrong account.")],
    )
    application.refresh_from_db()
    assert services.enrollment_daily(today=application.correction_due).rejected == 0
    assert services.enrollment_daily(today=application.correction_due + timedelta(days=1)).rejected == 1
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def test_revalidation_opens_seven_months_before_and_tells_the_admin(application, admin_user):
    application.status, application.revalidation_due, application.npi, application.tin = (
        Status.APPROVED,
        timezone.localdate() + timedelta(days=300),
        VALID_NPI,
        VALID_TIN,
    )
    application.save()
    assert services.enrollment_daily().revalidations_opened == 0
    application.revalidation_due = timezone.localdate() + timedelta(days=200)
    application.save()
    assert services.enrollment_daily().revalidations_opened == 1
    assert services.enrollment_daily().revalidations_opened == 0
    revalidation = EnrollmentApplication.objects.get(revalidation_of=application)
    assert revalidation.status == Status.DRAFT and revalidation.npi == VALID_NPI
    assert Participant.objects.filter(user=admin_user, thread__subject__contains="revalidation").exists()


def test_a_dme_supplier_revalidates_after_three_years(application, admin_user, specialist, supervisor):
    ready(application, admin_user)
    application.is_dme_supplier = True
    application.save(update_fields=["is_dme_supplier"])
    services.application_sign(actor=admin_user, application=application, typed_name=admin_user.full_name, attest=True)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    services.application_approve(actor=supervisor, application=application)
    application.refresh_from_db()
    assert application.revalidation_due.year == timezone.localdate().year + 3
