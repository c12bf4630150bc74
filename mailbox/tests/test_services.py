"""Message Box rules: who may write to whom, read state, notifications without content."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AccessLevel
from conftest import make_provider
from mailbox.models import Message, Participant, Thread, ThreadKind
from mailbox.services import (
    message_reply,
    system_notify,
    thread_archive,
    thread_assign,
    thread_mark_read,
    thread_start_with_member,
    thread_start_with_payer,
)
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_provider_writes_to_the_payer_team(biller, settings, django_capture_on_commit_callbacks):
    settings.PAYER_TEAM_EMAILS = ["team@example.test", "lead@example.test"]
    with django_capture_on_commit_callbacks(execute=True):
        thread = thread_start_with_payer(sender=biller, subject="Question", body="Claim C1 was denied?")
    assert thread.kind == ThreadKind.PAYER and thread.payer_unread
    assert Participant.objects.get(thread=thread, user=biller).unread is False
    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.test", "team@example.test"]
    # The email says only that there is something new, with a link: never the text.
    for email in mail.outbox:
        assert "Claim C1" not in email.body and "/control-panel/mailbox/" in email.body


def test_payer_reply_reaches_the_provider_without_content(biller, payer_staff, django_capture_on_commit_callbacks):
    thread = thread_start_with_payer(sender=biller, subject="Question", body="Hello")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(thread=thread, sender=payer_staff, body="Member 123 is covered.")
    assert Message.objects.filter(thread=thread).count() == 2
    assert Participant.objects.get(thread=thread, user=biller).unread is True
    assert [m.to for m in mail.outbox] == [[biller.email]]
    assert "Member 123" not in mail.outbox[0].body
    assert "/messages/" in mail.outbox[0].body


def test_colleagues_need_message_box_on_a_shared_organization(biller, manager, outsider, org, no_level_user):
    thread = thread_start_with_member(sender=biller, recipient=manager, organization=org, subject="Hi", body="Hello")
    assert set(thread.participants.values_list("user__email", flat=True)) == {biller.email, manager.email}
    with pytest.raises(ValidationError):
        thread_start_with_member(sender=biller, recipient=outsider, organization=org, subject="Hi", body="x")
    with pytest.raises(ValidationError):
        thread_start_with_member(sender=biller, recipient=no_level_user, organization=org, subject="Hi", body="x")
    with pytest.raises(ValidationError):
        thread_start_with_member(sender=biller, recipient=biller, organization=org, subject="Hi", body="x")


def test_only_participants_reply(biller, outsider, manager, org):
    thread = thread_start_with_member(sender=biller, recipient=manager, organization=org, subject="Hi", body="Hello")
    with pytest.raises(PermissionDenied):
        message_reply(thread=thread, sender=outsider, body="Let me in")


def test_payer_staff_cannot_reply_in_organization_threads(biller, manager, org, payer_staff):
    thread = thread_start_with_member(sender=biller, recipient=manager, organization=org, subject="Hi", body="Hello")
    with pytest.raises(PermissionDenied):
        message_reply(thread=thread, sender=payer_staff, body="Hi")


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_message_length_rules(biller, body):
    with pytest.raises(ValidationError):
        thread_start_with_payer(sender=biller, subject="Question", body=body)


def test_five_thousand_characters_are_fine(biller):
    thread = thread_start_with_payer(sender=biller, subject="Question", body="x" * 5000)
    assert len(thread.messages.get().body) == 5000


def test_system_notification_cannot_be_answered(biller):
    thread = system_notify(user=biller, subject="Your access changed", body="NPI added.")
    assert thread.messages.get().sender is None
    with pytest.raises(ValidationError):
        message_reply(thread=thread, sender=biller, body="Thanks")


def test_read_archive_and_new_message_unarchives(biller, payer_staff):
    thread = thread_start_with_payer(sender=biller, subject="Q", body="Hello")
    message_reply(thread=thread, sender=payer_staff, body="Answer")
    thread_mark_read(thread=thread, user=biller)
    assert not Participant.objects.get(thread=thread, user=biller).unread
    thread_archive(thread=thread, user=biller)
    assert Participant.objects.get(thread=thread, user=biller).archived
    message_reply(thread=thread, sender=payer_staff, body="One more thing")
    participant = Participant.objects.get(thread=thread, user=biller)
    assert participant.unread and not participant.archived


def test_payer_read_state_is_shared_by_the_team(biller, payer_staff):
    thread = thread_start_with_payer(sender=biller, subject="Q", body="Hello")
    thread_mark_read(thread=thread, user=payer_staff)
    assert Thread.objects.get(pk=thread.pk).payer_unread is False
    message_reply(thread=thread, sender=biller, body="Anyone?")
    assert Thread.objects.get(pk=thread.pk).payer_unread is True


def test_assign_is_for_payer_staff_only(biller, payer_staff):
    thread = thread_start_with_payer(sender=biller, subject="Q", body="Hello")
    thread_assign(thread=thread, analyst=payer_staff, actor=payer_staff)
    assert Thread.objects.get(pk=thread.pk).assigned_to == payer_staff
    with pytest.raises(PermissionDenied):
        thread_assign(thread=thread, analyst=biller, actor=biller)


def test_sending_writes_the_email_rows_in_the_same_transaction(biller):
    thread_start_with_payer(sender=biller, subject="Q", body="Hello")
    assert OutboundEmail.objects.filter(template="payer_new_message").exists()


def test_inactive_colleague_is_refused(biller, org):
    colleague = make_provider("left@example.test", org, [AccessLevel.MESSAGE_BOX])
    colleague.status = "disabled"
    colleague.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        thread_start_with_member(sender=biller, recipient=colleague, organization=org, subject="Hi", body="x")
