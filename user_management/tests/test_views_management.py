"""User Management through the pages, including forged POSTs and the comment history of seed 004."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access import user_levels
from accounts.models import AccessLevel, Membership, User, UserComment, UserStatus
from conftest import make_provider

pytestmark = pytest.mark.django_db

SEED_004 = ["<script>alert(1)</script>", ";alert(1)//", "</xmp><script>alert(1)</script>"]


def update_url(user):
    return reverse("accounts:update_user", args=[user.uuid])


BILLER_LEVELS = [AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX]


def form(org, *, levels=BILLER_LEVELS, **fields):
    """The whole Update User form as the page posts it (the biller's saved state unless told)."""
    return {"organization": str(org.uuid), "edit": "1", "levels": list(levels), "comment": "", "ends_on": "", **fields}


def test_anonymous_wrong_method_and_missing_level(client, login_as, biller, manager, org):
    assert client.get(reverse("accounts:user_management")).status_code == 302
    response = client.get(update_url(biller))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client.post(update_url(biller), form(org, action="disable", comment="x")).status_code == 302
    login_as(biller)
    assert client.get(reverse("accounts:user_management")).status_code == 403
    assert client.get(update_url(manager)).status_code == 403
    assert client.post(update_url(manager), form(org, action="disable", comment="x")).status_code == 403
    assert client.get(reverse("accounts:invite")).status_code == 403
    client.logout()
    login_as(manager)
    assert client.post(reverse("accounts:user_management")).status_code == 405
    assert client.put(update_url(biller)).status_code == 405
    assert User.objects.get(pk=manager.pk).status == UserStatus.ACTIVE


def test_list_shows_only_own_tins_with_counts_and_search(client, login_as, manager, biller, outsider):
    pending = make_provider("pending@example.test", biller_org := Membership.objects.get(user=biller).organization, [])
    Membership.objects.get_or_create(user=pending, organization=biller_org)
    User.objects.filter(pk=pending.pk).update(status=UserStatus.VERIFICATION_PENDING)
    login_as(manager)
    response = client.get(reverse("accounts:user_management"))
    emails = [u.email for u in response.context["page"].rows]
    assert biller.email in emails and outsider.email not in emails
    assert response.context["pending_count"] == 1
    queue = client.get(reverse("accounts:user_management"), {"status": "verification_pending"})
    assert [u.email for u in queue.context["page"].rows] == ["pending@example.test"]
    assert f"{update_url(pending)}#verify" in queue.content.decode()
    found = client.get(reverse("accounts:user_management"), {"q": "BILLER"})
    assert [u.email for u in found.context["page"].rows] == [biller.email]


def test_outsider_gets_404_on_the_user_page(client, login_as, outsider, biller, org):
    login_as(outsider)
    assert client.get(update_url(biller)).status_code == 404
    for action in ("save", "disable", "remove"):
        response = client.post(update_url(biller), form(org, levels=[], action=action, comment="x", confirmed="yes"))
        assert response.status_code == 404, action
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    assert user_levels(user=biller, organization=org) == set(BILLER_LEVELS)


def test_update_user_screen(client, login_as, manager, biller, org):
    login_as(manager)
    response = client.get(update_url(biller))
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        biller.email,
        "Last login time",
        "TIN verified",
        "Disable user",
        "Send password reset email",
        "Comments history",
        "Health Records",
        "Manage Account",
        "Remove NPI 1234567893 (Julius Hibbert MD)",
        "Add provider IDs of this TIN",
        "Access ends after (optional)",
    ):
        assert text in content, text
    assert 'maxlength="200"' in content and "usa-character-count" in content
    # One form, one Save, one comment box; the status buttons are part of the same form.
    assert content.count('<form method="post"') == 1 + content.count('class="usa-button usa-button--unstyled"')
    assert content.count('name="comment"') == 1
    assert content.count('value="save"') == 1
    assert 'id="update-user-form"' in content and "portal/js/update_user.js" in content


def test_one_save_applies_every_change_with_one_message(client, login_as, manager, biller, org, npi):
    from accounts.tests.factories import ProviderIdentifierFactory
    from audit.models import AuditAction, AuditEvent

    pediatrics = ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")
    login_as(manager)
    data = form(
        org,
        levels=[AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX, AccessLevel.AUTHORIZATIONS],
        add_ids="1245319599",
        ends_on="2099-01-31",
        comment="New role at the front desk",
        action="save",
    )
    response = client.post(update_url(biller), data, follow=True)
    assert (
        "Saved for Biller: Authorizations added; NPI 1245319599 added; end date set to 2099-01-31."
        in response.content.decode()
    )
    assert AccessLevel.AUTHORIZATIONS in user_levels(user=biller, organization=org)
    assert Membership.objects.get(user=biller, organization=org).ends_on.isoformat() == "2099-01-31"
    actions = set(AuditEvent.objects.filter(target_id=str(biller.uuid)).values_list("action", flat=True))
    assert {AuditAction.LEVELS_CHANGED, AuditAction.SCOPE_ADDED, AuditAction.MEMBERSHIP_END_SET} <= actions
    assert UserComment.objects.filter(user=biller, comment="New role at the front desk").count() == 3
    # Saving again changes nothing, and says so.
    data["add_ids"] = ""
    response = client.post(update_url(biller), {**data, "comment": ""}, follow=True)
    assert b"Nothing changed." in response.content
    assert pediatrics.uuid


def test_removing_asks_first_and_the_question_lists_what_goes(client, login_as, manager, biller, org, npi):
    login_as(manager)
    data = form(org, levels=[AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX], remove_ids=[str(npi.uuid)])
    response = client.post(update_url(biller), data)
    content = response.content.decode()
    assert response.status_code == 200 and "Save the changes for Biller?" in content
    assert "The Claims level is removed." in content
    assert "NPI 1234567893 (Julius Hibbert MD) is removed from their provider IDs." in content
    assert user_levels(user=biller, organization=org) == set(BILLER_LEVELS)  # nothing changed yet
    response = client.post(update_url(biller), {**data, "confirmed": "yes"}, follow=True)
    assert b"Saved for Biller: Claims removed; NPI 1234567893 removed." in response.content
    assert user_levels(user=biller, organization=org) == {AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX}
    from accounts.access import provider_ids_in_scope

    assert list(provider_ids_in_scope(user=User.objects.get(pk=biller.pk))) == []


def test_disable_with_unsaved_changes_keeps_them(client, login_as, manager, biller, org):
    login_as(manager)
    more = [*BILLER_LEVELS, AccessLevel.AUTHORIZATIONS]
    # Without a comment: the form comes back whole, the ticked level still ticked, nothing saved.
    response = client.post(update_url(biller), form(org, levels=more, action="disable", comment=""))
    assert response.status_code == 200
    assert "required" in response.context["form"].errors["comment"][0]
    assert b'value="level_authorizations" checked' in response.content
    assert AccessLevel.AUTHORIZATIONS not in user_levels(user=biller, organization=org)
    # With a comment: the question says the change is saved first; confirming does both.
    data = form(org, levels=more, action="disable", comment="Left the practice")
    response = client.post(update_url(biller), data)
    assert b"Disable Biller?" in response.content and b"Saved first: Authorizations added." in response.content
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    response = client.post(update_url(biller), {**data, "confirmed": "yes"}, follow=True)
    content = response.content.decode()
    assert "Saved for Biller: Authorizations added." in content
    assert "Biller is disabled: they can no longer sign in, and their sessions ended." in content
    assert User.objects.get(pk=biller.pk).status == UserStatus.DISABLED
    assert AccessLevel.AUTHORIZATIONS in user_levels(user=biller, organization=org)


def test_going_back_from_the_question_keeps_what_was_typed_and_saves_nothing(client, login_as, manager, biller, org):
    login_as(manager)
    more = [*BILLER_LEVELS, AccessLevel.AUTHORIZATIONS]
    data = form(org, levels=more, action="disable", comment="Left the practice")
    question = client.post(update_url(biller), data).content.decode()
    assert 'name="confirmed" value="no"' in question and "Go back to the page, keeping my changes" in question
    response = client.post(update_url(biller), {**data, "confirmed": "no"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was saved yet: your changes are still on this page." in content
    assert 'value="level_authorizations" checked' in content
    assert "Left the practice" in content
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    assert AccessLevel.AUTHORIZATIONS not in user_levels(user=biller, organization=org)


def test_disable_through_the_page_needs_a_comment(client, login_as, manager, biller, org):
    login_as(manager)
    url = update_url(biller)
    response = client.post(url, form(org, action="disable", comment="", confirmed="yes"))
    assert b"required" in response.content
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    response = client.post(url, form(org, action="disable", comment="x" * 201, confirmed="yes"))
    assert b"at most 200 characters" in response.content
    assert "x" * 201 in response.content.decode()  # what was typed comes back
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    client.post(url, form(org, action="disable", comment="Left the practice", confirmed="yes"))
    assert User.objects.get(pk=biller.pk).status == UserStatus.DISABLED


def test_a_refused_action_saves_nothing_and_keeps_the_input(client, login_as, manager, org, other_org):
    from accounts.services.access import access_levels_set

    both = make_provider("both@example.test", org, [AccessLevel.CLAIMS])
    access_levels_set(actor=None, user=both, organization=other_org, levels=[AccessLevel.CLAIMS])
    login_as(manager)
    data = form(
        org, levels=[AccessLevel.CLAIMS, AccessLevel.ELIGIBILITY], action="disable", comment="Left", confirmed="yes"
    )
    response = client.post(update_url(both), data)
    assert response.status_code == 200
    assert "also works for other organizations" in " ".join(response.context["form"].non_field_errors())
    content = response.content.decode()
    assert (
        "Nothing was saved." in content
        and 'value="level_eligibility" checked' in content
        and "Left</textarea>" in content
    )
    assert user_levels(user=both, organization=org) == {AccessLevel.CLAIMS}
    assert User.objects.get(pk=both.pk).status == UserStatus.ACTIVE


def test_forged_organization_is_404(client, login_as, manager, biller, other_org):
    login_as(manager)
    response = client.post(update_url(biller), form(other_org, action="disable", comment="x", confirmed="yes"))
    assert response.status_code == 404


def test_forged_levels_beyond_the_managers_own_are_refused(client, login_as, org, biller):
    limited = make_provider("limited@example.test", org, [AccessLevel.MANAGE_ACCOUNT, AccessLevel.CLAIMS])
    login_as(limited)
    response = client.post(
        update_url(biller),
        form(org, levels=["level_claims", "level_health_records", "level_manage_account"], confirmed="yes"),
    )
    assert response.status_code == 200
    assert "cannot grant levels you do not hold" in response.context["form"].errors["levels"][0]
    assert AccessLevel.HEALTH_RECORDS not in user_levels(user=biller, organization=org)


def test_forged_own_levels_change_is_refused(client, login_as, manager, org):
    login_as(manager)
    response = client.post(update_url(manager), form(org, levels=[AccessLevel.CLAIMS], confirmed="yes"))
    assert b"own access levels" in response.content
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=manager, organization=org)


def test_own_page_is_read_only_for_levels_with_no_dead_form(client, login_as, manager, org):
    login_as(manager)
    content = client.get(update_url(manager)).content.decode()
    assert 'name="levels"' not in content
    assert "another account manager of this TIN, or the plan's Provider Services, changes them" in content
    assert "You hold: Claims, Eligibility" in content
    # The form that remains has its Save, and a comment alone is saved.
    assert 'value="save"' in content and "Disable user" not in content and "Remove from this TIN" not in content
    response = client.post(update_url(manager), {**form(org), "levels": [], "comment": "Covering Mondays"}, follow=True)
    assert b"Comment saved; nothing else changed." in response.content
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=manager, organization=org)
    assert UserComment.objects.filter(user=manager, comment="Covering Mondays").exists()


def test_unticking_claims_closes_the_claims_page(client, login_as, manager, biller, org):
    login_as(manager)
    client.post(update_url(biller), form(org, levels=["level_eligibility", "level_message_box"], confirmed="yes"))
    assert user_levels(user=biller, organization=org) == {AccessLevel.ELIGIBILITY, AccessLevel.MESSAGE_BOX}
    client.logout()
    biller.refresh_from_db()  # access shrank: the old session hash no longer matches
    login_as(biller)
    assert client.get(reverse("claims:list")).status_code == 403
    labels = [item["label"] for item in client.get("/").context["nav_items"]]
    assert "Claims" not in labels and "Message Box" in labels


@pytest.mark.parametrize("text", SEED_004)
def test_comment_history_shows_injection_as_text(client, login_as, manager, biller, org, text):
    login_as(manager)
    client.post(update_url(biller), form(org, comment=text))
    assert UserComment.objects.filter(user=biller, comment=text).exists()
    content = client.get(update_url(biller)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content or text == ";alert(1)//"


@pytest.mark.parametrize("text", SEED_004)
def test_a_typed_provider_id_comes_back_as_text(client, login_as, manager, biller, org, text):
    login_as(manager)
    response = client.post(update_url(biller), form(org, add_ids=text))
    content = response.content.decode()
    assert response.status_code == 200 and "add_ids" in response.context["form"].errors
    assert "<script>alert(1)</script>" not in content and "</xmp>" not in content


def test_scope_within_the_tin(client, login_as, manager, biller, org, npi, other_npi):
    from accounts.access import provider_ids_in_scope
    from accounts.tests.factories import ProviderIdentifierFactory

    extra = ProviderIdentifierFactory(organization=org)
    login_as(manager)
    client.post(update_url(biller), form(org, add_ids=f"{extra.value}, {npi.value}"))
    assert set(provider_ids_in_scope(user=biller)) == {npi, extra}
    response = client.post(update_url(biller), form(org, add_ids=other_npi.value))
    assert response.status_code == 200
    assert "Not provider IDs of this TIN: 1987654328." in response.context["form"].errors["add_ids"][0]
    assert other_npi.value in response.content.decode()  # the typed value is kept
    response = client.post(update_url(biller), form(org, remove_ids=[str(other_npi.uuid)]))
    assert response.status_code == 200 and "remove_ids" in response.context["form"].errors
    assert set(provider_ids_in_scope(user=biller)) == {npi, extra}


def test_remove_from_the_tin_asks_then_lands_on_the_list(client, login_as, manager, biller, org):
    login_as(manager)
    data = form(org, action="remove", comment="Left the practice")
    response = client.post(update_url(biller), data)
    assert b"Remove Biller from Springfield Family Clinic (TIN 123456789)?" in response.content
    assert Membership.objects.filter(user=biller, organization=org).exists()
    response = client.post(update_url(biller), {**data, "confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_management")
    page = client.get(response["Location"])
    assert (
        "Biller was removed from Springfield Family Clinic (TIN 123456789); their access there ended."
        in page.content.decode()
    )
    assert not Membership.objects.filter(user=biller, organization=org).exists()
    assert client.get(update_url(biller)).status_code == 404


def test_revoke_invitation_asks_first(client, login_as, manager, org):
    from user_management.services import users as user_actions

    invitee = user_actions.invitation_create(
        actor=manager, organization=org, email="i@example.test", full_name="Ivy Invitee", levels=[AccessLevel.CLAIMS]
    )
    login_as(manager)
    content = client.get(update_url(invitee)).content.decode()
    assert "Revoke invitation" in content and "Send registration email" in content
    data = form(org, levels=[AccessLevel.CLAIMS], action="revoke")
    response = client.post(update_url(invitee), data)
    assert b"Revoke the invitation of Ivy Invitee?" in response.content
    assert User.objects.get(pk=invitee.pk).status == UserStatus.UNVERIFIED
    response = client.post(update_url(invitee), {**data, "confirmed": "yes"}, follow=True)
    assert b"The invitation of Ivy Invitee is revoked" in response.content
    assert User.objects.get(pk=invitee.pk).status == UserStatus.DISABLED


def _pending(org, email="nora@example.test"):
    from accounts.services import registration as registration_services

    registration = registration_services.registration_submit(
        full_name="Nora Quinn", email=email, phone="555", tin=org.tin
    )
    return registration.user


def test_verify_asks_for_levels_and_says_what_happens_next(client, login_as, manager, org):
    from django.conf import settings

    from accounts.models import RoleTemplate

    nora = _pending(org)
    login_as(manager)
    content = client.get(update_url(nora)).content.decode()
    assert "Verify this registration" in content and "Start from a role" in content
    assert "Biller" in content and "Eligibility checker" in content and "Administrator" in content
    # No level and no role: refused, error next to the levels, the comment kept.
    response = client.post(update_url(nora), form(org, levels=[], action="enable", comment="Front desk"))
    assert response.status_code == 200
    assert "Choose at least one access level or a role" in response.context["form"].errors["levels"][0]
    assert "Front desk" in response.content.decode()
    assert User.objects.get(pk=nora.pk).status == UserStatus.VERIFICATION_PENDING
    # With the Biller role.
    biller_role = RoleTemplate.objects.get(name="Biller")
    response = client.post(
        update_url(nora),
        form(org, levels=[], template=biller_role.pk, action="enable", comment="Front desk"),
        follow=True,
    )
    nora.refresh_from_db()
    assert nora.status == UserStatus.UNVERIFIED
    assert user_levels(user=nora, organization=org) == set(biller_role.levels)
    hours = settings.REGISTRATION_LINK_HOURS
    labels = [level.label for level in AccessLevel if level.value in biller_role.levels]
    said = ", ".join(labels[:-1]) + " and " + labels[-1]
    assert (
        f"Nora Quinn is verified with {said}. A registration email was sent to nora@example.test; they become "
        f"Active when they finish it (the link works for {hours} hours)."
    ) in response.content.decode()


def test_verify_with_ticked_levels(client, login_as, manager, org):
    nora = _pending(org)
    login_as(manager)
    response = client.post(
        update_url(nora), form(org, levels=[AccessLevel.CLAIMS, AccessLevel.MESSAGE_BOX], action="enable"), follow=True
    )
    assert b"Nora Quinn is verified with Claims and Message Box." in response.content
    assert user_levels(user=nora, organization=org) == {AccessLevel.CLAIMS, AccessLevel.MESSAGE_BOX}


def test_resend_from_the_work_queue_changes_nothing_else(client, login_as, manager, org, npi):
    from outbox.models import OutboundEmail
    from user_management.services import users as user_actions

    invitee = user_actions.invitation_create(
        actor=manager,
        organization=org,
        email="i@example.test",
        full_name="Ivy Invitee",
        levels=[AccessLevel.CLAIMS],
        provider_identifiers=[npi],
    )
    login_as(manager)
    # The work queue's button posts only its action (no "edit"): levels and provider IDs stay.
    response = client.post(update_url(invitee), {"organization": str(org.uuid), "action": "registration_email"})
    assert response.status_code == 302
    assert OutboundEmail.objects.filter(to="i@example.test", template="invitation").count() == 2
    assert user_levels(user=invitee, organization=org) == {AccessLevel.CLAIMS}


def test_invite_page(client, login_as, manager, org, npi):
    login_as(manager)
    response = client.get(reverse("accounts:invite"))
    assert b"Biller" in response.content and b"Eligibility checker" in response.content
    assert b"a link that works for 7 days" in response.content and b'class="usa-breadcrumb' in response.content
    from accounts.models import RoleTemplate

    biller_role = RoleTemplate.objects.get(name="Biller")
    response = client.post(
        reverse("accounts:invite"),
        {
            "full_name": "New Biller",
            "email": "newbiller@example.test",
            "organization": str(org.uuid),
            "template": biller_role.pk,
            "provider_ids": npi.value,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="newbiller@example.test")
    assert user.status == UserStatus.UNVERIFIED
    assert user_levels(user=user, organization=org) == set(biller_role.levels)


def test_invite_refuses_ids_of_other_tins(client, login_as, manager, org, other_npi):
    login_as(manager)
    response = client.post(
        reverse("accounts:invite"),
        {"full_name": "X", "email": "x@example.test", "organization": str(org.uuid), "provider_ids": other_npi.value},
    )
    assert response.status_code == 200
    assert "provider_ids" in response.context["form"].errors


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _bulk_members(org, n, start=0):
    users = User.objects.bulk_create(
        [
            User(email=f"m{start + i}@example.test", full_name=f"Member {start + i}", status="active", password="!")
            for i in range(n)
        ]
    )
    Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])
    return users


def test_query_counts_equal_at_10_and_5000_users(client, login_as, manager, biller, org, django_assert_num_queries):
    login_as(manager)
    _bulk_members(org, 10)
    list_url = reverse("accounts:user_management")
    small_list, small_update = _count(client, list_url), _count(client, update_url(biller))
    _bulk_members(org, 4990, start=10)
    assert _count(client, list_url) == small_list
    assert _count(client, update_url(biller)) == small_update
    with django_assert_num_queries(small_list):
        # session, user, OTP device, levels held (guard + nav), managed TINs, status counts,
        # page of users, unread badge
        client.get(list_url)


def test_work_queue_query_count_does_not_grow_with_expiring_invitations(client, login_as, manager, org):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import RegistrationLink
    from user_management.services import users as user_actions

    def invite(i):
        user_actions.invitation_create(
            actor=manager, organization=org, email=f"inv{i}@example.test", full_name=f"Invitee {i}", levels=[]
        )
        RegistrationLink.objects.filter(user__email=f"inv{i}@example.test").update(
            expires_at=timezone.now() + timedelta(hours=12)
        )

    login_as(manager)
    invite(0)
    url = reverse("accounts:user_management")
    small = _count(client, url)
    for i in range(1, 8):
        invite(i)
    assert _count(client, url) == small
    assert b"Resend the invitation to Invitee 7" in client.get(url).content


def test_update_user_query_count_does_not_grow_with_the_tin(
    client, login_as, manager, biller, org, django_assert_num_queries
):
    from accounts.models import ProviderIdentifier, ProviderIdKind

    def add_ids(n, start):
        ProviderIdentifier.objects.bulk_create(
            [
                ProviderIdentifier(
                    organization=org, kind=ProviderIdKind.OFFICE, value=f"OFF{start + i:05d}", display_name="Office"
                )
                for i in range(n)
            ]
        )

    login_as(manager)
    add_ids(10, 0)
    small = _count(client, update_url(biller))
    add_ids(990, 10)
    assert _count(client, update_url(biller)) == small
    content = client.get(update_url(biller)).content.decode()
    assert "OFF00500" not in content  # the TIN's other IDs are added by typing, not listed
    with django_assert_num_queries(small):
        # session, user, OTP device, levels held (guard + nav), the user (restricted), shared TINs,
        # the user's provider IDs of the TIN, membership, levels of the user, levels of the manager,
        # invitation link exists, registration, unread badge, comment history (14)
        client.get(update_url(biller))
