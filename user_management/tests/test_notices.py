"""The Message Box notice of changed access levels: one wording, whoever changed them."""

from accounts.models import AccessLevel, Organization, User
from user_management.services import notices


def test_levels_changed_notice_wording(monkeypatch):
    sent = []
    monkeypatch.setattr(notices, "notify", lambda *args: sent.append(args))
    user, organization = User(email="b@example.test"), Organization(name="Springfield Clinic", tin="123456789")
    notices.levels_changed_notify(
        user, organization, {AccessLevel.CLAIMS}, {AccessLevel.MESSAGE_BOX, AccessLevel.ELIGIBILITY}
    )
    assert sent == [
        (
            user,
            "Your access levels changed",
            "Your access levels for Springfield Clinic (TIN 123456789) changed: Claims added; "
            "Eligibility and Message Box removed.",
            organization,
        )
    ]
    notices.levels_changed_notify(user, organization, set(), set())
    assert len(sent) == 1


def test_both_level_services_use_the_one_notice():
    from user_management.services import payer, users

    assert payer.levels_changed_notify is users.levels_changed_notify is notices.levels_changed_notify
