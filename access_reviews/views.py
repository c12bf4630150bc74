"""Access reviews: the payer opens campaigns; account managers review each user of their TINs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_reviews import selectors, services
from access_reviews.forms import CampaignForm, DecideForm, KeepManyForm
from accounts.models import AccessLevel
from portal.permissions import level_required, payer_staff_required

manager_required = level_required(AccessLevel.MANAGE_ACCOUNT)


@require_http_methods(["GET", "POST"])
@payer_staff_required
def campaigns(request):
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
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
def campaign_detail(request, campaign_uuid):
    campaign = get_object_or_404(selectors.campaigns_with_progress(), uuid=campaign_uuid)
    return render(
        request,
        "access_reviews/campaign_detail.html",
        {"campaign": campaign, "tasks": selectors.campaign_tasks(campaign=campaign)},
    )


@require_GET
@manager_required
def my_tasks(request):
    return render(request, "access_reviews/my_tasks.html", {"tasks": selectors.tasks_for_manager(manager=request.user)})


def _task(request, task_uuid):
    return get_object_or_404(selectors.tasks_for_manager(manager=request.user, open_only=False), uuid=task_uuid)


@require_GET
@manager_required
def task_detail(request, task_uuid):
    task = _task(request, task_uuid)
    return render(
        request,
        "access_reviews/task.html",
        {"task": task, "rows": selectors.review_rows(task=task), "levels": list(AccessLevel)},
    )


def _member(task, user_uuid):
    return services.task_members(task).filter(uuid=user_uuid).first()


@require_POST
@manager_required
def task_decide(request, task_uuid):
    task = _task(request, task_uuid)
    form = DecideForm(request.POST)
    user = _member(task, form.data.get("user")) if form.is_valid() else None
    if user is None:
        messages.error(request, "Choose a user of this organization and a decision.")
        return redirect("access_reviews:task", task.uuid)
    try:
        services.review_decide(
            actor=request.user,
            task=task,
            user=user,
            decision=form.cleaned_data["decision"],
            levels=form.cleaned_data["levels"],
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{user.full_name}: {form.cleaned_data['decision']}.")
    return redirect("access_reviews:task", task.uuid)


@require_POST
@manager_required
def task_keep_many(request, task_uuid):
    task = _task(request, task_uuid)
    members = list(services.task_members(task))
    form = KeepManyForm(request.POST, user_choices=members)
    if not form.is_valid():
        messages.error(request, "Select the users to keep.")
        return redirect("access_reviews:task", task.uuid)
    chosen = [u for u in members if str(u.uuid) in set(form.cleaned_data["users"])]
    try:
        kept = services.review_keep_many(actor=request.user, task=task, users=chosen, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Kept {kept} user{'s' if kept != 1 else ''}.")
    return redirect("access_reviews:task", task.uuid)
