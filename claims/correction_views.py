"""Correct this claim: a replacement (frequency code 7) or a void (frequency code 8), from the claim
page, at the Claims level; outsiders get 404."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import level_required
from accounts.models import AccessLevel
from claims.corrections import CorrectionError, LineChange, claim_replace, claim_void, correction_blocker
from claims.forms import ReplacementLineFormSet, ReplacementTotalForm, VoidForm
from claims.selectors import claims_visible_to
from core.confirm import confirmation_page


def _claim_or_404(request: HttpRequest, claim_number: str):
    return get_object_or_404(
        claims_visible_to(user=request.user).prefetch_related("corrections"), claim_number=claim_number
    )


def _initial_lines(claim) -> list[dict]:
    return [
        {
            "line_number": line.line_number,
            "units": line.units,
            "billed_amount": line.billed_amount,
            "service_date": line.service_date,
        }
        for line in claim.lines.order_by("line_number")
    ]


def _page(request, claim, *, lines=None, total=None, void=None, error="", status=200) -> HttpResponse:
    originals = list(claim.lines.order_by("line_number"))
    formset = lines or ReplacementLineFormSet(initial=_initial_lines(claim), prefix="line")
    total_form = total or ReplacementTotalForm(initial={"billed_amount": claim.billed_amount})
    field_errors = [
        (form[name].auto_id, f"Line {line.line_number}, {form.fields[name].label.lower()}: {message}")
        for line, form in zip(originals, formset.forms, strict=False)
        for name, messages_ in form.errors.items()
        if name in form.fields
        for message in messages_
    ] + [
        (total_form["billed_amount"].auto_id, f"Billed amount: {m}") for m in total_form.errors.get("billed_amount", [])
    ]
    context = {
        "claim": claim,
        "field_errors": field_errors,
        "blocker": correction_blocker(claim),
        "rows": list(zip(originals, formset.forms, strict=False)),
        "formset": formset,
        "has_lines": bool(originals),
        "total_form": total_form,
        "void_form": void or VoidForm(),
        "error": error,
    }
    return render(request, "claims/claim_correct.html", context, status=status)


@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.CLAIMS)
def claim_correct(request: HttpRequest, claim_number: str) -> HttpResponse:
    claim = _claim_or_404(request, claim_number)
    if request.method == "GET":
        return _page(request, claim)
    formset = ReplacementLineFormSet(request.POST, initial=_initial_lines(claim), prefix="line")
    total = ReplacementTotalForm(request.POST)
    has_lines = claim.lines.exists()
    if not (formset.is_valid() if has_lines else total.is_valid()):
        return _page(request, claim, lines=formset, total=total, status=400)
    changes = [
        LineChange(
            line_number=data["line_number"],
            units=data["units"],
            billed_amount=data["billed_amount"],
            service_date=data["service_date"],
        )
        for data in (formset.cleaned_data if has_lines else [])
        if data
    ]
    try:
        new = claim_replace(
            actor=request.user,
            claim=claim,
            lines=changes,
            billed_amount=None if has_lines else total.cleaned_data["billed_amount"],
            request=request,
        )
    except CorrectionError as error:
        return _page(request, claim, lines=formset, total=total, error=str(error), status=400)
    messages.success(request, f"Replacement claim {new.claim_number} was received.")
    return redirect("claims:detail", new.claim_number)


@require_POST
@level_required(AccessLevel.CLAIMS)
def claim_void_view(request: HttpRequest, claim_number: str) -> HttpResponse:
    claim = _claim_or_404(request, claim_number)
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _page(request, claim, void=form, status=400)
    if blocker := correction_blocker(claim):
        return _page(request, claim, void=form, error=blocker, status=400)
    detail_url = reverse("claims:detail", args=[claim.claim_number])
    confirm = confirmation_page(
        request,
        title=f"Void claim {claim.claim_number}?",
        consequences=[
            f"A void (frequency code 8) of claim {claim.claim_number} is submitted to the plan as a new claim.",
            "The plan reverses any payment of this claim; it cannot be corrected again afterwards.",
        ],
        confirm_label="Void the claim",
        cancel_url=reverse("claims:correct", args=[claim.claim_number]),
        breadcrumbs=[("Claims", reverse("claims:list")), (claim.claim_number, detail_url)],
    )
    if confirm is not None:
        return confirm
    try:
        new = claim_void(actor=request.user, claim=claim, reason=form.cleaned_data["reason"], request=request)
    except CorrectionError as error:
        return _page(request, claim, void=form, error=str(error), status=400)
    messages.success(request, f"Void claim {new.claim_number} was received.")
    return redirect("claims:detail", new.claim_number)
