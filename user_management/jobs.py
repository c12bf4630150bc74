"""The daily lifecycle jobs (seeds 002/004), run by beat at 02:00 (``user_management.tasks.daily_lifecycle``)
or by hand (``manage.py run_daily_jobs``):

1. inactivity: warn an Active provider user after INACTIVITY_WARN_DAYS without signing in (76 by
   default), disable them at INACTIVITY_DISABLE_DAYS (90);
2. tell the payer team when that left TINs without an active account manager;
3. send each account manager a digest of their TIN: users waiting for verification, users disabled;
4. end time-limited access the day after its end date.

Every step is its own transaction and idempotent: a second run the same day changes nothing and
sends nothing. Days are calendar days in the server's time zone, so the outcome depends on the
date, not on the hour the job runs at.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.access import account_managers_by_organization, active_manager_exists, level_held_on
from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    ProviderIdentifier,
    User,
    UserKind,
    UserStatus,
)
from accounts.services.access import access_levels_set, scope_remove
from accounts.services.users import sessions_end
from audit.models import AuditAction
from audit.services import record, record_many
from core import policy
from outbox.services import email_enqueue_template
from user_management.services.users import history_add, last_manager_guard

logger = logging.getLogger(__name__)

INACTIVITY_REASON = "inactivity"
END_DATE_REASON = "access end date passed"
END_DATE_ACTION = "Access end date passed"  # the comment-history action of the removal

# SQLite refuses a statement with more than 32,766 bound values; PostgreSQL takes the whole list
# in one statement. Only the embedded SQLite default ever splits the UPDATE.
SQLITE_IN_LIST_MAX = 30_000


# --- helpers ---------------------------------------------------------------------------------------


def _today(now: datetime | None) -> tuple[datetime, date]:
    now = now or timezone.now()
    return now, timezone.localdate(now)


def _day_start(day: date) -> datetime:
    """Local midnight of ``day`` (midnight exists every day in US time zones: DST moves 2 a.m.)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _key(*parts) -> str:
    """An outbox idempotency key (at most 200 characters: a long email address is hashed)."""
    key = ":".join(str(part) for part in parts)
    if len(key) <= 200:
        return key
    return f"{parts[0]}:{hashlib.sha256(key.encode()).hexdigest()}"


def _chunks(ids: list[int]):
    if connection.vendor != "sqlite" or len(ids) <= SQLITE_IN_LIST_MAX:
        yield ids
        return
    for start in range(0, len(ids), SQLITE_IN_LIST_MAX):
        yield ids[start : start + SQLITE_IN_LIST_MAX]


def _inactive_before(moment: datetime) -> Q:
    """Active provider users whose last activity is before ``moment``.

    The reference time is the last sign-in, or the moment the user became Active if later (or if
    they never signed in): an account manager enabling a user restarts the clock, else a user
    enabled again after an inactivity disable would be disabled the next night. Written without
    functions so that each comparison can use an index.

    Payer staff are left out on purpose: the plan's own identity provider and its policies govern
    their accounts, not this portal's inactivity rule.
    """
    return Q(
        Q(last_login__isnull=True) | Q(last_login__lt=moment),
        kind=UserKind.PROVIDER,
        status=UserStatus.ACTIVE,
        status_changed_at__lt=moment,
    )


def disabled_for_inactivity_on(day: date) -> QuerySet[User]:
    """Users the inactivity job disabled on ``day`` (and still disabled)."""
    return User.objects.filter(
        status=UserStatus.DISABLED,
        status_reason=INACTIVITY_REASON,
        status_changed_at__gte=_day_start(day),
        status_changed_at__lt=_day_start(day + timedelta(days=1)),
    )


# --- 1. inactivity ---------------------------------------------------------------------------------


class InactivityResult(NamedTuple):
    warned: int
    disabled: int


@transaction.atomic
def inactivity_enforce(*, now: datetime | None = None) -> InactivityResult:
    """Warn Active provider users at INACTIVITY_WARN_DAYS without activity, disable them at
    INACTIVITY_DISABLE_DAYS (settings, read on each run).

    The disabling is one ``UPDATE ... WHERE id IN (...)`` over the stale users (status, reason,
    time, and the session epoch, which ends every session), whatever their number; then one audit
    event each. The candidates are selected ``FOR UPDATE`` first (on PostgreSQL): a user signing in
    meanwhile waits for this transaction, and a second run at the same time waits, then finds
    nothing left to do.
    """
    now, today = _today(now)
    warn_days, disable_days = policy.inactivity_warn_days(), policy.inactivity_disable_days()
    warn_before = _day_start(today - timedelta(days=warn_days - 1))
    disable_before = _day_start(today - timedelta(days=disable_days - 1))
    # Tuples rather than model instances: at a million users the stale set is large.
    candidates = (
        User.objects.select_for_update()
        .filter(_inactive_before(warn_before))
        .order_by("pk")
        .values_list("pk", "uuid", "email", "full_name", "last_login", "status_changed_at")
    )
    stale: list[tuple] = []
    warned = 0
    login_url = settings.SITE_URL + reverse("accounts:login")
    for pk, uuid, email, full_name, last_login, status_changed_at in candidates:
        reference = max(last_login or status_changed_at, status_changed_at)
        if reference < disable_before:
            stale.append((pk, uuid, email))
            continue
        reference_day = timezone.localdate(reference)
        disable_on = reference_day + timedelta(days=disable_days)
        queued = email_enqueue_template(
            to=email,
            template="inactivity_warning",
            context={
                "full_name": full_name,
                "since": reference_day,
                "days_left": (disable_on - today).days,
                "last_day": disable_on - timedelta(days=1),
                "url": login_url,
            },
            # One warning per inactivity period: signing in starts a new period, and a new key.
            idempotency_key=f"inactivity-warning:{pk}:{reference_day.isoformat()}",
        )
        warned += queued is not None

    disabled = 0
    stale_ids = [pk for pk, _, _ in stale]
    for ids in _chunks(stale_ids):
        disabled += sessions_end(
            users=User.objects.filter(pk__in=ids, status=UserStatus.ACTIVE),
            status=UserStatus.DISABLED,
            status_reason=INACTIVITY_REASON,
            status_changed_at=now,
        )
    if disabled != len(stale_ids):  # cannot happen while the rows are locked; refuse to guess
        raise RuntimeError(f"Disabled {disabled} users for inactivity, expected {len(stale_ids)}.")

    # One lock and bulk inserts for the whole chain segment (audit.services.record_many).
    details = {"from": UserStatus.ACTIVE, "to": UserStatus.DISABLED, "reason": INACTIVITY_REASON}
    record_many(
        [
            {
                "action": AuditAction.STATUS_CHANGED,
                "target": User(pk=pk, uuid=uuid, email=email),  # what the event keeps: uuid and email
                "details": details,
            }
            for pk, uuid, email in stale
        ]
    )
    return InactivityResult(warned=warned, disabled=disabled)


# --- 2. TINs left without an active account manager ----------------------------------------------------


def organizations_without_manager_since(day: date) -> QuerySet[Organization]:
    """Organizations whose account manager the inactivity job disabled on ``day`` and that have no
    active account manager now. The Control Panel computes the same flag; nothing is stored."""
    manage = AccessLevel.MANAGE_ACCOUNT
    return Organization.objects.filter(level_held_on(manage, user__in=disabled_for_inactivity_on(day))).exclude(
        active_manager_exists()
    )


@transaction.atomic
def no_manager_notify(*, now: datetime | None = None) -> int:
    """Email the payer team, once a day, how many TINs lost their last active account manager to
    the inactivity job today. Returns that number."""
    _, today = _today(now)
    count = organizations_without_manager_since(today).count()
    if count:
        url = settings.SITE_URL + reverse("control_panel:organizations") + "?flag=no_manager"
        for address in settings.PAYER_TEAM_EMAILS:
            email_enqueue_template(
                to=address,
                template="inactivity_no_manager",
                context={"count": count, "url": url},
                idempotency_key=_key("inactivity-no-manager", today.isoformat(), address),
            )
    return count


# --- 3. the account managers' digest -------------------------------------------------------------------


@transaction.atomic
def manager_digest_send(*, now: datetime | None = None) -> int:
    """One email a day to each active account manager of each TIN with something to report: users
    waiting for verification, users disabled for inactivity today. Counts and links, no names.

    A constant number of queries whatever the number of users, plus two per email queued.
    Returns the number of digests queued.
    """
    _, today = _today(now)
    pending = Q(user__status=UserStatus.VERIFICATION_PENDING)
    disabled = Q(user__in=disabled_for_inactivity_on(today))
    rows = (
        Membership.objects.filter(pending | disabled)
        .values("organization_id")
        .annotate(pending=Count("pk", filter=pending), disabled=Count("pk", filter=disabled))
        .order_by("organization_id")
    )
    counts = {row["organization_id"]: (row["pending"], row["disabled"]) for row in rows}
    if not counts:
        return 0
    managers = account_managers_by_organization(organization_ids=counts)
    organizations = Organization.objects.in_bulk(list(managers))
    users_url = settings.SITE_URL + reverse("accounts:user_management")
    sent = 0
    for organization_id, people in managers.items():
        organization = organizations[organization_id]
        n_pending, n_disabled = counts[organization_id]
        for manager in people:
            queued = email_enqueue_template(
                to=manager.email,
                template="manager_digest",
                context={
                    "manager": manager,
                    "organization": organization,
                    "pending": n_pending,
                    "disabled": n_disabled,
                    "pending_url": f"{users_url}?status={UserStatus.VERIFICATION_PENDING}&tin={organization.uuid}",
                    "disabled_url": f"{users_url}?status={UserStatus.DISABLED}&tin={organization.uuid}",
                },
                idempotency_key=f"manager-digest:{manager.pk}:{organization_id}:{today.isoformat()}",
            )
            sent += queued is not None
    return sent


# --- 4. time-limited access -------------------------------------------------------------------------


@dataclass
class ExpiryResult:
    removed: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: int = 0


def _membership_expire(*, membership_id: int, today: date) -> bool | str:
    """End one membership past its end date, in its own transaction.

    Returns True when removed, False when there was nothing to do (already gone, or the end date
    moved), or the reason it was skipped.
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .filter(pk=membership_id, ends_on__lt=today)
            .first()
        )
        if membership is None:
            return False
        user, organization = membership.user, membership.organization
        try:
            # A TIN is never left without an active account manager, end date or not.
            last_manager_guard(user, organization, "end their access")
        except ValidationError:
            return (
                f"{user.email}: last active account manager of {organization.name} (TIN {organization.tin}); "
                f"access kept past its end date {membership.ends_on.isoformat()}"
            )
        access_levels_set(actor=None, user=user, organization=organization, levels=[])
        in_scope = ProviderIdentifier.objects.in_scope(user).filter(organization=organization)
        scope_remove(actor=None, user=user, provider_identifiers=list(in_scope))
        ends_on = membership.ends_on
        membership.delete()
        # Access shrank: every session of the user ends now.
        sessions_end(users=user)
        history_add(user=user, organization=organization, author=None, action=END_DATE_ACTION, comment="")
        record(
            action=AuditAction.MEMBERSHIP_REMOVED,
            actor=None,
            target=user,
            organization=organization,
            details={"reason": END_DATE_REASON, "ends_on": ends_on.isoformat()},
        )
        from mailbox.services import system_notify

        system_notify(
            user=user,
            subject=f"Your access to {organization.name[:170]} ended",
            body=(
                f"Your access to {organization.name} ended: its end date, {ends_on:%B} {ends_on.day}, {ends_on.year}, "
                "has passed. "
                "If you still need it, ask the organization's account manager."
            ),
            organization=organization,
        )
        return True


def memberships_expire(*, now: datetime | None = None) -> ExpiryResult:
    """Remove access whose end date (``Membership.ends_on``) is before today: the user's access
    levels and provider IDs there, and the membership; their sessions end, they are notified.

    Each membership is its own transaction, so one failure does not hold the others back (and the
    audit chain's lock is held only briefly). The last active account manager of a TIN is skipped
    and reported, every day, until someone else manages the TIN or the end date is cleared.
    """
    _, today = _today(now)
    result = ExpiryResult()
    for membership_id in Membership.objects.filter(ends_on__lt=today).order_by("pk").values_list("pk", flat=True):
        try:
            outcome = _membership_expire(membership_id=membership_id, today=today)
        except Exception:
            logger.exception("Could not end membership %s past its end date", membership_id)
            result.failed += 1
            continue
        if outcome is True:
            result.removed += 1
        elif outcome:
            logger.warning("Time-limited access not ended: %s", outcome)
            result.skipped.append(outcome)
    return result


# --- all of it ----------------------------------------------------------------------------------


@dataclass
class DailyLifecycleResult:
    warned: int = 0
    disabled: int = 0
    tins_without_manager: int = 0
    digests: int = 0
    memberships_removed: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "warned": self.warned,
            "disabled": self.disabled,
            "tins_without_manager": self.tins_without_manager,
            "digests": self.digests,
            "memberships_removed": self.memberships_removed,
            "memberships_skipped": len(self.skipped),
            "errors": len(self.errors),
        }


def daily_lifecycle_run(*, now: datetime | None = None, dry_run: bool = False) -> DailyLifecycleResult:
    """Run the four steps in order, each in its own transaction; a failing step is logged and the
    others still run. With ``dry_run`` everything runs in one transaction that is rolled back:
    the counts are exact and nothing is saved or sent."""
    if dry_run:
        with transaction.atomic():
            result = daily_lifecycle_run(now=now)
            transaction.set_rollback(True)
        return result
    now = now or timezone.now()
    result = DailyLifecycleResult()

    def step(name, fn):
        try:
            return fn(now=now)
        except Exception:
            logger.exception("Daily lifecycle step %r failed", name)
            result.errors.append(name)
            return None

    if inactivity := step("inactivity", inactivity_enforce):
        result.warned, result.disabled = inactivity
    result.tins_without_manager = step("no-manager notice", no_manager_notify) or 0
    result.digests = step("manager digest", manager_digest_send) or 0
    if expiry := step("time-limited access", memberships_expire):
        result.memberships_removed, result.skipped = expiry.removed, expiry.skipped
        if expiry.failed:
            result.errors.append(f"time-limited access ({expiry.failed} failed)")
    return result
