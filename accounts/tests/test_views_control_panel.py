"""Control Panel Users: payer staff find anyone and change access; every change audited and notified."""

import pytest
from django.urls import reverse

from accounts.models import UserStatus
from accounts.selectors import provider_ids_in_scope, user_levels
from accounts.tests.factories import ProviderIdentifierFactory, UserFactory
from audit.models import AuditAction, AuditEvent
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
    response = client.post(reverse("control_panel:user_scope_remove", args=[biller.uuid, pid.uuid]))
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
    client.post(url, {"action": "disable", "reason": "Left the practice"})
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


def test_users_list_query_count_is_constant(client, login_as, payer_staff, org, django_assert_num_queries):
    login_as(payer_staff)
    UserFactory.create_batch(5)
    url = reverse("control_panel:users")
    client.get(url)
    with django_assert_num_queries(6):
        # session, user, OTP device, page of users, Mailbox unread badge, levels (none for staff)
        client.get(url)
    UserFactory.create_batch(60)
    with django_assert_num_queries(6):
        client.get(url)
