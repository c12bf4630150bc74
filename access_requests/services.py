"""Creating Add Facility requests and deciding them.

A decision is applied in one transaction: the request is claimed with a conditional UPDATE (so of
two analysts deciding at once exactly one applies), the scope and levels are granted through the
accounts services (which audit each grant), the items and request get their outcome, and the
decision and the analyst's reply are posted in the request's thread.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access_requests.models import (
    MAX_ITEMS,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    AccessRequest,
    AccessRequestItem,
    ItemDecision,
    RequestStatus,
)
from accounts.models import AccessLevel, ProviderIdentifier, ProviderIdKind, User
from accounts.selectors import levels_by_organization, organizations_for_user, provider_ids_in_scope
from accounts.services import access_levels_set, scope_add
from accounts.validators import validate_npi, validate_tin
from audit.models import AuditAction
from audit.services import record
from mailbox.services import message_reply, system_message_post, thread_start_with_payer
from portal import normalize

OTHER_ID_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")


class AlreadyDecided(Exception):
    """Another analyst decided this request first."""


def normalize_value(kind: str, value: str) -> str:
    return normalize.provider_id(kind, value)


def validate_item(kind: str, value: str) -> None:
    if kind not in ProviderIdKind.values:
        raise ValidationError("Choose the kind of ID.")
    if kind == ProviderIdKind.NPI:
        validate_npi(value)
    elif kind == ProviderIdKind.TIN:
        validate_tin(value)
    elif not OTHER_ID_RE.match(value):
        raise ValidationError("Use 1 to 20 letters and digits.")


def open_request_items(*, user: User) -> set[tuple[str, str]]:
    """(kind, value) pairs the user already asked for in a request still open. One query."""
    return set(
        AccessRequestItem.objects.filter(request__requester=user, request__status=RequestStatus.OPEN).values_list(
            "kind", "value"
        )
    )


def scope_pairs(*, user: User) -> set[tuple[str, str]]:
    return set(provider_ids_in_scope(user=user).values_list("kind", "value"))


def item_problems(*, user: User, items: list[tuple[str, str]]) -> dict[int, str]:
    """Index → the reason a requested ID cannot be asked for (duplicate, held, already asked)."""
    in_scope = scope_pairs(user=user)
    already_asked = open_request_items(user=user)
    problems, seen = {}, set()
    for index, pair in enumerate(items):
        kind_label = ProviderIdKind(pair[0]).label
        if pair in seen:
            problems[index] = f"{kind_label} {pair[1]} is already in this request."
        elif pair in in_scope:
            problems[index] = f"You already have {kind_label} {pair[1]}."
        elif pair in already_asked:
            problems[index] = f"You already asked for {kind_label} {pair[1]} in an open request."
        seen.add(pair)
    return problems


def _first_message(items: list[tuple[str, str]], note: str) -> str:
    lines = ["Please add these provider IDs to my account:", ""]
    lines += [f"- {ProviderIdKind(kind).label} {value}" for kind, value in items]
    if note:
        lines += ["", "Note:", note]
    return "\n".join(lines)


@transaction.atomic
def access_request_create(*, requester: User, items: list[tuple[str, str]], note: str = "", request=None):
    """Validate and store an Add Facility request, with its thread to the payer team."""
    if requester.is_payer_staff or not requester.is_active:
        raise PermissionDenied("Only active provider users send Add Facility requests.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"A note is at most {NOTE_MAX_LENGTH:,} characters."})
    cleaned = []
    for kind, value in items:
        value = normalize_value(kind, value)
        validate_item(kind, value)
        cleaned.append((kind, value))
    if not 1 <= len(cleaned) <= MAX_ITEMS:
        raise ValidationError(f"List between 1 and {MAX_ITEMS} provider IDs.")
    problems = item_problems(user=requester, items=cleaned)
    if problems:
        raise ValidationError(list(problems.values()))
    organization = organizations_for_user(user=requester).order_by("name").first()
    thread = thread_start_with_payer(
        sender=requester,
        subject=f"Add Facility: {len(cleaned)} provider ID{'s' if len(cleaned) != 1 else ''}",
        body=_first_message(cleaned, note),
        organization=organization,
        request=request,
        payer_template="payer_new_request",
    )
    access_request = AccessRequest.objects.create(
        requester=requester, organization=organization, note=note, thread=thread
    )
    AccessRequestItem.objects.bulk_create(
        [AccessRequestItem(request=access_request, kind=kind, value=value) for kind, value in cleaned]
    )
    thread.subject = f"Add Facility {access_request.reference}: {len(cleaned)} provider ID" + (
        "s" if len(cleaned) != 1 else ""
    )
    thread.save(update_fields=["subject"])
    record(
        action=AuditAction.REQUEST_CREATED,
        actor=requester,
        target=access_request,
        organization=organization,
        details={"reference": access_request.reference, "items": [f"{k} {v}" for k, v in cleaned]},
        request=request,
    )
    return access_request


# --- review ------------------------------------------------------------------------------------


@dataclass
class ReviewRow:
    """One requested ID as the analyst sees it, resolved against the claim system."""

    item: AccessRequestItem
    provider_identifier: ProviderIdentifier | None
    already_granted: bool
    requester_levels: set[str] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return self.provider_identifier is not None

    @property
    def needs_levels(self) -> bool:
        """The requester holds no access level on this ID's organization yet."""
        return self.found and not self.requester_levels

    @property
    def requester_level_labels(self) -> list[str]:
        return [level.label for level in AccessLevel if level.value in self.requester_levels]


def default_levels(*, requester: User) -> list[str]:
    """Levels to grant on a new TIN by default: those the requester holds on their own TIN(s),
    never Manage Account."""
    held = set()
    for levels in levels_by_organization(user=requester).values():
        held |= levels
    held.discard(AccessLevel.MANAGE_ACCOUNT)
    return [level.value for level in AccessLevel if level.value in held]


def review_rows(*, access_request: AccessRequest) -> list[ReviewRow]:
    """Every item resolved: found or not, organization, already granted, requester's levels there.
    Four queries whatever the number of items."""
    items = list(access_request.items.all())
    if not items:
        return []
    match = Q()
    for item in items:
        match |= Q(kind=item.kind, value=item.value)
    found = {
        (pid.kind, pid.value): pid for pid in ProviderIdentifier.objects.filter(match).select_related("organization")
    }
    requester = access_request.requester
    granted = set(
        provider_ids_in_scope(user=requester)
        .filter(pk__in=[pid.pk for pid in found.values()])
        .values_list("pk", flat=True)
    )
    levels = levels_by_organization(user=requester)
    rows = []
    for item in items:
        pid = item.provider_identifier or found.get((item.kind, item.value))
        rows.append(
            ReviewRow(
                item=item,
                provider_identifier=pid,
                already_granted=pid is not None and pid.pk in granted,
                requester_levels=levels.get(pid.organization_id, set()) if pid else set(),
            )
        )
    return rows


@dataclass
class ItemChoice:
    approve: bool
    reason: str = ""
    levels: list[str] = field(default_factory=list)


def _decision_summary(access_request: AccessRequest, approved: list, denied: list) -> str:
    lines = [f"Decision on request {access_request.reference}:"]
    if approved:
        lines += ["", "Added to your account:"]
        for item, pid, levels in approved:
            line = f"- {item.get_kind_display()} {item.value} ({pid.display_name}, TIN {pid.organization.tin})"
            if levels:
                line += " with " + ", ".join(AccessLevel(level).label for level in levels)
            lines.append(line)
    if denied:
        lines += ["", "Not added:"]
        lines += [f"- {item.get_kind_display()} {item.value}: {item.reason}" for item in denied]
    return "\n".join(lines)


@transaction.atomic
def access_request_decide(
    *,
    access_request: AccessRequest,
    reviewer: User,
    choices: dict[int, ItemChoice],
    reply: str = "",
    request=None,
) -> AccessRequest:
    """Apply the analyst's decision on every item, in one transaction.

    ``choices`` maps each item id of the request to approve (with levels for a new TIN) or deny
    (with a reason). Raises AlreadyDecided if another analyst decided first.
    """
    if not reviewer.is_payer_staff or not reviewer.is_active:
        raise PermissionDenied("Only payer staff decide access requests.")
    items = {item.pk: item for item in access_request.items.all()}
    if set(choices) != set(items):
        raise ValidationError("Decide every requested ID, and only those.")
    rows = {row.item.pk: row for row in review_rows(access_request=access_request)}
    errors = []
    for item_id, choice in choices.items():
        row = rows[item_id]
        if choice.approve:
            if not row.found:
                errors.append(f"{row.item}: not in the claim system, so it cannot be approved.")
            bad = set(choice.levels) - set(AccessLevel.values)
            if bad or AccessLevel.MANAGE_ACCOUNT in choice.levels:
                errors.append(f"{row.item}: Manage Account is never granted through a request.")
            if row.needs_levels and not choice.levels:
                errors.append(
                    f"{row.item}: choose at least one access level for TIN {row.provider_identifier.organization.tin}."
                )
        else:
            reason = " ".join((choice.reason or "").split())
            if not reason:
                errors.append(f"{row.item}: give a reason for refusing it.")
            elif len(reason) > REASON_MAX_LENGTH:
                errors.append(f"{row.item}: a reason is at most {REASON_MAX_LENGTH} characters.")
    if errors:
        raise ValidationError(errors)

    approved_count = sum(1 for c in choices.values() if c.approve)
    if approved_count == len(items):
        status = RequestStatus.APPROVED
    elif approved_count == 0:
        status = RequestStatus.DENIED
    else:
        status = RequestStatus.PARTIALLY_APPROVED
    now = timezone.now()
    # The claim: exactly one concurrent decision finds the request still open.
    claimed = AccessRequest.objects.filter(pk=access_request.pk, status=RequestStatus.OPEN).update(
        status=status, decided_at=now, decided_by=reviewer
    )
    if not claimed:
        raise AlreadyDecided(access_request.reference)
    access_request.status, access_request.decided_at, access_request.decided_by = status, now, reviewer

    requester = access_request.requester
    approved, denied = [], []
    for item_id, choice in sorted(choices.items()):
        item, row = items[item_id], rows[item_id]
        if choice.approve:
            pid = row.provider_identifier
            levels = list(choice.levels) if row.needs_levels else []
            if levels:
                access_levels_set(
                    actor=reviewer, user=requester, organization=pid.organization, levels=levels, request=request
                )
            scope_add(
                actor=reviewer,
                user=requester,
                provider_identifiers=[pid],
                request=request,
                reason=f"Request {access_request.reference}",
            )
            item.decision, item.provider_identifier, item.levels_granted = ItemDecision.APPROVED, pid, levels
            approved.append((item, pid, levels))
        else:
            item.decision, item.reason = ItemDecision.DENIED, " ".join(choice.reason.split())
            denied.append(item)
        item.save(update_fields=["decision", "reason", "provider_identifier", "levels_granted"])

    record(
        action=AuditAction.REQUEST_DECIDED,
        actor=reviewer,
        target=access_request,
        organization=access_request.organization,
        details={
            "reference": access_request.reference,
            "requester": requester.email,
            "status": status,
            "approved": [f"{i.kind} {i.value}" for i, _, _ in approved],
            "denied": {f"{i.kind} {i.value}": i.reason for i in denied},
        },
        request=request,
    )
    thread = access_request.thread
    system_message_post(thread=thread, body=_decision_summary(access_request, approved, denied))
    if reply.strip():
        message_reply(thread=thread, sender=reviewer, body=reply, request=request)
    return access_request


def default_reply(*, access_request: AccessRequest, rows: list[ReviewRow]) -> str:
    """The reply prefilled for the analyst: approve what was found, refuse what was not."""
    found = [row for row in rows if row.found and not row.already_granted]
    missing = [row for row in rows if not row.found]
    lines = [f"Hello {access_request.requester.full_name},", ""]
    if found:
        lines.append("We have added these provider IDs to your account:")
        lines += [
            f"- {row.item.get_kind_display()} {row.item.value} ({row.provider_identifier.display_name})"
            for row in found
        ]
        lines.append("You will see them, and their claims, the next time you sign in.")
    if missing:
        if found:
            lines.append("")
        lines.append("We could not find these IDs in our claim system:")
        lines += [f"- {row.item.get_kind_display()} {row.item.value}" for row in missing]
        lines.append("Please check the numbers and send a new request.")
    lines += ["", "Thank you."]
    return "\n".join(lines)
