"""The Claims pages (the filtered list and one claim, both showing only what ``claims_visible_to``
allows) and the Eligibility lookup."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import level_required
from accounts.models import AccessLevel
from audit.models import AuditAction
from audit.services import record
from claims.forms import ClaimFilterForm, EligibilityForm
from claims.selectors import claim_provider_ids, claims_search, claims_visible_to
from claims.services import ELIGIBILITY_LIMITS, eligibility_check
from core.pagination import keyset_page

PAGE_SIZE = 50


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_list(request: HttpRequest) -> HttpResponse:
    form = ClaimFilterForm(request.GET, provider_ids=claim_provider_ids(user=request.user))
    page = None
    if form.is_valid():
        # keyset_page restarts from the first page on a hand-made cursor that does not fit the order.
        page = keyset_page(
            claims_search(user=request.user, **form.filters()),
            order=form.order(),
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
        )
    return render(
        request,
        "claims/claim_list.html",
        {"form": form, "page": page, "sort_label": form.sort_label() if page is not None else ""},
    )


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
    return render(request, "claims/claim_detail.html", {"claim": claim})


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
