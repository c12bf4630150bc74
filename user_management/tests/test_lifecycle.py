"""The user lifecycle as a table of rules: status changes, registration links and guard rails."""

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.access import user_levels
from accounts.models import (
    AccessLevel,
    Membership,
    Organization,
    Registration,
    RegistrationLink,
    RegistrationStatus,
    User,
    UserComment,
    UserStatus,
)
from accounts.services import registration as registration_services
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from conftest import make_provider
from outbox.models import OutboundEmail
from user_management.services import payer as payer_actions
from user_management.services import users as user_actions

pytestmark = pytest.mark.django_db


def member(org, status, email=None, levels=(AccessLevel.CLAIMS,), usable_password=True):
    user = make_provider(email or f"{status}-{timezone.now().timestamp()}@example.test", org, list(levels))
    if not usable_password:
        user.set_unusable_password()
    user.status = status
    user.save()
    return user


# --- the status table --------------------------------------------------------------------------

STATUS_TABLE = [
    # (from, action, password set, expected status or error)
    ("verification_pending", "enable", False, "unverified"),
    ("disabled", "enable", True, "active"),
    ("disabled", "enable", False, "unverified"),
    ("active", "enable", True, ValidationError),
    ("locked", "enable", True, ValidationError),
    ("unverified", "enable", False, ValidationError),
    ("active", "disable", True, "disabled"),
    ("locked", "disable", True, "disabled"),
    ("unverified", "disable", False, "disabled"),
    ("verification_pending", "disable", False, "disabled"),
    ("disabled", "disable", True, ValidationError),
]


@pytest.mark.parametrize(("start", "action", "password", "expected"), STATUS_TABLE)
def test_status_table(manager, org, start, action, password, expected):
    user = member(org, start, usable_password=password)
    service = user_actions.user_enable if action == "enable" else user_actions.user_disable
    if expected is ValidationError:
        with pytest.raises(ValidationError):
            service(actor=manager, user=user, organization=org, comment="Because")
        assert User.objects.get(pk=user.pk).status == start
        return
    service(actor=manager, user=user, organization=org, comment="Because")
    user.refresh_from_db()
    assert user.status == expected
    assert UserComment.objects.filter(user=user, author=manager, comment="Because").exists()


def test_enabling_a_pending_user_sends_the_registration_email(manager, org, django_capture_on_commit_callbacks):
    user = member(org, UserStatus.VERIFICATION_PENDING, usable_password=False)
    Registration.objects.create(user=user, tin=org.tin, organization=org)
    with django_capture_on_commit_callbacks(execute=True):
        user_actions.user_enable(actor=manager, user=user, organization=org)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "/register/complete/" in mail.outbox[0].body
    assert Registration.objects.get(user=user).status == RegistrationStatus.APPROVED


def test_registration_link_is_one_time_72_hours_and_a_new_one_voids_the_old(manager, org):
    user = member(org, UserStatus.UNVERIFIED, usable_password=False)
    first = registration_services.registration_link_issue(user=user, actor=manager, organization=org)
    assert registration_services.registration_link_find(raw=first) is not None
    link = RegistrationLink.objects.get(user=user)
    assert abs((link.expires_at - link.created_at).total_seconds() - 72 * 3600) < 1
    second = registration_services.registration_link_issue(user=user, actor=manager, organization=org)
    assert registration_services.registration_link_find(raw=first) is None
    assert registration_services.registration_link_find(raw=second) is not None
    RegistrationLink.objects.filter(user=user).update(expires_at=timezone.now())
    assert registration_services.registration_link_find(raw=second) is None
    assert registration_services.registration_link_find(raw="forged") is None


def test_completing_registration_makes_the_user_active(manager, org):
    from django_otp.oath import totp

    user = member(org, UserStatus.UNVERIFIED, usable_password=False)
    raw = registration_services.registration_link_issue(user=user, actor=manager, organization=org)
    link = registration_services.registration_link_find(raw=raw)
    registration_services.registration_password_set(link=link, password="A-long-enough-passphrase")
    from accounts.services.mfa import totp_device_for_enrollment

    device = totp_device_for_enrollment(user=user)
    assert registration_services.registration_complete(link=link, device=device, token="000000") is None
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try (django-otp throttling)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    codes = registration_services.registration_complete(link=link, device=device, token=code)
    assert len(codes) == 10
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE and user.last_login is not None
    assert registration_services.registration_link_find(raw=raw) is None


def test_disabling_ends_sessions(manager, org):
    user = member(org, UserStatus.ACTIVE)
    before = user.get_session_auth_hash()
    user_actions.user_disable(actor=manager, user=user, organization=org, comment="Left")
    assert User.objects.get(pk=user.pk).get_session_auth_hash() != before


# --- guard rails -------------------------------------------------------------------------------


def test_disable_needs_a_comment(manager, org):
    user = member(org, UserStatus.ACTIVE)
    with pytest.raises(ValidationError, match="required"):
        user_actions.user_disable(actor=manager, user=user, organization=org, comment="  ")


def test_a_comment_is_at_most_200_characters(manager, org):
    user = member(org, UserStatus.ACTIVE)
    with pytest.raises(ValidationError, match="200"):
        user_actions.user_disable(actor=manager, user=user, organization=org, comment="x" * 201)
    user_actions.user_disable(actor=manager, user=user, organization=org, comment="x" * 200)


def test_manager_acts_only_within_own_tins(manager, org, outsider, other_org, biller):
    with pytest.raises(PermissionDenied):
        user_actions.user_disable(actor=outsider, user=biller, organization=org, comment="x")
    with pytest.raises(PermissionDenied):
        user_actions.user_disable(actor=outsider, user=biller, organization=other_org, comment="x")
    with pytest.raises(PermissionDenied):
        user_actions.manager_levels_set(actor=biller, user=manager, organization=org, levels=[])


def test_cannot_grant_a_level_not_held(org, biller):
    limited = make_provider("limited@example.test", org, [AccessLevel.MANAGE_ACCOUNT, AccessLevel.CLAIMS])
    with pytest.raises(ValidationError, match="do not hold"):
        user_actions.manager_levels_set(
            actor=limited, user=biller, organization=org, levels=[AccessLevel.CLAIMS, AccessLevel.HEALTH_RECORDS]
        )
    # Levels the manager does not hold stay as they are, whatever the form says.
    user_actions.manager_levels_set(actor=limited, user=biller, organization=org, levels=[])
    assert user_levels(user=biller, organization=org) == {AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX}


def test_cannot_change_own_levels(manager, org):
    with pytest.raises(ValidationError, match="own access levels"):
        user_actions.manager_levels_set(actor=manager, user=manager, organization=org, levels=[AccessLevel.CLAIMS])


def test_last_active_manager_is_protected(manager, org, payer_staff):
    with pytest.raises(ValidationError, match="last active account manager"):
        user_actions.user_disable(actor=payer_staff, user=manager, organization=org, comment="Leaving")
    with pytest.raises(ValidationError, match="last active account manager"):
        user_actions.manager_levels_set(actor=payer_staff, user=manager, organization=org, levels=[AccessLevel.CLAIMS])
    with pytest.raises(ValidationError, match="last active account manager"):
        user_actions.user_remove_from_organization(actor=payer_staff, user=manager, organization=org, comment="x")
    second = make_provider("second@example.test", org, AccessLevel.values)
    user_actions.manager_levels_set(actor=second, user=manager, organization=org, levels=[AccessLevel.CLAIMS])
    assert AccessLevel.MANAGE_ACCOUNT not in user_levels(user=manager, organization=org)


def test_cannot_disable_self(manager, org):
    make_provider("second@example.test", org, AccessLevel.values)
    with pytest.raises(ValidationError, match="yourself"):
        user_actions.user_disable(actor=manager, user=manager, organization=org, comment="x")


def test_user_of_several_tins_is_removed_not_disabled(manager, org, other_org):
    both = make_provider("both@example.test", org, [AccessLevel.CLAIMS])
    from accounts.services.access import access_levels_set

    access_levels_set(actor=None, user=both, organization=other_org, levels=[AccessLevel.CLAIMS])
    with pytest.raises(ValidationError, match="other organizations"):
        user_actions.user_disable(actor=manager, user=both, organization=org, comment="Left")
    user_actions.user_remove_from_organization(actor=manager, user=both, organization=org, comment="Left us")
    assert not Membership.objects.filter(user=both, organization=org).exists()
    assert user_levels(user=both, organization=org) == set()
    assert user_levels(user=both, organization=other_org) == {AccessLevel.CLAIMS}
    assert User.objects.get(pk=both.pk).status == UserStatus.ACTIVE


# --- registration ------------------------------------------------------------------------------


def test_registration_under_a_tin_with_managers_goes_to_them(manager, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_services.registration_submit(
            full_name="New Person", email="New@Example.test", phone="555", tin=org.tin
        )
    assert registration.user.status == UserStatus.VERIFICATION_PENDING
    assert not registration.routed_to_payer
    assert Membership.objects.filter(user=registration.user, organization=org).exists()
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert f"/users/{registration.user.uuid}/" in mail.outbox[0].body


def test_registration_without_managers_goes_to_the_payer(settings, db):
    settings.PAYER_TEAM_EMAILS = ["team@example.test"]
    registration = registration_services.registration_submit(
        full_name="New Person", email="n@example.test", phone="5", tin="555666777"
    )
    assert registration.routed_to_payer and registration.organization is None
    assert OutboundEmail.objects.filter(to="team@example.test", template="payer_registration_pending").exists()


def test_registration_with_an_existing_email_creates_nothing_and_tells_the_owner(biller, org):
    before = User.objects.count()
    assert (
        registration_services.registration_submit(full_name="X", email=biller.email.upper(), phone="5", tin=org.tin)
        is None
    )
    assert User.objects.count() == before
    assert OutboundEmail.objects.filter(to=biller.email, template="registration_exists").exists()


def test_payer_approves_a_new_tin_and_its_first_account_manager(payer_staff):
    registration = registration_services.registration_submit(
        full_name="First Manager", email="first@example.test", phone="5", tin="555666777"
    )
    with pytest.raises(ValidationError):
        payer_actions.payer_registration_approve(actor=payer_staff, registration=registration)
    organization = payer_actions.payer_registration_approve(
        actor=payer_staff, registration=registration, organization_name="Ogdenville Clinic"
    )
    assert organization.tin_verified and organization.name == "Ogdenville Clinic"
    user = User.objects.get(email="first@example.test")
    assert user.status == UserStatus.UNVERIFIED
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=user, organization=organization)
    with pytest.raises(ValidationError, match="already decided"):
        payer_actions.payer_registration_approve(actor=payer_staff, registration=registration)


def test_payer_rejects_with_a_reason(payer_staff):
    registration = registration_services.registration_submit(
        full_name="X Y", email="x@example.test", phone="5", tin="555666777"
    )
    with pytest.raises(ValidationError):
        payer_actions.payer_registration_reject(actor=payer_staff, registration=registration, reason="")
    payer_actions.payer_registration_reject(actor=payer_staff, registration=registration, reason="Unknown TIN")
    assert User.objects.get(email="x@example.test").status == UserStatus.DISABLED
    assert not Organization.objects.filter(tin="555666777").exists()


# --- invitations -------------------------------------------------------------------------------


def test_invitation_creates_an_unverified_member_with_levels_and_scope(manager, org, npi):
    user = user_actions.invitation_create(
        actor=manager,
        organization=org,
        email="invitee@example.test",
        full_name="Invitee",
        levels=[AccessLevel.ELIGIBILITY],
        provider_identifiers=[npi],
    )
    assert user.status == UserStatus.UNVERIFIED
    assert user_levels(user=user, organization=org) == {AccessLevel.ELIGIBILITY}
    link = RegistrationLink.objects.get(user=user)
    assert (link.expires_at - link.created_at).days == 7
    assert OutboundEmail.objects.filter(to=user.email, template="invitation").exists()


def test_invitation_refuses_levels_the_manager_lacks_and_existing_emails(org, biller):
    limited = make_provider("limited@example.test", org, [AccessLevel.MANAGE_ACCOUNT])
    with pytest.raises(ValidationError, match="do not hold"):
        user_actions.invitation_create(
            actor=limited, organization=org, email="a@example.test", full_name="A", levels=[AccessLevel.CLAIMS]
        )
    with pytest.raises(ValidationError):
        user_actions.invitation_create(actor=limited, organization=org, email=biller.email, full_name="A", levels=[])


def test_invitation_revoke(manager, org):
    user = user_actions.invitation_create(
        actor=manager, organization=org, email="i@example.test", full_name="I", levels=[AccessLevel.CLAIMS]
    )
    user_actions.invitation_revoke(actor=manager, user=user, organization=org)
    user.refresh_from_db()
    assert user.status == UserStatus.DISABLED
    assert user_levels(user=user, organization=org) == set()
    assert not RegistrationLink.objects.filter(user=user, voided_at__isnull=True).exists()


def test_end_date_must_not_be_in_the_past(manager, org, biller):
    import datetime

    with pytest.raises(ValidationError):
        user_actions.membership_end_set(
            actor=manager, user=biller, organization=org, ends_on=timezone.localdate() - datetime.timedelta(days=1)
        )
    user_actions.membership_end_set(actor=manager, user=biller, organization=org, ends_on=timezone.localdate())
    assert Membership.objects.get(user=biller, organization=org).ends_on == timezone.localdate()


def test_factories_still_work_with_devices():
    assert TOTPDeviceFactory(user=UserFactory()).confirmed


# --- Update User: the one Save -------------------------------------------------------------------


def test_one_save_applies_levels_scope_and_end_date_each_audited(manager, biller, org, npi):
    import datetime

    from accounts.access import provider_ids_in_scope
    from accounts.tests.factories import ProviderIdentifierFactory
    from audit.models import AuditAction, AuditEvent

    pediatrics = ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")
    ends_on = timezone.localdate() + datetime.timedelta(days=60)
    before = AuditEvent.objects.count()
    changes = user_actions.user_update(
        actor=manager,
        user=biller,
        organization=org,
        levels=[AccessLevel.CLAIMS, AccessLevel.MESSAGE_BOX, AccessLevel.AUTHORIZATIONS],
        add_provider_ids=[pediatrics],
        remove_provider_ids=[npi],
        ends_on=ends_on,
        comment="New office",
    )
    assert changes.sentences == [
        "Authorizations added; Eligibility removed",
        "NPI 1245319599 added",
        "NPI 1234567893 removed",
        f"end date set to {ends_on:%Y-%m-%d}",
    ]
    assert user_levels(user=biller, organization=org) == {
        AccessLevel.CLAIMS,
        AccessLevel.MESSAGE_BOX,
        AccessLevel.AUTHORIZATIONS,
    }
    assert set(provider_ids_in_scope(user=biller)) == {pediatrics}
    assert Membership.objects.get(user=biller, organization=org).ends_on == ends_on
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[before:])
    for action in (
        AuditAction.LEVELS_CHANGED,
        AuditAction.SCOPE_ADDED,
        AuditAction.SCOPE_REMOVED,
        AuditAction.MEMBERSHIP_END_SET,
    ):
        assert actions.count(action) == 1, action
    history = set(UserComment.objects.filter(user=biller).values_list("action", "comment"))
    assert {
        (user_actions.Action.UPDATE_ROLES, "New office"),
        (user_actions.Action.UPDATE_SCOPE, "New office"),
    } <= history
    # Access shrank (Eligibility removed): the user's sessions end.
    assert User.objects.get(pk=biller.pk).session_epoch == biller.session_epoch + 1


def test_a_save_with_nothing_new_changes_nothing(manager, biller, org, npi):
    from audit.models import AuditEvent

    before = AuditEvent.objects.count()
    changes = user_actions.user_update(
        actor=manager,
        user=biller,
        organization=org,
        levels=[AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX],
        add_provider_ids=[npi],
        ends_on=None,
    )
    assert not changes and changes.sentences == []
    assert AuditEvent.objects.count() == before
    assert not UserComment.objects.filter(user=biller).exists()


def test_the_save_and_the_action_are_all_or_nothing(manager, org, other_org):
    from accounts.services.access import access_levels_set

    both = make_provider("both@example.test", org, [AccessLevel.CLAIMS])
    access_levels_set(actor=None, user=both, organization=other_org, levels=[AccessLevel.CLAIMS])
    with pytest.raises(ValidationError, match="other organizations"):
        user_actions.user_update(
            actor=manager,
            user=both,
            organization=org,
            levels=[AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY],
            comment="Left",
            action="disable",
        )
    assert user_levels(user=both, organization=org) == {AccessLevel.CLAIMS}
    assert not UserComment.objects.filter(user=both).exists()


def test_the_save_keeps_every_guard_rail(manager, biller, org, npi, other_npi, payer_staff):
    import datetime

    def refused(field, match, **kwargs):
        actor = kwargs.pop("actor", manager)
        user = kwargs.pop("user", biller)
        with pytest.raises(ValidationError, match=match) as caught:
            user_actions.user_update(actor=actor, user=user, organization=org, **kwargs)
        assert field in caught.value.error_dict

    refused("levels", "last active account manager", actor=payer_staff, user=manager, levels=[AccessLevel.CLAIMS])
    refused("ends_on", "last active account manager", actor=payer_staff, user=manager, ends_on=timezone.localdate())
    limited = make_provider("limited@example.test", org, [AccessLevel.MANAGE_ACCOUNT, AccessLevel.CLAIMS])
    refused("levels", "do not hold", actor=limited, levels=[AccessLevel.CLAIMS, AccessLevel.HEALTH_RECORDS])
    refused("levels", "own access levels", user=manager, levels=[AccessLevel.CLAIMS])
    refused("ends_on", "today or a later", ends_on=timezone.localdate() - datetime.timedelta(days=1))
    refused("add_ids", "this organization only", add_provider_ids=[other_npi])
    refused("comment", "200", comment="x" * 201)
    refused("comment", "required", comment="", action="disable")
    with pytest.raises(PermissionDenied):
        user_actions.user_update(actor=biller, user=manager, organization=org, levels=[])
    assert user_levels(user=biller, organization=org) == {
        AccessLevel.CLAIMS,
        AccessLevel.ELIGIBILITY,
        AccessLevel.MESSAGE_BOX,
    }
    # A manager's own page: no levels on the form, so the rest saves.
    user_actions.user_update(actor=manager, user=manager, organization=org, add_provider_ids=[npi], comment="Note")
    assert UserComment.objects.filter(user=manager, action=user_actions.Action.COMMENT, comment="Note").exists()


def test_verifying_needs_at_least_one_level(manager, org):
    registration = registration_services.registration_submit(
        full_name="Nora Quinn", email="n@example.test", phone="5", tin=org.tin
    )
    user = registration.user
    with pytest.raises(ValidationError, match="at least one access level") as caught:
        user_actions.user_update(actor=manager, user=user, organization=org, levels=[], action="enable")
    assert "levels" in caught.value.error_dict
    assert User.objects.get(pk=user.pk).status == UserStatus.VERIFICATION_PENDING
    user_actions.user_update(
        actor=manager,
        user=user,
        organization=org,
        levels=[AccessLevel.CLAIMS, AccessLevel.MESSAGE_BOX],
        action="enable",
    )
    assert User.objects.get(pk=user.pk).status == UserStatus.UNVERIFIED
    assert user_levels(user=user, organization=org) == {AccessLevel.CLAIMS, AccessLevel.MESSAGE_BOX}
    assert registration_services.link_validity() == f"{django_settings.REGISTRATION_LINK_HOURS} hours"


def test_remove_and_revoke_do_not_save_the_form_first(manager, biller, org):
    from audit.models import AuditAction, AuditEvent

    user_actions.user_update(
        actor=manager,
        user=biller,
        organization=org,
        levels=[*AccessLevel.values],
        comment="Left",
        action="remove",
    )
    changed = AuditEvent.objects.filter(action=AuditAction.LEVELS_CHANGED, target_id=str(biller.uuid))
    assert [event.details["added"] for event in changed.order_by("id")][-1:] == [[]]  # removal only
    assert not Membership.objects.filter(user=biller, organization=org).exists()
