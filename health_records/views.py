"""The Health Records pages: the member lookup, a member's record by section (or the same "not
available" page when the member is not attributed to the user or opted out), the care-gap list
and its export; and the Control Panel's member page with the opt-out flag."""

import csv
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import level_required, payer_staff_required
from accounts.models import AccessLevel
from audit.pages import neutralise
from claims.models import Member
from core.pagination import keyset_page
from health_records import selectors, services
from health_records.forms import CareGapFilterForm, MemberLookupForm, PayerMemberForm
from health_records.models import CareGap, RecordOptOut

SECTIONS = {
    "care-gaps": "Care gaps",
    "visits": "Visits",
    "medications": "Medications",
    "immunizations": "Immunizations",
    "labs": "Lab results",
}
PAGE_SIZE = 50


def _not_available(request: HttpRequest, member: Member | None, member_id: str, section: str) -> HttpResponse:
    services.health_record_refused(
        actor=request.user, member=member, member_id=member_id, section=section, request=request
    )
    return render(request, "health_records/not_available.html", {"member_id": member_id}, status=404)


# POST, not GET: a member ID and a birth date must not sit in URLs, browser history or access logs.
@require_http_methods(["GET", "POST"])
@level_required(AccessLevel.HEALTH_RECORDS)
def index(request: HttpRequest) -> HttpResponse:
    form = MemberLookupForm(request.POST if request.method == "POST" else None)
    no_match = False
    if request.method == "POST" and form.is_valid():
        member = selectors.member_by_lookup(user=request.user, **form.cleaned_data)
        if member is None:
            no_match = True
        elif selectors.attributed_members(user=request.user).filter(pk=member.pk).exists():
            return redirect("health_records:record", member_uuid=member.uuid)
        else:
            return _not_available(request, member, member.member_id, "lookup")
    return render(request, "health_records/index.html", {"form": form, "no_match": no_match})


@require_GET
@level_required(AccessLevel.HEALTH_RECORDS)
def record(request: HttpRequest, member_uuid: uuid.UUID, section: str = "care-gaps") -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such section.")
    member = selectors.attributed_members(user=request.user).filter(uuid=member_uuid).first()
    if member is None:
        known = Member.objects.filter(uuid=member_uuid).first()
        return _not_available(request, known, known.member_id if known else "", section)
    services.health_record_viewed(actor=request.user, member=member, section=section, request=request)
    context = {
        "member": member,
        "section": section,
        "section_title": SECTIONS[section],
        "sections": SECTIONS,
        "rows": list(selectors.section_rows(member, section)),
    }
    return render(request, "health_records/record.html", context)


@require_GET
@level_required(AccessLevel.HEALTH_RECORDS)
def care_gaps(request: HttpRequest) -> HttpResponse:
    form = CareGapFilterForm(request.GET, provider_ids=selectors.health_record_provider_ids(user=request.user))
    page = None
    if form.is_valid():
        services.care_gaps_viewed(actor=request.user, exported=False, filters=_summary(form), request=request)
        page = keyset_page(
            selectors.care_gaps_for(user=request.user, **form.filters()),
            order=form.order(),
            after=request.GET.get("after"),
            page_size=PAGE_SIZE,
        )
    return render(
        request,
        "health_records/care_gaps.html",
        {"form": form, "page": page, "sort_label": form.sort_label() if page is not None else ""},
    )


def _summary(form) -> dict:
    return {key: value for key, value in form.cleaned_data.items() if value}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(gaps, order):
    writer = csv.writer(_Echo())
    yield writer.writerow(["measure", "member ID", "member name", "date of birth", "evidence", "found on"])
    for gap in gaps.order_by(*order).iterator(chunk_size=2000):
        cells = [
            gap.rule.measure,
            gap.member.member_id,
            gap.member.full_name,
            gap.member.date_of_birth.isoformat(),
            gap.evidence,
            gap.computed_on.isoformat(),
        ]
        yield writer.writerow([neutralise(cell) for cell in cells])


@require_GET
@level_required(AccessLevel.HEALTH_RECORDS)
def care_gaps_export(request: HttpRequest) -> HttpResponse:
    form = CareGapFilterForm(request.GET, provider_ids=selectors.health_record_provider_ids(user=request.user))
    if not form.is_valid():
        return redirect(f"{reverse('health_records:care_gaps')}?{request.GET.urlencode()}")
    services.care_gaps_viewed(actor=request.user, exported=True, filters=_summary(form), request=request)
    response = StreamingHttpResponse(
        _csv_lines(selectors.care_gaps_for(user=request.user, **form.filters()), form.order()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="care-gaps-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# --- Control Panel ----------------------------------------------------------------------------------


@require_GET
@payer_staff_required
def control_panel_member(request: HttpRequest) -> HttpResponse:
    form = PayerMemberForm(request.GET or None)
    member = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        member = Member.objects.filter(member_id=form.cleaned_data["member_id"]).first()
    context = {"form": form, "member": member, "searched": searched}
    if member is not None:
        services.health_record_viewed(actor=request.user, member=member, section="control panel", request=request)
        context["opted_out"] = RecordOptOut.objects.filter(member=member).first()
        context["gaps"] = list(CareGap.objects.filter(member=member).select_related("rule"))
    return render(request, "health_records/control_panel_member.html", context)


@require_POST
@payer_staff_required
def control_panel_opt_out(request: HttpRequest, member_uuid: uuid.UUID) -> HttpResponse:
    member = get_object_or_404(Member, uuid=member_uuid)
    opted_out = request.POST.get("opted_out") == "yes"
    services.record_opt_out_set(actor=request.user, member=member, opted_out=opted_out, request=request)
    if opted_out:
        messages.success(request, "The member's health record is no longer shared with providers.")
    else:
        messages.success(request, "The member's health record is shared with attributed providers again.")
    return redirect(f"{reverse('control_panel:health_records')}?member_id={member.member_id}")
