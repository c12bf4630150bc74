"""The Help area: an index and one how-to page per job, for the person who does it."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.services.mfa import BACKUP_CODE_COUNT
from portal import help as help_pages

pytestmark = pytest.mark.django_db

PAYER_SLUGS = [page.slug for page in help_pages.PAGES if page.audience == help_pages.PAYER]
PROVIDER_SLUGS = [page.slug for page in help_pages.PAGES if page.audience != help_pages.PAYER]


def _url(slug):
    return reverse("help:page", args=[slug])


def test_sign_in_help_works_signed_out(client):
    response = client.get(_url("signing-in"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Backup codes" in body and "Lost or new phone" in body
    assert f"{BACKUP_CODE_COUNT} backup codes" in body
    # No trail to pages a signed-out reader cannot open; the way back is the sign-in page.
    assert 'aria-label="Breadcrumbs"' not in body
    assert f'<a href="{reverse("accounts:login")}">Go to the sign-in page</a>' in body


def test_sign_in_help_works_between_password_and_code(client, biller):
    client.force_login(biller)  # password given, second factor not yet
    assert client.get(_url("signing-in")).status_code == 200
    assert client.get(reverse("help:index")).url.startswith(reverse("accounts:mfa"))


@pytest.mark.parametrize("slug", ["add-facility", "mailbox"])
def test_other_help_pages_need_a_login(client, slug):
    response = client.get(_url(slug))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client.get(reverse("help:index")).status_code == 302


def test_help_refuses_post(client, login_as, biller):
    login_as(biller)
    assert client.post(reverse("help:index")).status_code == 405
    assert client.post(_url("add-facility")).status_code == 405
    assert client.post(_url("signing-in")).status_code == 405


def test_unknown_help_page_is_404(client, login_as, biller):
    login_as(biller)
    assert client.get(_url("no-such-page")).status_code == 404


@pytest.mark.parametrize("persona", ["biller", "manager", "no_level_user"])
def test_provider_personas_read_their_pages(client, login_as, request, persona):
    login_as(request.getfixturevalue(persona))
    index = client.get(reverse("help:index")).content.decode()
    for slug in PROVIDER_SLUGS:
        assert f'href="{_url(slug)}"' in index
        assert client.get(_url(slug)).status_code == 200, slug
    for slug in PAYER_SLUGS:
        assert f'href="{_url(slug)}"' not in index
        assert client.get(_url(slug)).status_code == 404, slug


def test_payer_staff_read_every_page(client, login_as, payer_staff):
    login_as(payer_staff)
    index = client.get(reverse("help:index")).content.decode()
    assert "Control Panel (plan staff)" in index
    for page in help_pages.PAGES:
        assert f'href="{_url(page.slug)}"' in index
        assert client.get(_url(page.slug)).status_code == 200, page.slug


def test_the_numbers_come_from_the_settings(client, login_as, manager, settings):
    settings.SESSION_IDLE_TIMEOUT = datetime.timedelta(minutes=7)
    settings.AXES_FAILURE_LIMIT = 4
    login_as(manager)
    signing_in = client.get(_url("signing-in")).content.decode()
    assert "After 7 minutes without using the portal" in signing_in
    assert "After 4 wrong passwords in a row" in signing_in
    management = client.get(_url("user-management")).content.decode()
    assert f"The {django_settings.INACTIVITY_DISABLE_DAYS}-day rule" in management
    assert f"warning email at {django_settings.INACTIVITY_WARN_DAYS} days" in management
    assert f"works for {django_settings.INVITATION_DAYS} days" in management


def test_help_is_linked_from_every_page(client, login_as, biller):
    assert f'href="{_url("signing-in")}">Help with signing in' in client.get(reverse("accounts:login")).content.decode()
    login_as(biller)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert body.count(f'href="{reverse("help:index")}">Help</a>') == 2  # header and footer


def test_help_pages_have_breadcrumbs(client, login_as, manager):
    login_as(manager)
    body = client.get(_url("access-reviews")).content.decode()
    assert 'aria-label="Breadcrumbs"' in body
    assert f'href="{reverse("help:index")}" class="usa-breadcrumb__link"><span>Help</span>' in body
