"""Reads of provider enrollment: every provider-side read goes through the access rule
(``EnrollmentApplication.objects.restrict(user)``, accounts.access); the Control Panel reads all
applications that left the draft stage."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from accounts.models import User, UserStatus
from enrollment.models import (
    OPEN_STATUSES,
    EnrollmentApplication,
    EnrollmentGrant,
    EnrollmentStaff,
    Status,
)


def applications_for(*, user: User, status: str = "") -> QuerySet[EnrollmentApplication]:
    """The applications the user holds a grant on, newest first, with the user's own grant's
    admin flag in the same query."""
    rows = EnrollmentApplication.objects.restrict(user).annotate(
        my_is_admin=Subquery(
            EnrollmentGrant.objects.filter(application=OuterRef("pk"), user=user).values("is_admin")[:1]
        )
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-updated_at", "-id")


def application_with_sections(*, queryset: QuerySet[EnrollmentApplication]) -> QuerySet[EnrollmentApplication]:
    """Every section's rows joined in once: the summary and the review read them all."""
    return queryset.select_related(
        "bank_account", "signed_by", "assigned_to", "created_by", "organization"
    ).prefetch_related("locations", "licenses", "owners", "specialties", "documents", "corrections", "events__actor")


def grants_of(*, application: EnrollmentApplication) -> QuerySet[EnrollmentGrant]:
    return application.grants.select_related("user").order_by("-is_admin", "user__full_name")


def has_message_right(*, user: User) -> bool:
    """Whether the user may read enrollment notices in the Message Box on some application."""
    if not user.is_authenticated or user.is_payer_staff:
        return False
    return (
        EnrollmentGrant.objects.restrict(user).filter(user=user).filter(Q(is_admin=True) | Q(can_message=True)).exists()
    )


QUEUE_SORTS = {
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
    "name": ("legal_name", "id"),
    "status": ("status", "submitted_at", "id"),
}


def queue(
    *, status: str = "", sort: str = "submitted", assigned_to: User | None = None
) -> QuerySet[EnrollmentApplication]:
    """The Control Panel's queue: applications past the draft stage (open ones unless a status
    is chosen), with the reviewer joined in."""
    rows = EnrollmentApplication.objects.exclude(status=Status.DRAFT).select_related("assigned_to")
    rows = rows.filter(status=status) if status else rows.filter(status__in=OPEN_STATUSES)
    if assigned_to is not None:
        rows = rows.filter(assigned_to=assigned_to)
    return rows.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["submitted"]))


def queue_counts() -> dict[str, int]:
    """Applications by status (drafts left out), for the queue's filter. One query."""
    return dict(
        EnrollmentApplication.objects.exclude(status=Status.DRAFT)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def enrollment_team() -> QuerySet[EnrollmentStaff]:
    """The staff with an enrollment role who may act (Locked refuses new sign-ins only)."""
    return (
        EnrollmentStaff.objects.select_related("user")
        .filter(user__status__in=(UserStatus.ACTIVE, UserStatus.LOCKED))
        .order_by("user__full_name")
    )
