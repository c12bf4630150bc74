"""The confirmation step of destructive actions and the breadcrumbs tag."""

import pytest
from django.http import HttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory

from core.confirm import confirmation_page


def _post(data):
    request = RequestFactory().post("/users/x/action/?tin=1", data)
    request.user = type("U", (), {"is_authenticated": True, "is_payer_staff": False, "email": "a@b.test"})()
    request._dont_enforce_csrf_checks = True
    return request


def test_unconfirmed_post_gets_a_page_that_reposts_every_field():
    request = _post({"action": "disable", "comment": 'left <b>"us"</b>', "levels": ["claims", "eligibility"]})
    response = confirmation_page(
        request, title="Disable Ann?", consequences=["Her sessions end."], confirm_label="Disable", cancel_url="/u/"
    )
    assert isinstance(response, HttpResponse)
    body = response.content.decode()
    assert 'action="/users/x/action/?tin=1"' in body
    assert '<input type="hidden" name="action" value="disable">' in body
    assert 'value="left &lt;b&gt;&quot;us&quot;&lt;/b&gt;"' in body  # escaped, never raw
    assert body.count('name="levels"') == 2
    assert 'name="confirmed" value="yes"' in body
    assert 'href="/u/"' in body
    assert "Her sessions end." in body


def test_confirmed_post_goes_on():
    request = _post({"action": "disable", "confirmed": "yes"})
    assert confirmation_page(request, title="t", consequences=[], confirm_label="c", cancel_url="/") is None


@pytest.mark.django_db
def test_breadcrumbs_tag_renders_home_trail_and_current():
    request = _post({})
    html = Template('{% breadcrumbs "User Management" "accounts:user_management" "Path" "/x/" current=name %}').render(
        Context({"request": request, "name": "<Ann>"})
    )
    assert 'href="/"' in html and "Home" in html
    assert 'href="/users/"' in html and 'href="/x/"' in html
    assert 'aria-current="page"><span>&lt;Ann&gt;</span>' in html


def test_breadcrumbs_tag_refuses_unknown_url_names():
    with pytest.raises(TemplateSyntaxError):
        Template('{% breadcrumbs "X" "no:such" current="y" %}').render(Context({}))


def test_a_back_button_is_offered_only_when_the_view_can_show_its_form_again():
    from core.confirm import confirmation_declined

    request = _post({"action": "disable"})
    plain = confirmation_page(request, title="t", consequences=[], confirm_label="c", cancel_url="/")
    assert 'value="no"' not in plain.content.decode()
    with_back = confirmation_page(
        request, title="t", consequences=[], confirm_label="c", cancel_url="/", back_label="Go back"
    ).content.decode()
    assert '<button type="submit" name="confirmed" value="no"' in with_back and "Go back" in with_back
    assert confirmation_declined(_post({"confirmed": "no"}))
    assert not confirmation_declined(_post({"confirmed": "yes"}))
