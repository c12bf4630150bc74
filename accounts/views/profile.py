"""My Profile: who I am, what I may do where, my provider IDs and requests; and the details I edit."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import account_managers_by_organization, levels_by_organization, provider_ids_in_scope
from accounts.decorators import provider_required
from accounts.forms import ProfileForm
from accounts.models import AccessLevel, Organization
from accounts.services.users import profile_update
from core.errors import apply_to_form
from core.forms import Form
from core.pagination import keyset_page

_LABELS = {"full_name": "name", "phone": "telephone number"}


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            changed = profile_update(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            if changed:
                messages.success(request, f"Your {' and '.join(_LABELS[f] for f in changed)} changed.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


class ScopeSearchForm(Form):
    q = forms.CharField(
        label="Search your provider IDs",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


@require_http_methods(["GET"])
@provider_required
def profile(request: HttpRequest) -> HttpResponse:
    """My Profile: who I am, what I may do where, my provider IDs, my requests, my managers."""
    user = request.user
    levels = levels_by_organization(user=user)
    organizations = list(Organization.objects.filter(pk__in=levels.keys()).order_by("name"))
    managers = account_managers_by_organization(organization_ids=levels.keys())
    form = ScopeSearchForm(request.GET or None)
    scope = provider_ids_in_scope(user=user)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    if q:
        scope = scope.filter(Q(value__icontains=q) | Q(display_name__icontains=q) | Q(organization__tin=q))
    page = keyset_page(scope, order=("value", "id"), after=request.GET.get("after"), page_size=25)
    return render(
        request,
        "accounts/profile.html",
        {
            "organizations": [
                {
                    "organization": organization,
                    "levels": [level.label for level in AccessLevel if level.value in levels[organization.pk]],
                    "managers": managers.get(organization.pk, []),
                }
                for organization in organizations
            ],
            "form": form,
            "q": q,
            "page": page,
            # The user's own Add Facility requests, through the reverse relation the
            # access_requests app declares (that app builds on this one, not the other way).
            # The newest 20 are chosen first, so only their IDs are counted (a biller with 179
            # requests had every one of their 575 IDs joined and grouped: 7 ms of the page's 12).
            "access_requests": user.access_requests.filter(
                pk__in=user.access_requests.order_by("-created_at", "-id").values("pk")[:20]
            )
            .select_related("thread", "organization", "decided_by")
            .annotate(item_count=Count("items"))
            .order_by("-created_at", "-id"),
        },
    )
