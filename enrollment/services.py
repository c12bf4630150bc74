"""Every write of provider enrollment: applications and their sections, rights, signature, fee,
submission, the plan's review and decision, and the daily job.

Status changes go through ``transition`` alone, driven by the ``TRANSITIONS`` table. Each service
checks the actor's right on the application again inside its transaction (a forged request is a
PermissionDenied, and nothing changes), audits, and sends the Message Box notices.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Organization, ProviderIdentifier, ProviderIdKind, User, UserKind, UserStatus
from accounts.services.access import organization_create, provider_identifier_create
from accounts.services.registration import registration_link_issue
from accounts.services.users import user_create
from accounts.validators import validate_npi, validate_tin
from audit.models import AuditAction
from audit.services import record
from core.uploads import CheckedUpload, store_upload, upload_response
from enrollment.models import (
    EDITABLE_STATUSES,
    ApplicantKind,
    BankAccount,
    Correction,
    Document,
    EnrollmentApplication,
    EnrollmentGrant,
    EnrollmentStaff,
    Event,
    EventKind,
    License,
    Location,
    Owner,
    Payment,
    PaymentStatus,
    Section,
    SectionAccess,
    Specialty,
    StaffRole,
    Status,
)
from enrollment.payments import WebhookRefused, processor
from mailbox.services import system_notify
from outbox.services import email_enqueue_template

RIGHTS = ("sign", "pay", "submit", "message")
LIST_SECTIONS = (Section.LOCATIONS, Section.LICENSES, Section.OWNERSHIP, Section.SPECIALTIES, Section.DOCUMENTS)
TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
STATE_RE = re.compile(r"^[A-Z]{2}$")

# --- the one table of status changes ---------------------------------------------------------------

TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, "submit"): Status.SUBMITTED,
    (Status.RETURNED, "submit"): Status.RESUBMITTED,
    (Status.SUBMITTED, "take"): Status.IN_REVIEW,
    (Status.RESUBMITTED, "take"): Status.IN_REVIEW,
    (Status.IN_REVIEW, "return"): Status.RETURNED,
    (Status.IN_REVIEW, "approve"): Status.APPROVED,
    (Status.IN_REVIEW, "deny"): Status.DENIED,
    (Status.RETURNED, "expire"): Status.REJECTED,
}


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; a ValidationError when it is not allowed."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise ValidationError(
            f"An application that is {Status(status).label.lower()} cannot be {ACTION_WORDS.get(action, action)}."
        ) from None


ACTION_WORDS = {
    "submit": "submitted",
    "take": "taken for review",
    "return": "returned for correction",
    "approve": "approved",
    "deny": "denied",
    "expire": "rejected",
}


def transition(*, application: EnrollmentApplication, action: str, actor: User | None, request=None) -> str:
    """Move the application along ``TRANSITIONS`` (locked row), audit it and tell its people."""
    old = application.status
    application.status = next_status(old, action)
    application.updated_at = timezone.now()
    application.save(update_fields=["status", "updated_at"])
    record(
        action=AuditAction.ENROLLMENT_STATUS_CHANGED,
        actor=actor,
        target=application,
        details={"from": old, "to": application.status, "action": action},
        request=request,
    )
    return application.status


# --- small helpers ---------------------------------------------------------------------------------


def fee_for(*, kind: str, year: int) -> int:
    """The application fee in cents: institutional providers pay the year's amount (the latest
    year's when the year has none), individual practitioners are exempt."""
    if kind == ApplicantKind.INDIVIDUAL:
        return 0
    fees = settings.ENROLLMENT_FEES
    known = [y for y in fees if y <= year] or list(fees)
    return fees[max(known)] if known else 0


def aba_is_valid(value: str) -> bool:
    """An ABA routing number: 9 digits with the 3-7-1 weighted checksum a multiple of 10."""
    if not re.fullmatch(r"[0-9]{9}", value or ""):
        return False
    d = [int(c) for c in value]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0


def _fernet() -> Fernet:
    return Fernet(settings.ENROLLMENT_ENCRYPTION_KEY.encode())


def account_number_encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def account_number_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def _url(name: str, *args) -> str:
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def summary_url(application: EnrollmentApplication) -> str:
    return _url("enrollment:summary", application.uuid)


def _event(application: EnrollmentApplication, kind: str, actor: User | None, text: str = "") -> None:
    Event.objects.create(application=application, kind=kind, actor=actor, text=text)


def _notify(application: EnrollmentApplication, headline: str) -> None:
    """The Message Box notice to the application's Provider Admin and to every user holding the
    Message Box right on it (the email only says "new message")."""
    recipients = (
        EnrollmentGrant.objects.filter(application=application)
        .filter(Q(is_admin=True) | Q(can_message=True))
        .filter(user__status__in=(UserStatus.ACTIVE, UserStatus.LOCKED, UserStatus.UNVERIFIED))
        .select_related("user")
    )
    subject = f"Enrollment {application.reference}: {application.get_status_display()}"
    body = f"{headline}\n\nSee the application: {summary_url(application)}"
    for grant in recipients:
        system_notify(user=grant.user, subject=subject, body=body)


def _lock(application: EnrollmentApplication) -> EnrollmentApplication:
    return EnrollmentApplication.objects.select_for_update().get(pk=application.pk)


def grant_of(*, user: User, application: EnrollmentApplication) -> EnrollmentGrant | None:
    """The user's grant on the application (None: no reach), through the one access rule."""
    return EnrollmentGrant.objects.restrict(user).filter(application=application, user=user).first()


def _grant(actor: User, application: EnrollmentApplication) -> EnrollmentGrant:
    grant = grant_of(user=actor, application=application)
    if grant is None:
        raise PermissionDenied("You have no rights on this application.")
    return grant


def _require_right(actor: User, application: EnrollmentApplication, right: str) -> EnrollmentGrant:
    grant = _grant(actor, application)
    if not grant.right(right):
        raise PermissionDenied(f"Your rights on this application do not include {right}.")
    return grant


def _require_write(actor: User, application: EnrollmentApplication, section: str) -> EnrollmentApplication:
    """Re-check inside the transaction: the actor may write the section and the application may
    still be changed. Returns the locked row."""
    grant = _grant(actor, application)
    if not grant.may_write(section):
        raise PermissionDenied("You may not change this section.")
    locked = _lock(application)
    if locked.status not in EDITABLE_STATUSES:
        raise ValidationError("This application is with the plan: it can be changed only if it is returned.")
    return locked


def _require_admin(actor: User, application: EnrollmentApplication) -> EnrollmentGrant:
    grant = _grant(actor, application)
    if not grant.is_admin:
        raise PermissionDenied("Only the Provider Admin manages the users of an application.")
    return grant


# --- content, completeness, signature --------------------------------------------------------------


def _bank(application: EnrollmentApplication) -> BankAccount | None:
    try:
        return application.bank_account
    except BankAccount.DoesNotExist:
        return None


def _rows(application: EnrollmentApplication, name: str) -> list:
    """A section's rows in the order they were added: from the prefetch when the page made one,
    else one query."""
    return sorted(getattr(application, name).all(), key=lambda row: row.pk)


def content_of(application: EnrollmentApplication) -> dict:
    """Everything the signature covers, as plain data. The account number enters as a digest of
    its plain value (its ciphertext changes with each encryption)."""
    bank = _bank(application)
    return {
        "kind": application.kind,
        "dme": application.is_dme_supplier,
        "identification": [application.legal_name, application.npi, application.tin, application.taxonomy_code],
        "locations": [
            [r.address_line1, r.city, r.state, r.postal_code, r.phone, r.hours] for r in _rows(application, "locations")
        ],
        "licenses": [
            [r.kind, r.number, r.state, r.issued_on.isoformat(), r.expires_on.isoformat()]
            for r in _rows(application, "licenses")
        ],
        "owners": [[r.kind, r.name, r.role, str(r.percent)] for r in _rows(application, "owners")],
        "specialties": [[r.name, r.is_primary] for r in _rows(application, "specialties")],
        "bank": (
            [
                bank.holder_name,
                bank.routing_number,
                hashlib.sha256(account_number_decrypt(bank.account_number_encrypted).encode()).hexdigest(),
            ]
            if bank
            else None
        ),
        "documents": [[r.storage_name, r.description] for r in _rows(application, "documents")],
        "attested": application.attested,
    }


def content_hash(application: EnrollmentApplication) -> str:
    canonical = json.dumps(content_of(application), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def signature_is_valid(application: EnrollmentApplication) -> bool:
    return bool(application.signed_hash) and application.signed_hash == content_hash(application)


def missing_in(application: EnrollmentApplication, section: str, *, today: date | None = None) -> list[str]:
    """What the section still lacks, in words (empty: it may be marked complete)."""
    today = today or timezone.localdate()
    if section == Section.IDENTIFICATION:
        fields = [
            ("legal name", application.legal_name),
            ("NPI", application.npi),
            ("taxonomy code", application.taxonomy_code),
        ]
        if application.kind == ApplicantKind.FACILITY:
            fields.append(("TIN", application.tin))
        return [f"The {words} is missing." for words, value in fields if not value]
    if section == Section.LOCATIONS:
        return [] if _rows(application, "locations") else ["Add at least one practice location."]
    if section == Section.LICENSES:
        licenses = _rows(application, "licenses")
        if not licenses:
            return ["Add at least one license or certification."]
        if any(row.expires_on < today for row in licenses):
            return ["A license has expired: remove it or add the renewed one."]
        return []
    if section == Section.OWNERSHIP:
        return [] if _rows(application, "owners") else ["Add at least one owner or managing employee."]
    if section == Section.SPECIALTIES:
        specialties = _rows(application, "specialties")
        if not specialties:
            return ["Add at least one specialty."]
        if not any(row.is_primary for row in specialties):
            return ["Mark one specialty as primary."]
        return []
    if section == Section.BANK:
        return [] if _bank(application) else ["Add the bank account."]
    if section == Section.DOCUMENTS:
        return [] if _rows(application, "documents") else ["Upload at least one supporting document."]
    if section == Section.ATTESTATION:
        return [] if application.attested else ["The attestation is not confirmed."]
    raise ValueError(section)


def sections_missing(application: EnrollmentApplication) -> dict[str, list[str]]:
    """Section → what is missing (a section not marked complete says so), for every section."""
    result = {}
    for section in Section:
        missing = missing_in(application, section)
        if not missing and section not in application.completed_sections:
            missing = ["Not marked complete yet."]
        result[section] = missing
    return result


def all_complete(application: EnrollmentApplication) -> bool:
    return not any(sections_missing(application).values())


def _changed(
    application: EnrollmentApplication,
    section: str,
    actor: User,
    *,
    details: dict | None = None,
    complete: bool = False,
    request=None,
) -> None:
    """After a change of ``section``: complete it (a single-form section saved valid) or unmark
    it (a list section must be confirmed again), void a signature the change invalidates, audit."""
    done = [s for s in application.completed_sections if s != section]
    if complete:
        done.append(section)
    application.completed_sections = done
    application.updated_at = timezone.now()
    fields = ["completed_sections", "updated_at"]
    if application.signed_hash and application.signed_hash != content_hash(application):
        application.signed_hash = ""
        application.signed_name = ""
        application.signed_at = None
        application.signed_by = None
        fields += ["signed_hash", "signed_name", "signed_at", "signed_by"]
        _event(application, EventKind.SIGNATURE_VOIDED, actor, f"{Section(section).label} changed.")
        record(
            action=AuditAction.ENROLLMENT_SIGNATURE_VOIDED,
            actor=actor,
            target=application,
            request=request,
            details={"section": section},
        )
    application.save(update_fields=fields)
    record(
        action=AuditAction.ENROLLMENT_SECTION_SAVED,
        actor=actor,
        target=application,
        details={"section": section, **(details or {})},
        request=request,
    )


# --- creating an application -----------------------------------------------------------------------


def _reference() -> str:
    year = timezone.localdate().year
    count = EnrollmentApplication.objects.filter(reference__startswith=f"EN-{year}-").count()
    while True:
        count += 1
        reference = f"EN-{year}-{count:05d}"
        if not EnrollmentApplication.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def application_create(
    *, actor: User, kind: str, legal_name: str, is_dme_supplier: bool = False, revalidation_of=None, request=None
) -> EnrollmentApplication:
    """A new draft; its creator becomes its Provider Admin. The fee is fixed by the year's setting."""
    if actor.is_payer_staff or not actor.is_active:
        raise PermissionDenied("Applications are created by provider users.")
    if kind not in ApplicantKind.values:
        raise ValidationError({"kind": "Choose an individual practitioner or a facility."})
    if not legal_name.strip():
        raise ValidationError({"legal_name": "Enter the legal name."})
    application = EnrollmentApplication.objects.create(
        reference=_reference(),
        kind=kind,
        is_dme_supplier=is_dme_supplier,
        legal_name=legal_name.strip(),
        created_by=actor,
        fee_cents=fee_for(kind=kind, year=timezone.localdate().year),
        revalidation_of=revalidation_of,
    )
    EnrollmentGrant.objects.create(application=application, user=actor, is_admin=True, granted_by=actor)
    _event(application, EventKind.CREATED, actor)
    record(
        action=AuditAction.ENROLLMENT_CREATED,
        actor=actor,
        target=application,
        details={"kind": kind, "fee_cents": application.fee_cents, "revalidation": bool(revalidation_of)},
        request=request,
    )
    _notify(application, f"Application {application.reference} for {application.legal_name} was created.")
    return application


# --- sections --------------------------------------------------------------------------------------


@transaction.atomic
def identification_save(
    *,
    actor: User,
    application: EnrollmentApplication,
    legal_name: str,
    npi: str,
    tin: str,
    taxonomy_code: str,
    is_dme_supplier: bool,
    request=None,
) -> EnrollmentApplication:
    application = _require_write(actor, application, Section.IDENTIFICATION)
    errors: dict[str, str] = {}
    npi, tin, taxonomy_code = npi.strip(), tin.strip(), taxonomy_code.strip().upper()
    if not legal_name.strip():
        errors["legal_name"] = "Enter the legal name."
    try:
        validate_npi(npi)
    except ValidationError as error:
        errors["npi"] = error.messages[0]
    if tin or application.kind == ApplicantKind.FACILITY:
        try:
            validate_tin(tin)
        except ValidationError as error:
            errors["tin"] = error.messages[0]
    if not TAXONOMY_RE.match(taxonomy_code):
        errors["taxonomy_code"] = "A taxonomy code is 10 characters ending in X, for example 207Q00000X."
    if errors:
        raise ValidationError(errors)
    application.legal_name = legal_name.strip()
    application.npi, application.tin, application.taxonomy_code = npi, tin, taxonomy_code
    application.is_dme_supplier = is_dme_supplier
    application.save(update_fields=["legal_name", "npi", "tin", "taxonomy_code", "is_dme_supplier"])
    _changed(application, Section.IDENTIFICATION, actor, complete=True, request=request)
    return application


def _state(value: str, field: str = "state") -> str:
    value = value.strip().upper()
    if not STATE_RE.match(value):
        raise ValidationError({field: "Use the two-letter state code, for example TX."})
    return value


@transaction.atomic
def location_add(
    *,
    actor: User,
    application: EnrollmentApplication,
    address_line1: str,
    city: str,
    state: str,
    postal_code: str,
    phone: str,
    hours: str,
    request=None,
) -> Location:
    application = _require_write(actor, application, Section.LOCATIONS)
    state = _state(state)
    if not re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", postal_code.strip()):
        raise ValidationError({"postal_code": "A ZIP code is 5 digits (or ZIP+4, 12345-6789)."})
    digits = re.sub(r"[^0-9]", "", phone)
    if len(digits) != 10:
        raise ValidationError({"phone": "A phone number has 10 digits, for example 512-555-0100."})
    location = Location.objects.create(
        application=application,
        address_line1=address_line1.strip(),
        city=city.strip(),
        state=state,
        postal_code=postal_code.strip(),
        phone=phone.strip(),
        hours=hours.strip(),
    )
    _changed(application, Section.LOCATIONS, actor, details={"added": str(location.uuid)}, request=request)
    return location


def _remove(actor, application, section, model, row_uuid, request) -> None:
    application = _require_write(actor, application, section)
    deleted, _ = model.objects.filter(application=application, uuid=row_uuid).delete()
    if not deleted:
        raise ValidationError("That row was already removed.")
    _changed(application, section, actor, details={"removed": str(row_uuid)}, request=request)


@transaction.atomic
def location_remove(*, actor: User, application: EnrollmentApplication, location_uuid, request=None) -> None:
    _remove(actor, application, Section.LOCATIONS, Location, location_uuid, request)


@transaction.atomic
def license_add(
    *,
    actor: User,
    application: EnrollmentApplication,
    kind: str,
    number: str,
    state: str,
    issued_on: date,
    expires_on: date,
    request=None,
) -> License:
    application = _require_write(actor, application, Section.LICENSES)
    state = _state(state)
    today = timezone.localdate()
    if expires_on < today:
        raise ValidationError(
            {"expires_on": f"This license expired on {expires_on:%m/%d/%Y}: an expired license cannot be accepted."}
        )
    if issued_on >= expires_on:
        raise ValidationError({"issued_on": "The issue date must be before the expiry date."})
    if issued_on > today:
        raise ValidationError({"issued_on": "The issue date cannot be in the future."})
    license = License.objects.create(
        application=application,
        kind=kind,
        number=number.strip(),
        state=state,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    _changed(application, Section.LICENSES, actor, details={"added": str(license.uuid)}, request=request)
    return license


@transaction.atomic
def license_remove(*, actor: User, application: EnrollmentApplication, license_uuid, request=None) -> None:
    _remove(actor, application, Section.LICENSES, License, license_uuid, request)


@transaction.atomic
def owner_add(
    *, actor: User, application: EnrollmentApplication, kind: str, name: str, role: str, percent: Decimal, request=None
) -> Owner:
    application = _require_write(actor, application, Section.OWNERSHIP)
    if percent < 0 or percent > 100:
        raise ValidationError({"percent": "A percentage is between 0 and 100."})
    held = application.owners.aggregate(total=Sum("percent"))["total"] or Decimal("0")
    if held + percent > 100:
        raise ValidationError(
            {
                "percent": f"Ownership would come to {held + percent}%: the owners listed already hold {held}%, "
                "and together they may hold at most 100%."
            }
        )
    owner = Owner.objects.create(
        application=application, kind=kind, name=name.strip(), role=role.strip(), percent=percent
    )
    _changed(application, Section.OWNERSHIP, actor, details={"added": str(owner.uuid)}, request=request)
    return owner


@transaction.atomic
def owner_remove(*, actor: User, application: EnrollmentApplication, owner_uuid, request=None) -> None:
    _remove(actor, application, Section.OWNERSHIP, Owner, owner_uuid, request)


@transaction.atomic
def specialty_add(
    *, actor: User, application: EnrollmentApplication, name: str, is_primary: bool, request=None
) -> Specialty:
    application = _require_write(actor, application, Section.SPECIALTIES)
    if application.specialties.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": "This specialty is already listed."})
    if is_primary:
        application.specialties.update(is_primary=False)
    specialty = Specialty.objects.create(application=application, name=name.strip(), is_primary=is_primary)
    _changed(application, Section.SPECIALTIES, actor, details={"added": str(specialty.uuid)}, request=request)
    return specialty


@transaction.atomic
def specialty_remove(*, actor: User, application: EnrollmentApplication, specialty_uuid, request=None) -> None:
    _remove(actor, application, Section.SPECIALTIES, Specialty, specialty_uuid, request)


@transaction.atomic
def bank_account_save(
    *,
    actor: User,
    application: EnrollmentApplication,
    holder_name: str,
    routing_number: str,
    account_number: str,
    request=None,
) -> BankAccount:
    application = _require_write(actor, application, Section.BANK)
    routing_number, account_number = routing_number.strip(), account_number.strip()
    if not aba_is_valid(routing_number):
        raise ValidationError(
            {"routing_number": "This is not a valid ABA routing number (9 digits with a check digit)."}
        )
    if not re.fullmatch(r"[0-9]{4,17}", account_number):
        raise ValidationError({"account_number": "An account number is 4 to 17 digits."})
    account, _ = BankAccount.objects.update_or_create(
        application=application,
        defaults={
            "holder_name": holder_name.strip(),
            "routing_number": routing_number,
            "account_number_encrypted": account_number_encrypt(account_number),
            "account_last4": account_number[-4:],
        },
    )
    _changed(application, Section.BANK, actor, complete=True, details={"last4": account.account_last4}, request=request)
    return account


@transaction.atomic
def document_add(
    *, actor: User, application: EnrollmentApplication, checked: CheckedUpload, description: str, request=None
) -> Document:
    application = _require_write(actor, application, Section.DOCUMENTS)
    document = Document.objects.create(
        application=application,
        description=description.strip(),
        storage_name=store_upload(checked, folder="enrollment"),
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    _changed(application, Section.DOCUMENTS, actor, details={"added": str(document.uuid)}, request=request)
    return document


@transaction.atomic
def document_remove(*, actor: User, application: EnrollmentApplication, document_uuid, request=None) -> None:
    _remove(actor, application, Section.DOCUMENTS, Document, document_uuid, request)


def document_open(*, actor: User, document: Document, request=None):
    """The file as a download, for a view that found it through the access rule (or payer staff)."""
    record(
        action=AuditAction.ENROLLMENT_DOCUMENT_VIEWED,
        actor=actor,
        target=document.application,
        details={"document": str(document.uuid)},
        request=request,
    )
    return upload_response(document.storage_name, filename=document.original_name, content_type=document.content_type)


@transaction.atomic
def attestation_save(
    *, actor: User, application: EnrollmentApplication, attested: bool, request=None
) -> EnrollmentApplication:
    application = _require_write(actor, application, Section.ATTESTATION)
    if not attested:
        raise ValidationError({"attested": "Confirm the attestation to complete this section."})
    application.attested, application.attested_by, application.attested_at = True, actor, timezone.now()
    application.save(update_fields=["attested", "attested_by", "attested_at"])
    _changed(application, Section.ATTESTATION, actor, complete=True, request=request)
    return application


@transaction.atomic
def section_complete(*, actor: User, application: EnrollmentApplication, section: str, request=None) -> None:
    """Mark a list section complete once it holds what it needs."""
    application = _require_write(actor, application, section)
    missing = missing_in(application, section)
    if missing:
        raise ValidationError(missing)
    if section not in application.completed_sections:
        application.completed_sections = [*application.completed_sections, section]
        application.save(update_fields=["completed_sections"])
    record(
        action=AuditAction.ENROLLMENT_SECTION_COMPLETED,
        actor=actor,
        target=application,
        details={"section": section},
        request=request,
    )


# --- users and rights ------------------------------------------------------------------------------


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    clean = {}
    for section in Section.values:
        value = sections.get(section, SectionAccess.NONE)
        if value not in SectionAccess.values:
            raise ValidationError({section: "Choose no access, read or write."})
        clean[section] = value
    return clean


@transaction.atomic
def grant_invite(
    *,
    actor: User,
    application: EnrollmentApplication,
    email: str,
    full_name: str,
    sections: dict[str, str],
    rights: dict[str, bool],
    request=None,
) -> EnrollmentGrant:
    """Give a person rights on the application. Someone without a login is created as an
    invited user and gets the portal's invitation email (password and MFA); someone with one
    gets an email and a Message Box notice."""
    _require_admin(actor, application)
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None and user.kind != UserKind.PROVIDER:
        raise ValidationError({"email": "This address belongs to the plan's staff, who cannot be invited."})
    if user is not None and EnrollmentGrant.objects.filter(application=application, user=user).exists():
        raise ValidationError({"email": "This person already has rights on this application: change them below."})
    created = user is None
    if created:
        if not full_name.strip():
            raise ValidationError({"full_name": "Enter the person's name: they have no login yet."})
        user = user_create(
            actor=actor, email=email, full_name=full_name.strip(), status=UserStatus.UNVERIFIED, request=request
        )
    grant = EnrollmentGrant.objects.create(
        application=application,
        user=user,
        sections=_clean_sections(sections),
        granted_by=actor,
        **{f"can_{right}": bool(rights.get(right)) for right in RIGHTS},
    )
    record(
        action=AuditAction.ENROLLMENT_GRANT_SET,
        actor=actor,
        target=application,
        details={
            "user": str(user.uuid),
            "sections": grant.sections,
            "rights": {r: grant.right(r) for r in RIGHTS},
            "invited": created,
        },
        request=request,
    )
    if created:
        registration_link_issue(user=user, actor=actor, purpose="invitation")
    else:
        email_enqueue_template(
            to=user.email,
            template="enrollment_invitation",
            context={"user": user, "inviter": actor, "application": application, "url": summary_url(application)},
        )
    if grant.can_message:
        system_notify(
            user=user,
            subject=f"Enrollment {application.reference}: you were invited",
            body=(
                f"{actor.full_name} gave you rights on application {application.reference}.\n\n"
                f"See it: {summary_url(application)}"
            ),
        )
    return grant


@transaction.atomic
def grant_update(
    *, actor: User, grant: EnrollmentGrant, sections: dict[str, str], rights: dict[str, bool], request=None
) -> EnrollmentGrant:
    _require_admin(actor, grant.application)
    if grant.is_admin:
        raise ValidationError("The Provider Admin's rights are all rights; they cannot be changed.")
    grant.sections = _clean_sections(sections)
    for right in RIGHTS:
        setattr(grant, f"can_{right}", bool(rights.get(right)))
    grant.save()
    record(
        action=AuditAction.ENROLLMENT_GRANT_SET,
        actor=actor,
        target=grant.application,
        details={
            "user": str(grant.user.uuid),
            "sections": grant.sections,
            "rights": {r: grant.right(r) for r in RIGHTS},
        },
        request=request,
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor: User, grant: EnrollmentGrant, request=None) -> None:
    _require_admin(actor, grant.application)
    if grant.is_admin:
        raise ValidationError("The Provider Admin cannot be removed from the application.")
    record(
        action=AuditAction.ENROLLMENT_GRANT_REVOKED,
        actor=actor,
        target=grant.application,
        details={"user": str(grant.user.uuid)},
        request=request,
    )
    grant.delete()


# --- sign, pay, submit -----------------------------------------------------------------------------


@transaction.atomic
def application_sign(
    *, actor: User, application: EnrollmentApplication, typed_name: str, attest: bool, request=None
) -> EnrollmentApplication:
    """The typed full name and the attestation of a user with the Sign right, over the content's hash."""
    _require_right(actor, application, "sign")
    application = _lock(application)
    if application.status not in EDITABLE_STATUSES:
        raise ValidationError("This application is with the plan and cannot be signed now.")
    errors = {}
    if " ".join(typed_name.split()).casefold() != " ".join(actor.full_name.split()).casefold():
        errors["typed_name"] = f"Type your full name exactly as on your login: {actor.full_name}."
    if not attest:
        errors["attest"] = "Confirm that the information is true, correct and complete."
    if errors:
        raise ValidationError(errors)
    if not all_complete(application):
        raise ValidationError("Complete every section before signing.")
    application.signed_by, application.signed_name = actor, typed_name.strip()
    application.signed_at, application.signed_hash = timezone.now(), content_hash(application)
    application.save(update_fields=["signed_by", "signed_name", "signed_at", "signed_hash"])
    _event(application, EventKind.SIGNED, actor, f"Signed by {application.signed_name}.")
    record(
        action=AuditAction.ENROLLMENT_SIGNED,
        actor=actor,
        target=application,
        details={"hash": application.signed_hash},
        request=request,
    )
    return application


@transaction.atomic
def payment_start(*, actor: User, application: EnrollmentApplication, request=None) -> str:
    """A pending payment at the configured provider; returns where to send the browser."""
    _require_right(actor, application, "pay")
    application = _lock(application)
    if application.fee_exempt:
        raise ValidationError("Individual practitioners pay no application fee.")
    if application.fee_paid_at:
        raise ValidationError("The application fee is already paid.")
    pay = processor()
    payment = Payment.objects.create(
        application=application, processor=pay.name, amount_cents=application.fee_cents, started_by=actor
    )
    record(
        action=AuditAction.ENROLLMENT_FEE_STARTED,
        actor=actor,
        target=application,
        details={"processor": pay.name, "amount_cents": payment.amount_cents},
        request=request,
    )
    return pay.checkout_url(
        payment,
        return_url=reverse("enrollment:pay_return", args=[application.uuid]),
        cancel_url=reverse("enrollment:pay", args=[application.uuid]),
    )


@transaction.atomic
def payment_confirm(*, payment: Payment, actor: User | None = None, request=None) -> bool:
    """Mark the payment and the fee paid (once: a repeated webhook changes nothing)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentStatus.PAID:
        return False
    application = _lock(payment.application)
    now = timezone.now()
    payment.status, payment.paid_at = PaymentStatus.PAID, now
    payment.save(update_fields=["status", "paid_at"])
    if application.fee_paid_at is None:
        application.fee_paid_at = now
        application.save(update_fields=["fee_paid_at"])
    _event(application, EventKind.FEE_PAID, actor, f"{application.fee_dollars} via {payment.processor}.")
    record(
        action=AuditAction.ENROLLMENT_FEE_PAID,
        actor=actor,
        target=application,
        details={"processor": payment.processor, "amount_cents": payment.amount_cents, "payment": str(payment.uuid)},
        request=request,
    )
    _notify(application, f"The application fee of {application.fee_dollars} was paid.")
    return True


def test_payment_confirm(*, actor: User, payment: Payment, request=None) -> bool:
    """The built-in test processor's "Pay" button (refused when another processor is configured)."""
    if settings.ENROLLMENT_PAYMENT_PROCESSOR != "test" or payment.processor != "test":
        raise PermissionDenied("Test payments are off.")
    _require_right(actor, payment.application, "pay")
    return payment_confirm(payment=payment, actor=actor, request=request)


def stripe_webhook_handle(*, payload: bytes, signature: str) -> bool:
    """A verified Stripe event: confirm the payment it completes. WebhookRefused on a bad signature."""
    result = (
        processor().parse_webhook(payload, signature) if settings.ENROLLMENT_PAYMENT_PROCESSOR == "stripe" else None
    )
    if result is None:
        raise WebhookRefused("Stripe is not the configured payment processor.")
    if result.external_id is None:
        return False
    payment = Payment.objects.filter(processor="stripe", external_id=result.external_id).first()
    if payment is None:
        return False
    return payment_confirm(payment=payment)


def submit_blockers(
    application: EnrollmentApplication, *, missing: dict | None = None, signature_valid: bool | None = None
) -> list[str]:
    """Why the application cannot be submitted yet (empty: it can). A page that already knows
    what is missing and whether the signature holds passes them in."""
    problems = []
    missing = sections_missing(application) if missing is None else missing
    if any(missing.values()):
        problems.append("Complete every section.")
    if not (signature_is_valid(application) if signature_valid is None else signature_valid):
        voided = application.signed_at is None and any(
            event.kind == EventKind.SIGNATURE_VOIDED for event in application.events.all()
        )
        problems.append("The application must be signed" + (" again: it changed after signing." if voided else "."))
    if not application.fee_exempt and application.fee_paid_at is None:
        problems.append(f"Pay the application fee of {application.fee_dollars}.")
    return problems


@transaction.atomic
def application_submit(*, actor: User, application: EnrollmentApplication, request=None) -> EnrollmentApplication:
    _require_right(actor, application, "submit")
    application = _lock(application)
    resubmitting = application.status == Status.RETURNED
    next_status(application.status, "submit")
    problems = submit_blockers(application)
    if problems:
        raise ValidationError(problems)
    transition(application=application, action="submit", actor=actor, request=request)
    application.submitted_at = timezone.now()
    application.correction_due = None
    application.save(update_fields=["submitted_at", "correction_due"])
    application.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    _event(application, EventKind.RESUBMITTED if resubmitting else EventKind.SUBMITTED, actor)
    record(
        action=AuditAction.ENROLLMENT_SUBMITTED,
        actor=actor,
        target=application,
        details={"resubmitted": resubmitting, "hash": application.signed_hash},
        request=request,
    )
    _notify(
        application,
        f"Application {application.reference} was {'resubmitted' if resubmitting else 'submitted'} to "
        f"{settings.PAYER_NAME}. We will tell you here when its status changes.",
    )
    return application


# --- the plan's side -------------------------------------------------------------------------------


def staff_role(user: User) -> str | None:
    if not user.is_authenticated or not user.is_payer_staff:
        return None
    role = EnrollmentStaff.objects.filter(user=user).values_list("role", flat=True).first()
    return role


def _require_staff(actor: User, *, supervisor: bool = False) -> None:
    role = staff_role(actor)
    if role is None or not actor.is_active:
        raise PermissionDenied("Your role does not include enrollment review.")
    if supervisor and role != StaffRole.SUPERVISOR:
        raise PermissionDenied("Only an Enrollment Supervisor approves, denies or reassigns.")


@transaction.atomic
def application_take(*, actor: User, application: EnrollmentApplication, request=None) -> EnrollmentApplication:
    _require_staff(actor)
    application = _lock(application)
    transition(application=application, action="take", actor=actor, request=request)
    application.assigned_to = actor
    application.save(update_fields=["assigned_to"])
    _event(application, EventKind.TAKEN, actor)
    _notify(application, f"The plan is reviewing application {application.reference}.")
    return application


@dataclass(frozen=True)
class CorrectionItem:
    section: str
    note: str


@transaction.atomic
def application_return(
    *, actor: User, application: EnrollmentApplication, corrections: list[CorrectionItem], request=None
) -> EnrollmentApplication:
    """Return for correction with what to fix per section; the provider has the set days to answer."""
    _require_staff(actor)
    corrections = [c for c in corrections if c.note.strip()]
    if not corrections:
        raise ValidationError("Write at least one correction: say what to fix in which section.")
    application = _lock(application)
    transition(application=application, action="return", actor=actor, request=request)
    now = timezone.now()
    application.returned_at = now
    application.correction_due = timezone.localdate() + timedelta(days=settings.ENROLLMENT_CORRECTION_DAYS)
    application.save(update_fields=["returned_at", "correction_due"])
    Correction.objects.bulk_create(
        [
            Correction(application=application, section=c.section, note=c.note.strip(), requested_by=actor)
            for c in corrections
        ]
    )
    lines = "\n".join(f"- {Section(c.section).label}: {c.note.strip()}" for c in corrections)
    _event(application, EventKind.RETURNED, actor, lines)
    _notify(
        application,
        f"Application {application.reference} was returned for correction. Fix these by "
        f"{application.correction_due:%m/%d/%Y} and submit it again, or it will be rejected:\n{lines}",
    )
    return application


def _revalidation_due(application: EnrollmentApplication, today: date) -> date:
    years = (
        settings.ENROLLMENT_REVALIDATION_YEARS_DME
        if application.is_dme_supplier
        else settings.ENROLLMENT_REVALIDATION_YEARS
    )
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _claim_system_rows(actor: User, application: EnrollmentApplication, request) -> Organization:
    """The organization (TIN, verified) and provider IDs (NPI) the approval creates or reuses."""
    tin = application.tin
    if not tin:
        raise ValidationError("The application has no TIN: the claim system needs one to create the organization.")
    organization = Organization.objects.filter(tin=tin).first()
    if organization is None:
        organization = organization_create(
            actor=actor, name=application.legal_name, tin=tin, tin_verified=True, request=request
        )
    elif not organization.tin_verified:
        organization.tin_verified = True
        organization.save(update_fields=["tin_verified"])
    existing = ProviderIdentifier.objects.filter(kind=ProviderIdKind.NPI, value=application.npi).first()
    if existing is not None and existing.organization_id != organization.pk:
        raise ValidationError(f"NPI {application.npi} already belongs to another organization in the claim system.")
    if existing is None:
        provider_identifier_create(
            actor=actor,
            organization=organization,
            kind=ProviderIdKind.NPI,
            value=application.npi,
            display_name=application.legal_name,
        )
    if not ProviderIdentifier.objects.filter(kind=ProviderIdKind.TIN, value=tin).exists():
        provider_identifier_create(
            actor=actor,
            organization=organization,
            kind=ProviderIdKind.TIN,
            value=tin,
            display_name=application.legal_name,
        )
    return organization


@transaction.atomic
def application_approve(*, actor: User, application: EnrollmentApplication, request=None) -> EnrollmentApplication:
    _require_staff(actor, supervisor=True)
    application = _lock(application)
    next_status(application.status, "approve")
    organization = _claim_system_rows(actor, application, request)
    transition(application=application, action="approve", actor=actor, request=request)
    today = timezone.localdate()
    application.decided_at, application.decided_by, application.organization = timezone.now(), actor, organization
    application.revalidation_due = _revalidation_due(application, today)
    application.save(update_fields=["decided_at", "decided_by", "organization", "revalidation_due"])
    _event(application, EventKind.APPROVED, actor, f"Revalidation due {application.revalidation_due:%m/%d/%Y}.")
    _notify(
        application,
        f"Application {application.reference} was approved. NPI {application.npi} is now in the claim system "
        f"under TIN {application.tin}: register on the portal with them to see claims. "
        f"Revalidation is due by {application.revalidation_due:%m/%d/%Y}.",
    )
    return application


@transaction.atomic
def application_deny(
    *, actor: User, application: EnrollmentApplication, reason: str, request=None
) -> EnrollmentApplication:
    _require_staff(actor, supervisor=True)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the denial: the provider reads it."})
    application = _lock(application)
    transition(application=application, action="deny", actor=actor, request=request)
    application.decided_at, application.decided_by, application.decision_reason = timezone.now(), actor, reason.strip()
    application.save(update_fields=["decided_at", "decided_by", "decision_reason"])
    _event(application, EventKind.DENIED, actor, reason.strip())
    _notify(application, f"Application {application.reference} was denied. Reason: {reason.strip()}")
    return application


@transaction.atomic
def application_reassign(
    *, actor: User, application: EnrollmentApplication, to: User, request=None
) -> EnrollmentApplication:
    _require_staff(actor, supervisor=True)
    if staff_role(to) is None:
        raise ValidationError({"to": "Choose a member of the enrollment team."})
    application = _lock(application)
    if application.status != Status.IN_REVIEW:
        raise ValidationError("Only an application in review can be reassigned.")
    previous = application.assigned_to
    application.assigned_to = to
    application.save(update_fields=["assigned_to"])
    _event(application, EventKind.REASSIGNED, actor, f"To {to.full_name}.")
    record(
        action=AuditAction.ENROLLMENT_REASSIGNED,
        actor=actor,
        target=application,
        details={"from": str(previous.uuid) if previous else None, "to": str(to.uuid)},
        request=request,
    )
    return application


# --- the daily job ---------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


@dataclass(frozen=True)
class DailyResult:
    rejected: int
    revalidations_opened: int

    def as_dict(self) -> dict[str, int]:
        return {"rejected": self.rejected, "revalidations_opened": self.revalidations_opened}


def enrollment_daily(*, today: date | None = None) -> DailyResult:
    """Reject applications not corrected in time; open the revalidation of approved enrollments
    whose date is within the notice months, and tell their admin. Idempotent."""
    today = today or timezone.localdate()
    rejected = 0
    for pk in EnrollmentApplication.objects.filter(status=Status.RETURNED, correction_due__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            application = EnrollmentApplication.objects.select_for_update().get(pk=pk)
            if application.status != Status.RETURNED:
                continue
            transition(application=application, action="expire", actor=None)
            application.decided_at = timezone.now()
            application.decision_reason = f"Not corrected within {settings.ENROLLMENT_CORRECTION_DAYS} days."
            application.save(update_fields=["decided_at", "decision_reason"])
            _event(application, EventKind.REJECTED, None, application.decision_reason)
            _notify(
                application,
                f"Application {application.reference} was rejected: it was not corrected within "
                f"{settings.ENROLLMENT_CORRECTION_DAYS} days.",
            )
            rejected += 1
    horizon = _add_months(today, settings.ENROLLMENT_REVALIDATION_NOTICE_MONTHS)
    opened = 0
    due = EnrollmentApplication.objects.filter(
        status=Status.APPROVED, revalidation_due__lte=horizon, revalidation_opened_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            original = EnrollmentApplication.objects.select_for_update().get(pk=pk)
            if original.revalidation_opened_at is not None:
                continue
            admin = original.grants.filter(is_admin=True).select_related("user").first()
            if admin is None or not admin.user.is_active:
                continue
            revalidation = application_create(
                actor=admin.user,
                kind=original.kind,
                legal_name=original.legal_name,
                is_dme_supplier=original.is_dme_supplier,
                revalidation_of=original,
            )
            revalidation.npi, revalidation.tin, revalidation.taxonomy_code = (
                original.npi,
                original.tin,
                original.taxonomy_code,
            )
            revalidation.save(update_fields=["npi", "tin", "taxonomy_code"])
            original.revalidation_opened_at = timezone.now()
            original.save(update_fields=["revalidation_opened_at"])
            system_notify(
                user=admin.user,
                subject=f"Enrollment {original.reference}: revalidation due {original.revalidation_due:%m/%d/%Y}",
                body=(
                    f"The enrollment of {original.legal_name} must be revalidated by "
                    f"{original.revalidation_due:%m/%d/%Y}. "
                    f"We opened application {revalidation.reference} for it.\n\nSee it: {summary_url(revalidation)}"
                ),
            )
            opened += 1
    return DailyResult(rejected=rejected, revalidations_opened=opened)
