"""Every write of prior authorizations: the provider's draft steps, submission, attachments,
answers and withdrawal; the plan's take, request for information, extension and per-line decision
with its letter. Each is one transaction with its audit event, timeline line and Message Box notice
(the email of a notice only says a new message is waiting).

The clocks: ``received_at`` is the submission; ``due_at`` is AUTH_EXPEDITED_HOURS later for an
expedited request and AUTH_STANDARD_DAYS calendar days later for a standard one. An extension (standard
requests only, once, with a reason) adds up to AUTH_EXTENSION_MAX_DAYS days. A request for
information pauses the clock only with AUTH_INFO_REQUEST_PAUSES_CLOCK: the due time then moves by
the time the plan waited.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.access import user_may
from accounts.models import AccessLevel, ProviderIdentifier, User
from accounts.validators import validate_npi
from audit.models import AuditAction
from audit.services import record
from authorizations.models import (
    DECIDED_STATUSES,
    MAX_DIAGNOSES,
    MAX_LINES,
    MAX_MODIFIERS,
    OPEN_STATUSES,
    Attachment,
    AuthorizationRequest,
    AuthorizationService,
    Category,
    DenialReason,
    Diagnosis,
    Event,
    EventKind,
    LineDecision,
    PlaceOfService,
    RequestStatus,
    RequestType,
    ServiceLine,
    Urgency,
)
from claims.models import Coverage, Member
from core import pdf, uploads
from mailbox.services import system_notify
from outbox.services import email_enqueue_template

TEXT_MAX = 2000
MAX_UNITS = 9999


class AlreadyDecided(Exception):
    """Another analyst decided (or the provider withdrew) the request first."""

    def __init__(self, authorization: AuthorizationRequest):
        super().__init__(f"{authorization.reference} was already {authorization.get_status_display().lower()}.")
        self.authorization = authorization


class DuplicateOpenRequest(Exception):
    """An open request already covers the same member, code and dates."""

    def __init__(self, references: list[str]):
        super().__init__("An open request already covers this member, code and dates: " + ", ".join(references) + ".")
        self.references = references


# --- clocks ----------------------------------------------------------------------------------------


def due_at_for(*, urgency: str, received_at: datetime.datetime) -> datetime.datetime:
    if urgency == Urgency.EXPEDITED:
        return received_at + datetime.timedelta(hours=settings.AUTH_EXPEDITED_HOURS)
    return received_at + datetime.timedelta(days=settings.AUTH_STANDARD_DAYS)


# --- shared pieces ---------------------------------------------------------------------------------


def _text(value: str, *, field: str, required: bool = False, label: str = "This") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"{label} is required."})
    if len(value) > TEXT_MAX:
        raise ValidationError({field: f"{label} is at most {TEXT_MAX:,} characters."})
    return value


def _event(authorization: AuthorizationRequest, kind: str, actor: User | None, text: str = "") -> Event:
    return Event.objects.create(request=authorization, kind=kind, at=timezone.now(), actor=actor, text=text)


def _organization(authorization: AuthorizationRequest):
    provider = authorization.requesting_provider
    return provider.organization if provider is not None else None


def _audit(action: str, actor: User | None, authorization: AuthorizationRequest, request=None, **details) -> None:
    record(
        action=action,
        actor=actor,
        target=authorization,
        organization=_organization(authorization),
        details={"reference": authorization.reference, "status": authorization.status, **details},
        request=request,
    )


def _link(url_name: str, *args, fallback: str = "") -> str:
    """The page's full address; a page not installed in the URL map gives ``fallback`` (as the
    navigation leaves out items whose page is not there)."""
    try:
        return settings.SITE_URL + reverse(url_name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL + reverse(fallback) if fallback else ""


def detail_url(authorization: AuthorizationRequest) -> str:
    return _link("authorizations:detail", authorization.uuid, fallback="portal:dashboard")


def _notify(authorization: AuthorizationRequest, headline: str, body: str = "") -> None:
    """The requester's Message Box notice of a status change (the email says only "new message")."""
    text = f"{headline}\n\n{body}\n\n" if body else f"{headline}\n\n"
    system_notify(
        user=authorization.created_by,
        subject=f"Prior authorization {authorization.reference}: {authorization.get_status_display()}",
        body=text + f"See the request: {detail_url(authorization)}",
        organization=_organization(authorization),
    )


def _provider_may(actor: User, authorization: AuthorizationRequest) -> None:
    provider = authorization.requesting_provider
    if provider is not None and not user_may(
        user=actor, level=AccessLevel.AUTHORIZATIONS, provider_identifier=provider
    ):
        raise PermissionDenied("You no longer hold Authorizations for this provider ID.")


def _own_draft(actor: User, authorization: AuthorizationRequest) -> None:
    if authorization.status != RequestStatus.DRAFT:
        raise ValidationError("This request was submitted: it can no longer be changed.")
    if authorization.created_by_id != actor.pk:
        raise PermissionDenied("Only the author of a draft changes it.")
    _provider_may(actor, authorization)


def _payer(actor: User) -> None:
    if not actor.is_payer_staff or not actor.is_active:
        raise PermissionDenied("Only the plan's staff review prior authorizations.")


def _lock(authorization: AuthorizationRequest) -> AuthorizationRequest:
    return AuthorizationRequest.objects.select_for_update().get(pk=authorization.pk)


def coverage_on(member: Member, day: datetime.date) -> list[Coverage]:
    return [span for span in member.coverages.all() if span.covers(day)]


# --- step 1: the member ----------------------------------------------------------------------------


def member_find(*, member_id: str, date_of_birth: datetime.date) -> Member:
    """The member with exactly this ID and birth date (a wrong birth date finds nothing)."""
    member = (
        Member.objects.filter(member_id=(member_id or "").strip().upper(), date_of_birth=date_of_birth)
        .prefetch_related("coverages")
        .first()
    )
    if member is None:
        raise ValidationError({"member_id": "No member has this member ID and birth date. Check both."})
    return member


@transaction.atomic
def draft_member_set(
    *,
    actor: User,
    member_id: str,
    date_of_birth: datetime.date,
    planned_service_date: datetime.date,
    draft: AuthorizationRequest | None = None,
    request=None,
) -> AuthorizationRequest:
    """Step 1: find the member and start (or change) a draft. The member must be covered on the
    planned service date."""
    if actor.is_payer_staff:
        raise PermissionDenied("Prior authorizations are requested by providers.")
    member = member_find(member_id=member_id, date_of_birth=date_of_birth)
    if not coverage_on(member, planned_service_date):
        raise ValidationError(
            {"planned_service_date": f"The member has no coverage on {planned_service_date:%m/%d/%Y}."}
        )
    now = timezone.now()
    if draft is None:
        draft = AuthorizationRequest.objects.create(
            created_by=actor, created_at=now, member=member, planned_service_date=planned_service_date, step=2
        )
        draft.reference = f"PA-{now.year}-{draft.pk:06d}"
        draft.save(update_fields=["reference"])
        _event(draft, EventKind.CREATED, actor)
    else:
        _own_draft(actor, draft)
        draft.member, draft.planned_service_date = member, planned_service_date
        draft.step = max(draft.step, 2)
        draft.save(update_fields=["member", "planned_service_date", "step", "updated_at"])
    _audit(AuditAction.AUTH_DRAFT_SAVED, actor, draft, request, step="member", member_id=member.member_id)
    return draft


# --- step 2: providers and the kind of request -----------------------------------------------------


@dataclass(frozen=True)
class ProvidersInput:
    requesting_provider: ProviderIdentifier | None
    servicing_npi: str
    servicing_name: str
    request_type: str
    category: str
    urgency: str
    place_of_service: str
    expedited_attested: bool = False
    admission_date: datetime.date | None = None
    length_of_stay: int | None = None


def providers_problems(*, actor: User, data: ProvidersInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    provider = data.requesting_provider
    if provider is None or not user_may(user=actor, level=AccessLevel.AUTHORIZATIONS, provider_identifier=provider):
        problems["requesting_provider"] = "Choose one of your provider IDs where you hold Authorizations."
    try:
        validate_npi(data.servicing_npi)
    except ValidationError as error:
        problems["servicing_npi"] = error.messages[0]
    if not data.servicing_name.strip():
        problems["servicing_name"] = "Name the servicing provider or facility."
    elif len(data.servicing_name) > 200:
        problems["servicing_name"] = "A name is at most 200 characters."
    if data.request_type not in RequestType.values:
        problems["request_type"] = "Choose the type of request."
    if data.category not in Category.values:
        problems["category"] = "Choose the category."
    if data.urgency not in Urgency.values:
        problems["urgency"] = "Choose standard or expedited."
    elif data.urgency == Urgency.EXPEDITED and not data.expedited_attested:
        problems["expedited_attested"] = "An expedited request needs the attestation."
    if data.place_of_service not in PlaceOfService.values:
        problems["place_of_service"] = "Choose the place of service."
    if data.category == Category.INPATIENT:
        if data.admission_date is None:
            problems["admission_date"] = "An inpatient admission needs the admission date."
        if not data.length_of_stay or not 1 <= data.length_of_stay <= 365:
            problems["length_of_stay"] = "Give the expected length of stay, 1 to 365 days."
    return problems


@transaction.atomic
def draft_providers_set(
    *, actor: User, draft: AuthorizationRequest, data: ProvidersInput, request=None
) -> AuthorizationRequest:
    """Step 2: the requesting provider ID (one the user may use for Authorizations), the servicing
    NPI, the type, category, urgency and place of service."""
    _own_draft(actor, draft)
    problems = providers_problems(actor=actor, data=data)
    if problems:
        raise ValidationError(problems)
    inpatient = data.category == Category.INPATIENT
    draft.requesting_provider = data.requesting_provider
    draft.servicing_npi = data.servicing_npi
    draft.servicing_name = data.servicing_name.strip()
    draft.request_type, draft.category, draft.urgency = data.request_type, data.category, data.urgency
    draft.expedited_attested = data.urgency == Urgency.EXPEDITED and data.expedited_attested
    draft.place_of_service = data.place_of_service
    draft.admission_date = data.admission_date if inpatient else None
    draft.length_of_stay = data.length_of_stay if inpatient else None
    draft.step = max(draft.step, 3)
    draft.save()
    _audit(AuditAction.AUTH_DRAFT_SAVED, actor, draft, request, step="providers")
    return draft


# --- step 3: diagnoses -----------------------------------------------------------------------------


def diagnosis_check(raw: str) -> tuple[str, str]:
    """A billable ICD-10-CM code (a leaf of the CMS code set, not a category) → (code with its
    dot, description). ValidationError in words otherwise."""
    # Imported on first use: the package reads the whole CMS code set when imported.
    import simple_icd_10_cm as icd

    code = (raw or "").strip().upper()
    if not code:
        raise ValidationError("Enter an ICD-10-CM code.")
    if not icd.is_valid_item(code):
        raise ValidationError(f"{code} is not an ICD-10-CM code.")
    if not icd.is_leaf(code):
        raise ValidationError(f"{code} is a category, not a billable code: give the full code (e.g. {code}.9).")
    return icd.add_dot(icd.remove_dot(code)), icd.get_description(code)


@transaction.atomic
def draft_diagnoses_set(
    *, actor: User, draft: AuthorizationRequest, codes: list[str], request=None
) -> AuthorizationRequest:
    """Step 3: 1 to 12 billable ICD-10-CM codes, in order; a bad code saves nothing."""
    _own_draft(actor, draft)
    codes = [c for c in (c.strip() for c in codes) if c]
    if not 1 <= len(codes) <= MAX_DIAGNOSES:
        raise ValidationError({"codes": f"Give 1 to {MAX_DIAGNOSES} diagnosis codes."})
    checked, problems = [], []
    for index, raw in enumerate(codes, start=1):
        try:
            checked.append(diagnosis_check(raw))
        except ValidationError as error:
            problems.append(f"Diagnosis {index}: {error.messages[0]}")
    if problems:
        raise ValidationError({"codes": problems})
    if len({code for code, _ in checked}) != len(checked):
        raise ValidationError({"codes": "Each diagnosis code may be given once."})
    draft.diagnoses.all().delete()
    Diagnosis.objects.bulk_create(
        [
            Diagnosis(request=draft, position=index, code=code, description=description[:300])
            for index, (code, description) in enumerate(checked, start=1)
        ]
    )
    draft.step = max(draft.step, 4)
    draft.save(update_fields=["step", "updated_at"])
    _audit(AuditAction.AUTH_DRAFT_SAVED, actor, draft, request, step="diagnoses", codes=[c for c, _ in checked])
    return draft


# --- step 4: service lines -------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    code: str
    units: int | None
    date_from: datetime.date | None
    date_to: datetime.date | None
    modifiers: str = ""


def known_services(codes) -> dict[str, AuthorizationService]:
    return {s.code: s for s in AuthorizationService.objects.filter(code__in=[c.strip().upper() for c in codes])}


def line_problems(lines: list[LineInput], services: dict[str, AuthorizationService]) -> dict[int, list[str]]:
    """Line number → what is wrong with it."""
    problems: dict[int, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        found = []
        code = line.code.strip().upper()
        if code not in services:
            found.append(f"{code or 'The code'} is not a CPT/HCPCS code the plan knows.")
        modifiers = line.modifiers.upper().split()
        if len(modifiers) > MAX_MODIFIERS or any(len(m) != 2 or not m.isalnum() for m in modifiers):
            found.append(f"Give up to {MAX_MODIFIERS} two-character modifiers, separated by spaces.")
        if line.units is None or not 1 <= line.units <= MAX_UNITS:
            found.append(f"Units are 1 to {MAX_UNITS}.")
        if line.date_from is None or line.date_to is None:
            found.append("Give the from and to dates.")
        elif line.date_to < line.date_from:
            found.append("The to date is before the from date.")
        if found:
            problems[number] = found
    return problems


@transaction.atomic
def draft_lines_set(
    *, actor: User, draft: AuthorizationRequest, lines: list[LineInput], request=None
) -> AuthorizationRequest:
    """Step 4: 1 to 20 service lines, each a code from the plan's table; a bad line saves nothing."""
    _own_draft(actor, draft)
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError({"lines": f"Give 1 to {MAX_LINES} service lines."})
    problems = line_problems(lines, known_services([line.code for line in lines]))
    if problems:
        raise ValidationError(
            {"lines": [f"Line {n}: {message}" for n, messages in problems.items() for message in messages]}
        )
    draft.lines.all().delete()
    ServiceLine.objects.bulk_create(
        [
            ServiceLine(
                request=draft,
                line_number=number,
                code=line.code.strip().upper(),
                modifiers=" ".join(line.modifiers.upper().split()),
                units=line.units,
                date_from=line.date_from,
                date_to=line.date_to,
            )
            for number, line in enumerate(lines, start=1)
        ]
    )
    draft.step = max(draft.step, 5)
    draft.save(update_fields=["step", "updated_at"])
    _audit(AuditAction.AUTH_DRAFT_SAVED, actor, draft, request, step="services", lines=len(lines))
    return draft


# --- step 5: attachments ---------------------------------------------------------------------------


def _attach(*, actor: User, authorization: AuthorizationRequest, files, request=None) -> list[Attachment]:
    """Check every file first (type sniffed, 10 MB each, 50 MB a request), then store them all."""
    checked, problems = [], []
    for upload in files:
        try:
            checked.append(uploads.check_upload(upload))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError({"files": problems})
    existing = list(authorization.attachments.values_list("size", flat=True))
    try:
        uploads.check_total(existing + [c.size for c in checked], max_total=settings.AUTH_REQUEST_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from error
    now, saved = timezone.now(), []
    for item in checked:
        name = uploads.store_upload(item, folder="authorizations")
        saved.append(
            Attachment.objects.create(
                request=authorization,
                storage_name=name,
                original_name=item.original_name[:200],
                content_type=item.content_type,
                size=item.size,
                uploaded_by=actor,
                uploaded_at=now,
            )
        )
    for attachment in saved:
        _audit(
            AuditAction.AUTH_ATTACHMENT_ADDED,
            actor,
            authorization,
            request,
            attachment=str(attachment.uuid),
            file=attachment.original_name,
            size=attachment.size,
        )
    return saved


@transaction.atomic
def draft_attachments_add(*, actor: User, draft: AuthorizationRequest, files, request=None) -> list[Attachment]:
    _own_draft(actor, draft)
    saved = _attach(actor=actor, authorization=draft, files=files, request=request) if files else []
    draft.step = max(draft.step, 6)
    draft.save(update_fields=["step", "updated_at"])
    return saved


@transaction.atomic
def draft_attachment_remove(*, actor: User, attachment: Attachment, request=None) -> None:
    draft = attachment.request
    _own_draft(actor, draft)
    name = attachment.storage_name
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))
    _audit(AuditAction.AUTH_DRAFT_SAVED, actor, draft, request, step="attachments", removed=attachment.original_name)


@transaction.atomic
def draft_delete(*, actor: User, draft: AuthorizationRequest, request=None) -> None:
    _own_draft(actor, draft)
    names = list(draft.attachments.values_list("storage_name", flat=True))
    _audit(AuditAction.AUTH_DRAFT_DELETED, actor, draft, request)
    draft.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


# --- step 6: review and submit ---------------------------------------------------------------------


def submit_problems(draft: AuthorizationRequest) -> list[str]:
    """What keeps the draft from being submitted, in words (empty: it may be submitted)."""
    problems = []
    if draft.requesting_provider_id is None or not draft.category:
        problems.append("Fill in the providers step.")
    if not draft.diagnoses.exists():
        problems.append("Give at least one diagnosis.")
    lines = list(draft.lines.all())
    if not lines:
        problems.append("Give at least one service line.")
    if draft.urgency == Urgency.EXPEDITED and not draft.expedited_attested:
        problems.append("An expedited request needs the attestation.")
    known = known_services([line.code for line in lines])
    member = Member.objects.prefetch_related("coverages").get(pk=draft.member_id)
    for line in lines:
        if line.code not in known:
            problems.append(f"Line {line.line_number}: {line.code} is no longer a code the plan knows.")
        for day in {line.date_from, line.date_to}:
            if not coverage_on(member, day):
                problems.append(f"Line {line.line_number}: the member has no coverage on {day:%m/%d/%Y}.")
    return problems


def duplicate_open_requests(draft: AuthorizationRequest) -> list[str]:
    """References of the open requests for the same member with a line of the same code whose
    dates overlap one of the draft's lines."""
    overlap = Q()
    for line in draft.lines.all():
        overlap |= Q(lines__code=line.code, lines__date_from__lte=line.date_to, lines__date_to__gte=line.date_from)
    if not overlap:
        return []
    return list(
        AuthorizationRequest.objects.filter(member_id=draft.member_id, status__in=OPEN_STATUSES)
        .exclude(pk=draft.pk)
        .filter(overlap)
        .order_by("reference")
        .values_list("reference", flat=True)
        .distinct()
    )


@transaction.atomic
def authorization_submit(
    *, actor: User, draft: AuthorizationRequest, confirm_duplicate: bool = False, request=None
) -> AuthorizationRequest:
    """Send the draft to the plan: the clock starts. A draft overlapping an open request raises
    DuplicateOpenRequest unless ``confirm_duplicate``."""
    draft = _lock(draft)
    _own_draft(actor, draft)
    problems = submit_problems(draft)
    if problems:
        raise ValidationError(problems)
    duplicates = duplicate_open_requests(draft)
    if duplicates and not confirm_duplicate:
        raise DuplicateOpenRequest(duplicates)
    now = timezone.now()
    draft.status = RequestStatus.SUBMITTED
    draft.received_at, draft.due_at = now, due_at_for(urgency=draft.urgency, received_at=now)
    draft.save(update_fields=["status", "received_at", "due_at", "updated_at"])
    _event(
        draft, EventKind.SUBMITTED, actor, f"{draft.get_urgency_display()} request; decision due {_when(draft.due_at)}."
    )
    _audit(AuditAction.AUTH_SUBMITTED, actor, draft, request, urgency=draft.urgency, duplicates=duplicates)
    _notify(draft, f"The plan received your request. A decision is due by {_when(draft.due_at)}.")
    return draft


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%m/%d/%Y %I:%M %p %Z")


# --- the provider after submission -----------------------------------------------------------------


@transaction.atomic
def authorization_withdraw(
    *, actor: User, authorization: AuthorizationRequest, reason: str = "", request=None
) -> AuthorizationRequest:
    """The provider withdraws an open request."""
    _provider_may(actor, authorization)
    reason = _text(reason, field="reason", label="The reason")
    if actor.is_payer_staff:
        raise PermissionDenied("The provider withdraws a request.")
    claimed = AuthorizationRequest.objects.filter(pk=authorization.pk, status__in=OPEN_STATUSES).update(
        status=RequestStatus.WITHDRAWN, withdrawn_at=timezone.now(), paused_at=None
    )
    authorization.refresh_from_db()
    if not claimed:
        raise AlreadyDecided(authorization)
    _event(authorization, EventKind.WITHDRAWN, actor, reason)
    _audit(AuditAction.AUTH_WITHDRAWN, actor, authorization, request, reason=reason)
    _notify(authorization, "The request was withdrawn.")
    return authorization


@transaction.atomic
def information_send(
    *, actor: User, authorization: AuthorizationRequest, text: str, files=(), request=None
) -> AuthorizationRequest:
    """The provider answers the plan's request for information, with new attachments; the request
    goes back to review (and a paused clock runs again, the due time moved by the wait)."""
    _provider_may(actor, authorization)
    authorization = _lock(authorization)
    if authorization.status != RequestStatus.INFO_REQUESTED:
        raise ValidationError("The plan is not waiting for information on this request.")
    text = _text(text, field="text", label="Your answer")
    if not text and not files:
        raise ValidationError({"text": "Write an answer or attach a document."})
    saved = _attach(actor=actor, authorization=authorization, files=files, request=request) if files else []
    now = timezone.now()
    if authorization.paused_at is not None:
        authorization.due_at += now - authorization.paused_at
        authorization.paused_at = None
    authorization.status = RequestStatus.IN_REVIEW
    authorization.save(update_fields=["status", "due_at", "paused_at", "updated_at"])
    names = ", ".join(a.original_name for a in saved)
    _event(authorization, EventKind.INFO_SENT, actor, text + (f"\nAttached: {names}" if names else ""))
    _audit(AuditAction.AUTH_INFO_SENT, actor, authorization, request, attachments=len(saved))
    _notify(authorization, "Your information was sent to the plan; the request is back in review.")
    for address in settings.PAYER_TEAM_EMAILS:
        email_enqueue_template(
            to=address,
            template="payer_authorization_info",
            context={"url": _link("control_panel:authorization", authorization.uuid, fallback="control_panel:home")},
        )
    return authorization


# --- an appeal of a denial -------------------------------------------------------------------------


def appeal_problems(authorization: AuthorizationRequest) -> list[str]:
    """Why this request cannot be appealed, in words (empty: it can). Needs the lines and the
    appeals prefetched or costs two queries."""
    if authorization.status not in DECIDED_STATUSES:
        return ["Only a decided request can be appealed."]
    if not any(line.decision == LineDecision.DENIED for line in authorization.lines.all()):
        return ["No line of this request was denied: there is nothing to appeal."]
    pending = [a.reference for a in authorization.appeals.all() if a.status not in (RequestStatus.WITHDRAWN,)]
    if pending:
        return [f"This decision was already appealed: {', '.join(pending)}."]
    return []


@transaction.atomic
def authorization_appeal(
    *, actor: User, authorization: AuthorizationRequest, reason: str, files=(), request=None
) -> AuthorizationRequest:
    """The provider appeals the denied lines of a decided request: a new request with the same
    member, providers and diagnoses and the denied lines, ``appeal_of`` set, submitted at once on
    the same clocks as any request (its urgency is the original's)."""
    if actor.is_payer_staff:
        raise PermissionDenied("The provider appeals a decision.")
    _provider_may(actor, authorization)
    original = AuthorizationRequest.objects.select_for_update().get(pk=authorization.pk)
    reason = _text(reason, field="reason", required=True, label="The reason for the appeal")
    problems = appeal_problems(original)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    denied = [line for line in original.lines.order_by("line_number") if line.decision == LineDecision.DENIED]
    appeal = AuthorizationRequest.objects.create(
        created_by=actor,
        created_at=now,
        member_id=original.member_id,
        planned_service_date=original.planned_service_date,
        requesting_provider_id=original.requesting_provider_id,
        servicing_npi=original.servicing_npi,
        servicing_name=original.servicing_name,
        request_type=original.request_type,
        category=original.category,
        admission_date=original.admission_date,
        length_of_stay=original.length_of_stay,
        urgency=original.urgency,
        expedited_attested=original.expedited_attested,
        place_of_service=original.place_of_service,
        step=6,
        appeal_of=original,
    )
    appeal.reference = f"PA-{now.year}-{appeal.pk:06d}"
    appeal.save(update_fields=["reference"])
    Diagnosis.objects.bulk_create(
        Diagnosis(request=appeal, position=d.position, code=d.code, description=d.description)
        for d in original.diagnoses.order_by("position")
    )
    ServiceLine.objects.bulk_create(
        ServiceLine(
            request=appeal,
            line_number=number,
            code=line.code,
            modifiers=line.modifiers,
            units=line.units,
            date_from=line.date_from,
            date_to=line.date_to,
        )
        for number, line in enumerate(denied, start=1)
    )
    problems = submit_problems(appeal)
    if problems:
        raise ValidationError(problems)
    saved = _attach(actor=actor, authorization=appeal, files=files, request=request) if files else []
    appeal.status = RequestStatus.SUBMITTED
    appeal.received_at, appeal.due_at = now, due_at_for(urgency=appeal.urgency, received_at=now)
    appeal.save(update_fields=["status", "received_at", "due_at", "updated_at"])
    codes = ", ".join(line.code for line in denied)
    names = ", ".join(a.original_name for a in saved)
    _event(
        appeal,
        EventKind.APPEAL_SUBMITTED,
        actor,
        f"Appeal of {original.reference} (denied: {codes}). {appeal.get_urgency_display()} request; "
        f"decision due {_when(appeal.due_at)}.\nReason: {reason}" + (f"\nAttached: {names}" if names else ""),
    )
    _event(original, EventKind.APPEALED, actor, f"Appealed as {appeal.reference} (denied: {codes}).")
    _audit(
        AuditAction.AUTH_APPEALED,
        actor,
        appeal,
        request,
        appeal_of=original.reference,
        lines=len(denied),
        attachments=len(saved),
    )
    _notify(
        appeal, f"The plan received your appeal of {original.reference}. A decision is due by {_when(appeal.due_at)}."
    )
    return appeal


# --- the plan --------------------------------------------------------------------------------------


@transaction.atomic
def authorization_take(*, analyst: User, authorization: AuthorizationRequest, request=None) -> AuthorizationRequest:
    """An analyst takes an open request for review (or takes it over from a colleague)."""
    _payer(analyst)
    claimed = AuthorizationRequest.objects.filter(pk=authorization.pk, status__in=OPEN_STATUSES).update(
        assigned_to=analyst
    )
    authorization.refresh_from_db()
    if not claimed:
        raise AlreadyDecided(authorization)
    changed = AuthorizationRequest.objects.filter(pk=authorization.pk, status=RequestStatus.SUBMITTED).update(
        status=RequestStatus.IN_REVIEW
    )
    authorization.refresh_from_db()
    _event(authorization, EventKind.TAKEN, analyst)
    _audit(AuditAction.AUTH_TAKEN, analyst, authorization, request)
    if changed:
        _notify(authorization, "A clinical reviewer of the plan is reviewing your request.")
    return authorization


@transaction.atomic
def information_request(
    *, analyst: User, authorization: AuthorizationRequest, needed: str, deadline: datetime.date, request=None
) -> AuthorizationRequest:
    """Ask the provider for what is needed by a deadline (a day from today on)."""
    _payer(analyst)
    needed = _text(needed, field="needed", required=True, label="What is needed")
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": "The deadline is today or a later day."})
    authorization = _lock(authorization)
    if authorization.status not in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW):
        raise AlreadyDecided(authorization)
    authorization.status = RequestStatus.INFO_REQUESTED
    authorization.info_needed, authorization.info_deadline = needed, deadline
    authorization.assigned_to = authorization.assigned_to or analyst
    if settings.AUTH_INFO_REQUEST_PAUSES_CLOCK:
        authorization.paused_at = timezone.now()
    authorization.save()
    _event(authorization, EventKind.INFO_REQUESTED, analyst, f"{needed}\nAnswer by {deadline:%m/%d/%Y}.")
    _audit(AuditAction.AUTH_INFO_REQUESTED, analyst, authorization, request, deadline=deadline.isoformat())
    _notify(
        authorization,
        f"The plan needs more information by {deadline:%m/%d/%Y}:",
        needed + "\n\nSend it from the request page (Send the information you were asked for).",
    )
    return authorization


@transaction.atomic
def authorization_extend(
    *, analyst: User, authorization: AuthorizationRequest, days: int, reason: str, request=None
) -> AuthorizationRequest:
    """The extension the rule allows a standard request: once, up to AUTH_EXTENSION_MAX_DAYS days,
    with a reason the provider is told."""
    _payer(analyst)
    reason = _text(reason, field="reason", required=True, label="The reason")
    maximum = settings.AUTH_EXTENSION_MAX_DAYS
    if days is None or not 1 <= days <= maximum:
        raise ValidationError({"days": f"An extension is 1 to {maximum} days."})
    authorization = _lock(authorization)
    if authorization.status not in OPEN_STATUSES:
        raise AlreadyDecided(authorization)
    if authorization.urgency != Urgency.STANDARD:
        raise ValidationError("Only a standard request may be extended.")
    if authorization.extended_at is not None:
        raise ValidationError("This request was already extended once.")
    authorization.due_at += datetime.timedelta(days=days)
    authorization.extended_at, authorization.extension_reason = timezone.now(), reason
    authorization.save(update_fields=["due_at", "extended_at", "extension_reason", "updated_at"])
    _event(authorization, EventKind.EXTENDED, analyst, f"{days} more days: {reason}")
    _audit(AuditAction.AUTH_EXTENDED, analyst, authorization, request, days=days, reason=reason)
    _notify(
        authorization,
        f"The plan extended the time frame by {days} days; the decision is now due by {_when(authorization.due_at)}.",
        f"Reason: {reason}",
    )
    return authorization


@dataclass(frozen=True)
class LineChoice:
    decision: str  # approved, modified or denied
    units: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    reason_code: str = ""
    note: str = ""


def decision_problems(lines: list[ServiceLine], choices: dict[int, LineChoice]) -> dict[int, list[str]]:
    reasons = set(DenialReason.objects.filter(active=True).values_list("code", flat=True))
    problems: dict[int, list[str]] = {}
    for line in lines:
        choice, found = choices.get(line.line_number), []
        if choice is None or choice.decision not in (LineDecision.APPROVED, LineDecision.MODIFIED, LineDecision.DENIED):
            found.append("Approve, modify or deny this line.")
        elif choice.decision == LineDecision.DENIED:
            if choice.reason_code not in reasons:
                found.append("A denied line needs a coded reason.")
        elif choice.decision == LineDecision.MODIFIED:
            if choice.units is None or not 1 <= choice.units <= MAX_UNITS:
                found.append(f"Approved units are 1 to {MAX_UNITS}.")
            if choice.date_from is None or choice.date_to is None:
                found.append("Give the approved from and to dates.")
            elif choice.date_to < choice.date_from:
                found.append("The approved to date is before the from date.")
            elif (choice.units, choice.date_from, choice.date_to) == (line.units, line.date_from, line.date_to):
                found.append("Nothing was changed: choose Approve, or change units or dates.")
        if choice is not None and len(choice.note) > TEXT_MAX:
            found.append(f"The note is at most {TEXT_MAX:,} characters.")
        if found:
            problems[line.line_number] = found
    return problems


@transaction.atomic
def authorization_decide(
    *, analyst: User, authorization: AuthorizationRequest, choices: dict[int, LineChoice], request=None
) -> AuthorizationRequest:
    """Decide every line. The conditional update lets exactly one decision through: a second
    analyst gets AlreadyDecided. The letter is generated, stored and announced in the Message Box."""
    _payer(analyst)
    lines = list(authorization.lines.all())
    problems = decision_problems(lines, choices)
    if problems:
        raise ValidationError(
            {"lines": [f"Line {n}: {message}" for n, messages in problems.items() for message in messages]}
        )
    outcomes = {choices[line.line_number].decision for line in lines}
    if outcomes == {LineDecision.APPROVED}:
        status = RequestStatus.APPROVED
    elif outcomes == {LineDecision.DENIED}:
        status = RequestStatus.DENIED
    else:
        status = RequestStatus.PARTIALLY_APPROVED
    now = timezone.now()
    claimed = AuthorizationRequest.objects.filter(pk=authorization.pk, status__in=OPEN_STATUSES).update(
        status=status, decided_at=now, decided_by=analyst, paused_at=None
    )
    if not claimed:
        authorization.refresh_from_db()
        raise AlreadyDecided(authorization)
    authorization.refresh_from_db()
    reasons = {r.code: r for r in DenialReason.objects.filter(code__in=[c.reason_code for c in choices.values()])}
    approved_spans = []
    for line in lines:
        choice = choices[line.line_number]
        line.decision, line.decision_note = choice.decision, choice.note.strip()
        line.denial_reason = reasons.get(choice.reason_code) if choice.decision == LineDecision.DENIED else None
        if choice.decision == LineDecision.APPROVED:
            line.approved_units, line.approved_from, line.approved_to = line.units, line.date_from, line.date_to
        elif choice.decision == LineDecision.MODIFIED:
            line.approved_units, line.approved_from, line.approved_to = choice.units, choice.date_from, choice.date_to
        else:
            line.approved_units = line.approved_from = line.approved_to = None
        if line.approved_from:
            approved_spans.append((line.approved_from, line.approved_to))
    ServiceLine.objects.bulk_update(
        lines, ["decision", "decision_note", "denial_reason", "approved_units", "approved_from", "approved_to"]
    )
    if approved_spans:
        authorization.certification_number = f"C{authorization.reference.replace('PA-', '').replace('-', '')}"
        authorization.valid_from = min(start for start, _ in approved_spans)
        authorization.valid_to = max(end for _, end in approved_spans)
    authorization.letter_name = default_storage.save(
        f"authorizations/letters/{uuid.uuid4().hex}.pdf", ContentFile(decision_letter_pdf(authorization, lines))
    )
    authorization.save(update_fields=["certification_number", "valid_from", "valid_to", "letter_name", "updated_at"])
    summary = ", ".join(f"line {line.line_number} {line.get_decision_display().lower()}" for line in lines)
    _event(authorization, EventKind.DECIDED, analyst, f"{authorization.get_status_display()}: {summary}.")
    _audit(
        AuditAction.AUTH_DECIDED,
        analyst,
        authorization,
        request,
        lines={str(line.line_number): line.decision for line in lines},
        reasons={str(line.line_number): line.denial_reason.code for line in lines if line.denial_reason},
    )
    certification = (
        f"Certification number {authorization.certification_number}, valid "
        f"{authorization.valid_from:%m/%d/%Y} to {authorization.valid_to:%m/%d/%Y}. "
        if authorization.certification_number
        else ""
    )
    _notify(
        authorization,
        f"The plan decided your request: {authorization.get_status_display().lower()} ({summary}).",
        certification + "The decision letter (PDF) is on the request page.",
    )
    return authorization


def decision_letter_pdf(authorization: AuthorizationRequest, lines: list[ServiceLine]) -> bytes:
    member = authorization.member
    rows = []
    for line in lines:
        if line.decision == LineDecision.DENIED:
            outcome = f"Denied: {line.denial_reason.code} {line.denial_reason.description}"
            approved = "—"
        else:
            outcome = line.get_decision_display()
            approved = f"{line.approved_units} units, {line.approved_from:%m/%d/%Y} to {line.approved_to:%m/%d/%Y}"
        requested = f"{line.units} units, {line.date_from:%m/%d/%Y} to {line.date_to:%m/%d/%Y}"
        code = f"{line.code} {line.modifiers}".strip()
        rows.append([str(line.line_number), code, requested, approved, outcome])
    blocks: list = [
        pdf.Paragraph(f"Date of decision: {timezone.localtime(authorization.decided_at):%m/%d/%Y}"),
        pdf.Paragraph(
            f"Request {authorization.reference} ({authorization.get_urgency_display().lower()}, "
            f"received {_when(authorization.received_at)})"
        ),
        pdf.Paragraph(f"Member: {member.full_name}, member ID {member.member_id}"),
        pdf.Paragraph(
            f"Requesting provider: {authorization.requesting_provider.display_name} "
            f"({authorization.requesting_provider.get_kind_display()} {authorization.requesting_provider.value})"
        ),
        pdf.Paragraph(
            f"Servicing provider or facility: {authorization.servicing_name} (NPI {authorization.servicing_npi})"
        ),
        pdf.Heading(f"Decision: {authorization.get_status_display()}"),
    ]
    if authorization.certification_number:
        blocks.append(
            pdf.Paragraph(
                f"Certification number {authorization.certification_number}, valid from "
                f"{authorization.valid_from:%m/%d/%Y} to {authorization.valid_to:%m/%d/%Y}. An authorization "
                "is not a guarantee of payment: the member must be covered on the day of service."
            )
        )
    blocks.append(pdf.Table(header=["Line", "Code", "Requested", "Approved", "Decision"], rows=rows))
    # Notes are the reviewer's own words: paragraphs below the table, which wrap whatever they hold.
    for line in lines:
        if line.decision_note:
            blocks.append(pdf.Paragraph(f"Line {line.line_number}, note from the reviewer: {line.decision_note}"))
    if any(line.decision == LineDecision.DENIED for line in lines):
        blocks.append(
            pdf.Paragraph(
                "Each denied line gives the specific reason for the denial. The member, or the provider on "
                "the member's behalf, may ask the plan to reconsider; the member's plan documents say how and by when."
            )
        )
    return pdf.render_pdf(
        title="Prior authorization decision",
        blocks=blocks,
        footer=settings.PAYER_NAME,
        author=settings.PAYER_NAME,
    )


# --- downloads -------------------------------------------------------------------------------------


def attachment_open(*, actor: User, attachment: Attachment, request=None):
    """An attachment as a download, for a view that fetched it through the access rule (or from
    the Control Panel); every opening is audited."""
    authorization = attachment.request
    _audit(
        AuditAction.AUTH_ATTACHMENT_VIEWED,
        actor,
        authorization,
        request,
        attachment=str(attachment.uuid),
        file=attachment.original_name,
    )
    return uploads.upload_response(
        attachment.storage_name, filename=attachment.original_name, content_type=attachment.content_type
    )


def letter_open(*, actor: User, authorization: AuthorizationRequest, request=None):
    """The decision letter as a download (audited); none before the decision."""
    if not authorization.letter_name:
        raise ValidationError("This request has no decision letter yet.")
    _audit(AuditAction.AUTH_LETTER_VIEWED, actor, authorization, request)
    return uploads.upload_response(
        authorization.letter_name,
        filename=f"{authorization.reference}-decision.pdf",
        content_type="application/pdf",
    )


# --- the daily warning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueSoonResult:
    due_soon: int
    overdue: int
    emails: int


def due_soon_warn(*, now: datetime.datetime | None = None) -> DueSoonResult:
    """Tell payer staff how many open requests fall due within AUTH_DUE_SOON_HOURS and how many are
    overdue (counts and a link only: no member or request details by email). Once a day."""
    now = now or timezone.now()
    open_requests = AuthorizationRequest.objects.filter(status__in=OPEN_STATUSES)
    overdue = open_requests.filter(due_at__lt=now).count()
    due_soon = open_requests.filter(
        due_at__gte=now, due_at__lte=now + datetime.timedelta(hours=settings.AUTH_DUE_SOON_HOURS)
    ).count()
    emails = 0
    if due_soon or overdue:
        url = _link("control_panel:authorizations", fallback="control_panel:home")
        for address in settings.PAYER_TEAM_EMAILS:
            sent = email_enqueue_template(
                to=address,
                template="payer_authorizations_due",
                context={"url": url, "due_soon": due_soon, "overdue": overdue, "hours": settings.AUTH_DUE_SOON_HOURS},
                idempotency_key=f"authorizations-due:{timezone.localdate(now).isoformat()}:{address}",
            )
            emails += sent is not None
    return DueSoonResult(due_soon=due_soon, overdue=overdue, emails=emails)
