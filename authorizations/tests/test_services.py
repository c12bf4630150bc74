"""The rules of prior authorizations: drafts step by step, submission, clocks, information
requests, extensions, per-line decisions and their letter, notices, audit, and bad input."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditAction, AuditEvent
from authorizations import services
from authorizations.models import (
    AuthorizationRequest,
    AuthorizationService,
    Category,
    DenialReason,
    EventKind,
    LineDecision,
    RequestStatus,
    Urgency,
)
from authorizations.selectors import authorization_needed, metrics_for_year
from authorizations.tables import TableLoadError, services_load
from authorizations.tests.conftest import lines_input, pdf_upload, providers_input
from mailbox.models import Message, Thread, ThreadKind
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


def approve(*numbers):
    return {n: services.LineChoice(decision=LineDecision.APPROVED) for n in numbers}


# --- tables ----------------------------------------------------------------------------------------


def test_demo_tables_load_and_reload(tables):
    assert AuthorizationService.objects.filter(code="E0601", requires_authorization=True).exists()
    assert not AuthorizationService.objects.get(code="99213").requires_authorization
    assert DenialReason.objects.filter(active=True).count() == 8
    out = io.StringIO()
    call_command("load_authorization_services", stdout=out)
    assert "0 added, 17 updated" in out.getvalue()


def test_a_bad_services_file_saves_nothing(db):
    with pytest.raises(TableLoadError, match="Line 3"):
        services_load(
            io.StringIO(
                "code,description,requires_authorization,categories,plans,required_documents\n"
                "E0601,CPAP,yes,dme,,\n"
                "BAD,Nope,yes,,,\n"
            )
        )
    assert not AuthorizationService.objects.exists()


def test_is_an_authorization_needed(tables, member):
    answers = {a.code: a for a in authorization_needed(codes=["72148", "99213", "ZZZZZ"], member=member)}
    assert answers["72148"].needed and answers["72148"].known
    assert answers["99213"].known and not answers["99213"].needed
    assert not answers["ZZZZZ"].known
    # 97110 needs a request only under plan PPO100 (the member's plan) and only for some categories.
    assert authorization_needed(codes=["97110"], member=member, category=Category.OUTPATIENT)[0].needed
    assert not authorization_needed(codes=["97110"], member=member, category=Category.DME)[0].needed


# --- draft steps -----------------------------------------------------------------------------------


def test_member_step_starts_a_draft_with_a_reference(requester, member):
    day = timezone.localdate() + datetime.timedelta(days=3)
    draft = services.draft_member_set(
        actor=requester,
        member_id=member.member_id.lower(),
        date_of_birth=member.date_of_birth,
        planned_service_date=day,
    )
    assert draft.status == RequestStatus.DRAFT and draft.reference.startswith(f"PA-{timezone.now().year}-")
    assert draft.events.get().kind == EventKind.CREATED
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_DRAFT_SAVED, target_id=str(draft.uuid)).exists()


def test_wrong_birth_date_or_uncovered_day_saves_nothing(requester, member):
    with pytest.raises(ValidationError, match="No member"):
        services.draft_member_set(
            actor=requester,
            member_id=member.member_id,
            date_of_birth=datetime.date(1971, 1, 1),
            planned_service_date=timezone.localdate(),
        )
    with pytest.raises(ValidationError, match="no coverage"):
        services.draft_member_set(
            actor=requester,
            member_id=member.member_id,
            date_of_birth=member.date_of_birth,
            planned_service_date=datetime.date(2028, 1, 1),
        )
    assert not AuthorizationRequest.objects.exists()


def test_providers_step_refuses_a_forged_provider_id_and_a_bad_npi(make_draft, requester, other_npi, npi):
    draft = make_draft()
    with pytest.raises(ValidationError) as error:
        services.draft_providers_set(
            actor=requester, draft=draft, data=providers_input(other_npi, servicing_npi="1234567890")
        )
    assert set(error.value.message_dict) == {"requesting_provider", "servicing_npi"}
    draft.refresh_from_db()
    assert draft.requesting_provider == npi


def test_inpatient_needs_admission_and_stay_and_expedited_needs_attestation(make_draft, requester, npi):
    draft = make_draft()
    with pytest.raises(ValidationError) as error:
        services.draft_providers_set(
            actor=requester,
            draft=draft,
            data=providers_input(npi, category=Category.INPATIENT, urgency=Urgency.EXPEDITED),
        )
    assert {"admission_date", "length_of_stay", "expedited_attested"} <= set(error.value.message_dict)
    services.draft_providers_set(
        actor=requester,
        draft=draft,
        data=providers_input(npi, category=Category.INPATIENT, admission_date=timezone.localdate(), length_of_stay=3),
    )
    draft.refresh_from_db()
    assert draft.length_of_stay == 3


@pytest.mark.parametrize(
    ("code", "message"), [("E11", "category, not a billable"), ("Z99.999", "not an ICD-10-CM"), ("", "1 to 12")]
)
def test_non_billable_or_invalid_diagnosis_saves_nothing(make_draft, requester, code, message):
    draft = make_draft()
    with pytest.raises(ValidationError, match=message):
        services.draft_diagnoses_set(actor=requester, draft=draft, codes=["I10", code] if code else [])
    assert list(draft.diagnoses.values_list("code", flat=True)) == ["M54.50"]


def test_diagnoses_accept_codes_without_the_dot_and_at_most_twelve(make_draft, requester):
    draft = make_draft()
    services.draft_diagnoses_set(actor=requester, draft=draft, codes=["e119", "I10"])
    assert [(d.code, d.position) for d in draft.diagnoses.all()] == [("E11.9", 1), ("I10", 2)]
    with pytest.raises(ValidationError, match="1 to 12"):
        services.draft_diagnoses_set(actor=requester, draft=draft, codes=["I10"] * 13)


def test_service_lines_refuse_unknown_codes_and_bad_lines(make_draft, requester):
    draft = make_draft()
    start = timezone.localdate()
    bad = [
        services.LineInput(code="12345", units=1, date_from=start, date_to=start),
        services.LineInput(
            code="E0601", units=0, date_from=start, date_to=start - datetime.timedelta(days=1), modifiers="RR NUX"
        ),
    ]
    with pytest.raises(ValidationError) as error:
        services.draft_lines_set(actor=requester, draft=draft, lines=bad)
    text = " ".join(error.value.messages)
    assert "12345 is not a CPT/HCPCS code" in text and "Units are" in text and "before the from date" in text
    assert "two-character modifiers" in text
    assert draft.lines.count() == 2
    with pytest.raises(ValidationError, match="1 to 20"):
        services.draft_lines_set(actor=requester, draft=draft, lines=lines_input(*["E0601"] * 21))


def test_attachments_are_sniffed_and_limited(make_draft, requester, settings):
    draft = make_draft(attach=False)
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    with pytest.raises(ValidationError, match="not a PDF"):
        services.draft_attachments_add(actor=requester, draft=draft, files=[fake])
    big = pdf_upload("big.pdf", size=20 * 1024 * 1024)
    with pytest.raises(ValidationError, match="up to 10 MB"):
        services.draft_attachments_add(actor=requester, draft=draft, files=[big])
    settings.AUTH_REQUEST_MAX_BYTES = 5000
    with pytest.raises(ValidationError, match="together they may be up to"):
        services.draft_attachments_add(
            actor=requester, draft=draft, files=[pdf_upload(size=3000), pdf_upload(size=3000)]
        )
    assert not draft.attachments.exists()
    saved = services.draft_attachments_add(actor=requester, draft=draft, files=[pdf_upload("../../etc/notes.pdf")])
    assert saved[0].storage_name.startswith("authorizations/") and ".." not in saved[0].storage_name
    assert default_storage.exists(saved[0].storage_name)


def test_only_the_author_changes_a_draft(make_draft, manager):
    draft = make_draft()
    with pytest.raises(PermissionDenied):
        services.draft_diagnoses_set(actor=manager, draft=draft, codes=["I10"])


def test_draft_delete_removes_its_files(make_draft, requester, django_capture_on_commit_callbacks):
    draft = make_draft()
    name = draft.attachments.get().storage_name
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_delete(actor=requester, draft=draft)
    assert not AuthorizationRequest.objects.exists() and not default_storage.exists(name)


# --- submission and clocks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "delta"),
    [(Urgency.STANDARD, datetime.timedelta(days=7)), (Urgency.EXPEDITED, datetime.timedelta(hours=72))],
)
def test_submit_starts_the_clock(submitted, urgency, delta):
    authorization = submitted(urgency=urgency)
    assert authorization.status == RequestStatus.SUBMITTED
    assert authorization.due_at - authorization.received_at == delta


def test_clock_lengths_come_from_settings(submitted, settings):
    settings.AUTH_EXPEDITED_HOURS = 24
    authorization = submitted(urgency=Urgency.EXPEDITED)
    assert authorization.due_at - authorization.received_at == datetime.timedelta(hours=24)


def test_submit_notifies_and_audits(submitted, requester):
    authorization = submitted()
    thread = Thread.objects.get(participants__user=requester, kind=ThreadKind.SYSTEM)
    assert authorization.reference in thread.subject and "Submitted" in thread.subject
    email = OutboundEmail.objects.filter(to=requester.email).latest("id")
    assert authorization.reference not in email.body and "M54" not in email.body
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_SUBMITTED, target_id=str(authorization.uuid)).exists()


def test_submit_refuses_lines_outside_coverage(make_draft, requester):
    draft = make_draft()
    services.draft_lines_set(actor=requester, draft=draft, lines=lines_input("E0601", start=datetime.date(2027, 6, 1)))
    with pytest.raises(ValidationError, match="no coverage on 07/01/2027"):
        services.authorization_submit(actor=requester, draft=draft)
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


def test_duplicate_open_request_warns_then_goes_with_confirmation(submitted, make_draft, requester):
    first = submitted()
    draft = make_draft(codes=("72148",))
    with pytest.raises(services.DuplicateOpenRequest) as warning:
        services.authorization_submit(actor=requester, draft=draft)
    assert warning.value.references == [first.reference]
    assert services.authorization_submit(actor=requester, draft=draft, confirm_duplicate=True).status == "submitted"


def test_a_submitted_request_is_no_longer_a_draft(submitted, requester):
    authorization = submitted()
    with pytest.raises(ValidationError, match="submitted"):
        services.draft_diagnoses_set(actor=requester, draft=authorization, codes=["I10"])


def test_withdraw(submitted, requester, analyst):
    authorization = submitted()
    services.authorization_withdraw(actor=requester, authorization=authorization, reason="Service cancelled")
    assert authorization.status == RequestStatus.WITHDRAWN
    with pytest.raises(services.AlreadyDecided):
        services.authorization_decide(analyst=analyst, authorization=authorization, choices=approve(1, 2))


# --- the plan's review -----------------------------------------------------------------------------


def test_take_sets_in_review_and_only_payer_staff_take(submitted, analyst, requester):
    authorization = submitted()
    with pytest.raises(PermissionDenied):
        services.authorization_take(analyst=requester, authorization=authorization)
    services.authorization_take(analyst=analyst, authorization=authorization)
    assert authorization.status == RequestStatus.IN_REVIEW and authorization.assigned_to == analyst


def test_information_request_and_answer_keep_the_clock_by_default(submitted, analyst, requester):
    authorization = submitted()
    due = authorization.due_at
    services.information_request(
        analyst=analyst, authorization=authorization, needed="Physical therapy notes", deadline=timezone.localdate()
    )
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.INFO_REQUESTED and authorization.paused_at is None
    services.information_send(
        actor=requester, authorization=authorization, text="Attached", files=[pdf_upload("pt.pdf")]
    )
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.IN_REVIEW and authorization.due_at == due
    assert authorization.attachments.count() == 2
    assert OutboundEmail.objects.filter(template="payer_authorization_info").exists()


def test_information_request_pauses_the_clock_when_set(submitted, analyst, requester, settings):
    settings.AUTH_INFO_REQUEST_PAUSES_CLOCK = True
    authorization = submitted()
    due = authorization.due_at
    services.information_request(
        analyst=analyst,
        authorization=authorization,
        needed="Notes",
        deadline=timezone.localdate() + datetime.timedelta(days=2),
    )
    # The plan waited 30 hours for the answer.
    AuthorizationRequest.objects.filter(pk=authorization.pk).update(
        paused_at=timezone.now() - datetime.timedelta(hours=30)
    )
    services.information_send(actor=requester, authorization=authorization, text="Here")
    authorization.refresh_from_db()
    assert abs((authorization.due_at - due) - datetime.timedelta(hours=30)) < datetime.timedelta(seconds=5)


def test_information_request_needs_what_and_a_deadline(submitted, analyst):
    authorization = submitted()
    with pytest.raises(ValidationError) as error:
        services.information_request(
            analyst=analyst, authorization=authorization, needed=" ", deadline=timezone.localdate()
        )
    assert "needed" in error.value.message_dict
    with pytest.raises(ValidationError, match="today or a later day"):
        services.information_request(
            analyst=analyst,
            authorization=authorization,
            needed="Notes",
            deadline=timezone.localdate() - datetime.timedelta(days=1),
        )


def test_extension_for_standard_requests_only_once_up_to_14_days(submitted, analyst):
    authorization = submitted()
    due = authorization.due_at
    with pytest.raises(ValidationError, match="1 to 14"):
        services.authorization_extend(
            analyst=analyst, authorization=authorization, days=15, reason="Waiting for records"
        )
    with pytest.raises(ValidationError):
        services.authorization_extend(analyst=analyst, authorization=authorization, days=14, reason="")
    authorization = services.authorization_extend(
        analyst=analyst, authorization=authorization, days=14, reason="Waiting for records"
    )
    assert authorization.due_at - due == datetime.timedelta(days=14)
    with pytest.raises(ValidationError, match="already extended"):
        services.authorization_extend(analyst=analyst, authorization=authorization, days=1, reason="Again")
    expedited = submitted(urgency=Urgency.EXPEDITED, codes=("E0601",))
    with pytest.raises(ValidationError, match="Only a standard"):
        services.authorization_extend(analyst=analyst, authorization=expedited, days=2, reason="Records")


def test_decide_per_line_with_letter_notice_and_certification(submitted, analyst, requester):
    authorization = submitted(urgency=Urgency.EXPEDITED)
    choices = {
        1: services.LineChoice(decision=LineDecision.APPROVED),
        2: services.LineChoice(decision=LineDecision.DENIED, reason_code="MN01", note="Try home exercise first."),
    }
    services.authorization_decide(analyst=analyst, authorization=authorization, choices=choices)
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.PARTIALLY_APPROVED
    first, second = authorization.lines.all()
    assert first.decision == LineDecision.APPROVED and first.approved_units == first.units
    assert second.denial_reason.code == "MN01" and second.approved_units is None
    assert authorization.certification_number and authorization.valid_from == first.date_from
    pages = PdfReader(default_storage.open(authorization.letter_name)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert authorization.reference in text and "MN01" in text and "home exercise" in text
    latest = Message.objects.filter(thread__participants__user=requester).latest("id")
    assert "partially approved" in latest.body and "letter" in latest.body
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_DECIDED, target_id=str(authorization.uuid)).exists()


def test_modify_changes_units_and_dates(submitted, analyst):
    authorization = submitted(codes=("E0601",))
    line = authorization.lines.get()
    same = services.LineChoice(
        decision=LineDecision.MODIFIED, units=line.units, date_from=line.date_from, date_to=line.date_to
    )
    with pytest.raises(ValidationError, match="Nothing was changed"):
        services.authorization_decide(analyst=analyst, authorization=authorization, choices={1: same})
    fewer = services.LineChoice(
        decision=LineDecision.MODIFIED, units=1, date_from=line.date_from, date_to=line.date_from
    )
    services.authorization_decide(analyst=analyst, authorization=authorization, choices={1: fewer})
    authorization.refresh_from_db()
    line.refresh_from_db()
    assert authorization.status == RequestStatus.PARTIALLY_APPROVED
    assert (line.decision, line.approved_units, line.approved_to) == (LineDecision.MODIFIED, 1, line.date_from)


def test_a_denial_without_a_coded_reason_saves_nothing(submitted, analyst):
    authorization = submitted()
    choices = {**approve(1), 2: services.LineChoice(decision=LineDecision.DENIED, note="No reason code")}
    with pytest.raises(ValidationError, match="Line 2: A denied line needs a coded reason"):
        services.authorization_decide(analyst=analyst, authorization=authorization, choices=choices)
    with pytest.raises(ValidationError, match="Line 2: Approve, modify or deny"):
        services.authorization_decide(analyst=analyst, authorization=authorization, choices=approve(1))
    authorization.refresh_from_db()
    assert authorization.status == RequestStatus.SUBMITTED and not authorization.letter_name


def test_a_second_analyst_is_told_it_was_already_decided(submitted, analyst, second_analyst):
    authorization = submitted()
    stale = AuthorizationRequest.objects.get(pk=authorization.pk)
    services.authorization_decide(analyst=analyst, authorization=authorization, choices=approve(1, 2))
    with pytest.raises(services.AlreadyDecided, match="already approved"):
        services.authorization_decide(
            analyst=second_analyst,
            authorization=stale,
            choices={n: services.LineChoice(decision=LineDecision.DENIED, reason_code="MN01") for n in (1, 2)},
        )
    assert set(stale.lines.values_list("decision", flat=True)) == {LineDecision.APPROVED}


# --- the daily warning and the metrics -------------------------------------------------------------


def test_due_soon_warns_payer_team_with_counts_only(submitted, settings):
    settings.PAYER_TEAM_EMAILS = ["team@plan.test"]
    expedited = submitted(urgency=Urgency.EXPEDITED, codes=("E0601",))
    first = expedited.due_at - datetime.timedelta(hours=2)
    result = services.due_soon_warn(now=first)
    assert (result.due_soon, result.overdue, result.emails) == (1, 0, 1)
    email = OutboundEmail.objects.get(template="payer_authorizations_due")
    assert expedited.reference not in email.body and "due within 24 hours: 1" in email.body
    # Once a day (a day of the portal's time zone): a second run the same day sends nothing.
    local = timezone.localtime(first)
    later_that_day = min(first + datetime.timedelta(hours=1), local.replace(hour=23, minute=59, second=0))
    assert services.due_soon_warn(now=later_that_day).emails == 0
    out = io.StringIO()
    call_command("authorizations_due_soon", stdout=out)
    assert "due soon" in out.getvalue()


def test_metrics_from_the_records(submitted, analyst):
    standard = submitted(codes=("72148",))
    services.authorization_extend(analyst=analyst, authorization=standard, days=3, reason="Records")
    services.authorization_decide(analyst=analyst, authorization=standard, choices=approve(1))
    expedited = submitted(urgency=Urgency.EXPEDITED, codes=("E0601",))
    services.authorization_decide(
        analyst=analyst,
        authorization=expedited,
        choices={1: services.LineChoice(decision=LineDecision.DENIED, reason_code="DOC01")},
    )
    submitted(codes=("K0823",))  # still open: received, not decided
    metrics = metrics_for_year(year=timezone.now().year)
    assert (metrics.standard.received, metrics.standard.decided, metrics.standard.approved_share) == (2, 1, 100.0)
    assert metrics.standard.approved_after_extension_share == 100.0
    assert (metrics.expedited.denied_share, metrics.expedited.approved_share) == (100.0, 0.0)
    assert metrics.expedited.median_hours is not None and metrics.approved_after_appeal_share is None
    out = io.StringIO()
    call_command("authorization_metrics", year=timezone.now().year, stdout=out)
    assert "standard_approved_percent,100.0" in out.getvalue()
    assert metrics_for_year(year=2001).standard.received == 0


def test_opening_an_attachment_or_the_letter_is_audited(submitted, analyst, requester):
    authorization = submitted()
    attachment = authorization.attachments.get()
    response = services.attachment_open(actor=analyst, attachment=attachment)
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.AUTH_ATTACHMENT_VIEWED)
    assert event.actor == analyst and event.details["attachment"] == str(attachment.uuid)
    with pytest.raises(ValidationError, match="no decision letter"):
        services.letter_open(actor=requester, authorization=authorization)
    services.authorization_decide(analyst=analyst, authorization=authorization, choices=approve(1, 2))
    authorization.refresh_from_db()
    response = services.letter_open(actor=requester, authorization=authorization)
    assert authorization.reference in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action=AuditAction.AUTH_LETTER_VIEWED, actor=requester).exists()


def test_access_rule_reaches_requests_through_the_provider_id(submitted, requester, outsider, biller, analyst):
    from accounts.models import AccessLevel

    authorization = submitted()
    level = AccessLevel.AUTHORIZATIONS
    assert list(AuthorizationRequest.objects.restrict(requester, level)) == [authorization]
    # Another TIN, the same TIN without the level, and payer staff (Control Panel only) see nothing.
    for user in (outsider, biller, analyst):
        assert not AuthorizationRequest.objects.restrict(user, level).exists()


def test_the_letter_survives_long_unbroken_words(submitted, analyst):
    authorization = submitted(codes=("E0601",))
    note = "<b>" + "x" * 1990 + "</b>"
    choices = {1: services.LineChoice(decision=LineDecision.DENIED, reason_code="DOC01", note=note)}
    services.authorization_decide(analyst=analyst, authorization=authorization, choices=choices)
    authorization.refresh_from_db()
    assert default_storage.open(authorization.letter_name).read(5) == b"%PDF-"
