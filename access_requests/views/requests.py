"""Add Facility on the provider side, and the Requests list of the Control Panel."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access_requests import selectors
from access_requests.forms import ItemFormSet, NoteForm
from access_requests.models import MAX_ITEMS, RequestStatus
from access_requests.services import access_request_create
from accounts.decorators import payer_staff_required, provider_required
from accounts.models import User
from accounts.validators import TIN_RE
from core.errors import to_messages
from core.forms import Form
from core.pagination import keyset_page
from mailbox.selectors import thread_messages


@require_http_methods(["GET", "POST"])
@provider_required
def add_facility(request: HttpRequest) -> HttpResponse:
    formset = ItemFormSet(request.POST or None, user=request.user, prefix="ids")
    note_form = NoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        try:
            access_request = access_request_create(
                requester=request.user, items=formset.items(), note=note_form.cleaned_data["note"], request=request
            )
        except ValidationError as error:
            to_messages(request, error)
        else:
            messages.success(
                request, f"Your request {access_request.reference} was sent. We will reply in your Message Box."
            )
            return redirect("access_requests:detail", access_request.uuid)
    return render(
        request,
        "access_requests/add_facility.html",
        {"formset": formset, "note_form": note_form, "max_items": MAX_ITEMS},
    )


@require_GET
@provider_required
def request_detail(request: HttpRequest, request_uuid: uuid.UUID) -> HttpResponse:
    access_request = get_object_or_404(selectors.requests_of(user=request.user), uuid=request_uuid)
    return render(
        request,
        "access_requests/detail.html",
        {
            "access_request": access_request,
            "items": access_request.items.select_related("provider_identifier__organization", "organization"),
            "thread_messages": thread_messages(thread=access_request.thread),
        },
    )


ANY_STATUS = "any"


class RequestFilterForm(Form):
    """Filters of the Control Panel's Requests list; no status given means Open, as the select says."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(RequestStatus.OPEN, "Open"), (ANY_STATUS, "Any status")]
        + [(value, label) for value, label in RequestStatus.choices if value != RequestStatus.OPEN],
    )
    age = forms.ChoiceField(
        label="Age",
        required=False,
        choices=[
            ("", "Any age"),
            ("1", "Older than 1 day"),
            ("3", "Older than 3 days"),
            ("7", "Older than 7 days"),
            ("30", "Older than 30 days"),
        ],
    )
    analyst = forms.ChoiceField(label="Analyst", required=False)
    tin = forms.CharField(
        label="TIN", required=False, max_length=9, widget=forms.TextInput(attrs={"class": "usa-input--small"})
    )

    def __init__(self, *args, analysts, **kwargs):
        super().__init__(*args, **kwargs)
        self.analysts = {str(a.uuid): a for a in analysts}
        self.fields["analyst"].choices = [("", "Anyone"), ("none", "Not taken")] + [
            (key, a.full_name) for key, a in self.analysts.items()
        ]

    def clean_tin(self):
        tin = self.cleaned_data["tin"].strip()
        if tin and not TIN_RE.match(tin):
            raise forms.ValidationError("A TIN is 9 digits.")
        return tin


@require_GET
@payer_staff_required
def control_panel_requests(request: HttpRequest) -> HttpResponse:
    analysts = User.objects.filter(kind="payer_staff", status="active").order_by("full_name")
    data = request.GET.copy()
    if not data.get("status"):
        data["status"] = RequestStatus.OPEN  # the default, and the first choice the select shows
    form = RequestFilterForm(data, analysts=analysts)
    if form.is_valid():
        analyst = form.cleaned_data["analyst"]
        status = form.cleaned_data["status"]
        requests = selectors.payer_requests(
            status="" if status == ANY_STATUS else status,
            older_than_days=form.cleaned_data["age"],
            assigned_to=form.analysts.get(analyst),
            unassigned=analyst == "none",
            tin=form.cleaned_data["tin"],
        )
        matching = requests.count()
    else:
        requests, matching = selectors.payer_requests().none(), 0
    # Open requests first, each group oldest first, so nothing waits unseen.
    page = keyset_page(requests, order=("is_closed", "created_at", "id"), after=request.GET.get("after"))
    return render(
        request,
        "access_requests/control_panel_requests.html",
        {"form": form, "page": page, "matching": matching},
    )
