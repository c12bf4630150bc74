"""Access reviews in the admin, read-only: decisions are made on the review pages."""

from django.contrib import admin

from access_reviews.models import ReviewCampaign, ReviewDecision, ReviewTask
from core.admin import ReadOnlyModelAdmin


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "due_on", "grace_days", "disable_unreviewed", "repeat_quarterly", "closed_at")
    search_fields = ("name",)


@admin.register(ReviewTask)
class ReviewTaskAdmin(ReadOnlyModelAdmin):
    list_display = ("campaign", "organization", "status", "decided_count", "member_count")
    list_filter = ("status",)
    list_select_related = ("campaign", "organization")
    search_fields = ("organization__tin", "organization__name", "campaign__name")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyModelAdmin):
    list_display = ("task", "user", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("task__campaign", "task__organization", "user", "decided_by")
