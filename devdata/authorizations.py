"""Demo prior authorizations for ``seed_demo``: the plan's two tables from the demo CSV files, and
one request of Marge Manager's in every status (one expedited request due within the day, one
standard request overdue), built through the services as a provider and an analyst would.

Run again, it reloads the tables and adds no second set of requests.
"""

import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import ProviderIdentifier, User
from authorizations import services
from authorizations.models import AuthorizationRequest, Category, LineDecision, PlaceOfService, RequestType, Urgency
from authorizations.tables import denial_reasons_load, services_load
from claims.models import Member

DATA = Path(services.__file__).resolve().parent / "data"
REQUESTER = "manager@demo.test"
ANALYST = "analyst@demo.test"


def load_demo_tables() -> None:
    with open(DATA / "demo_services.csv", newline="", encoding="utf-8") as handle:
        services_load(handle)
    with open(DATA / "demo_denial_reasons.csv", newline="", encoding="utf-8") as handle:
        denial_reasons_load(handle)


def a_pdf(name: str = "clinical-notes.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% demo clinical notes\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def draft_for(*, requester, provider, member, codes=("72148", "97110"), urgency=Urgency.STANDARD, attach=True):
    """A draft with every step filled in, at the review step."""
    day = timezone.localdate() + datetime.timedelta(days=3)
    draft = services.draft_member_set(
        actor=requester, member_id=member.member_id, date_of_birth=member.date_of_birth, planned_service_date=day
    )
    services.draft_providers_set(
        actor=requester,
        draft=draft,
        data=services.ProvidersInput(
            requesting_provider=provider,
            servicing_npi="1234567893",
            servicing_name="Springfield General Hospital",
            request_type=RequestType.INITIAL,
            category=Category.OUTPATIENT if codes[0][0].isdigit() else Category.DME,
            urgency=urgency,
            expedited_attested=urgency == Urgency.EXPEDITED,
            place_of_service=PlaceOfService.OUTPATIENT_HOSPITAL_ON,
        ),
    )
    services.draft_diagnoses_set(actor=requester, draft=draft, codes=["M54.50"])
    services.draft_lines_set(
        actor=requester,
        draft=draft,
        lines=[
            services.LineInput(code=code, units=index + 1, date_from=day, date_to=day + datetime.timedelta(days=30))
            for index, code in enumerate(codes)
        ],
    )
    services.draft_attachments_add(actor=requester, draft=draft, files=[a_pdf()] if attach else [])
    return draft


def _received(authorization: AuthorizationRequest, hours_ago: float) -> None:
    """Move a demo request's receipt into the past (its due time with it)."""
    received = timezone.now() - datetime.timedelta(hours=hours_ago)
    due = services.due_at_for(urgency=authorization.urgency, received_at=received)
    AuthorizationRequest.objects.filter(pk=authorization.pk).update(received_at=received, due_at=due)
    authorization.refresh_from_db()


def seed_demo_authorizations() -> int:
    """The tables, and the demo requests unless they exist. Returns the number of requests added."""
    load_demo_tables()
    requester = User.objects.get(email=REQUESTER)
    if AuthorizationRequest.objects.filter(created_by=requester).exists():
        return 0
    analyst = User.objects.get(email=ANALYST)
    provider = ProviderIdentifier.objects.get(kind="npi", value="1234567893")
    members = {m.member_id: m for m in Member.objects.prefetch_related("coverages")}

    def submitted(member_id, codes, urgency=Urgency.STANDARD, hours_ago=1.0):
        draft = draft_for(
            requester=requester, provider=provider, member=members[member_id], codes=codes, urgency=urgency
        )
        authorization = services.authorization_submit(actor=requester, draft=draft, confirm_duplicate=True)
        _received(authorization, hours_ago)
        return authorization

    draft_for(requester=requester, provider=provider, member=members["M100200302"], codes=("27447",))
    # Expedited, received 62 hours ago: due within the day.
    submitted("M100200301", ("70551",), Urgency.EXPEDITED, hours_ago=62)
    # Standard, received 8 days ago: overdue.
    overdue = submitted("M100200303", ("E0601",), hours_ago=8 * 24)
    services.authorization_take(analyst=analyst, authorization=overdue)
    waiting = submitted("M100200304", ("72148", "97110"), hours_ago=30)
    services.information_request(
        analyst=analyst,
        authorization=waiting,
        needed="Notes of the six weeks of physical therapy tried before the MRI.",
        deadline=timezone.localdate() + datetime.timedelta(days=2),
    )
    approved = submitted("M100200306", ("E0260",), hours_ago=50)
    services.authorization_decide(
        analyst=analyst, authorization=approved, choices={1: services.LineChoice(decision=LineDecision.APPROVED)}
    )
    partial = submitted("M100200309", ("29881", "97110"), hours_ago=100)
    services.authorization_extend(analyst=analyst, authorization=partial, days=5, reason="Waiting for the MRI report.")
    services.authorization_decide(
        analyst=analyst,
        authorization=partial,
        choices={
            1: services.LineChoice(decision=LineDecision.APPROVED),
            2: services.LineChoice(
                decision=LineDecision.DENIED, reason_code="ALT01", note="A home exercise program comes first."
            ),
        },
    )
    denied = submitted("M100200310", ("K0823",), Urgency.EXPEDITED, hours_ago=20)
    services.authorization_decide(
        analyst=analyst,
        authorization=denied,
        choices={1: services.LineChoice(decision=LineDecision.DENIED, reason_code="DOC01")},
    )
    withdrawn = submitted("M100200313", ("J0178",), hours_ago=5)
    services.authorization_withdraw(actor=requester, authorization=withdrawn, reason="The treatment was changed.")
    return 8
