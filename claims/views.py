"""The Claims pages (the filtered list and one claim, both showing only what ``claims_visible_to``
allows), the remittance pages (payments, one payment, its 835 and its PDF advice) and the
Eligibility lookup."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import level_required, payer_staff_required
from accounts.models import AccessLevel
from audit.models import AuditAction
from audit.services import record
from claims.advice import appeal_letter_pdf, remittance_advice_pdf
from claims.appeal_services import AppealError, appeal_decide, appeal_submit, appeal_take
from claims.export import claims_csv_rows
from claims.forms import COLUMN_SORTS, AppealDecisionForm, AppealForm, ClaimFilterForm, EligibilityForm
from claims.models import GROUP_MEANING, AdjustmentGroup, AppealDocument, ReasonCodeKind
from claims.selectors import (
    appeals_queue,
    appeals_visible_to,
    claim_appeals,
    claim_lines,
    claim_open_appeal,
    claim_payments,
    claims_reach,
    claims_search,
    claims_visible_to,
    reason_code_words,
    remittance_claims,
    remittance_claims_in_reach,
    remittance_hides_claims,
    remittances_visible_to,
)
from claims.services import ELIGIBILITY_LIMITS, eligibility_check
from claims.x12 import wrap_transaction
from core.pagination import KeysetPage, _attr, encode_cursor, keyset_page
from core.uploads import megabytes, upload_response

PAGE_SIZE = 50
# Past this many claims the list says "more than 10,000" rather than counting them all.
COUNT_BOUND = 10_000


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_list(request: HttpRequest) -> HttpResponse:
    reach = claims_reach(user=request.user)
    form = ClaimFilterForm(request.GET, provider_ids=reach.identifiers)
    page = count = None
    columns: dict = {}
    if form.is_valid():
        filters = form.filters()
        claims = claims_search(user=request.user, reach=reach, **filters)
        chosen = filters["provider_id_value"]
        # keyset_page restarts from the first page on a hand-made cursor that does not fit the order.
        page = two_way_page(
            claims,
            order=form.order(),
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            page_size=PAGE_SIZE,
            # Each provider ID's claims are walked on its own index, then merged.
            partition=("provider_identifier_id", reach.pks_of_value(chosen) if chosen else reach.pks),
        )
        count = bounded_count(claims)
        current = form.sort_key()
        for column, (first, again) in COLUMN_SORTS.items():
            columns[column] = {
                "sort": again if current == first else first,
                "active": current in (first, again),
                "direction": "descending" if current.endswith("_desc") else "ascending",
            }
    context = {
        "form": form,
        "page": page,
        "count": count,
        "count_bound": COUNT_BOUND,
        "columns": columns,
        "sort_label": form.sort_label() if page is not None else "",
        "back": request.GET.urlencode(),
    }
    return render(request, "claims/claim_list.html", context)


def bounded_count(claims) -> int:
    """The number of claims, counted up to COUNT_BOUND + 1 on a LIMITed subquery: as fast at 50,000
    claims as at 50. One query."""
    return claims.order_by().values("pk")[: COUNT_BOUND + 1].count()


def two_way_page(
    queryset,
    *,
    order: tuple[str, ...],
    after: str | None,
    before: str | None,
    page_size: int,
    partition: tuple[str, list] | None = None,
):
    """A keyset page that can also go back: ``before`` walks the reversed order from a cursor and
    turns the rows around. ``page.previous_cursor`` is set when rows come before the page."""
    if before and not after:
        reverse = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
        back = keyset_page(queryset, order=reverse, after=before, page_size=page_size, partition=partition)
        if not back.is_first:
            rows = list(reversed(back.rows))
            page = KeysetPage(rows=rows, next_cursor=None, is_first=False, page_size=page_size)
            if rows:
                page.next_cursor = encode_cursor([_attr(rows[-1], name.lstrip("-")) for name in order])
            more_before = back.next_cursor is not None
            page.extra["previous_cursor"] = (
                encode_cursor([_attr(rows[0], name.lstrip("-")) for name in order]) if more_before else None
            )
            page.is_first = not more_before
            return page
    page = keyset_page(queryset, order=order, after=after, page_size=page_size, partition=partition)
    page.extra["previous_cursor"] = (
        encode_cursor([_attr(page.rows[0], name.lstrip("-")) for name in order])
        if not page.is_first and page.rows
        else None
    )
    return page


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_export(request: HttpRequest) -> HttpResponse:
    """The claims of the current filters as CSV, streamed a chunk at a time (flat memory whatever
    the count), every cell a spreadsheet could read as a formula neutralised; the export audited."""
    reach = claims_reach(user=request.user)
    form = ClaimFilterForm(request.GET, provider_ids=reach.identifiers)
    if not form.is_valid():
        return render(request, "claims/claim_list.html", {"form": form, "page": None}, status=400)
    claims = claims_search(user=request.user, reach=reach, **form.filters()).order_by(*form.order())
    record(
        action=AuditAction.CLAIMS_EXPORTED,
        actor=request.user,
        details={"filters": {k: str(v) for k, v in form.filters().items() if v}, "sort": form.sort_key()},
        request=request,
    )
    response = StreamingHttpResponse(claims_csv_rows(claims), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims.csv"'
    return response


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_detail(request: HttpRequest, claim_number: str) -> HttpResponse:
    claim = get_object_or_404(claims_visible_to(user=request.user), claim_number=claim_number)
    record(
        action=AuditAction.CLAIM_VIEWED,
        actor=request.user,
        target=claim,
        organization=claim.provider_identifier.organization,
        details={"claim_number": claim.claim_number},
        request=request,
    )
    lines = claim_lines(claim=claim)
    words = reason_code_words(
        carcs={adjustment.reason_code for line in lines for adjustment in line.adjustments.all()},
        rarcs={code for line in lines for code in line.remark_code_list},
    )
    explained = [
        {
            "line": line,
            "adjustments": [
                explain(adjustment.group_code, adjustment.reason_code, adjustment.amount, words)
                for adjustment in line.adjustments.all()
            ],  # fmt: skip
            "remarks": [(code, words.get((ReasonCodeKind.RARC, code), "")) for code in line.remark_code_list],
        }
        for line in lines
    ]
    totals = {
        name: sum((getattr(line, name) for line in lines), start=Decimal("0"))
        for name in ("deductible", "coinsurance", "copay")
    }
    context = {
        "claim": claim,
        "lines": explained,
        "responsibility": totals,
        "responsibility_total": sum(totals.values(), start=Decimal("0")),
        "payments": claim_payments(claim=claim),
        "appeals": claim_appeals(claim=claim),
        "back_query": request.GET.get("back", ""),
    }
    return render(request, "claims/claim_detail.html", context)


def explain(group: str, code: str, amount: Decimal, words: dict) -> dict:
    """One adjustment in words: who carries it, and why (the CARC's description)."""
    reason = words.get((ReasonCodeKind.CARC, code))
    group_label = AdjustmentGroup(group).label if group in AdjustmentGroup.values else group
    return {
        "code": f"{group}-{code}",
        "amount": amount,
        "group": group_label,
        "meaning": GROUP_MEANING.get(group, ""),
        "reason": reason or f"Reason code {code} (no description loaded).",
    }


# POST, not GET: a member ID and a birth date must not sit in URLs, browser history or access logs.
@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.ELIGIBILITY)
def eligibility(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = EligibilityForm(request.POST)
        if form.is_valid():
            result = eligibility_check(actor=request.user, request=request, **form.lookup())
    else:
        form = EligibilityForm()
    context = {"form": form, "result": result, "limits": ELIGIBILITY_LIMITS}
    response = render(request, "claims/eligibility.html", context)
    if result is not None and result.refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(result.refusal.retry_after)
    return response


# --- remittance ------------------------------------------------------------------------------------


def _remittance_or_404(request: HttpRequest, payment_uuid: uuid.UUID, reach):
    return get_object_or_404(remittances_visible_to(user=request.user, reach=reach), uuid=payment_uuid)


def _record_remittance(request: HttpRequest, action: str, remittance, **details) -> None:
    record(
        action=action,
        actor=request.user,
        target=remittance,
        organization=remittance.organization,
        details={"trace_number": remittance.trace_number, **details},
        request=request,
    )


@require_GET
@level_required(AccessLevel.CLAIMS)
def payment_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        remittances_visible_to(user=request.user, reach=claims_reach(user=request.user)),
        order=("-payment_date", "-id"),
        after=request.GET.get("after"),
        page_size=PAGE_SIZE,
    )
    record(
        action=AuditAction.REMITTANCE_LIST_VIEWED,
        actor=request.user,
        details={"rows": len(page.rows), "first_page": page.is_first},
        request=request,
    )
    return render(request, "claims/payment_list.html", {"page": page})


@require_GET
@level_required(AccessLevel.CLAIMS)
def payment_detail(request: HttpRequest, payment_uuid: uuid.UUID) -> HttpResponse:
    """A payment and the claims of it the user may see, 50 a page in the payment's order (a large
    TIN's weekly EFT pays thousands)."""
    reach = claims_reach(user=request.user)
    remittance = _remittance_or_404(request, payment_uuid, reach)
    page = keyset_page(
        remittance_claims(user=request.user, remittance=remittance, reach=reach),
        order=("id",),
        after=request.GET.get("after"),
        page_size=PAGE_SIZE,
    )
    words = reason_code_words(
        carcs={a.reason_code for c in page for a in c.adjustments.all()},
        rarcs={code for c in page for s in c.services.all() for code in s.remark_codes.split(",") if code},
    )
    rows = [
        {
            "payment": claim_payment,
            "adjustments": [
                {"service": a.service_id, **explain(a.group_code, a.reason_code, a.amount, words)}
                for a in claim_payment.adjustments.all()
            ],
            "services": claim_payment.services.all(),
        }
        for claim_payment in page
    ]
    in_reach = remittance_claims_in_reach(user=request.user, remittance=remittance, reach=reach)
    _record_remittance(request, AuditAction.REMITTANCE_VIEWED, remittance, rows=len(rows), first_page=page.is_first)
    context = {
        "remittance": remittance,
        "rows": rows,
        "page": page,
        "in_reach": in_reach,
        "whole": in_reach >= remittance.claim_count,
    }
    return render(request, "claims/payment_detail.html", context)


@require_GET
@level_required(AccessLevel.CLAIMS)
def payment_835(request: HttpRequest, payment_uuid: uuid.UUID) -> HttpResponse:
    """The payment's original segments in their envelope: only for a user who may see every claim
    it pays (the file names each one)."""
    reach = claims_reach(user=request.user)
    remittance = _remittance_or_404(request, payment_uuid, reach)
    if remittance_hides_claims(user=request.user, remittance=remittance, reach=reach):
        raise Http404("This payment pays claims outside your scope.")
    _record_remittance(request, AuditAction.REMITTANCE_DOWNLOADED, remittance, format="835")
    isa, _newline, gs = remittance.envelope.partition("\n")
    response = HttpResponse(wrap_transaction(remittance.segments, (isa, gs)), content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="remittance-{remittance.trace_number}.835"'
    return response


@require_GET
@level_required(AccessLevel.CLAIMS)
def payment_pdf(request: HttpRequest, payment_uuid: uuid.UUID) -> HttpResponse:
    reach = claims_reach(user=request.user)
    remittance = _remittance_or_404(request, payment_uuid, reach)
    paid_claims = list(remittance_claims(user=request.user, remittance=remittance, reach=reach))
    _record_remittance(request, AuditAction.REMITTANCE_DOWNLOADED, remittance, format="pdf")
    pdf = remittance_advice_pdf(remittance=remittance, claim_payments=paid_claims)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="remittance-advice-{remittance.trace_number}.pdf"'
    return response


# --- appeals -----------------------------------------------------------------------------------------


def _form_errors_from(form, error: AppealError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, messages)


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.CLAIMS)
def appeal_new(request: HttpRequest, claim_number: str) -> HttpResponse:
    claim = get_object_or_404(claims_visible_to(user=request.user), claim_number=claim_number)
    open_appeal = claim_open_appeal(claim=claim)
    if request.method == "POST" and open_appeal is None:
        form = AppealForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                appeal_submit(
                    actor=request.user,
                    claim=claim,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    files=form.cleaned_data["files"],
                    request=request,
                )
            except AppealError as error:
                _form_errors_from(form, error)
            else:
                return redirect(reverse("claims:detail", args=[claim.claim_number]) + "#appeals")
    else:
        form = AppealForm()
    status = 400 if request.method == "POST" else 200
    context = {"claim": claim, "form": form, "open_appeal": open_appeal, "limits": appeal_limits()}
    return render(request, "claims/appeal_form.html", context, status=status)


def appeal_limits() -> dict:
    return {
        "files": settings.APPEAL_MAX_FILES,
        "file_size": megabytes(settings.UPLOAD_MAX_BYTES),
        "total": megabytes(settings.APPEAL_MAX_TOTAL_BYTES),
        "reconsideration_days": settings.RECONSIDERATION_DUE_DAYS,
        "appeal_days": settings.APPEAL_DUE_DAYS,
    }


def _document_response(request: HttpRequest, appeal, document_uuid: uuid.UUID) -> HttpResponse:
    document = get_object_or_404(AppealDocument.objects.filter(appeal=appeal), uuid=document_uuid)
    record(
        action=AuditAction.APPEAL_DOCUMENT_DOWNLOADED,
        actor=request.user,
        target=appeal,
        organization=appeal.claim.provider_identifier.organization,
        details={"claim_number": appeal.claim.claim_number, "document": document.original_name},
        request=request,
    )
    return upload_response(document.storage_name, filename=document.original_name, content_type=document.content_type)


def _letter_response(request: HttpRequest, appeal) -> HttpResponse:
    if appeal.is_open:
        raise Http404("The appeal is not decided yet.")
    record(
        action=AuditAction.APPEAL_DOCUMENT_DOWNLOADED,
        actor=request.user,
        target=appeal,
        organization=appeal.claim.provider_identifier.organization,
        details={"claim_number": appeal.claim.claim_number, "document": "decision letter"},
        request=request,
    )
    response = HttpResponse(appeal_letter_pdf(appeal=appeal), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="appeal-decision-{appeal.claim.claim_number}.pdf"'
    return response


@require_GET
@level_required(AccessLevel.CLAIMS)
def appeal_document(request: HttpRequest, appeal_uuid: uuid.UUID, document_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_visible_to(user=request.user), uuid=appeal_uuid)
    return _document_response(request, appeal, document_uuid)


@require_GET
@level_required(AccessLevel.CLAIMS)
def appeal_letter(request: HttpRequest, appeal_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_visible_to(user=request.user), uuid=appeal_uuid)
    return _letter_response(request, appeal)


# The Control Panel's queue of appeals, for payer staff.


@require_GET
@payer_staff_required
def cp_appeals(request: HttpRequest) -> HttpResponse:
    show_decided = request.GET.get("decided") == "1"
    page = keyset_page(
        appeals_queue(decided=show_decided),
        order=("-decided_at", "-id") if show_decided else ("due_on", "id"),
        after=request.GET.get("after"),
        page_size=PAGE_SIZE,
    )
    today = timezone.localdate()
    return render(request, "claims/cp_appeals.html", {"page": page, "decided": show_decided, "today": today})


@require_GET
@payer_staff_required
def cp_appeal(request: HttpRequest, appeal_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_queue(decided=None), uuid=appeal_uuid)
    return _cp_appeal_page(request, appeal, AppealDecisionForm())


def _cp_appeal_page(request: HttpRequest, appeal, form, status: int = 200) -> HttpResponse:
    context = {
        "appeal": appeal,
        "form": form,
        "documents": list(appeal.documents.all()),
        "lines": claim_lines(claim=appeal.claim),
    }
    return render(request, "claims/cp_appeal.html", context, status=status)


@require_POST
@payer_staff_required
def cp_appeal_take(request: HttpRequest, appeal_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_queue(decided=None), uuid=appeal_uuid)
    try:
        appeal_take(actor=request.user, appeal=appeal, request=request)
    except AppealError as error:
        form = AppealDecisionForm()
        form.add_error(None, error.messages)
        return _cp_appeal_page(request, appeal, form, status=400)
    return redirect("control_panel:appeal", appeal_uuid=appeal.uuid)


@require_POST
@payer_staff_required
def cp_appeal_decide(request: HttpRequest, appeal_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_queue(decided=None), uuid=appeal_uuid)
    form = AppealDecisionForm(request.POST)
    if form.is_valid():
        try:
            appeal_decide(
                actor=request.user,
                appeal=appeal,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except AppealError as error:
            _form_errors_from(form, error)
        else:
            return redirect("control_panel:appeal", appeal_uuid=appeal.uuid)
    return _cp_appeal_page(request, appeal, form, status=400)


@require_GET
@payer_staff_required
def cp_appeal_document(request: HttpRequest, appeal_uuid: uuid.UUID, document_uuid: uuid.UUID) -> HttpResponse:
    appeal = get_object_or_404(appeals_queue(decided=None), uuid=appeal_uuid)
    return _document_response(request, appeal, document_uuid)
