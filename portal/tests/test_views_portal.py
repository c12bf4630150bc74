"""The shell: dashboards, navigation per persona, health check, headers and error pages."""

import pytest
from django.urls import reverse

from accounts.models import AccessLevel
from accounts.services.access import access_levels_set

pytestmark = pytest.mark.django_db


def nav_labels(response):
    return [item["label"] for item in response.context["nav_items"]]


def test_dashboard_refuses_post(client, login_as, biller):
    login_as(biller)
    assert client.post("/").status_code == 405


def test_provider_dashboard_lists_organizations_and_levels(client, login_as, biller, org, outsider, other_org):
    login_as(biller)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert org.name in body
    assert "Claims, Eligibility, Message Box" in body
    assert other_org.name not in body


def test_provider_navigation_follows_levels(client, login_as, biller):
    login_as(biller)
    labels = nav_labels(client.get("/"))
    assert "Dashboard" in labels
    assert "User Management" not in labels
    assert "Control Panel" not in labels


def test_manager_navigation_never_shows_the_control_panel(client, login_as, manager):
    login_as(manager)
    labels = nav_labels(client.get("/"))
    assert "Control Panel" not in labels and "Audit" not in labels


def test_payer_navigation_is_the_control_panel(client, login_as, payer_staff):
    login_as(payer_staff)
    assert client.get("/").url == reverse("control_panel:home")
    response = client.get(reverse("control_panel:home"))
    assert response.status_code == 200
    labels = nav_labels(response)
    assert labels[0] == "Control Panel"
    assert "My Profile" not in labels and "Claims" not in labels


def test_navigation_links_only_to_pages_that_exist(client, login_as, manager, payer_staff):
    for user in (manager, payer_staff):
        login_as(user)
        for item in client.get("/", follow=True).context["nav_items"]:
            assert client.get(item["url"]).status_code == 200, item
        client.logout()


def test_the_enrollment_queue_is_in_the_menu_of_enrollment_staff_only(client, login_as, payer_staff):
    from devdata.enrollment import staff_role_set
    from enrollment.models import StaffRole

    def labels():
        return [item["label"] for item in client.get("/control-panel/").context["nav_items"]]

    login_as(payer_staff)
    assert "Enrollment" not in labels()
    assert client.get("/control-panel/enrollment/").status_code == 403
    staff_role_set(payer_staff, StaffRole.SPECIALIST)
    assert "Enrollment" in labels()
    assert client.get("/control-panel/enrollment/").status_code == 200


def test_dashboard_query_count_is_constant(client, login_as, biller, org, django_assert_num_queries):
    from accounts.tests.factories import OrganizationFactory

    login_as(biller)
    client.get("/")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for organization in OrganizationFactory.create_batch(10):
        access_levels_set(actor=None, user=biller, organization=organization, levels=[AccessLevel.CLAIMS])
    assert count() == before


def test_pages_send_csp_without_unsafe_inline_and_no_store(client, login_as, biller):
    login_as(biller)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from portal import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_reports_the_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["cache"] == "ok"


def test_healthz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_healthz_through_a_proxy_says_only_ok_and_needs_no_sign_in(client):
    response = client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_styled_404(client, login_as, biller):
    login_as(biller)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"usa-header" in response.content


def test_styled_500_needs_no_database():
    from django.test import RequestFactory

    from portal.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_admin_needs_staff_and_second_factor(client, payer_staff, login_as):
    from accounts.tests.factories import UserFactory

    admin_user = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    # Not verified yet: sent to the second factor.
    client.force_login(admin_user)
    assert client.get("/admin/").url.startswith(reverse("accounts:mfa"))
    client.logout()
    login_as(admin_user)
    assert client.get("/admin/").status_code == 200
    for url in ("/admin/accounts/user/", "/admin/audit/auditevent/", "/admin/accounts/organization/"):
        assert client.get(url).status_code == 200, url
    client.logout()
    login_as(payer_staff)  # payer staff without admin access
    assert client.get("/admin/").status_code == 302


def test_admin_cannot_change_or_delete_audit_events(client, login_as, biller):
    from accounts.tests.factories import UserFactory
    from audit.models import AuditEvent

    admin_user = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
    login_as(admin_user)
    event = AuditEvent.objects.first()
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "login"})
    assert response.status_code == 403


def test_healthz_tells_a_remote_anonymous_caller_only_ok_or_unavailable(client, monkeypatch):
    from portal import views

    response = client.get("/healthz", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_details_need_the_token_or_a_local_caller(client, settings):
    settings.HEALTHZ_TOKEN = "monitoring-token-0123456789"
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert "database" not in client.get("/healthz", headers={"Authorization": "Bearer wrong"}, **remote).json()
    assert "database" not in client.get("/healthz", headers={"Authorization": "Basic x"}, **remote).json()
    with_token = client.get("/healthz", headers={"Authorization": "Bearer monitoring-token-0123456789"}, **remote)
    # The broker's state is "ok" with a real broker (CI) and "not configured" on the embedded default.
    broker = "ok" if settings.CELERY_BROKER_URL else "not configured (tasks run inline)"
    assert with_token.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": broker}
    assert client.get("/healthz", REMOTE_ADDR="127.0.0.1").json()["database"] == "ok"
    # Through a proxy on the same host every visitor comes from 127.0.0.1: that is not local.
    proxied = client.get("/healthz", REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "198.51.100.4"})
    assert proxied.json() == {"status": "ok"}


def test_healthz_without_a_token_configured_refuses_an_empty_bearer(client, settings):
    settings.HEALTHZ_TOKEN = ""
    response = client.get("/healthz", headers={"Authorization": "Bearer "}, REMOTE_ADDR="203.0.113.7")
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/login/", "/healthz", "/static/portal/css/portal.css", "/no-such-page/"])
def test_every_response_has_the_cross_origin_headers(client, path):
    response = client.get(path)
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    # Passkeys stay possible on the portal's own pages.
    assert "publickey-credentials-get=(self)" in policy and "publickey-credentials-create=(self)" in policy
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
