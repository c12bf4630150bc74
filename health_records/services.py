"""Every write of Health Records: importing a FHIR R4 bundle, loading the care-gap rules,
recomputing care gaps, a member's opt-out, and recording who looked at which record."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as PydanticValidationError

from accounts.models import User
from audit.models import AuditAction
from audit.services import record
from claims.models import ClaimLine, Member
from health_records.models import (
    BundleImport,
    CareGap,
    CareGapRule,
    ClinicalPatient,
    Gender,
    Immunization,
    LabResult,
    Medication,
    RecordOptOut,
    RuleKind,
)
from health_records.rules import Facts, RuleError, evaluate, validate_parameters

# The identifier system under which a FHIR Patient carries the plan's member ID.
MEMBER_ID_SYSTEM = "https://portal.demo-health-plan.test/fhir/member-id"
RULES_FILE = Path(__file__).resolve().parent / "care_gap_rules.json"
SUPPORTED = {"Patient", "MedicationStatement", "MedicationRequest", "Immunization", "Observation"}
REFRESH_BATCH = 500


@dataclass(frozen=True)
class Problem:
    index: int | None  # the entry's index in the bundle; None: the bundle itself
    message: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.message}" if self.index is not None else self.message


class BundleInvalid(ValueError):
    """The bundle was refused as a whole; ``problems`` lists each bad resource by index."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _day(value: str | None) -> datetime.date | None:
    if not value:
        return None
    value = value[:10]
    if len(value) == 4:
        value += "-01-01"
    elif len(value) == 7:
        value += "-01"
    return datetime.date.fromisoformat(value)


def _coding(concept: dict | None) -> dict | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            return {
                "system": coding.get("system", ""),
                "code": coding["code"],
                "display": coding.get("display") or (concept or {}).get("text") or coding["code"],
            }
    return None


def _schema_problems(data: dict) -> list[Problem]:
    try:
        Bundle.model_validate(data)
    except PydanticValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = list(error["loc"])
            if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
                path = ".".join(str(p) for p in loc[2:]) or "entry"
                problems.append(Problem(loc[1], f"{path}: {error['msg']}"))
            else:
                problems.append(Problem(None, f"{'.'.join(str(p) for p in loc) or 'Bundle'}: {error['msg']}"))
        return problems
    return []


def _parse(data: dict) -> tuple[Member | None, list[tuple[int, dict]], list[Problem]]:
    """The bundle's member and its supported resources, or the problems that refuse it."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return None, [], [Problem(None, "not a FHIR Bundle (resourceType must be Bundle)")]
    problems = _schema_problems(data)
    if problems:
        return None, [], problems
    entries = [(index, entry.get("resource") or {}) for index, entry in enumerate(data.get("entry") or [])]
    patients = [(index, resource) for index, resource in entries if resource.get("resourceType") == "Patient"]
    if len(patients) != 1:
        return None, [], [Problem(None, f"a bundle holds exactly one Patient (found {len(patients)})")]
    patient_index, patient = patients[0]
    member_ids = [i.get("value") for i in patient.get("identifier") or [] if i.get("system") == MEMBER_ID_SYSTEM]
    member = Member.objects.filter(member_id=member_ids[0]).first() if member_ids else None
    if member is None:
        problems.append(Problem(patient_index, f"Patient has no identifier of a known member ({MEMBER_ID_SYSTEM})"))
    references = {f"Patient/{patient.get('id')}"}
    for entry in data.get("entry") or []:
        if (entry.get("resource") or {}).get("resourceType") == "Patient" and entry.get("fullUrl"):
            references.add(entry["fullUrl"])
    for index, resource in entries:
        kind = resource.get("resourceType")
        if kind == "Patient":
            continue
        if kind not in SUPPORTED:
            problems.append(Problem(index, f"{kind} resources are not imported"))
            continue
        if not resource.get("id"):
            problems.append(Problem(index, f"{kind} has no id"))
        subject = (resource.get("subject") or resource.get("patient") or {}).get("reference")
        if subject not in references:
            problems.append(Problem(index, f"{kind} is not about the bundle's Patient ({subject or 'no subject'})"))
        if kind in ("MedicationStatement", "MedicationRequest") and not _coding(
            resource.get("medicationCodeableConcept")
        ):
            problems.append(Problem(index, f"{kind} has no coded medication (medicationCodeableConcept)"))
        if kind == "Immunization":
            if not _coding(resource.get("vaccineCode")):
                problems.append(Problem(index, "Immunization has no coded vaccineCode"))
            if not resource.get("occurrenceDateTime"):
                problems.append(Problem(index, "Immunization has no occurrenceDateTime"))
        if kind == "Observation":
            if not _coding(resource.get("code")):
                problems.append(Problem(index, "Observation has no coded code"))
            if not resource.get("effectiveDateTime"):
                problems.append(Problem(index, "Observation has no effectiveDateTime"))
    return member, entries, problems


@transaction.atomic
def bundle_import(*, data: dict, source: str, actor: User | None = None) -> BundleImport:
    """Import one member's bundle, all or nothing: a bundle with any bad resource imports nothing
    and raises BundleInvalid listing each by index. Resources imported before (same id) are updated."""
    member, entries, problems = _parse(data)
    if problems:
        raise BundleInvalid(problems)
    assert member is not None
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    already = BundleImport.objects.filter(member=member, sha256=digest).first()
    if already is not None:
        return already  # the same bundle again: nothing to change
    bundle = BundleImport.objects.create(member=member, source=source[:300], sha256=digest, resources=len(entries))
    for _index, resource in entries:
        kind = resource["resourceType"]
        if kind == "Patient":
            gender = resource.get("gender") if resource.get("gender") in Gender.values else Gender.UNKNOWN
            ClinicalPatient.objects.update_or_create(member=member, defaults={"gender": gender})
            continue
        common = {"bundle": bundle}
        if kind in ("MedicationStatement", "MedicationRequest"):
            coding = _coding(resource["medicationCodeableConcept"])
            started = _day(
                (resource.get("effectivePeriod") or {}).get("start")
                or resource.get("effectiveDateTime")
                or resource.get("authoredOn")
            )
            defaults = {
                **common,
                "code_system": coding["system"],
                "code": coding["code"],
                "display": coding["display"][:300],
                "status": resource.get("status", "")[:20],
                "started_on": started,
            }
            Medication.objects.update_or_create(member=member, resource_id=resource["id"], defaults=defaults)
        elif kind == "Immunization":
            coding = _coding(resource["vaccineCode"])
            defaults = {
                **common,
                "code_system": coding["system"],
                "code": coding["code"],
                "display": coding["display"][:300],
                "occurred_on": _day(resource["occurrenceDateTime"]),
            }
            Immunization.objects.update_or_create(member=member, resource_id=resource["id"], defaults=defaults)
        else:
            coding = _coding(resource["code"])
            quantity = resource.get("valueQuantity") or {}
            value = quantity.get("value", resource.get("valueString", ""))
            defaults = {
                **common,
                "code_system": coding["system"],
                "code": coding["code"],
                "display": coding["display"][:300],
                "effective_on": _day(resource["effectiveDateTime"]),
                "value": str(value)[:100] if value != "" else "",
                "unit": (quantity.get("unit") or quantity.get("code") or "")[:40],
            }
            LabResult.objects.update_or_create(member=member, resource_id=resource["id"], defaults=defaults)
    record(
        action=AuditAction.FHIR_BUNDLE_IMPORTED,
        actor=actor,
        target=member,
        details={"source": bundle.source, "resources": bundle.resources, "sha256": digest},
    )
    care_gaps_refresh(members=Member.objects.filter(pk=member.pk))
    return bundle


@transaction.atomic
def care_gap_rules_load(*, path: Path = RULES_FILE) -> int:
    """Upsert the rules of the file; a rule left out of it is deactivated. Returns the rule count."""
    rules = json.loads(path.read_text(encoding="utf-8"))
    codes = []
    for rule in rules:
        try:
            validate_parameters(rule["kind"], rule["parameters"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleError(f"rule {rule.get('code')!r}: {exc}") from None
        CareGapRule.objects.update_or_create(
            code=rule["code"],
            defaults={
                "measure": rule["measure"],
                "kind": rule["kind"],
                "parameters": rule["parameters"],
                "active": True,
            },
        )
        codes.append(rule["code"])
    CareGapRule.objects.exclude(code__in=codes).update(active=False)
    return len(codes)


def care_gaps_refresh(*, members=None, today: datetime.date | None = None) -> int:
    """Recompute the open care gaps of ``members`` (all members with clinical data when None), in
    batches, each replacing that batch's gaps in one transaction. Returns the gaps open after."""
    today = today or timezone.localdate()
    rules = list(CareGapRule.objects.filter(active=True))
    if members is None:
        members = Member.objects.filter(clinical_patient__isnull=False)
    ids = list(members.order_by("pk").values_list("pk", flat=True))
    opened = 0
    for start in range(0, len(ids), REFRESH_BATCH):
        batch = ids[start : start + REFRESH_BATCH]
        opened += _refresh_batch(batch, rules, today)
    return opened


def _claim_procedures(members: list[tuple], rules: list[CareGapRule]) -> defaultdict[str, list]:
    """(procedure code, service date, claim number) of the batch's claim lines that a claim rule
    looks for, by plan member ID. One query, none when no active rule reads claims."""
    codes = {
        code for rule in rules if rule.kind == RuleKind.CLAIM_MISSING for code in rule.parameters["procedure_codes"]
    }
    found = defaultdict(list)
    if not codes:
        return found
    lines = ClaimLine.objects.filter(
        claim__member_id__in=[plan_member_id for _pk, plan_member_id, _born in members], procedure_code__in=codes
    ).values_list("claim__member_id", "procedure_code", "service_date", "claim__claim_number")
    for plan_member_id, code, day, claim_number in lines:
        found[plan_member_id].append((code, day, claim_number))
    return found


@transaction.atomic
def _refresh_batch(member_ids: list[int], rules: list[CareGapRule], today: datetime.date) -> int:
    meds, observations, shots = defaultdict(dict), defaultdict(list), defaultdict(list)
    for member_id, code, display in Medication.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "code", "display"
    ):
        meds[member_id][code] = display
    for member_id, code, day in LabResult.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "code", "effective_on"
    ):
        observations[member_id].append((code, day))
    for member_id, code, day in Immunization.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "code", "occurred_on"
    ):
        shots[member_id].append((code, day))
    genders = dict(ClinicalPatient.objects.filter(member_id__in=member_ids).values_list("member_id", "gender"))
    members = list(Member.objects.filter(pk__in=member_ids).values_list("pk", "member_id", "date_of_birth"))
    procedures = _claim_procedures(members, rules)
    gaps = []
    for member_id, plan_member_id, born in members:
        facts = Facts(
            born,
            genders.get(member_id, Gender.UNKNOWN),
            meds[member_id],
            observations[member_id],
            shots[member_id],
            procedures[plan_member_id],
        )
        for rule in rules:
            evidence = evaluate(rule, facts, today)
            if evidence:
                gaps.append(CareGap(member_id=member_id, rule=rule, evidence=evidence[:500], computed_on=today))
    CareGap.objects.filter(member_id__in=member_ids).delete()
    CareGap.objects.bulk_create(gaps)
    return len(gaps)


# --- opt-out and audit --------------------------------------------------------------------------------


@transaction.atomic
def record_opt_out_set(*, actor: User, member: Member, opted_out: bool, request=None) -> None:
    """Record (or lift) a member's wish not to share their health record with providers."""
    if opted_out:
        RecordOptOut.objects.get_or_create(member=member, defaults={"recorded_by": actor})
    else:
        RecordOptOut.objects.filter(member=member).delete()
    record(
        action=AuditAction.HEALTH_RECORD_OPT_OUT_SET,
        actor=actor,
        target=member,
        details={"member_id": member.member_id, "opted_out": opted_out},
        request=request,
    )


def health_record_viewed(*, actor: User, member: Member, section: str, request=None) -> None:
    record(
        action=AuditAction.HEALTH_RECORD_VIEWED,
        actor=actor,
        target=member,
        details={"member_id": member.member_id, "section": section},
        request=request,
    )


def health_record_refused(*, actor: User, member: Member | None, member_id: str, section: str, request=None) -> None:
    """A record asked for and not shown (not attributed, or opted out): the same page either way."""
    record(
        action=AuditAction.HEALTH_RECORD_REFUSED,
        actor=actor,
        target=member,
        details={"member_id": member_id, "section": section},
        request=request,
    )


def care_gaps_viewed(*, actor: User, exported: bool, filters: dict, request=None) -> None:
    record(
        action=AuditAction.CARE_GAPS_EXPORTED if exported else AuditAction.CARE_GAPS_VIEWED,
        actor=actor,
        details={"filters": filters},
        request=request,
    )
