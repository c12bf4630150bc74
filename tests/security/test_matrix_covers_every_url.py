"""Every URL that names an object is in the access matrix.

The matrix (test_access_matrix.py) is kept by hand; this test walks the URL resolver and fails,
naming the pattern, when a URL with an argument that names an object (a user, thread, task,
campaign, request, claim, organization, registration, provider ID, passkey ...) has no probe.
Add a row to MATRIX and a Probe to PROBES with the answer of each persona, or, when the argument
names no object anybody could reach into, an exemption below with its reason.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from tests.security.test_access_matrix import MATRIX, PROBES
from tests.url_walk import named_urls

pytestmark = pytest.mark.django_db

# URLs whose arguments name no object of a person, a TIN or the plan. Each with its reason.
NOT_OBJECT_URLS = {
    # The slug names a help page: the same text for everyone, signed in or not (portal/help.py).
    "help:page": "a help page, public to everyone",
    # The token is the signed invitation link of an email; it names nothing a signed-in user could
    # reach into, and its refusals (expired, reused, another user's) are in test_views_registration.
    "accounts:register_complete": "a signed invitation token, tested in test_views_registration",
    # Django's password reset: uidb64 + token from the email; a wrong or old token is refused by
    # Django's PasswordResetConfirmView (tested in test_views_auth).
    "accounts:password_reset_confirm": "Django's signed reset token, tested in test_views_auth",
}


def object_urls() -> dict[str, list[str]]:
    """The named URLs that take an argument, with the argument names."""
    return {name: params for name, params in named_urls() if params}


def test_every_url_naming_an_object_has_a_row_in_the_matrix(world):
    probed = {resolve(urlsplit(probe.url(world)).path).view_name for probe in PROBES.values()}
    missing = [
        f"{name} ({', '.join(params)})"
        for name, params in object_urls().items()
        if name not in probed and name not in NOT_OBJECT_URLS
    ]
    assert not missing, (
        "URLs naming an object that the access matrix never tries: "
        + ", ".join(missing)
        + ". Add a row to MATRIX and a Probe to PROBES in tests/security/test_access_matrix.py "
        "(every persona's answer), or an exemption with its reason in NOT_OBJECT_URLS."
    )


def test_the_exemptions_are_urls_with_arguments_and_not_in_the_matrix(world):
    probed = {resolve(urlsplit(probe.url(world)).path).view_name for probe in PROBES.values()}
    urls = object_urls()
    assert not [name for name in NOT_OBJECT_URLS if name not in urls], "exempt URLs that no longer exist"
    assert not [name for name in NOT_OBJECT_URLS if name in probed], "exempt URLs the matrix tries anyway"
    assert all(reason for reason in NOT_OBJECT_URLS.values())


def test_the_matrix_is_as_large_as_it_was():
    # 52 URL-actions × 10 personas when this guard was added: probes are added, never dropped.
    assert len(MATRIX) >= 52
