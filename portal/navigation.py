"""The navigation: each area shows only to those who may open it.

An item whose URL is not installed is left out, so the menu never links to a page that is not
there. The same tests guard the views (see ``accounts.decorators``): hiding is never the only check.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from accounts.models import AccessLevel


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    allowed: Callable[[object, set[str]], bool]


def _provider(user, levels):
    return not user.is_payer_staff


def _level(level):
    def allowed(user, levels):
        return not user.is_payer_staff and level in levels

    return allowed


def _message_box(user, levels):
    # Checked with the request in nav_items_for (an enrollment right opens it too).
    return not user.is_payer_staff


def _payer(user, levels):
    return user.is_payer_staff


PROVIDER_ITEMS = [
    NavItem("Dashboard", "portal:dashboard", _provider),
    NavItem("My Profile", "accounts:profile", _provider),
    NavItem("Message Box", "mailbox:inbox", _message_box),
    NavItem("Claims", "claims:list", _level(AccessLevel.CLAIMS)),
    NavItem("Eligibility", "claims:eligibility", _level(AccessLevel.ELIGIBILITY)),
    NavItem("Assessments", "assessments:list", _level(AccessLevel.ASSESSMENTS)),
    NavItem("Health Records", "health_records:index", _level(AccessLevel.HEALTH_RECORDS)),
    NavItem("Authorizations", "authorizations:list", _level(AccessLevel.AUTHORIZATIONS)),
    NavItem("User Management", "accounts:user_management", _level(AccessLevel.MANAGE_ACCOUNT)),
    NavItem("Enrollment", "enrollment:list", _provider),
]
PAYER_ITEMS = [
    NavItem("Control Panel", "control_panel:home", _payer),
    NavItem("Mailbox", "control_panel:mailbox", _payer),
    NavItem("Chat", "control_panel:chat", _payer),
    NavItem("Users", "control_panel:users", _payer),
    NavItem("Organizations", "control_panel:organizations", _payer),
    NavItem("Requests", "control_panel:requests", _payer),
    NavItem("Authorizations", "control_panel:authorizations", _payer),
    NavItem("Reviews", "control_panel:reviews", _payer),
    NavItem("Assessments", "control_panel:assessments", _payer),
    NavItem("Health Records", "control_panel:health_records", _payer),
    NavItem("Appeals", "control_panel:appeals", _payer),
    NavItem("Enrollment", "control_panel:enrollment_queue", _payer),
    NavItem("Audit", "control_panel:audit", _payer),
    NavItem("Email delivery", "control_panel:emails", _payer),
]


def nav_items_for(request, levels: set[str]) -> list[dict]:
    user = request.user
    items = []
    for item in PAYER_ITEMS if user.is_payer_staff else PROVIDER_ITEMS:
        if not item.allowed(user, levels):
            continue
        if item.url_name == "mailbox:inbox" and AccessLevel.MESSAGE_BOX not in levels:
            from mailbox.rights import may_open

            if not may_open(request):
                continue
        if item.url_name == "control_panel:enrollment_queue" and _enrollment_role(request) is None:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = _badge(item.url_name, user)
        current = request.path == url or (url not in ("/", "/control-panel/") and request.path.startswith(url))
        items.append({"label": item.label, "url": url, "current": current, "badge": badge})
    return items


def _enrollment_role(request) -> str | None:
    """The Enrollment Specialist or Supervisor role that opens the enrollment queue: the one the
    enrollment pages' own check read (request.enrollment_role), else the cached one."""
    if hasattr(request, "enrollment_role"):
        return request.enrollment_role
    from enrollment.selectors import staff_role_for_menu

    return staff_role_for_menu(request.user)


def _badge(url_name: str, user) -> int:
    """Unread counts beside Message Box and Mailbox: one indexed COUNT each."""
    if url_name == "mailbox:inbox":
        from mailbox.selectors import unread_count

        return unread_count(user=user)
    if url_name == "control_panel:mailbox":
        from mailbox.selectors import payer_unread_count

        return payer_unread_count()
    return 0
