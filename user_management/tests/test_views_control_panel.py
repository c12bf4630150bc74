"""Control Panel Users: payer staff find anyone and change access; every change audited and notified."""

import pytest
from django.urls import reverse

from accounts.access import provider_ids_in_scope, user_levels
from accounts.models import Membership, Organization, UserStatus
from accounts.tests.factories import ProviderIdentifierFactory, UserFactory
from audit.models import AuditAction, AuditEvent
from audit.services import record_many
from mailbox.models import Participant, ThreadKind

pytestmark = pytest.mark.django_db


def notifications(user):
    return list(
        Participant.objects.filter(user=user, thread__kind=ThreadKind.SYSTEM).values_list("thread__subject", flat=True)
    )


def test_search_by_name_email_tin_and_npi(client, login_as, payer_staff, biller, outsider):
    login_as(payer_staff)
    url = reverse("control_panel:users")
    assert client.post(url).status_code == 405

    def emails(q):
        return [u.email for u in client.get(url, {"q": q}).context["page"].rows]

    assert emails("biller") == [biller.email]
    assert emails("OUTSIDER@") == [outsider.email]
    assert set(emails("123456789")) == {biller.email}
    assert emails("1987654328") == [outsider.email]
    assert payer_staff.email not in emails("example.test")


def test_user_page_404_for_unknown_or_payer_staff(client, login_as, payer_staff):
    login_as(payer_staff)
    import uuid

    assert client.get(reverse("control_panel:user", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("control_panel:user", args=[payer_staff.uuid])).status_code == 404


def test_user_page_shows_everything(client, login_as, payer_staff, biller, org):
    login_as(payer_staff)
    response = client.get(reverse("control_panel:user", args=[biller.uuid]))
    assert response.status_code == 200
    content = response.content.decode()
    assert biller.email in content and org.name in content and "1234567893" in content


def test_add_and_remove_provider_id(client, login_as, payer_staff, biller, org):
    pid = ProviderIdentifierFactory(organization=org, value="1245319599")
    login_as(payer_staff)
    url = reverse("control_panel:user_scope_add", args=[biller.uuid])
    response = client.post(url, {"kind": "npi", "value": "1245319599"})
    assert response.status_code == 302
    assert provider_ids_in_scope(user=biller).filter(pk=pid.pk).exists()
    assert "Your access changed" in notifications(biller)
    # Not in the claim system: refused with a message, nothing changes.
    response = client.post(url, {"kind": "npi", "value": "1992753883"}, follow=True)
    assert b"not in the claim system" in response.content
    response = client.post(
        reverse("control_panel:user_scope_remove", args=[biller.uuid, pid.uuid]), {"confirmed": "yes"}
    )
    assert response.status_code == 302
    assert not provider_ids_in_scope(user=biller).filter(pk=pid.pk).exists()
    assert AuditEvent.objects.filter(actor=payer_staff, action=AuditAction.SCOPE_REMOVED).exists()


def test_remove_of_an_id_not_in_scope_is_404(client, login_as, payer_staff, biller, other_npi):
    login_as(payer_staff)
    response = client.post(reverse("control_panel:user_scope_remove", args=[biller.uuid, other_npi.uuid]))
    assert response.status_code == 404


def test_change_levels(client, login_as, payer_staff, biller, org):
    login_as(payer_staff)
    url = reverse("control_panel:user_levels", args=[biller.uuid, org.uuid])
    prefix = f"org{org.pk}-levels"
    response = client.post(url, {prefix: ["level_claims"]})
    assert response.status_code == 302
    assert user_levels(user=biller, organization=org) == {"level_claims"}
    assert "Your access levels changed" in notifications(biller)
    response = client.post(url, {prefix: ["level_nonsense"]}, follow=True)
    assert b"Choose access levels from the list" in response.content
    assert user_levels(user=biller, organization=org) == {"level_claims"}


def test_disable_needs_a_reason_then_enable(client, login_as, payer_staff, biller):
    login_as(payer_staff)
    url = reverse("control_panel:user_status", args=[biller.uuid])
    response = client.post(url, {"action": "disable", "reason": ""}, follow=True)
    assert b"Say why" in response.content
    client.post(url, {"action": "disable", "reason": "Left the practice", "confirmed": "yes"})
    biller.refresh_from_db()
    assert biller.status == UserStatus.DISABLED and biller.status_reason == "Left the practice"
    client.post(url, {"action": "enable", "reason": "Back"})
    biller.refresh_from_db()
    assert biller.status == UserStatus.ACTIVE


def test_enable_a_user_who_never_set_a_password_makes_them_unverified(client, login_as, payer_staff):
    user = UserFactory(status=UserStatus.DISABLED)
    user.set_unusable_password()
    user.save()
    login_as(payer_staff)
    client.post(reverse("control_panel:user_status", args=[user.uuid]), {"action": "enable"})
    user.refresh_from_db()
    assert user.status == UserStatus.UNVERIFIED


def test_send_password_reset(client, login_as, payer_staff, biller, django_capture_on_commit_callbacks):
    from django.core import mail

    login_as(payer_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("control_panel:user_password_reset", args=[biller.uuid]))
    assert response.status_code == 302
    assert mail.outbox[-1].to == [biller.email] and "/password-reset/" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_SENT, actor=payer_staff).exists()


def test_users_list_query_count_is_constant(client, login_as, payer_staff, org, other_org, django_assert_num_queries):
    login_as(payer_staff)
    for user in UserFactory.create_batch(5):
        Membership.objects.create(user=user, organization=org)
    url = reverse("control_panel:users")
    client.get(url)
    with django_assert_num_queries(7):
        # session, user, OTP device, page of users, their organizations (one query for the page),
        # Mailbox unread badge, levels (none for staff)
        client.get(url)
    for user in UserFactory.create_batch(60):
        Membership.objects.create(user=user, organization=org)
        Membership.objects.create(user=user, organization=other_org)
    with django_assert_num_queries(7):
        client.get(url)


def test_users_list_shows_each_users_organizations_with_links(client, login_as, payer_staff, biller, org):
    login_as(payer_staff)
    content = client.get(reverse("control_panel:users"), {"q": biller.email}).content.decode()
    assert '<th scope="col">Organization</th>' in content
    assert f'href="{reverse("control_panel:organization", args=[org.uuid])}"' in content and org.name in content


def test_removing_a_provider_id_asks_first_and_changes_nothing_until_confirmed(
    client, login_as, payer_staff, biller, npi
):
    login_as(payer_staff)
    url = reverse("control_panel:user_scope_remove", args=[biller.uuid, npi.uuid])
    response = client.post(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Remove NPI {npi.value} from {biller.full_name}?" in content
    assert 'name="confirmed" value="yes"' in content and reverse("control_panel:user", args=[biller.uuid]) in content
    assert provider_ids_in_scope(user=biller).filter(pk=npi.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SCOPE_REMOVED).exists()
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not provider_ids_in_scope(user=biller).filter(pk=npi.pk).exists()


def test_disabling_asks_first_and_changes_nothing_until_confirmed(client, login_as, payer_staff, biller):
    login_as(payer_staff)
    url = reverse("control_panel:user_status", args=[biller.uuid])
    response = client.post(url, {"action": "disable", "reason": "Left the practice"})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Disable {biller.full_name}?" in content and "Left the practice" in content
    # The confirmation re-posts the same fields.
    assert 'name="action" value="disable"' in content and 'name="reason" value="Left the practice"' in content
    biller.refresh_from_db()
    assert biller.status == UserStatus.ACTIVE
    assert not AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGED).exists()


# --- The organization page ------------------------------------------------------------------------


def test_organization_page_shows_users_managers_ids_requests_and_audit(
    client, login_as, payer_staff, manager, biller, org, npi
):
    login_as(payer_staff)
    url = reverse("control_panel:organization", args=[org.uuid])
    assert client.post(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.member_count == 2 and {m.user for m in overview.members.rows} == {manager, biller}
    assert [m.is_manager for m in overview.members.rows if m.user == manager] == [True]
    assert overview.managers == [manager]
    assert overview.provider_id_count == 1 and overview.provider_ids == [npi]
    content = response.content.decode()
    assert org.tin in content and "Active account managers (1)" in content and "Users (2)" in content
    assert reverse("control_panel:audit") + f"?tin={org.tin}" in content
    assert reverse("control_panel:user", args=[biller.uuid]) in content


def test_organization_page_warns_when_there_is_no_active_manager(client, login_as, payer_staff, biller, org):
    login_as(payer_staff)
    content = client.get(reverse("control_panel:organization", args=[org.uuid])).content.decode()
    assert "no active account manager" in content and "Active account managers (0)" in content


def test_organization_page_is_for_payer_staff_only(client, login_as, manager, org):

    url = reverse("control_panel:organization", args=[org.uuid])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login_as(manager)
    assert client.get(url).status_code == 403


def test_unknown_organization_is_404(client, login_as, payer_staff):
    import uuid

    login_as(payer_staff)
    assert client.get(reverse("control_panel:organization", args=[uuid.uuid4()])).status_code == 404


def test_organization_page_verifies_the_tin_and_comes_back(client, login_as, payer_staff, org):
    Organization.objects.filter(pk=org.pk).update(tin_verified=False)
    login_as(payer_staff)
    page = client.get(reverse("control_panel:organization", args=[org.uuid])).content.decode()
    assert f"Verify TIN {org.tin}" in page
    response = client.post(reverse("control_panel:organization_verify", args=[org.uuid]), {"back": "organization"})
    assert response.url == reverse("control_panel:organization", args=[org.uuid])
    org.refresh_from_db()
    assert org.tin_verified


def test_organization_page_lists_are_paginated_and_capped(client, login_as, payer_staff, org):
    from user_management.selectors import PROVIDER_ID_CAP

    for user in UserFactory.create_batch(55):
        Membership.objects.create(user=user, organization=org)
    ProviderIdentifierFactory.create_batch(PROVIDER_ID_CAP + 3, organization=org)
    login_as(payer_staff)
    url = reverse("control_panel:organization", args=[org.uuid])
    first = client.get(url).context["overview"]
    assert first.member_count == 55 and len(first.members.rows) == 50 and first.members.next_cursor
    assert len(first.provider_ids) == PROVIDER_ID_CAP and first.provider_id_count == PROVIDER_ID_CAP + 3
    second = client.get(url, {"after": first.members.next_cursor}).context["overview"]
    assert len(second.members.rows) == 5
    assert not {m.pk for m in second.members.rows} & {m.pk for m in first.members.rows}


def _grow(org, n, requester):
    from access_requests.services import access_request_create

    for i in range(min(n, 25)):
        access_request_create(requester=requester, items=[("vendor", f"V-{n}-{i}")])
    users = UserFactory.create_batch(n)
    for user in users:
        Membership.objects.create(user=user, organization=org)
    ProviderIdentifierFactory.create_batch(n, organization=org)
    record_many([{"action": AuditAction.LOGIN, "actor": user, "organization": org} for user in users])


def test_organization_page_query_count_is_pinned(
    client, login_as, payer_staff, manager, biller, org, django_assert_num_queries
):
    login_as(payer_staff)
    url = reverse("control_panel:organization", args=[org.uuid])
    _grow(org, 3, biller)
    client.get(url)
    # session, user, OTP device, organization, page of users, their levels, user count, active
    # managers, provider IDs, their count, access requests, their count, audit events, their count,
    # Mailbox unread badge, levels (none for staff)
    with django_assert_num_queries(16):
        client.get(url)
    _grow(org, 80, biller)
    with django_assert_num_queries(16):
        client.get(url)
