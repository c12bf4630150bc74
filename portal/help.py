"""The Help area: one short how-to page per job, each written for the person who does it.

The numbers the pages quote (idle time, inactivity days, link lifetimes, limits) come from the
settings and constants the code enforces, so a page never says one thing while the portal does
another.
"""

from dataclasses import dataclass

from django.conf import settings

EVERYONE = "everyone"
PROVIDER = "provider"
MANAGER = "manager"
PAYER = "payer"


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    audience: str
    summary: str

    @property
    def template(self) -> str:
        return f"help/{self.slug.replace('-', '_')}.html"


PAGES = [
    HelpPage(
        "signing-in",
        "Signing in and two-step verification",
        EVERYONE,
        "Password, authenticator codes, backup codes, a lost phone, a locked account.",
    ),
    HelpPage(
        "add-facility",
        "Add Facility: asking for more provider IDs",
        PROVIDER,
        "Ask the plan to add NPIs, vendor IDs, office IDs or a whole TIN to your login.",
    ),
    HelpPage(
        "message-box",
        "Message Box",
        PROVIDER,
        "Secure messages with the plan's team and with colleagues of your organization.",
    ),
    HelpPage(
        "live-chat",
        "Live chat",
        PROVIDER,
        "Ask the plan's team a question from any page, or leave a message when no one is online.",
    ),
    HelpPage(
        "claims-eligibility",
        "Claims and Eligibility",
        PROVIDER,
        "Find a claim or check a member's coverage for the provider IDs on your login.",
    ),
    HelpPage(
        "assessments-health-records",
        "Assessments and Health Records",
        PROVIDER,
        "File a Health Risk Assessment or Notification of Pregnancy; open an attributed member's record and care gaps.",
    ),
    HelpPage(
        "authorizations",
        "Prior authorizations",
        PROVIDER,
        "Check whether a service needs authorization, request it in steps, follow its decision and letter.",
    ),
    HelpPage(
        "enrollment",
        "Enrollment applications",
        PROVIDER,
        "Apply to join the plan's network: sections, colleagues' rights, signing, the fee, submitting, corrections.",
    ),
    HelpPage(
        "user-management",
        "User Management for account managers",
        MANAGER,
        "Verify, enable and disable users, set access levels, invite, templates, the inactivity rule.",
    ),
    HelpPage(
        "access-reviews",
        "Access reviews",
        MANAGER,
        "Confirm, change or remove each user's access to your TIN by the due date.",
    ),
    HelpPage(
        "mailbox",
        "Mailbox: reviewing requests and messages",
        PAYER,
        "The team's shared inbox, taking a thread, deciding an Add Facility request.",
    ),
    HelpPage(
        "chat",
        "Answering the live chat",
        PAYER,
        "The waiting queue, taking a conversation, several at once, closing; where transcripts go.",
    ),
    HelpPage(
        "authorizations-review",
        "Reviewing prior authorizations",
        PAYER,
        "The queue by due time, taking a request, asking for information, extending, deciding each line.",
    ),
    HelpPage(
        "enrollment-review",
        "Reviewing enrollment applications",
        PAYER,
        "The enrollment queue, returning for correction, approving, denying and reassigning.",
    ),
    HelpPage("users", "Users", PAYER, "Find a provider user, change status, levels and provider IDs."),
    HelpPage(
        "organizations",
        "Organizations",
        PAYER,
        "Verify TINs, decide registrations routed to the plan, TINs without an account manager.",
    ),
    HelpPage("requests", "Requests", PAYER, "Every Add Facility request, filtered by status, age, analyst or TIN."),
    HelpPage("reviews", "Access reviews (payer)", PAYER, "Open a review campaign and follow late TINs."),
    HelpPage("audit", "Audit", PAYER, "Who did what and when; export as CSV."),
    HelpPage(
        "email-delivery",
        "Email delivery",
        PAYER,
        "Emails the mail server refused, emails that may have been sent twice, and retrying one.",
    ),
]
BY_SLUG = {page.slug: page for page in PAGES}
PUBLIC = {"signing-in"}


def pages_for(user) -> list[HelpPage]:
    """What the index lists: payer staff see every page (they answer providers' calls);
    provider users see theirs, the account managers' pages included."""
    if getattr(user, "is_payer_staff", False):
        return PAGES
    return [page for page in PAGES if page.audience != PAYER]


def may_read(user, page: HelpPage) -> bool:
    if page.slug in PUBLIC:
        return True
    return page in pages_for(user)


def facts() -> dict:
    """The figures the help pages quote, read from where the portal enforces them."""
    from access_requests.models import NOTE_MAX_LENGTH
    from accounts.models import AccessLevel
    from accounts.services.mfa import BACKUP_CODE_COUNT
    from outbox.services import CLAIM_TIMEOUT
    from portal.selectors import REQUEST_OVERDUE_DAYS
    from user_management.services.users import COMMENT_MAX_LENGTH

    return {
        "nop_timely_days": settings.NOP_TIMELY_DAYS,
        "idle_minutes": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60),
        "session_hours": int(settings.SESSION_MAX_AGE.total_seconds() // 3600),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "password_reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "backup_code_count": BACKUP_CODE_COUNT,
        "warn_days": settings.INACTIVITY_WARN_DAYS,
        "disable_days": settings.INACTIVITY_DISABLE_DAYS,
        "warn_notice_days": settings.INACTIVITY_DISABLE_DAYS - settings.INACTIVITY_WARN_DAYS,
        "invitation_days": settings.INVITATION_DAYS,
        "registration_link_hours": settings.REGISTRATION_LINK_HOURS,
        "comment_max": COMMENT_MAX_LENGTH,
        "note_max": NOTE_MAX_LENGTH,
        "overdue_days": REQUEST_OVERDUE_DAYS,
        "access_levels": ", ".join(level.label for level in AccessLevel),
        "outbox_max_attempts": settings.OUTBOX_MAX_ATTEMPTS,
        "outbox_claim_minutes": int(CLAIM_TIMEOUT.total_seconds() // 60),
        "enrollment_correction_days": settings.ENROLLMENT_CORRECTION_DAYS,
        "enrollment_revalidation_years": settings.ENROLLMENT_REVALIDATION_YEARS,
        "enrollment_revalidation_years_dme": settings.ENROLLMENT_REVALIDATION_YEARS_DME,
        "enrollment_notice_months": settings.ENROLLMENT_REVALIDATION_NOTICE_MONTHS,
        "enrollment_fees": ", ".join(
            f"${cents / 100:,.0f} in {year}" for year, cents in sorted(settings.ENROLLMENT_FEES.items())
        ),
        "chat_max": settings.CHAT_MESSAGE_MAX_LENGTH,
        "chat_rate": settings.RATE_LIMITS["chat-message"][0],
        "chat_rate_seconds": settings.RATE_LIMITS["chat-message"][1],
        "chat_presence_seconds": settings.CHAT_PRESENCE_SECONDS,
    }
