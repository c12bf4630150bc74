"""Message Box pages: only participants see a thread; only Message Box holders open the pages."""

import pytest
from django.urls import reverse

from mailbox.models import Participant
from mailbox.services import message_reply, system_notify, thread_start_with_member, thread_start_with_payer

pytestmark = pytest.mark.django_db

SEED_004 = ["<script>alert(1)</script>", ";alert(1)//", "</xmp><script>alert(1)</script>"]


@pytest.fixture
def biller_thread(biller, payer_staff):
    thread = thread_start_with_payer(sender=biller, subject="Claim question", body="Why was C1 denied?")
    message_reply(thread=thread, sender=payer_staff, body="Missing modifier. See https://example.org/help")
    return thread


def test_anonymous_goes_to_login(client, biller_thread):
    for url in (reverse("mailbox:inbox"), reverse("mailbox:thread", args=[biller_thread.uuid])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_wrong_methods(client, login_as, biller, biller_thread):
    login_as(biller)
    assert client.post(reverse("mailbox:inbox")).status_code == 405
    assert client.get(reverse("mailbox:archive", args=[biller_thread.uuid])).status_code == 405


def test_without_message_box_the_pages_answer_403_and_the_menu_hides(client, login_as, no_level_user, manager):
    login_as(no_level_user)
    assert client.get(reverse("mailbox:inbox")).status_code == 403
    assert client.get(reverse("mailbox:compose")).status_code == 403
    labels = [item["label"] for item in client.get("/").context["nav_items"]]
    assert "Message Box" not in labels


def test_payer_staff_use_the_control_panel_instead(client, login_as, payer_staff):
    login_as(payer_staff)
    assert client.get(reverse("mailbox:inbox")).status_code == 403


def test_outsider_gets_404_for_a_thread(client, login_as, outsider, biller_thread):
    login_as(outsider)
    assert client.get(reverse("mailbox:thread", args=[biller_thread.uuid])).status_code == 404
    response = client.post(reverse("mailbox:thread", args=[biller_thread.uuid]), {"body": "sneaky"})
    assert response.status_code == 404
    assert client.post(reverse("mailbox:archive", args=[biller_thread.uuid])).status_code == 404


def test_inbox_shows_unread_and_nav_count(client, login_as, biller, biller_thread):
    login_as(biller)
    response = client.get(reverse("mailbox:inbox"))
    assert response.status_code == 200
    assert b"Claim question" in response.content and b"New" in response.content
    nav = {item["label"]: item for item in response.context["nav_items"]}
    assert nav["Message Box"]["badge"] == 1
    page = client.get(reverse("mailbox:thread", args=[biller_thread.uuid]))
    assert b'href="https://example.org/help"' in page.content
    assert not Participant.objects.get(thread=biller_thread, user=biller).unread
    nav = {item["label"]: item for item in client.get(reverse("mailbox:inbox")).context["nav_items"]}
    assert nav["Message Box"]["badge"] == 0


def test_reply_and_archive(client, login_as, biller, biller_thread):
    login_as(biller)
    response = client.post(reverse("mailbox:thread", args=[biller_thread.uuid]), {"body": "Thanks!"})
    assert response.status_code == 302
    assert biller_thread.messages.filter(body="Thanks!").exists()
    client.post(reverse("mailbox:archive", args=[biller_thread.uuid]), {"archived": "1"})
    assert not client.get(reverse("mailbox:inbox")).context["page"].rows
    assert len(client.get(reverse("mailbox:inbox") + "?archived=1").context["page"].rows) == 1


def test_archive_offers_undo_that_moves_the_thread_back(client, login_as, biller, biller_thread):
    login_as(biller)
    url = reverse("mailbox:archive", args=[biller_thread.uuid])
    response = client.post(url, {"archived": "1"})
    assert response.url == reverse("mailbox:inbox") + f"?undo={biller_thread.uuid}"
    assert Participant.objects.get(thread=biller_thread, user=biller).archived
    inbox = client.get(response.url)
    content = inbox.content.decode()
    assert inbox.context["undo"] == biller_thread and f"Archived “{biller_thread.subject}”" in content
    assert f'action="{url}"' in content and 'name="archived" value="0"' in content and ">Undo<" in content
    undone = client.post(url, {"archived": "0"}, follow=True)
    assert not Participant.objects.get(thread=biller_thread, user=biller).archived
    assert [row.thread for row in undone.context["page"].rows] == [biller_thread]
    assert "is back in the inbox" in undone.content.decode() and undone.context["undo"] is None


def test_undo_is_offered_only_for_ones_own_archived_thread(client, login_as, biller, outsider, biller_thread):
    login_as(biller)
    inbox = reverse("mailbox:inbox")
    # Not archived: nothing to undo. A malformed value is ignored.
    assert client.get(inbox, {"undo": str(biller_thread.uuid)}).context["undo"] is None
    assert client.get(inbox, {"undo": "not-a-uuid"}).context["undo"] is None
    client.post(reverse("mailbox:archive", args=[biller_thread.uuid]), {"archived": "1"})
    client.logout()
    login_as(outsider)
    response = client.get(inbox, {"undo": str(biller_thread.uuid)})
    assert response.status_code == 200
    assert biller_thread.subject not in response.content.decode()


def test_compose_recipients_are_restricted_server_side(client, login_as, biller, manager, outsider):
    login_as(biller)
    form = client.get(reverse("mailbox:compose")).context["form"]
    values = [value for value, _ in form.fields["to"].choices]
    assert "payer" in values and str(manager.uuid) in values and str(outsider.uuid) not in values
    response = client.post(
        reverse("mailbox:compose"), {"to": str(outsider.uuid), "subject": "Hi", "body": "Forged recipient"}
    )
    assert response.status_code == 200
    assert "to" in response.context["form"].errors
    response = client.post(reverse("mailbox:compose"), {"to": "12345", "subject": "Hi", "body": "Unknown id"})
    assert response.status_code == 200 and "to" in response.context["form"].errors


def test_compose_to_a_colleague(client, login_as, biller, manager):
    login_as(biller)
    response = client.post(reverse("mailbox:compose"), {"to": str(manager.uuid), "subject": "Lunch", "body": "Noon?"})
    assert response.status_code == 302
    assert Participant.objects.filter(user=manager, thread__subject="Lunch", unread=True).exists()


def test_oversized_message_is_a_form_error(client, login_as, biller):
    login_as(biller)
    response = client.post(reverse("mailbox:compose"), {"to": "payer", "subject": "Long", "body": "x" * 5001})
    assert response.status_code == 200
    assert "body" in response.context["form"].errors


@pytest.mark.parametrize("text", SEED_004)
def test_injection_strings_render_as_text(client, login_as, biller, text):
    login_as(biller)
    response = client.post(reverse("mailbox:compose"), {"to": "payer", "subject": text, "body": text})
    thread_page = client.get(response.url)
    content = thread_page.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content or text == ";alert(1)//"
    inbox = client.get(reverse("mailbox:inbox")).content.decode()
    assert "<script>alert(1)</script>" not in inbox


def test_system_notifications_have_no_reply_box(client, login_as, biller):
    thread = system_notify(user=biller, subject="Your access changed", body="NPI added")
    login_as(biller)
    response = client.get(reverse("mailbox:thread", args=[thread.uuid]))
    assert response.status_code == 200 and response.context["form"] is None
    assert client.post(reverse("mailbox:thread", args=[thread.uuid]), {"body": "hi"}).status_code == 200
    assert thread.messages.count() == 1


def test_inbox_query_count_is_constant(client, login_as, biller, manager, org, django_assert_num_queries):
    login_as(biller)
    for i in range(3):
        thread_start_with_member(sender=manager, recipient=biller, organization=org, subject=f"T{i}", body="x")
    client.get(reverse("mailbox:inbox"))
    with django_assert_num_queries(6):
        # session, user, OTP device, levels held (guard and nav), page of threads with their
        # last message (subqueries), unread count (nav badge)
        client.get(reverse("mailbox:inbox"))
    for i in range(30):
        thread_start_with_member(sender=manager, recipient=biller, organization=org, subject=f"U{i}", body="x")
    with django_assert_num_queries(6):
        client.get(reverse("mailbox:inbox"))


def test_colleague_threads_close_when_message_box_on_their_tin_ends(client, login_as, biller, manager, org, other_org):
    """Removed from the TIN (or Message Box unticked there), a user who still uses the Message Box for
    another TIN no longer reads or answers the first TIN's internal threads."""
    from accounts.models import AccessLevel
    from accounts.services.access import access_levels_set

    thread = thread_start_with_member(sender=manager, recipient=biller, organization=org, subject="Rota", body="x")
    access_levels_set(actor=None, user=biller, organization=other_org, levels=[AccessLevel.MESSAGE_BOX])
    access_levels_set(actor=None, user=biller, organization=org, levels=[AccessLevel.CLAIMS])
    login_as(biller)
    assert not client.get(reverse("mailbox:inbox")).context["page"].rows
    assert client.get(reverse("mailbox:thread", args=[thread.uuid])).status_code == 404
    assert client.post(reverse("mailbox:thread", args=[thread.uuid]), {"body": "still here?"}).status_code == 404
    assert thread.messages.count() == 1
