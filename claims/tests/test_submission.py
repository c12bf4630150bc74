"""Claims keyed in the portal: the checks of the form (member, coverage, diagnoses, pointers,
provider TIN, line count), the draft, the submission into the claim tables, the 837P, and the
pages: who may open them, what they show, and what they cost."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AccessLevel
from accounts.tests.factories import ProviderIdentifierFactory
from audit.models import AuditAction, AuditEvent
from claims.models import Claim, ClaimDraft, ClaimDraftStatus, ClaimLine, ClaimStatus, CoverageStatus
from claims.submission import SubmissionError, claim_837p, claim_draft_submit
from claims.tests.factories import CoverageFactory, MemberFactory
from claims.tests.test_views_claims import audit_record_queries
from claims.x12_837 import validate_837p
from conftest import make_provider

pytestmark = pytest.mark.django_db
NEW = reverse("claims:submit")
DAY = datetime.date(2026, 11, 3)


@pytest.fixture
def member(db):
    member = MemberFactory(
        member_id="M100200300", first_name="Jane", last_name="Doe", date_of_birth=datetime.date(1980, 1, 2)
    )
    CoverageFactory(member=member, coverage_start=datetime.date(2026, 1, 1), coverage_end=datetime.date(2026, 12, 31))
    return member


@pytest.fixture
def second_npi(org):
    return ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Ann Smith MD")


def claim_post(npi, member, lines=2, **changes) -> dict:
    data = {
        "billing_provider": npi.value,
        "rendering_provider": "",
        "member_id": member.member_id.lower(),
        "member_birth_date": member.date_of_birth.isoformat(),
        "patient_account": "ACCT-17",
        "note": "Follow-up visit",
        "diagnosis_A": "e119",
        "diagnosis_B": "I10",
        "lines-TOTAL_FORMS": str(lines),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "action": "save",
    }
    for index in range(lines):
        data.update(
            {
                f"lines-{index}-procedure_code": "99213" if index == 0 else "81002",
                f"lines-{index}-modifiers": "25" if index == 0 else "",
                f"lines-{index}-pointers": "A,B" if index == 0 else "A",
                f"lines-{index}-date_from": DAY.isoformat(),
                f"lines-{index}-date_to": "",
                f"lines-{index}-place_of_service": "11",
                f"lines-{index}-units": "1",
                f"lines-{index}-charge": "125.00" if index == 0 else "12.50",
            }
        )
    data.update(changes)
    return data


def save_draft(client, npi, member, **changes):
    return client.post(NEW, claim_post(npi, member, **changes))


# --- rules -------------------------------------------------------------------------------------------


def test_a_keyed_claim_is_saved_as_a_draft_then_submitted_as_received(client, login_as, biller, npi, member):
    login_as(biller)
    response = save_draft(client, npi, member)
    draft = ClaimDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("claims:submit_draft", args=[draft.uuid])
    assert draft.status == ClaimDraftStatus.DRAFT and draft.member_id == "M100200300"
    assert draft.data["diagnoses"] == ["E11.9", "I10"]
    assert [line["pointers"] for line in draft.data["lines"]] == [[1, 2], [1]]
    assert not Claim.objects.exists()

    claim = claim_draft_submit(actor=biller, draft=draft)
    assert claim.status == ClaimStatus.RECEIVED and claim.claim_number.startswith("P")
    assert claim.billed_amount == Decimal("137.50") and claim.member_name == "Jane Doe"
    assert claim.diagnosis_codes == ["E11.9", "I10"] and claim.provider_identifier == npi
    assert list(ClaimLine.objects.filter(claim=claim).values_list("line_number", "procedure_code", "modifiers")) == [
        (1, "99213", "25"),
        (2, "81002", ""),
    ]
    draft.refresh_from_db()
    assert draft.status == ClaimDraftStatus.SUBMITTED and draft.claim == claim
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert AuditAction.CLAIM_DRAFT_SAVED in actions and AuditAction.CLAIM_SUBMITTED in actions
    with pytest.raises(SubmissionError):
        claim_draft_submit(actor=biller, draft=draft)
    assert Claim.objects.count() == 1


def test_the_837p_validates_with_pyx12(client, login_as, biller, npi, second_npi, member):
    login_as(biller)
    from accounts.services.access import scope_add

    scope_add(actor=None, user=biller, provider_identifiers=[second_npi])
    save_draft(client, npi, member, rendering_provider=second_npi.value, **{"lines-1-date_to": "2026-11-04"})
    draft = ClaimDraft.objects.get()
    claim_draft_submit(actor=biller, draft=draft)
    draft.refresh_from_db()
    text, problems = claim_837p(draft)
    assert problems == []
    assert f"CLM*{draft.claim.claim_number}*137.5***11:B:1" in text
    assert "HI*ABK:E119*ABF:I10~" in text and "SV1*HC:99213:25*125*UN*1***1:2~" in text
    assert "DTP*472*RD8*20261103-20261104~" in text and "NM1*82*2*" in text
    assert validate_837p(text.replace("SE*", "SE*9")) != []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"diagnosis_B": "E11"}, "diagnosis_B", "not a billable ICD-10-CM code"),
        ({"diagnosis_B": "XYZ.1"}, "diagnosis_B", "not a billable ICD-10-CM code"),
        ({"lines-0-pointers": "A,C"}, "pointers", "No diagnosis C is entered"),
        ({"lines-0-pointers": "A,B,C,D,E"}, "pointers", "1 to 4 diagnosis letters"),
        ({"member_birth_date": "1980-01-03"}, "member_id", "No member matches"),
        ({"lines-1-date_from": "2025-06-01"}, "date_from", "no coverage in effect on 06/01/2025"),
        ({"lines-0-date_to": "2027-01-02"}, "date_to", "no coverage in effect"),
        ({"lines-0-procedure_code": "9921"}, "procedure_code", "5-character CPT or HCPCS"),
        ({"lines-0-modifiers": "25,59,76,77,91"}, "modifiers", "up to 4 modifiers"),
        ({"note": "bad~segment"}, "note", "Leave out the characters"),
    ],
)
def test_bad_input_is_marked_next_to_the_field_and_saves_nothing(
    client, login_as, biller, npi, member, changes, field, message
):
    login_as(biller)
    response = save_draft(client, npi, member, **changes)
    assert response.status_code == 400
    header, lines = response.context["header"], response.context["lines"]
    errors = [str(e) for e in header.errors.get(field, [])]
    errors += [str(e) for form in lines.forms for e in form.errors.get(field, [])]
    assert any(message in e for e in errors), (header.errors, lines.errors)
    assert message.split(" on ")[0] in response.content.decode().replace("&#x27;", "'")
    assert not ClaimDraft.objects.exists() and not Claim.objects.exists()


def test_a_provider_id_of_another_tin_is_refused(client, login_as, biller, npi, other_npi, member):
    login_as(biller)
    response = save_draft(client, npi, member, billing_provider=other_npi.value)
    assert response.status_code == 400 and "billing_provider" in response.context["header"].errors
    # An NPI of another TIN in the user's scope still cannot render for this billing NPI.
    biller_both = make_provider("both@example.test", other_npi.organization, [AccessLevel.CLAIMS], [other_npi])
    from accounts.services.access import access_levels_set, scope_add

    access_levels_set(actor=None, user=biller_both, organization=npi.organization, levels=[AccessLevel.CLAIMS])
    scope_add(actor=None, user=biller_both, provider_identifiers=[npi])
    login_as(biller_both)
    response = save_draft(client, npi, member, rendering_provider=other_npi.value)
    assert response.status_code == 400
    assert "another TIN" in str(response.context["header"].errors["rendering_provider"])
    assert not ClaimDraft.objects.exists()


def test_more_than_50_lines_are_refused(client, login_as, biller, npi, member):
    login_as(biller)
    response = save_draft(client, npi, member, lines=51, **{"lines-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 400
    assert "50" in " ".join(response.context["lines"].non_form_errors())
    assert not ClaimDraft.objects.exists()


def test_no_line_and_a_missing_principal_diagnosis_are_refused(client, login_as, biller, npi, member):
    login_as(biller)
    response = save_draft(client, npi, member, lines=0, diagnosis_A="")
    assert response.status_code == 400
    assert "diagnosis_A" in response.context["header"].errors
    assert "at least one service line" in " ".join(response.context["lines"].non_form_errors())


def test_terminated_coverage_does_not_cover_later_days(client, login_as, biller, npi):
    member = MemberFactory(member_id="M9", date_of_birth=datetime.date(1970, 5, 5))
    CoverageFactory(
        member=member,
        coverage_start=datetime.date(2025, 1, 1),
        coverage_end=datetime.date(2026, 10, 31),
        status=CoverageStatus.TERMINATED,
    )
    login_as(biller)
    assert save_draft(client, npi, member).status_code == 400
    assert not ClaimDraft.objects.exists()


def test_add_a_line_posts_back_one_more_row_and_checks_nothing(client, login_as, biller, npi, member):
    login_as(biller)
    response = client.post(NEW, claim_post(npi, member, action="add_line", diagnosis_B="E11"))
    assert response.status_code == 200
    assert response.context["lines"].total_form_count() == 3
    assert not response.context["header"].errors
    body = response.content.decode()
    assert 'value="99213"' in body and 'name="lines-2-procedure_code"' in body
    assert not ClaimDraft.objects.exists()
    # The row added stays empty and is ignored; the others are saved.
    data = claim_post(npi, member, lines=3, **{"lines-INITIAL_FORMS": "3"})
    for name in ("procedure_code", "pointers", "date_from", "charge", "modifiers"):
        data[f"lines-2-{name}"] = ""
    assert client.post(NEW, data).status_code == 302
    assert len(ClaimDraft.objects.get().data["lines"]) == 2


def test_a_draft_is_edited_in_place(client, login_as, biller, npi, member):
    login_as(biller)
    save_draft(client, npi, member)
    draft = ClaimDraft.objects.get()
    page = client.get(reverse("claims:submit_edit", args=[draft.uuid]))
    assert page.status_code == 200 and 'value="E11.9"' in page.content.decode()
    response = client.post(reverse("claims:submit_edit", args=[draft.uuid]), claim_post(npi, member, lines=1))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert len(draft.data["lines"]) == 1 and ClaimDraft.objects.count() == 1


# --- pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def draft(client, login_as, biller, npi, member):
    login_as(biller)
    save_draft(client, npi, member)
    client.logout()
    return ClaimDraft.objects.get()


def draft_urls(draft):
    return [
        reverse("claims:submit_draft", args=[draft.uuid]),
        reverse("claims:submit_edit", args=[draft.uuid]),
        reverse("claims:submit_837p", args=[draft.uuid]),
    ]


def test_anonymous_is_sent_to_login(client, draft):
    for url in [
        NEW,
        reverse("claims:submit_drafts"),
        *draft_urls(draft),
        reverse("claims:submit_send", args=[draft.uuid]),
    ]:
        response = client.get(url) if not url.endswith("/submit/") or url == NEW else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_wrong_method_is_405(client, login_as, biller, draft):
    login_as(biller)
    assert client.get(reverse("claims:submit_send", args=[draft.uuid])).status_code == 405
    for url in [
        reverse("claims:submit_drafts"),
        reverse("claims:submit_draft", args=[draft.uuid]),
        reverse("claims:submit_837p", args=[draft.uuid]),
    ]:
        assert client.post(url).status_code == 405
    assert client.delete(NEW).status_code == 405


def test_outsider_gets_404(client, login_as, outsider, draft):
    login_as(outsider)
    for url in draft_urls(draft):
        assert client.get(url).status_code == 404
    assert client.post(reverse("claims:submit_send", args=[draft.uuid])).status_code == 404
    assert draft.uuid.hex not in client.get(reverse("claims:submit_drafts")).content.decode().replace("-", "")
    assert not Claim.objects.exists()


def test_without_claims_the_pages_are_403(client, login_as, org, draft):
    eligibility_only = make_provider("front@example.test", org, [AccessLevel.ELIGIBILITY])
    login_as(eligibility_only)
    for url in [NEW, reverse("claims:submit_drafts"), *draft_urls(draft)]:
        assert client.get(url).status_code == 403


def test_happy_path_pages_and_download(client, login_as, biller, draft):
    login_as(biller)
    page = client.get(reverse("claims:submit_draft", args=[draft.uuid]))
    assert page.status_code == 200 and b"Submit claim" in page.content and b"E11.9" in page.content
    assert draft.member_id.encode() in client.get(reverse("claims:submit_drafts")).content
    response = client.post(reverse("claims:submit_send", args=[draft.uuid]))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("claims:detail", args=[claim.claim_number])
    listing = client.get(reverse("claims:list"))
    assert claim.claim_number.encode() in listing.content
    download = client.get(reverse("claims:submit_837p", args=[draft.uuid]))
    assert download.status_code == 200 and download["Content-Disposition"].endswith(f'{claim.claim_number}.837p.x12"')
    assert validate_837p(download.content.decode()) == []
    assert AuditEvent.objects.filter(action=AuditAction.CLAIM_837_DOWNLOADED).count() == 1
    # Submitted: no longer editable, and a second submit changes nothing.
    assert client.get(reverse("claims:submit_edit", args=[draft.uuid])).status_code == 404
    client.post(reverse("claims:submit_send", args=[draft.uuid]))
    assert Claim.objects.count() == 1


def test_query_counts(client, login_as, biller, draft, django_assert_num_queries):
    login_as(biller)
    client.get(NEW)
    # session, user, device, the user's levels (decorator), the NPIs with Claims in scope, the
    # Message Box unread count of the header.
    with django_assert_num_queries(6):
        assert client.get(NEW).status_code == 200
    # session, user, device, levels, the draft with its provider, organization and claim, unread count.
    with django_assert_num_queries(6):
        assert client.get(reverse("claims:submit_draft", args=[draft.uuid])).status_code == 200
    # session, user, device, levels, the draft, then the audit row of the download (no page header).
    with django_assert_num_queries(5 + audit_record_queries()):
        assert client.get(reverse("claims:submit_837p", args=[draft.uuid])).status_code == 200


def test_an_837p_the_checker_refuses_is_not_offered(client, login_as, biller, draft, monkeypatch):
    from claims import views_submit
    from claims.x12 import Problem

    monkeypatch.setattr(views_submit, "claim_837p", lambda d: ("ISA*...", [Problem(3, "CLM", "bad amount")]))
    login_as(biller)
    response = client.get(reverse("claims:submit_837p", args=[draft.uuid]))
    assert response.status_code == 500 and b"line 3, segment CLM: bad amount" in response.content
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditEvent.objects.filter(action=AuditAction.CLAIM_837_DOWNLOADED).exists()
