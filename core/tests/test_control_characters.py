"""Control characters in a path, a query string or a form field are refused before any view runs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_claim_number_is_a_404_without_a_claim_query(client, login_as, biller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(biller)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/claims/C2026000100%00/")
    assert response.status_code == 404
    # PostgreSQL refuses a NUL in a query (a 500); the claim view must never run.
    assert not [q for q in queries.captured_queries if "claims_claim" in q["sql"]]
    assert "Page not found" in response.content.decode()
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/claims/%01/", "/messages/%1b/", "/users/%7f/", "/profile/%0a"])
def test_other_control_characters_in_the_path_are_a_404(client, login_as, biller, path):
    login_as(biller)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["q=%00", "q=M100%00", "after=%01", "%00=1", "status=%1b%5b31m"])
def test_control_characters_in_the_query_are_a_styled_400(client, login_as, biller, query):
    login_as(biller)
    response = client.get(f"{reverse('claims:list')}?{query}")
    assert response.status_code == 400
    assert "This request cannot be used" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_a_search_with_a_tab_or_line_break_still_runs(client, login_as, biller):
    login_as(biller)
    assert client.get(reverse("claims:list"), {"q": "M100\t200\r\n"}).status_code == 200


def test_a_nul_in_a_form_field_is_a_400_and_changes_nothing(client, login_as, manager):
    from mailbox.models import Thread

    login_as(manager)
    response = client.post(reverse("mailbox:compose"), {"subject": "Hello\x00", "body": "Text"})
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_anonymous_gets_the_same_answers(client):
    assert client.get("/claims/C2026000100%00/").status_code == 404
    assert client.get("/login/?next=%00").status_code == 400
