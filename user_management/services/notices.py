"""Message Box notices to a user about their account, and the words they are written in."""

from collections.abc import Iterable

from accounts.models import (
    AccessLevel,
    Organization,
    ProviderIdentifier,
    User,
)


def notify(user: User, subject: str, body: str, organization: Organization | None = None) -> None:
    from mailbox.services import system_notify

    system_notify(user=user, subject=subject, body=body, organization=organization)


def join_words(words: list[str]) -> str:
    """ "Claims", "Claims and Message Box", "Claims, Eligibility and Message Box"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def level_labels(codes: Iterable[str]) -> list[str]:
    """Labels of access levels in the order of the screen."""
    codes = set(codes)
    return [level.label for level in AccessLevel if level.value in codes]


def levels_summary(added: Iterable[str], removed: Iterable[str]) -> str:
    parts = []
    if added:
        parts.append(f"{join_words(level_labels(added))} added")
    if removed:
        parts.append(f"{join_words(level_labels(removed))} removed")
    return "; ".join(parts)


def pid_label(pid: ProviderIdentifier) -> str:
    return f"{pid.get_kind_display()} {pid.value}"


def levels_changed_notify(user: User, organization: Organization, added: Iterable[str], removed: Iterable[str]) -> None:
    """Tell the user, in their Message Box, which of their access levels on the organization changed
    (nothing is sent when nothing changed)."""
    if not added and not removed:
        return
    notify(
        user,
        "Your access levels changed",
        f"Your access levels for {organization.name} (TIN {organization.tin}) changed: "
        f"{levels_summary(added, removed)}.",
        organization,
    )
