"""The owner edits their own name and telephone from My Profile."""

import pytest

from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db
URL = "/profile/details/"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_wrong_method_is_405(client, login_as, biller):
    login_as(biller)
    assert client.put(URL).status_code == 405


def test_form_is_prefilled_with_the_owners_details(client, login_as, biller):
    biller.phone = "(217) 555-0100"
    biller.save()
    login_as(biller)
    body = client.get(URL).content.decode()
    assert 'value="Biller"' in body and 'value="(217) 555-0100"' in body
    assert 'aria-label="Breadcrumbs"' in body


def test_saving_changes_name_and_phone_and_audits_field_names_only(client, login_as, biller):
    login_as(biller)
    response = client.post(URL, {"full_name": "  Ann   Lee ", "phone": "217 555 0199"})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    biller.refresh_from_db()
    assert (biller.full_name, biller.phone) == ("Ann Lee", "217 555 0199")
    event = AuditEvent.objects.get(action=AuditAction.PROFILE_UPDATED)
    assert event.actor == biller and event.details == {"fields": ["full_name", "phone"]}
    assert "Ann Lee" not in str(event.details)
    follow = client.get("/profile/").content.decode()
    assert "Your name and telephone number changed." in follow


def test_nothing_changed_says_so_and_writes_no_audit(client, login_as, biller):
    login_as(biller)
    response = client.post(URL, {"full_name": biller.full_name, "phone": biller.phone}, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.PROFILE_UPDATED).exists()


def test_a_bad_name_comes_back_with_the_input_and_the_error_next_to_it(client, login_as, biller):
    login_as(biller)
    response = client.post(URL, {"full_name": " x ", "phone": "217 555 0199"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter your full name." in body
    assert 'value="217 555 0199"' in body
    biller.refresh_from_db()
    assert biller.full_name == "Biller"


def test_the_email_cannot_be_changed_here(client, login_as, biller):
    login_as(biller)
    client.post(URL, {"full_name": "Ann Lee", "phone": "", "email": "evil@example.test"})
    biller.refresh_from_db()
    assert biller.email == "biller@example.test"


def test_profile_links_to_the_edit_page(client, login_as, biller):
    login_as(biller)
    assert 'href="/profile/details/"' in client.get("/profile/").content.decode()
