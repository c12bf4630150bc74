"""Every page below the top has breadcrumbs.

The test walks the URL resolver, not a hand-kept list: every named URL is filled with an object of
the access matrix's world (tests/security/conftest.py), opened by the first persona it renders a
page for (a user of the TIN, its account manager, payer staff), and the page must hold the
breadcrumb navigation. A new page without breadcrumbs fails here; a new URL whose argument the
test cannot fill fails too, until it is taught the argument.
"""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import verified_login
from tests.security.conftest import build_world
from tests.url_walk import arguments, named_urls

pytestmark = pytest.mark.django_db

# The top of each face, and the pages met before or while signing in, have no trail by design.
TOP_AND_SIGN_IN = {
    "portal:dashboard",
    "control_panel:home",
    "accounts:login",
    "accounts:logout",
    "accounts:mfa",
    "accounts:mfa_enroll",
    "accounts:register",
    "accounts:register_mfa",
    "accounts:register_complete",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "healthz",
}
BREADCRUMB_NAV = 'aria-label="Breadcrumbs"'


def pages(world):
    """(name, path, html) of every URL that renders an HTML page for one of the personas."""
    personas = [world.biller, world.manager, world.analyst]
    clients = []
    for user in personas:
        client = Client()
        verified_login(client, user)
        clients.append(client)
    for name, params in named_urls():
        if name in TOP_AND_SIGN_IN:
            continue
        for kwargs in arguments(world, name, params):
            path = reverse(name, kwargs=kwargs)
            for client in clients:
                response = client.get(path)
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    yield name, path, response.content.decode()
                    break


def test_every_page_below_the_top_has_breadcrumbs():
    world = build_world()
    seen = list(pages(world))
    missing = [f"{name} ({path})" for name, path, html in seen if BREADCRUMB_NAV not in html]
    assert not missing, "pages without breadcrumbs: " + ", ".join(missing)
    # The walk really opened the pages of both faces and the help area.
    names = {name for name, _, _ in seen}
    assert {"accounts:profile", "accounts:update_user", "control_panel:user", "help:index", "help:page"} <= names
    assert len(seen) >= 25


def test_the_top_pages_have_no_trail(client, login_as, biller, payer_staff):
    login_as(biller)
    assert BREADCRUMB_NAV not in client.get(reverse("portal:dashboard")).content.decode()
    client.logout()
    login_as(payer_staff)
    assert BREADCRUMB_NAV not in client.get(reverse("control_panel:home")).content.decode()


def test_the_trail_starts_at_each_persons_home(client, login_as, biller, payer_staff):
    login_as(biller)
    body = client.get(reverse("help:index")).content.decode()
    assert f'href="{reverse("portal:dashboard")}" class="usa-breadcrumb__link"><span>Home' in body
    client.logout()
    login_as(payer_staff)
    body = client.get(reverse("help:index")).content.decode()
    assert f'href="{reverse("control_panel:home")}" class="usa-breadcrumb__link"><span>Home' in body
