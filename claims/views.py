"""The Claims pages: the filtered list and one claim. Both show only what ``claims_visible_to`` allows."""

import datetime
import decimal

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import AccessLevel
from claims.forms import ClaimFilterForm
from claims.selectors import claim_provider_ids, claims_search, claims_visible_to
from portal.pagination import decode_cursor, keyset_page
from portal.permissions import level_required

PAGE_SIZE = 50
_CURSOR_TYPES = {
    "received_date": datetime.date,
    "service_date_from": datetime.date,
    "paid_amount": decimal.Decimal,
    "status": str,
    "id": int,
}


def _checked_cursor(after: str | None, order: tuple[str, ...]) -> str | None:
    """The cursor when its values fit the order's fields, else None (the first page).

    keyset_page restarts on a malformed cursor; a well-formed one carrying a value of the wrong
    type (a hand-made URL) would instead fail field validation inside the query and answer 500.
    """
    values = decode_cursor(after, len(order)) if after else None
    if values is None:
        return None
    for name, value in zip(order, values, strict=True):
        expected = _CURSOR_TYPES[name.lstrip("-")]
        if (
            not isinstance(value, expected)
            or isinstance(value, bool)
            or (expected is datetime.date and isinstance(value, datetime.datetime))
            or (expected is decimal.Decimal and not value.is_finite())
        ):
            return None
    return after


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_list(request):
    form = ClaimFilterForm(request.GET, provider_ids=claim_provider_ids(user=request.user))
    page = None
    if form.is_valid():
        order = form.order()
        page = keyset_page(
            claims_search(user=request.user, **form.filters()),
            order=order,
            after=_checked_cursor(request.GET.get("after"), order),
            page_size=PAGE_SIZE,
        )
    return render(
        request,
        "claims/claim_list.html",
        {"form": form, "page": page, "sort_label": form.sort_label() if page is not None else ""},
    )


@require_GET
@level_required(AccessLevel.CLAIMS)
def claim_detail(request, claim_number: str):
    claim = get_object_or_404(claims_visible_to(user=request.user), claim_number=claim_number)
    return render(request, "claims/claim_detail.html", {"claim": claim})
