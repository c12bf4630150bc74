"""Reads of provider enrollment: every provider-side read goes through the access rule
(``EnrollmentApplication.objects.restrict(user)``, accounts.access); the Control Panel reads all
applications that left the draft stage."""

import logging

from django.core.cache import cache
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


# --- the menu's question: does this member of staff review enrollments? --------------------------------

logger = logging.getLogger(__name__)
_ROLE_KEY = "enrollment:staff-role:{}"
_ROLE_SECONDS = 300
_NO_ROLE = "-"


def staff_role_for_menu(user: User) -> str | None:
    """The user's enrollment role, for the Control Panel menu on every page: kept in the shared
    cache (no query per page), dropped whenever the role changes (enrollment.apps connects it).
    The enrollment pages themselves read the role from the database."""
    from enrollment.services import staff_role

    if not user.is_authenticated or not user.is_payer_staff:
        return None
    key = _ROLE_KEY.format(user.pk)
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: the database answers, as the pages' own check does
        return staff_role(user)
    if cached is None:
        cached = staff_role(user) or _NO_ROLE
        try:
            cache.set(key, cached, _ROLE_SECONDS)
        except Exception:
            logger.warning("The cache refused the enrollment role of user %s; it is read again next page.", user.pk)
    return None if cached == _NO_ROLE else cached


def staff_role_forget(user_id: int) -> None:
    """Called when a role is saved or deleted."""
    try:
        cache.delete(_ROLE_KEY.format(user_id))
    except Exception:
        # The menu may then show the old role for up to _ROLE_SECONDS; the pages check the database.
        logger.warning("The cache did not drop the enrollment role of user %s.", user_id)
