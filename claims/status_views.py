"""The claim status inquiry page (Claims level): the 276 question in a form, the 277 answer in words."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.decorators import level_required
from accounts.models import AccessLevel
from claims.forms import ClaimStatusInquiryForm
from claims.status_inquiry import CATEGORIES, CLAIM_STATUS_LIMITS, claim_status_inquire


# POST, not GET: a member ID and a birth date must not sit in URLs, browser history or access logs.
@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.CLAIMS)
def claim_status(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = ClaimStatusInquiryForm(request.POST)
        if form.is_valid():
            result = claim_status_inquire(actor=request.user, request=request, **form.lookup())
    else:
        form = ClaimStatusInquiryForm()
    context = {"form": form, "result": result, "limits": CLAIM_STATUS_LIMITS, "categories": CATEGORIES.values()}
    response = render(request, "claims/claim_status.html", context)
    if result is not None and result.refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(result.refusal.retry_after)
    elif request.method == "POST" and result is None:
        response.status_code = 400
    return response
