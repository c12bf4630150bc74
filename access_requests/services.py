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
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
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
from accounts.access import levels_by_organization, organizations_for_user, provider_ids_in_scope
from accounts.models import AccessLevel, Organization, ProviderIdentifier, ProviderIdKind, User
from accounts.services.access import access_levels_set, scope_add
from accounts.validators import validate_npi, validate_tin
from audit.models import AuditAction
from audit.services import record
from core import normalize
from mailbox.services import message_reply, system_message_post, thread_start_with_payer

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

# A TIN request lists at most this many of the organization's provider IDs to tick; the whole TIN
# can always be approved, whatever its size, so the review panel's cost does not grow with it.
TIN_LISTED_IDS = 50
# How many provider IDs of an approved TIN the decision message names before "and N more".
TIN_NAMED_IN_MESSAGE = 10


@dataclass
class TinProviderId:
    """One provider ID of a requested TIN, as listed on the review panel."""

    provider_identifier: ProviderIdentifier
    already_granted: bool

    @property
    def key(self) -> str:
        return str(self.provider_identifier.uuid)


@dataclass
class DecisionRow:
    """One requested ID as the analyst sees it, resolved against the claim system.

    An NPI, vendor or office ID resolves to that provider ID; a TIN resolves to the organization
    with that TIN, and offers its provider IDs (the first ``TIN_LISTED_IDS`` listed, all counted).
    """

    item: AccessRequestItem
    provider_identifier: ProviderIdentifier | None
    already_granted: bool
    requester_levels: set[str] = field(default_factory=set)
    organization: Organization | None = None
    tin_ids: list[TinProviderId] = field(default_factory=list)
    tin_id_count: int = 0
    tin_granted_count: int = 0

    @property
    def is_tin(self) -> bool:
        return self.item.kind == ProviderIdKind.TIN

    @property
    def found(self) -> bool:
        return self.target_organization is not None

    @property
    def target_organization(self) -> Organization | None:
        if self.is_tin:
            return self.organization
        return self.provider_identifier.organization if self.provider_identifier else None

    @property
    def display_name(self) -> str:
        if self.is_tin:
            return self.organization.name if self.organization else ""
        return self.provider_identifier.display_name if self.provider_identifier else ""

    @property
    def needs_levels(self) -> bool:
        """The requester holds no access level on this ID's organization yet."""
        return self.found and not self.requester_levels

    @property
    def tin_unlisted_count(self) -> int:
        return max(self.tin_id_count - len(self.tin_ids), 0)

    @property
    def tin_ids_to_tick(self) -> dict[str, TinProviderId]:
        """Listed provider IDs of the TIN the requester does not hold yet, by UUID."""
        return {str(t.provider_identifier.uuid): t for t in self.tin_ids if not t.already_granted}

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


def _tin_listings(organization_ids: list[int]) -> tuple[dict[int, list[ProviderIdentifier]], dict[int, int]]:
    """The first TIN_LISTED_IDS provider IDs of each organization and how many each has, in one
    query (a window function numbers and counts them per organization)."""
    if not organization_ids:
        return {}, {}
    ranked = (
        ProviderIdentifier.objects.filter(organization_id__in=organization_ids)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("organization_id")], order_by=[F("kind"), F("value")]),
            total=Window(Count("id"), partition_by=[F("organization_id")]),
        )
        .filter(position__lte=TIN_LISTED_IDS)
        .order_by("organization_id", "kind", "value")
    )
    listed: dict[int, list[ProviderIdentifier]] = {}
    totals: dict[int, int] = {}
    for pid in ranked:
        listed.setdefault(pid.organization_id, []).append(pid)
        totals[pid.organization_id] = pid.total
    return listed, totals


def decision_rows(*, access_request: AccessRequest) -> list[DecisionRow]:
    """Every item resolved: found or not, organization, already granted, requester's levels there.
    A constant number of queries whatever the number of items and the size of a requested TIN."""
    items = list(access_request.items.select_related("provider_identifier__organization", "organization"))
    if not items:
        return []
    requester = access_request.requester
    id_items = [item for item in items if item.kind != ProviderIdKind.TIN]
    tin_items = [item for item in items if item.kind == ProviderIdKind.TIN]
    found: dict[tuple[str, str], ProviderIdentifier] = {}
    if id_items:
        match = Q()
        for item in id_items:
            match |= Q(kind=item.kind, value=item.value)
        found = {
            (pid.kind, pid.value): pid
            for pid in ProviderIdentifier.objects.filter(match).select_related("organization")
        }
    organizations: dict[str, Organization] = {}
    if tin_items:
        organizations = {org.tin: org for org in Organization.objects.filter(tin__in=[i.value for i in tin_items])}
    listed, totals = _tin_listings([org.pk for org in organizations.values()])
    candidate_pks = [pid.pk for pid in found.values()] + [pid.pk for pids in listed.values() for pid in pids]
    granted: set[int] = set()
    if candidate_pks:
        granted = set(provider_ids_in_scope(user=requester).filter(pk__in=candidate_pks).values_list("pk", flat=True))
    granted_per_org: dict[int, int] = {}
    if organizations:
        granted_per_org = dict(
            provider_ids_in_scope(user=requester)
            .filter(organization__in=list(organizations.values()))
            .order_by()
            .values("organization")
            .annotate(n=Count("id"))
            .values_list("organization", "n")
        )
    levels = levels_by_organization(user=requester)
    rows = []
    for item in items:
        if item.kind == ProviderIdKind.TIN:
            org = item.organization or organizations.get(item.value)
            org_pk = org.pk if org else None
            count, held = totals.get(org_pk, 0), granted_per_org.get(org_pk, 0)
            rows.append(
                DecisionRow(
                    item=item,
                    provider_identifier=None,
                    already_granted=count > 0 and held >= count,
                    requester_levels=levels.get(org_pk, set()) if org else set(),
                    organization=org,
                    tin_ids=[TinProviderId(pid, pid.pk in granted) for pid in listed.get(org_pk, [])],
                    tin_id_count=count,
                    tin_granted_count=held,
                )
            )
            continue
        pid = item.provider_identifier or found.get((item.kind, item.value))
        rows.append(
            DecisionRow(
                item=item,
                provider_identifier=pid,
                already_granted=pid is not None and pid.pk in granted,
                requester_levels=levels.get(pid.organization_id, set()) if pid else set(),
            )
        )
    return rows


@dataclass
class ItemChoice:
    """The analyst's choice for one item. For a TIN: the whole TIN, or the provider IDs ticked
    (their UUIDs, among those listed)."""

    approve: bool
    reason: str = ""
    levels: list[str] = field(default_factory=list)
    whole_tin: bool = True
    provider_ids: list[str] = field(default_factory=list)


def _reason(text: str) -> str:
    return " ".join((text or "").split())


def decision_problems(*, rows: list[DecisionRow], choices: dict[int, ItemChoice]) -> list[tuple[int, str, str]]:
    """What is wrong with a decision, as (item id, part, message); part is one of "decision",
    "reason", "levels", "provider_ids". No query."""
    problems: list[tuple[int, str, str]] = []
    by_id = {row.item.pk: row for row in rows}
    # Provider IDs an approved TIN grants, to catch a separately requested one refused at once.
    # Organization id -> UUIDs of its provider IDs granted through the TIN (None: all of them).
    granted_by_tin: dict[int, set[str] | None] = {}
    for item_id, choice in choices.items():
        row = by_id[item_id]
        if row.is_tin and row.found and choice.approve:
            granted_by_tin[row.organization.pk] = None if choice.whole_tin else set(choice.provider_ids)
    for item_id, choice in choices.items():
        row = by_id[item_id]
        label = str(row.item)
        if choice.approve:
            if not row.found:
                problems.append((item_id, "decision", f"{label}: not in the claim system, so it cannot be approved."))
                continue
            bad = set(choice.levels) - set(AccessLevel.values)
            if bad or AccessLevel.MANAGE_ACCOUNT in choice.levels:
                problems.append((item_id, "levels", f"{label}: Manage Account is never granted through a request."))
            if row.needs_levels and not choice.levels:
                problems.append(
                    (
                        item_id,
                        "levels",
                        f"{label}: choose at least one access level for TIN {row.target_organization.tin}.",
                    )
                )
            if row.is_tin and not choice.whole_tin:
                tickable = row.tin_ids_to_tick
                if not choice.provider_ids:
                    problems.append(
                        (
                            item_id,
                            "provider_ids",
                            f"{label}: tick at least one provider ID, or approve the whole TIN, or deny it.",
                        )
                    )
                elif set(choice.provider_ids) - set(tickable):
                    problems.append((item_id, "provider_ids", f"{label}: tick only provider IDs listed for this TIN."))
        else:
            reason = _reason(choice.reason)
            if not reason:
                problems.append((item_id, "reason", f"{label}: give a reason for refusing it."))
            elif len(reason) > REASON_MAX_LENGTH:
                problems.append((item_id, "reason", f"{label}: a reason is at most {REASON_MAX_LENGTH} characters."))
            pid = row.provider_identifier
            if pid is not None and pid.organization_id in granted_by_tin:
                tin_grant = granted_by_tin[pid.organization_id]
                if tin_grant is None or str(pid.uuid) in tin_grant:
                    problems.append(
                        (
                            item_id,
                            "decision",
                            f"{label} belongs to TIN {pid.organization.tin}, which you approve with it: "
                            "approve it too, or leave it out of the TIN's provider IDs.",
                        )
                    )
    return problems


# Words that say something was given, and words that turn a sentence into "not given".
_ADDED_WORDS = re.compile(
    r"\b(add|adds|added|adding|approve|approves|approved|grant|grants|granted|enabled|activated|"
    r"now\s+(?:have|has|see|sees)|you\s+can\s+now|have\s+access|has\s+access)\b",
    re.IGNORECASE,
)
_NEGATION_WORDS = re.compile(
    r"\b(not|no|never|cannot|unable|denied|refused|declined|without|none)\b|n['’]t\b", re.IGNORECASE
)
# Clauses end at sentence marks, commas, semicolons, "but" and "however".
_CLAUSE_BREAK = re.compile(r"[.;!?,]|\bbut\b|\bhowever\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _claims_added(text: str) -> bool:
    return bool(_ADDED_WORDS.search(text)) and not _NEGATION_WORDS.search(text)


def _mentions(text: str, value: str) -> bool:
    tokens = {token.upper() for token in re.findall(r"[A-Za-z0-9]+", text)}
    if value.upper() in tokens:
        return True
    # Digits typed with spaces or dashes inside ("1456-789-019") name the same ID.
    groups = {re.sub(r"[\s-]", "", group) for group in re.findall(r"\d[\d\s-]*\d", text)}
    return value.isdigit() and value in groups


def reply_problem(*, reply: str, rows: list[DecisionRow], choices: dict[int, ItemChoice]) -> str | None:
    """Why the reply cannot go with this decision, or None.

    A reply must never tell the provider that an ID was added when it was refused: a clause with
    "added"/"approved"/"granted" wording (and no "not") that names a refused ID, a bulleted list
    under such a heading that names one, or any such clause when the decision adds nothing.
    """
    if not reply.strip():
        return None
    by_id = {row.item.pk: row for row in rows}
    denied = [by_id[item_id].item for item_id, choice in choices.items() if not choice.approve]
    nothing_added = all(not choice.approve for choice in choices.values())
    heading_claims_added = False
    for line in reply.splitlines():
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        clauses = [c for c in _CLAUSE_BREAK.split(line) if c and c.strip()]
        claiming = [c for c in clauses if _claims_added(c)]
        if bullet and heading_claims_added and not claiming and not _NEGATION_WORDS.search(line):
            claiming = [line]
        if not bullet:
            heading_claims_added = bool(clauses) and _claims_added(clauses[-1])
        if not claiming:
            continue
        for item in denied:
            if any(_mentions(clause, item.value) for clause in claiming):
                return (
                    f"The reply says {item} was added or approved, but this decision refuses it. "
                    "Correct the reply, or send the suggested one."
                )
        if nothing_added:
            return (
                "This decision adds no provider ID, but the reply says IDs were added or approved. "
                "Correct the reply, or send the suggested one."
            )
    return None


def _tin_line(row: DecisionRow, choice: ItemChoice, pids: list[ProviderIdentifier] | None = None) -> str:
    head = f"- TIN {row.item.value} ({row.organization.name})"
    if choice.whole_tin:
        count = row.tin_id_count
        text = f"{head}: all {count} of its provider IDs" if count != 1 else f"{head}: its only provider ID"
        named = [t.provider_identifier for t in row.tin_ids[:TIN_NAMED_IN_MESSAGE]]
    else:
        chosen = row.tin_ids_to_tick
        if pids is None:
            pids = [chosen[key].provider_identifier for key in choice.provider_ids if key in chosen]
        named = pids
        text = f"{head}: {len(named)} of its provider IDs"
        count = len(named)
        named = named[:TIN_NAMED_IN_MESSAGE]
    if named:
        text += " (" + ", ".join(f"{pid.get_kind_display()} {pid.value}" for pid in named)
        text += f" and {count - len(named)} more)" if count > len(named) else ")"
    return text


def _levels_line(row: DecisionRow, levels: list[str]) -> str:
    org = row.target_organization
    labels = ", ".join(AccessLevel(level).label for level in AccessLevel.values if level in levels)
    return f"- TIN {org.tin} ({org.name}): {labels}"


def decision_reply(*, access_request: AccessRequest, rows: list[DecisionRow], choices: dict[int, ItemChoice]) -> str:
    """The reply suggested for the decision the analyst chose: what is added, with which levels,
    what the requester already had, and what is refused with its reason. No query."""
    added, had, refused, levels_lines = [], [], [], []
    seen_levels: set[int] = set()
    for row in rows:
        choice = choices.get(row.item.pk)
        if choice is None:
            continue
        if choice.approve and row.found:
            if row.is_tin:
                added.append(_tin_line(row, choice))
            elif row.already_granted:
                had.append(f"- {row.item.get_kind_display()} {row.item.value} ({row.display_name})")
            else:
                added.append(f"- {row.item.get_kind_display()} {row.item.value} ({row.display_name})")
            org = row.target_organization
            if row.needs_levels and choice.levels and org.pk not in seen_levels:
                seen_levels.add(org.pk)
                levels_lines.append(_levels_line(row, choice.levels))
        else:
            reason = _reason(choice.reason)
            refused.append(f"- {row.item.get_kind_display()} {row.item.value}" + (f": {reason}" if reason else ""))
    lines = [f"Hello {access_request.requester.full_name},", ""]
    if added:
        lines.append("We have added these provider IDs to your account:")
        lines += added
        lines.append("You will see them, and their claims, the next time you sign in.")
        lines.append("")
    if levels_lines:
        lines.append("You now hold these access levels:")
        lines += levels_lines
        lines.append("")
    if had:
        lines.append("You already had access to:")
        lines += had
        lines.append("")
    if refused:
        lines.append("We could not add these provider IDs:")
        lines += refused
        lines.append("If you think this is a mistake, reply to this message or send a new request.")
        lines.append("")
    lines.append("Thank you.")
    return "\n".join(lines)


def default_choices(*, rows: list[DecisionRow]) -> dict[int, ItemChoice]:
    """What the panel proposes before the analyst changes anything: approve what was found,
    refuse what was not."""
    return {
        row.item.pk: ItemChoice(approve=True) if row.found else ItemChoice(approve=False, reason=NOT_FOUND_REASON)
        for row in rows
    }


NOT_FOUND_REASON = "Not found in our claim system."


def default_reply(*, access_request: AccessRequest, rows: list[DecisionRow]) -> str:
    """The reply prefilled for the analyst: the one for the panel's proposed decision."""
    return decision_reply(access_request=access_request, rows=rows, choices=default_choices(rows=rows))


def _decision_summary(access_request: AccessRequest, approved: list, denied: list) -> str:
    lines = [f"Decision on request {access_request.reference}:"]
    if approved:
        lines += ["", "Added to your account:"]
        for row, choice, pids, levels in approved:
            if row.is_tin:
                line = _tin_line(row, choice, pids)
                org = row.organization
            else:
                pid = pids[0]
                org = pid.organization
                line = f"- {row.item.get_kind_display()} {row.item.value} ({pid.display_name}, TIN {org.tin})"
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

    ``choices`` maps each item id of the request to approve (with levels for a new TIN, and for a
    TIN the whole TIN or the provider IDs chosen) or deny (with a reason). A reply that says IDs
    were added that this decision refuses is refused (ValidationError on "reply"). Raises
    AlreadyDecided if another analyst decided first.
    """
    if not reviewer.is_payer_staff or not reviewer.is_active:
        raise PermissionDenied("Only payer staff decide access requests.")
    items = {item.pk: item for item in access_request.items.all()}
    if set(choices) != set(items):
        raise ValidationError("Decide every requested ID, and only those.")
    row_list = decision_rows(access_request=access_request)
    rows = {row.item.pk: row for row in row_list}
    problems = decision_problems(rows=row_list, choices=choices)
    if problems:
        raise ValidationError([message for _, _, message in problems])
    problem = reply_problem(reply=reply, rows=row_list, choices=choices)
    if problem:
        raise ValidationError({"reply": [problem]})

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
            organization = row.target_organization
            if row.is_tin:
                pids = ProviderIdentifier.objects.filter(organization=organization).select_related("organization")
                if not choice.whole_tin:
                    pids = pids.filter(uuid__in=choice.provider_ids)
                pids = list(pids.order_by("kind", "value"))
            else:
                pids = [row.provider_identifier]
            levels = list(choice.levels) if row.needs_levels else []
            if levels:
                access_levels_set(
                    actor=reviewer, user=requester, organization=organization, levels=levels, request=request
                )
            scope_add(
                actor=reviewer,
                user=requester,
                provider_identifiers=pids,
                request=request,
                reason=f"Request {access_request.reference}",
            )
            item.decision, item.levels_granted = ItemDecision.APPROVED, levels
            if row.is_tin:
                item.organization = organization
            else:
                item.provider_identifier = pids[0]
            approved.append((row, choice, pids, levels))
        else:
            item.decision, item.reason = ItemDecision.DENIED, _reason(choice.reason)
            denied.append(item)
        item.save(update_fields=["decision", "reason", "provider_identifier", "organization", "levels_granted"])
        if choice.approve and row.is_tin and pids:
            item.granted_provider_ids.add(*pids)

    record(
        action=AuditAction.REQUEST_DECIDED,
        actor=reviewer,
        target=access_request,
        organization=access_request.organization,
        details={
            "reference": access_request.reference,
            "requester": requester.email,
            "status": status,
            "approved": [f"{r.item.kind} {r.item.value}" for r, _, _, _ in approved],
            "denied": {f"{i.kind} {i.value}": i.reason for i in denied},
        },
        request=request,
    )
    thread = access_request.thread
    system_message_post(thread=thread, body=_decision_summary(access_request, approved, denied))
    if reply.strip():
        message_reply(thread=thread, sender=reviewer, body=reply, request=request)
    return access_request
