"""Keying a professional claim in the portal: the one-page form (new or a draft), the draft's
review page, its submission into the claim tables and its 837P download."""

import datetime
import string
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import level_required
from accounts.models import AccessLevel, ProviderIdentifier, ProviderIdKind
from audit.models import AuditAction
from audit.services import record
from claims.models import ClaimDraft, ClaimDraftStatus
from claims.submission import SubmissionError, claim_837p, claim_draft_save, claim_draft_submit
from claims.submit_forms import (
    BLANK_LINE_ROWS,
    MAX_LINES,
    ClaimHeaderForm,
    LineFormSet,
    check_claim,
    check_pointers,
)

LINES_PREFIX = "lines"


def _billing_npis(user) -> list[ProviderIdentifier]:
    """The NPIs in the user's scope on TINs where the user holds Claims. One query."""
    return list(
        ProviderIdentifier.objects.restrict(user, AccessLevel.CLAIMS)
        .filter(kind=ProviderIdKind.NPI)
        .select_related("organization")
        .order_by("value")
    )


def _drafts(user):
    return ClaimDraft.objects.restrict(user, AccessLevel.CLAIMS).select_related(
        "billing_provider__organization", "claim"
    )


def _initial(draft: ClaimDraft) -> tuple[dict, list[dict]]:
    data = draft.data
    header = {
        "billing_provider": draft.billing_provider.value,
        "rendering_provider": data["rendering_provider"],
        "member_id": draft.member_id,
        "member_birth_date": data["member_birth_date"],
        "patient_account": data["patient_account"],
        "note": data["note"],
    }
    letters = string.ascii_uppercase
    for index, code in enumerate(data["diagnoses"]):
        header[f"diagnosis_{letters[index]}"] = code
    lines = [
        {
            "procedure_code": line["procedure_code"],
            "modifiers": ", ".join(line["modifiers"]),
            "pointers": ", ".join(letters[p - 1] for p in line["pointers"]),
            "date_from": line["date_from"],
            "date_to": line["date_to"],
            "place_of_service": line["place_of_service"],
            "units": line["units"],
            "charge": line["charge"],
        }
        for line in data["lines"]
    ]
    return header, lines


def _claim_form(request: HttpRequest, draft: ClaimDraft | None) -> HttpResponse:
    npis = _billing_npis(request.user)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "add_line":
            # A post-back with one more blank row, checking nothing: the form works without script.
            data = request.POST.copy()
            try:
                total = int(data.get(f"{LINES_PREFIX}-TOTAL_FORMS") or 0)
            except ValueError:
                total = 0
            data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(min(max(total, 0) + 1, MAX_LINES))
            return _render_form(request, draft, _unbound_copy(data, npis), _unbound_lines(data), 200)
        header = ClaimHeaderForm(request.POST, provider_ids=npis)
        lines = LineFormSet(request.POST, prefix=LINES_PREFIX)
        header_valid, lines_valid = header.is_valid(), lines.is_valid()
        if lines_valid:
            check_pointers(header, lines)
        if header_valid and lines_valid:
            checked = check_claim(header, lines)
            if checked is not None:
                try:
                    draft = claim_draft_save(actor=request.user, checked=checked, draft=draft, request=request)
                except SubmissionError as exc:
                    messages.error(request, str(exc))
                    return redirect("claims:submit_draft", draft_uuid=draft.uuid)
                messages.success(request, "The claim is saved as a draft. Check it and submit it.")
                return redirect("claims:submit_draft", draft_uuid=draft.uuid)
        status = 400
    elif draft is not None:
        initial, rows = _initial(draft)
        header = ClaimHeaderForm(initial=initial, provider_ids=npis)
        lines = LineFormSet(initial=rows, prefix=LINES_PREFIX)
        lines.extra = 0
    else:
        header = ClaimHeaderForm(provider_ids=npis)
        lines = LineFormSet(initial=[{}] * BLANK_LINE_ROWS, prefix=LINES_PREFIX)
    return _render_form(request, draft, header, lines, status)


def _unbound_copy(data, npis) -> ClaimHeaderForm:
    """The header as typed, shown again without errors (adding a row checks nothing)."""
    return ClaimHeaderForm(initial={key: data.get(key) for key in data}, provider_ids=npis)


def _unbound_lines(data):
    total = int(data[f"{LINES_PREFIX}-TOTAL_FORMS"])
    names = ("procedure_code", "modifiers", "pointers", "date_from", "date_to", "place_of_service", "units", "charge")
    rows = [{name: data.get(f"{LINES_PREFIX}-{index}-{name}", "") for name in names} for index in range(total)]
    for row in rows:
        row["place_of_service"] = row["place_of_service"] or "11"
        row["units"] = row["units"] or 1
    return LineFormSet(initial=rows, prefix=LINES_PREFIX)


def _render_form(request, draft, header, lines, status) -> HttpResponse:
    context = {
        "draft": draft,
        "header": header,
        "lines": lines,
        "max_lines": MAX_LINES,
        "can_add": lines.total_form_count() < MAX_LINES,
        "has_npis": bool(header.provider_ids),
    }
    return render(request, "claims/submit_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.CLAIMS)
def claim_new(request: HttpRequest) -> HttpResponse:
    return _claim_form(request, None)


def _draft_or_404(request: HttpRequest, draft_uuid: uuid.UUID) -> ClaimDraft:
    return get_object_or_404(_drafts(request.user), uuid=draft_uuid)


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.CLAIMS)
def claim_draft_edit(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    draft = _draft_or_404(request, draft_uuid)
    if draft.status != ClaimDraftStatus.DRAFT:
        raise Http404("This claim was submitted: it can no longer be changed.")
    return _claim_form(request, draft)


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_drafts(request: HttpRequest) -> HttpResponse:
    drafts = list(_drafts(request.user).filter(status=ClaimDraftStatus.DRAFT)[:100])
    return render(request, "claims/submit_drafts.html", {"drafts": drafts})


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_draft(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    draft = _draft_or_404(request, draft_uuid)
    data = draft.data
    letters = string.ascii_uppercase
    lines = [
        {
            **line,
            "number": number,
            "pointer_letters": ", ".join(letters[p - 1] for p in line["pointers"]),
            "date_from": datetime.date.fromisoformat(line["date_from"]),
            "date_to": datetime.date.fromisoformat(line["date_to"]),
        }
        for number, line in enumerate(data["lines"], start=1)
    ]
    from claims.diagnoses import describe

    context = {
        "draft": draft,
        "data": data,
        "birth_date": datetime.date.fromisoformat(data["member_birth_date"]),
        "diagnoses": list(zip(letters, describe(data["diagnoses"]), strict=False)),
        "lines": lines,
        "total": sum(float(line["charge"]) for line in data["lines"]),
    }
    return render(request, "claims/submit_draft.html", context)


@require_POST
@level_required(AccessLevel.CLAIMS)
def claim_draft_submit_view(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    draft = _draft_or_404(request, draft_uuid)
    try:
        claim = claim_draft_submit(actor=request.user, draft=draft, request=request)
    except SubmissionError as exc:
        messages.error(request, str(exc))
        return redirect("claims:submit_draft", draft_uuid=draft.uuid)
    except PermissionDenied:
        raise
    messages.success(request, f"Claim {claim.claim_number} is submitted and received.")
    return redirect(reverse("claims:detail", args=[claim.claim_number]))


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_draft_837p(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    draft = _draft_or_404(request, draft_uuid)
    text, problems = claim_837p(draft)
    if problems:
        # Never offer a file the guide's own checker refuses.
        return render(request, "claims/submit_837_invalid.html", {"draft": draft, "problems": problems}, status=500)
    record(
        action=AuditAction.CLAIM_837_DOWNLOADED,
        actor=request.user,
        target=draft,
        organization=draft.billing_provider.organization,
        details={"claim_number": draft.claim.claim_number if draft.claim_id else ""},
        request=request,
    )
    name = draft.claim.claim_number if draft.claim_id else f"draft-{draft.uuid}"
    response = HttpResponse(text, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{name}.837p.x12"'
    return response
