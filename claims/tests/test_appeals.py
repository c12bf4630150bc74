"""Appeals and reconsiderations: the rules of submitting, taking and deciding, the documents'
checks, the pages and who may open them."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import UserKind
from accounts.tests.factories import UserFactory
from audit.models import AuditAction, AuditEvent
from claims.appeal_services import AppealError, appeal_decide, appeal_submit, appeal_take
from claims.models import Appeal, AppealDocument, AppealStatus
from claims.tests.factories import ClaimFactory
from mailbox.models import Thread, ThreadKind

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%test document\n"
EXE = b"MZ\x90\x00" + b"\x00" * 60


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def claim(npi):
    return ClaimFactory(provider_identifier=npi, claim_number="C2026000555", status="denied")


@pytest.fixture
def analyst(db):
    return UserFactory(email="analyst@example.test", full_name="Ann Analyst", kind=UserKind.PAYER_STAFF)


def submit(biller, claim, **overrides):
    values = {"kind": "appeal", "reason": "coding", "note": "Modifier 25 applies.", "files": []}
    return appeal_submit(actor=biller, claim=claim, **{**values, **overrides})


def test_submit_sets_the_due_date_by_kind_and_audits(biller, claim, settings):
    settings.RECONSIDERATION_DUE_DAYS, settings.APPEAL_DUE_DAYS = 30, 60
    appeal = submit(biller, claim, files=[SimpleUploadedFile("scan.pdf", PDF)])
    assert appeal.due_on == timezone.localdate() + datetime.timedelta(days=60)
    assert appeal.status == AppealStatus.SUBMITTED
    document = appeal.documents.get()
    assert (document.content_type, document.original_name) == ("application/pdf", "scan.pdf")
    assert "scan" not in document.storage_name
    event = AuditEvent.objects.get(action=AuditAction.APPEAL_SUBMITTED)
    assert event.details == {"claim_number": claim.claim_number, "kind": "appeal", "reason": "coding", "documents": 1}


def test_reconsideration_is_due_sooner(biller, claim, settings):
    settings.RECONSIDERATION_DUE_DAYS = 30
    appeal = submit(biller, claim, kind="reconsideration")
    assert appeal.due_on == timezone.localdate() + datetime.timedelta(days=30)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"note": "  "}, "note", "Explain why"),
        ({"reason": "because"}, "reason", "Choose the reason"),
        ({"kind": "complaint"}, "kind", "Choose a reconsideration"),
        ({"files": [SimpleUploadedFile("virus.pdf", EXE)]}, "files", "is not a PDF"),
        ({"files": [SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)]}, "files", "a file may be up to"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(biller, claim, settings, overrides, field, words):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(AppealError) as caught:
        submit(biller, claim, **overrides)
    assert words in caught.value.message_dict[field][0]
    assert not Appeal.objects.exists() and not AppealDocument.objects.exists()


def test_one_open_appeal_per_claim(biller, claim):
    submit(biller, claim)
    with pytest.raises(AppealError, match="already has an open appeal"):
        submit(biller, claim)


def test_a_claim_out_of_reach_cannot_be_appealed(outsider, claim):
    with pytest.raises(AppealError, match="no longer yours"):
        submit(outsider, claim)


def test_take_then_decide_notifies_the_filer(biller, claim, analyst):
    appeal = submit(biller, claim)
    with pytest.raises(AppealError, match="Take the appeal"):
        appeal_decide(actor=analyst, appeal=appeal, outcome="overturned", reason="Records support it.")
    appeal_take(actor=analyst, appeal=appeal)
    with pytest.raises(AppealError) as caught:
        appeal_decide(actor=analyst, appeal=appeal, outcome="overturned", reason="")
    assert "Give the reason" in caught.value.message_dict["reason"][0]
    appeal = appeal_decide(actor=analyst, appeal=appeal, outcome="overturned", reason="Records support it.")
    assert (appeal.status, appeal.decided_by) == (AppealStatus.OVERTURNED, analyst)
    notice = Thread.objects.get(kind=ThreadKind.SYSTEM)
    assert claim.claim_number in notice.subject
    with pytest.raises(AppealError, match="already decided"):
        appeal_take(actor=analyst, appeal=appeal)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.APPEAL_TAKEN, AuditAction.APPEAL_DECIDED} <= actions


# --- the pages -------------------------------------------------------------------------------------


def test_biller_appeals_from_the_claim_page(client, login_as, biller, claim):
    login_as(biller)
    url = reverse("claims:appeal_new", args=[claim.claim_number])
    assert (
        reverse("claims:appeal_new", args=[claim.claim_number])
        in client.get(reverse("claims:detail", args=[claim.claim_number])).content.decode()
    )
    response = client.post(url, {"kind": "appeal", "reason": "coding", "note": ""})
    assert response.status_code == 400 and "Correct the marked fields" in response.content.decode()
    response = client.post(
        url,
        {"kind": "appeal", "reason": "coding", "note": "See records.", "files": [SimpleUploadedFile("a.pdf", PDF)]},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    body = client.get(reverse("claims:detail", args=[claim.claim_number])).content.decode()
    assert "Appeal submitted" in body and "a.pdf" in body and "Decision due" in body
    document = client.get(reverse("claims:appeal_document", args=[appeal.uuid, appeal.documents.get().uuid]))
    assert b"".join(document.streaming_content) == PDF and document["X-Content-Type-Options"] == "nosniff"
    # No letter before the decision
    assert client.get(reverse("claims:appeal_letter", args=[appeal.uuid])).status_code == 404


def test_outsider_gets_404_on_everything_of_an_appeal(client, login_as, biller, outsider, claim):
    appeal = submit(biller, claim, files=[SimpleUploadedFile("a.pdf", PDF)])
    login_as(outsider)
    for url in (
        reverse("claims:appeal_new", args=[claim.claim_number]),
        reverse("claims:appeal_document", args=[appeal.uuid, appeal.documents.get().uuid]),
        reverse("claims:appeal_letter", args=[appeal.uuid]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("claims:appeal_new", args=[claim.claim_number]), {"note": "x"}).status_code == 404


def test_analyst_queue_take_decide_and_letter(client, login_as, biller, analyst, claim):
    appeal = submit(biller, claim)
    login_as(analyst)
    queue = client.get(reverse("control_panel:appeals")).content.decode()
    assert claim.claim_number in queue
    page = reverse("control_panel:appeal", args=[appeal.uuid])
    assert client.get(reverse("control_panel:appeal_take", args=[appeal.uuid])).status_code == 405
    assert client.post(reverse("control_panel:appeal_take", args=[appeal.uuid])).status_code == 302
    bad = client.post(reverse("control_panel:appeal_decide", args=[appeal.uuid]), {"outcome": "upheld"})
    assert bad.status_code == 400 and "Reason for the decision" in bad.content.decode()
    done = client.post(
        reverse("control_panel:appeal_decide", args=[appeal.uuid]), {"outcome": "partly", "reason": "Line 1 only."}
    )
    assert done.status_code == 302 and "Partly overturned" in client.get(page).content.decode()
    login_as(biller)
    letter = client.get(reverse("claims:appeal_letter", args=[appeal.uuid]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages)
    assert "Partly overturned" in text and "Line 1 only." in text and claim.claim_number in text


def test_providers_cannot_open_the_queue(client, login_as, biller, claim):
    appeal = submit(biller, claim)
    login_as(biller)
    assert client.get(reverse("control_panel:appeals")).status_code == 403
    assert client.post(reverse("control_panel:appeal_take", args=[appeal.uuid])).status_code == 403
