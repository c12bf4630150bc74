"""User Management through the pages, including forged POSTs and the comment history of seed 004."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessLevel, Membership, User, UserComment, UserStatus
from accounts.selectors import user_levels
from conftest import make_provider

pytestmark = pytest.mark.django_db

SEED_004 = ["<script>alert(1)</script>", ";alert(1)//", "</xmp><script>alert(1)</script>"]


def update_url(user):
    return reverse("accounts:update_user", args=[user.uuid])


def test_anonymous_wrong_method_and_missing_level(client, login_as, biller, manager):
    assert client.get(reverse("accounts:user_management")).status_code == 302
    login_as(biller)
    assert client.get(reverse("accounts:user_management")).status_code == 403
    assert client.get(update_url(manager)).status_code == 403
    assert client.get(reverse("accounts:invite")).status_code == 403
    client.logout()
    login_as(manager)
    assert client.post(reverse("accounts:user_management")).status_code == 405
    assert client.get(reverse("accounts:user_action", args=[biller.uuid])).status_code == 405


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
    found = client.get(reverse("accounts:user_management"), {"q": "BILLER"})
    assert [u.email for u in found.context["page"].rows] == [biller.email]


def test_outsider_gets_404_on_every_user_url(client, login_as, outsider, biller, org):
    login_as(outsider)
    assert client.get(update_url(biller)).status_code == 404
    for name in ("user_action", "user_levels", "user_scope", "user_end_date"):
        response = client.post(
            reverse(f"accounts:{name}", args=[biller.uuid]),
            {"organization": str(org.uuid), "action": "disable", "comment": "x", "levels": []},
        )
        assert response.status_code == 404, name
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE


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
    ):
        assert text in content, text
    assert 'maxlength="200"' in content and "usa-character-count" in content


def test_disable_through_the_page_needs_a_comment(client, login_as, manager, biller, org):
    login_as(manager)
    url = reverse("accounts:user_action", args=[biller.uuid])
    response = client.post(url, {"organization": str(org.uuid), "action": "disable", "comment": ""}, follow=True)
    assert b"required" in response.content
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    response = client.post(url, {"organization": str(org.uuid), "action": "disable", "comment": "x" * 201}, follow=True)
    assert b"at most 200 characters" in response.content
    assert User.objects.get(pk=biller.pk).status == UserStatus.ACTIVE
    client.post(url, {"organization": str(org.uuid), "action": "disable", "comment": "Left the practice"})
    assert User.objects.get(pk=biller.pk).status == UserStatus.DISABLED


def test_forged_organization_is_404(client, login_as, manager, biller, other_org):
    login_as(manager)
    response = client.post(
        reverse("accounts:user_action", args=[biller.uuid]),
        {"organization": str(other_org.uuid), "action": "disable", "comment": "x"},
    )
    assert response.status_code == 404


def test_forged_levels_beyond_the_managers_own_are_refused(client, login_as, org, biller):
    limited = make_provider("limited@example.test", org, [AccessLevel.MANAGE_ACCOUNT, AccessLevel.CLAIMS])
    login_as(limited)
    response = client.post(
        reverse("accounts:user_levels", args=[biller.uuid]),
        {"organization": str(org.uuid), "levels": ["level_claims", "level_health_records", "level_manage_account"]},
        follow=True,
    )
    assert b"cannot grant levels you do not hold" in response.content
    assert AccessLevel.HEALTH_RECORDS not in user_levels(user=biller, organization=org)


def test_forged_own_levels_change_is_refused(client, login_as, manager, org):
    login_as(manager)
    response = client.post(
        reverse("accounts:user_levels", args=[manager.uuid]), {"organization": str(org.uuid), "levels": []}, follow=True
    )
    assert b"own access levels" in response.content
    assert AccessLevel.MANAGE_ACCOUNT in user_levels(user=manager, organization=org)


def test_unticking_claims_closes_the_claims_page(client, login_as, manager, biller, org):
    login_as(manager)
    client.post(
        reverse("accounts:user_levels", args=[biller.uuid]),
        {"organization": str(org.uuid), "levels": ["level_eligibility", "level_message_box"]},
    )
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
    client.post(
        reverse("accounts:user_action", args=[biller.uuid]),
        {"organization": str(org.uuid), "action": "comment", "comment": text},
    )
    assert UserComment.objects.filter(user=biller, comment=text).exists()
    content = client.get(update_url(biller)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content or text == ";alert(1)//"


def test_scope_within_the_tin(client, login_as, manager, biller, org, npi, other_npi):
    from accounts.selectors import provider_ids_in_scope
    from accounts.tests.factories import ProviderIdentifierFactory

    extra = ProviderIdentifierFactory(organization=org)
    login_as(manager)
    url = reverse("accounts:user_scope", args=[biller.uuid])
    client.post(url, {"organization": str(org.uuid), "provider_ids": [str(npi.uuid), str(extra.uuid)]})
    assert set(provider_ids_in_scope(user=biller)) == {npi, extra}
    response = client.post(url, {"organization": str(org.uuid), "provider_ids": [str(other_npi.uuid)]}, follow=True)
    assert b"Choose provider IDs of this TIN" in response.content
    assert set(provider_ids_in_scope(user=biller)) == {npi, extra}


def test_invite_page(client, login_as, manager, org, npi):
    login_as(manager)
    response = client.get(reverse("accounts:invite"))
    assert b"Biller" in response.content and b"Eligibility checker" in response.content
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

    from accounts import lifecycle
    from accounts.models import RegistrationLink

    def invite(i):
        lifecycle.invitation_create(
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
