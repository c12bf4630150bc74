"""The Control Panel's Email delivery page: failed emails and possible doubles, the filter and
count, and the Retry button (payer staff only, POST, confirmed, audited)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from outbox.models import EmailState, OutboundEmail

pytestmark = pytest.mark.django_db

LIST = reverse("control_panel:emails")


def retry_url(email):
    return reverse("control_panel:email_retry", args=[email.uuid])


@pytest.fixture
def emails(db):
    now = timezone.now()
    return {
        "failed": OutboundEmail.objects.create(
            to="nobody@clinic.test",
            subject="You are invited to the provider portal",
            body="secret link",
            attempts=1,
            failed_at=now,
            last_error="SMTPRecipientsRefused: 550 User unknown",
            created_at=now - timedelta(hours=1),
        ),
        "double": OutboundEmail.objects.create(
            to="biller@clinic.test",
            subject="You have a new secure message",
            body="b",
            attempts=1,
            sent_at=now,
            possible_duplicate=True,
        ),
        "sent": OutboundEmail.objects.create(to="fine@clinic.test", subject="Delivered fine", body="b", sent_at=now),
        "pending": OutboundEmail.objects.create(to="later@clinic.test", subject="Still trying", body="b", attempts=2),
    }


def test_anonymous_is_sent_to_sign_in(client, emails):
    for response in (client.get(LIST), client.post(retry_url(emails["failed"]), {"confirmed": "yes"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert OutboundEmail.objects.get(pk=emails["failed"].pk).state == EmailState.FAILED


def test_provider_users_are_refused(client, login_as, manager, emails):
    login_as(manager)
    assert client.get(LIST).status_code == 403
    assert client.post(retry_url(emails["failed"]), {"confirmed": "yes"}).status_code == 403
    assert OutboundEmail.objects.get(pk=emails["failed"].pk).state == EmailState.FAILED


def test_wrong_methods(client, login_as, payer_staff, emails):
    login_as(payer_staff)
    assert client.post(LIST).status_code == 405
    assert client.get(retry_url(emails["failed"])).status_code == 405


def test_an_unknown_email_is_404(client, login_as, payer_staff):
    login_as(payer_staff)
    url = reverse("control_panel:email_retry", args=["00000000-0000-0000-0000-000000000000"])
    assert client.post(url, {"confirmed": "yes"}).status_code == 404


def test_the_list_shows_failed_emails_by_default_with_their_error_and_count(client, login_as, payer_staff, emails):
    login_as(payer_staff)
    page = client.get(LIST).content.decode()
    assert "nobody@clinic.test" in page and "550 User unknown" in page and "1 email." in page
    assert "biller@clinic.test" not in page and "fine@clinic.test" not in page and "later@clinic.test" not in page
    assert "secret link" not in page  # bodies are never shown
    assert 'aria-label="Breadcrumbs"' in page


@pytest.mark.parametrize(
    ("query", "shown", "count"),
    [
        ({"show": "possible_duplicate"}, ["biller@clinic.test"], "1 email."),
        ({"show": "all"}, ["nobody@clinic.test", "biller@clinic.test"], "2 emails."),
        ({"show": "all", "to": "NOBODY"}, ["nobody@clinic.test"], "1 email match the filter."),
        ({"show": "failed", "to": "biller"}, [], "0 emails match the filter."),
        ({"show": "nonsense"}, ["nobody@clinic.test"], "1 email."),  # an unknown choice: the error, the default list
    ],
)
def test_the_filter(client, login_as, payer_staff, emails, query, shown, count):
    login_as(payer_staff)
    page = client.get(LIST, query).content.decode()
    for address in ("nobody@clinic.test", "biller@clinic.test"):
        assert (address in page) == (address in shown), address
    assert count in page
    assert "fine@clinic.test" not in page


def test_possible_duplicates_are_marked(client, login_as, payer_staff, emails):
    login_as(payer_staff)
    page = client.get(LIST, {"show": "all"}).content.decode()
    assert page.count("Possibly sent twice</span>") == 1


def test_retry_asks_first_then_puts_it_back_and_it_is_sent(
    client, login_as, payer_staff, emails, django_capture_on_commit_callbacks
):
    email = emails["failed"]
    login_as(payer_staff)
    confirm = client.post(retry_url(email))
    assert confirm.status_code == 200 and "Retry the email to nobody@clinic.test?" in confirm.content.decode()
    assert OutboundEmail.objects.get(pk=email.pk).state == EmailState.FAILED  # nothing done yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(email), {"confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == LIST
    email.refresh_from_db()
    assert email.state == EmailState.SENT and len(mail.outbox) == 1 and mail.outbox[0].to == ["nobody@clinic.test"]
    assert AuditEvent.objects.filter(action=AuditAction.EMAIL_RETRIED, actor=payer_staff).count() == 1
    page = client.get(LIST).content.decode()
    assert (
        "is back in the queue" in page and "nobody@clinic.test" not in page.split("</h1>")[1].split('role="status"')[1]
    )


def test_retry_of_an_email_that_is_not_failed_changes_nothing(client, login_as, payer_staff, emails):
    login_as(payer_staff)
    for email in (emails["sent"], emails["pending"]):
        response = client.post(retry_url(email), {"confirmed": "yes"}, follow=True)
        assert "is not failed: nothing was changed" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_RETRIED).exists()


def test_the_list_query_count_is_pinned(client, login_as, payer_staff, emails, django_assert_num_queries):
    login_as(payer_staff)
    client.get(LIST)
    for i in range(5):
        OutboundEmail.objects.create(to=f"more{i}@clinic.test", subject="s", body="b", failed_at=timezone.now())
    # session, user, OTP device; the page of emails (keyset), their count; the navigation's access
    # levels and the Mailbox's unread badge. The same with 2 or 7 emails.
    with django_assert_num_queries(7):
        assert client.get(LIST, {"show": "all"}).status_code == 200
