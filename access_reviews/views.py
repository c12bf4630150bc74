"""Access reviews: the payer opens campaigns; account managers review each user of their TINs."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_reviews import selectors, services
from access_reviews.forms import CampaignForm, DecideForm, KeepManyForm, PlanKeepForm
from access_reviews.models import Decision, ReviewTask
from accounts.access import account_managers
from accounts.decorators import level_required, payer_staff_required
from accounts.models import AccessLevel
from core.confirm import confirmation_page
from core.errors import apply_to_form, to_messages

manager_required = level_required(AccessLevel.MANAGE_ACCOUNT)


@require_http_methods(["GET", "POST"])
@payer_staff_required
def campaigns(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_open(
                actor=request.user,
                name=data["name"],
                due_on=data["due_on"],
                organizations=data["tins"],
                grace_days=data["grace_days"],
                disable_unreviewed=data["disable_unreviewed"],
                repeat_quarterly=data["repeat_quarterly"],
                request=request,
            )
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, f"Review “{campaign.name}” opened for {campaign.tasks.count()} organizations.")
            return redirect("control_panel:review", campaign.uuid)
    late = request.GET.get("late") == "1"
    rows = selectors.campaigns_with_progress()
    if late:
        rows = rows.filter(late_count__gt=0, closed_at__isnull=True)
    return render(
        request,
        "access_reviews/campaigns.html",
        {"form": form, "campaigns": rows[:100], "late": late},
    )


@require_GET
@payer_staff_required
def campaign_detail(request: HttpRequest, campaign_uuid: uuid.UUID) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_progress(), uuid=campaign_uuid)
    return render(
        request,
        "access_reviews/campaign_detail.html",
        {
            "campaign": campaign,
            "tasks": selectors.campaign_tasks(campaign=campaign),
            "plan_rows": selectors.plan_review_rows(campaign=campaign),
        },
    )


@require_POST
@payer_staff_required
def campaign_keep(request: HttpRequest, campaign_uuid: uuid.UUID, task_uuid: uuid.UUID) -> HttpResponse:
    """The plan keeps an account manager nobody else can review (the TIN's only one)."""
    task = get_object_or_404(
        ReviewTask.objects.select_related("campaign", "organization"), uuid=task_uuid, campaign__uuid=campaign_uuid
    )
    form = PlanKeepForm(request.POST)
    user = services.task_open_members(task).filter(uuid=form.cleaned_data["user"]).first() if form.is_valid() else None
    if user is None:
        messages.error(request, "Choose a user of this organization who is still to be reviewed.")
        return redirect("control_panel:review", campaign_uuid)
    try:
        services.review_decide(actor=request.user, task=task, user=user, decision=Decision.KEEP, request=request)
    except ValidationError as error:
        to_messages(request, error)
    else:
        messages.success(
            request, f"{user.full_name} keeps their access to {task.organization.name} (TIN {task.organization.tin})."
        )
    return redirect("control_panel:review", campaign_uuid)


@require_GET
@manager_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    return render(request, "access_reviews/my_tasks.html", {"tasks": selectors.tasks_for_manager(manager=request.user)})


def _task(request, task_uuid):
    return get_object_or_404(selectors.tasks_for_manager(manager=request.user, open_only=False), uuid=task_uuid)


@require_GET
@manager_required
def task_detail(request: HttpRequest, task_uuid: uuid.UUID) -> HttpResponse:
    task = _task(request, task_uuid)
    rows = selectors.review_rows(task=task)
    return render(
        request,
        "access_reviews/task.html",
        {
            "task": task,
            "rows": rows,
            # Bulk Keep only while someone other than the reviewer is still open.
            "selectable": any(row["decision"] is None and row["user"].pk != request.user.pk for row in rows),
            "levels": list(AccessLevel),
            "other_managers": list(account_managers(organization=task.organization).exclude(pk=request.user.pk)),
        },
    )


def _open_member(task, user_uuid):
    return services.task_open_members(task).filter(uuid=user_uuid).first()


def _task_trail(task) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("portal:dashboard")),
        ("User Management", reverse("accounts:user_management")),
        ("Access reviews", reverse("access_reviews:my_tasks")),
        (f"{task.campaign.name}: {task.organization.name}", reverse("access_reviews:task", args=[task.uuid])),
    ]


@require_POST
@manager_required
def task_decide(request: HttpRequest, task_uuid: uuid.UUID) -> HttpResponse:
    task = _task(request, task_uuid)
    form = DecideForm(request.POST)
    user = _open_member(task, form.cleaned_data["user"]) if form.is_valid() else None
    if user is None:
        messages.error(request, "Choose a user of this organization who is still to be reviewed, and a decision.")
        return redirect("access_reviews:task", task.uuid)
    decision = form.cleaned_data["decision"]
    if user.pk == request.user.pk:
        messages.error(request, services.SELF_REVIEW_REFUSED)
        return redirect("access_reviews:task", task.uuid)
    if decision == Decision.REMOVE:
        organization = task.organization
        confirm = confirmation_page(
            request,
            title=f"Remove {user.full_name} from {organization.name}?",
            consequences=[
                f"{user.full_name} ({user.email}) loses every access level and provider ID of "
                f"{organization.name} (TIN {organization.tin}) at once and leaves its user list.",
                "They are signed out everywhere; their access to other TINs stays as it is.",
                "The review records the removal under your name. To give access back, invite them again.",
            ],
            confirm_label=f"Remove {user.full_name}",
            cancel_url=reverse("access_reviews:task", args=[task.uuid]),
            breadcrumbs=_task_trail(task),
        )
        if confirm is not None:
            return confirm
    try:
        services.review_decide(
            actor=request.user,
            task=task,
            user=user,
            decision=decision,
            levels=form.cleaned_data["levels"],
            request=request,
        )
    except ValidationError as error:
        to_messages(request, error)
    else:
        done = {Decision.KEEP: "kept", Decision.CHANGE: "levels changed", Decision.REMOVE: "removed from the TIN"}
        messages.success(request, f"{user.full_name}: {done[decision]}.")
    return redirect("access_reviews:task", task.uuid)


@require_POST
@manager_required
def task_keep_many(request: HttpRequest, task_uuid: uuid.UUID) -> HttpResponse:
    task = _task(request, task_uuid)
    members = list(services.task_open_members(task).exclude(pk=request.user.pk))
    form = KeepManyForm(request.POST, user_choices=members)
    if not form.is_valid():
        messages.error(request, "Select the users to keep (your own access is reviewed by someone else).")
        return redirect("access_reviews:task", task.uuid)
    chosen = [u for u in members if str(u.uuid) in set(form.cleaned_data["users"])]
    try:
        kept = services.review_keep_many(actor=request.user, task=task, users=chosen, request=request)
    except ValidationError as error:
        to_messages(request, error)
    else:
        messages.success(request, f"Kept {kept} user{'s' if kept != 1 else ''}.")
    return redirect("access_reviews:task", task.uuid)
