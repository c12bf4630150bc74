"""The audit viewer and its CSV export, in the Control Panel and for account managers."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLevel
from accounts.services.access import access_levels_set
from audit.models import AuditAction, AuditEvent
from audit.services import record
from audit.tests.helpers import bulk_chain
from core.pagination import encode_cursor

pytestmark = pytest.mark.django_db

CONTROL_PANEL = reverse("control_panel:audit")
CONTROL_PANEL_EXPORT = reverse("control_panel:audit_export")
MANAGER = reverse("manager_audit")
MANAGER_EXPORT = reverse("manager_audit_export")
ALL_URLS = [CONTROL_PANEL, CONTROL_PANEL_EXPORT, MANAGER, MANAGER_EXPORT]


def sentences(response) -> list[str]:
    return [sentence for _event, sentence in response.context["rows"]]


def export_rows(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def outsider_event(outsider, other_org):
    return record(action=AuditAction.MESSAGE_SENT, actor=outsider, organization=other_org, details={"kind": "x"})


@pytest.fixture
def own_event(biller, org):
    return record(action=AuditAction.MESSAGE_SENT, actor=biller, organization=org, details={"kind": "x"})


# --- who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [CONTROL_PANEL, CONTROL_PANEL_EXPORT])
def test_control_panel_refuses_post(client, login_as, payer_staff, url):
    login_as(payer_staff)
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", [MANAGER, MANAGER_EXPORT])
def test_manager_pages_refuse_post(client, login_as, manager, url):
    login_as(manager)
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", [MANAGER, MANAGER_EXPORT])
def test_provider_without_manage_account_is_refused(client, login_as, biller, url):
    login_as(biller)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [CONTROL_PANEL, CONTROL_PANEL_EXPORT])
def test_providers_cannot_open_the_control_panel_log(client, login_as, manager, url):
    login_as(manager)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [MANAGER, MANAGER_EXPORT])
def test_payer_staff_use_the_control_panel_log(client, login_as, payer_staff, url):
    login_as(payer_staff)
    assert client.get(url).status_code == 403


# --- the page ------------------------------------------------------------------------------------


def test_payer_staff_see_every_event(client, login_as, payer_staff, own_event, outsider_event):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL)
    assert response.status_code == 200
    shown = {event.pk for event, _sentence in response.context["rows"]}
    assert {own_event.pk, outsider_event.pk} <= shown
    assert "Springfield Family Clinic" in response.text and "Shelbyville Medical Group" in response.text


def test_a_manager_sees_their_tins_events_only(client, login_as, manager, biller, outsider, own_event, outsider_event):
    record(action=AuditAction.LOGIN, actor=outsider, target=outsider)
    record(action=AuditAction.LOGIN, actor=biller, target=biller)
    login_as(manager)
    response = client.get(MANAGER)
    assert response.status_code == 200
    shown = [event for event, _sentence in response.context["rows"]]
    assert own_event in shown and outsider_event not in shown
    assert f"{biller.email} logged in" in sentences(response)
    assert outsider.email not in response.text and "Shelbyville" not in response.text


def test_rows_show_time_actor_sentence_organization_and_ip(client, login_as, payer_staff, biller, org):
    access_levels_set(actor=payer_staff, user=biller, organization=org, levels=[AccessLevel.CLAIMS])
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL, {"action": AuditAction.LEVELS_CHANGED, "actor": payer_staff.email})
    (event, sentence), *_ = response.context["rows"]
    assert sentence == (
        f"{payer_staff.email} changed access levels of {biller.email} on {org.name}: removed Eligibility, Message Box"
    )
    html = response.text
    assert sentence in html and "TIN 123456789" in html and '<th scope="col">IP address</th>' in html
    assert "<caption>" in html


def test_the_ip_address_is_shown(client, login_as, payer_staff, rf):
    record(action=AuditAction.LOGIN_FAILED, actor_email="x@y", request=rf.get("/", REMOTE_ADDR="203.0.113.9"))
    login_as(payer_staff)
    assert "203.0.113.9" in client.get(CONTROL_PANEL).text


def test_filters(client, login_as, payer_staff, biller, outsider, own_event, outsider_event, other_org):
    login_as(payer_staff)

    def shown(**params):
        response = client.get(CONTROL_PANEL, params)
        assert response.status_code == 200 and response.context["form"].is_valid(), response.context["form"].errors
        return {event.pk for event, _sentence in response.context["rows"]}

    assert shown(actor=outsider.email, action=AuditAction.MESSAGE_SENT) == {outsider_event.pk}
    assert shown(actor="outsider@", action=AuditAction.MESSAGE_SENT) == {outsider_event.pk}
    assert shown(tin=other_org.tin, action=AuditAction.MESSAGE_SENT) == {outsider_event.pk}
    assert shown(target=biller.email) == set(
        AuditEvent.objects.filter(target_id=str(biller.uuid)).values_list("pk", flat=True)
    )
    today = timezone.localdate().isoformat()
    assert {own_event.pk, outsider_event.pk} <= shown(date_from=today, date_to=today)
    assert shown(date_to="2001-01-01") == set()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"tin": "12345"}, "tin"),
        ({"action": "drop_table"}, "action"),
        ({"target": "not-an-email"}, "target"),
        ({"actor": "x" * 300}, "actor"),
    ],
)
def test_bad_filters_are_form_errors(client, login_as, payer_staff, params, field):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL, params)
    assert response.status_code == 200
    assert field in response.context["form"].errors and response.context["page"] is None
    assert "usa-error-message" in response.text


def test_a_nul_in_a_filter_is_refused_before_the_form(client, login_as, payer_staff):
    # Control characters in a query string are refused site-wide (core.middleware).
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL, {"actor": "a\x00b"})
    assert response.status_code == 400
    assert "This request cannot be used" in response.text


def test_pages_of_fifty_with_a_next_link(client, login_as, payer_staff):
    bulk_chain(60, actor_email="bulk@example.test")
    login_as(payer_staff)
    first = client.get(CONTROL_PANEL, {"actor": "bulk@example.test"})
    assert len(first.context["rows"]) == 50 and first.context["page"].next_cursor
    second = client.get(CONTROL_PANEL, {"actor": "bulk@example.test", "after": first.context["page"].next_cursor})
    assert len(second.context["rows"]) == 10 and second.context["page"].next_cursor is None
    firsts = {e.pk for e, _ in first.context["rows"]}
    assert firsts.isdisjoint(e.pk for e, _ in second.context["rows"])
    assert "Next page" in first.text and "First page" in second.text


@pytest.mark.parametrize(
    "after",
    ["garbage", encode_cursor(["x", "y"]), encode_cursor([{"dt": "2026-01-01T00:00:00"}, 5]), encode_cursor([1, True])],
)
def test_a_hand_made_cursor_restarts_the_list(client, login_as, payer_staff, after):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL, {"after": after})
    assert response.status_code == 200 and response.context["page"].is_first


def test_user_text_is_escaped(client, login_as, payer_staff):
    record(action=AuditAction.LOGIN_FAILED, actor_email="<script>alert(1)</script>")
    login_as(payer_staff)
    html = client.get(CONTROL_PANEL).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_has_no_inline_script_or_style(client, login_as, payer_staff):
    login_as(payer_staff)
    html = client.get(CONTROL_PANEL).text
    assert "style=" not in html and "<script>" not in html


# --- what it costs -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 1000])
def test_control_panel_query_count_does_not_grow(client, login_as, payer_staff, org, count, django_assert_num_queries):
    bulk_chain(count, organization=org, actor_email="bulk@example.test", action=AuditAction.LEVELS_CHANGED)
    login_as(payer_staff)
    client.get(CONTROL_PANEL)  # the first request stores the last-seen time in the session
    # 1. the session
    # 2. the user
    # 3. the user's TOTP device (the verified second factor)
    # 4. the access levels held anywhere (the navigation asks, even for payer staff)
    # 5. one page of events with their organization joined (keyset: no COUNT)
    # 6. the unread count of the Control Panel Mailbox badge
    with django_assert_num_queries(6):
        response = client.get(CONTROL_PANEL, {"actor": "bulk@example.test", "tin": org.tin})
    assert len(response.context["rows"]) == min(count, 50)


@pytest.mark.parametrize("count", [10, 1000])
def test_manager_query_count_does_not_grow(client, login_as, manager, org, count, django_assert_num_queries):
    bulk_chain(count, organization=org, actor_email="bulk@example.test", action=AuditAction.LEVELS_CHANGED)
    login_as(manager)
    client.get(MANAGER)
    # 1. the session
    # 2. the user
    # 3. the user's TOTP device
    # 4. the access levels held anywhere (level_required; the navigation reuses them)
    # 5. the manager's scope: (organization, user uuid) of the grants on their Manage Account TINs
    # 6. one page of events, organization joined, restricted to that scope (keyset: no COUNT)
    # 7. the unread Message Box count of the navigation badge (the manager holds Message Box)
    with django_assert_num_queries(7):
        response = client.get(MANAGER, {"actor": "bulk@example.test", "tin": org.tin})
    assert len(response.context["rows"]) == min(count, 50)


# --- the CSV export ------------------------------------------------------------------------------


def test_export_streams_the_filtered_events_as_csv(client, login_as, payer_staff, own_event, outsider_event, other_org):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL_EXPORT, {"tin": other_org.tin})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="audit-log-{timezone.localdate():%Y-%m-%d}.csv"'
    header, *rows = export_rows(response)
    assert header == [
        "time (America/Chicago)",
        "actor",
        "action",
        "sentence",
        "target type",
        "target id",
        "organization TIN",
        "IP address",
        "user agent",
        "details",
    ]
    assert {row[6] for row in rows} == {other_org.tin}
    row = next(row for row in rows if row[1] == outsider_event.actor_email and row[2] == "message_sent")
    # The page's time zone with its offset: the same instant the page shows, readable in a spreadsheet.
    assert row[0] == timezone.localtime(outsider_event.occurred_at).isoformat()
    assert datetime.datetime.fromisoformat(row[0]) == outsider_event.occurred_at
    assert row[0].endswith(("-06:00", "-05:00"))
    assert row[9] == '{"kind": "x"}'


def test_export_is_audited_with_its_filters(client, login_as, payer_staff):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL_EXPORT, {"tin": "123456789", "action": AuditAction.LOGIN})
    export_rows(response)
    event = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).get()
    assert event.actor == payer_staff and event.ip_address == "127.0.0.1"
    assert event.details == {"scope": "all", "filters": {"tin": "123456789", "action": "login"}}


def test_export_neutralises_formulas(client, login_as, payer_staff):
    for text in ["=cmd|' /C calc'!A0", "+1", "-1", "@x", "\tx", "\rx"]:
        record(action=text[:40], actor_email=text, target=None, details={"note": text})
    bulk_chain(1, actor_email='=HYPERLINK("http://evil")', target_repr="=1+1", details={"a": "b"})
    login_as(payer_staff)
    rows = export_rows(client.get(CONTROL_PANEL_EXPORT))[1:]
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for cell in row:
            assert not cell.startswith(dangerous), row
    cells = {cell for row in rows for cell in row}
    assert {"'=cmd|' /C calc'!A0", "'+1", "'-1", "'@x", "'\tx", "'\rx"} <= cells
    assert '\'=HYPERLINK("http://evil")' in cells


def test_a_managers_export_holds_only_their_tins_events(
    client, login_as, manager, outsider, own_event, outsider_event, org
):
    record(action=AuditAction.LOGIN, actor=outsider, target=outsider)
    login_as(manager)
    rows = export_rows(client.get(MANAGER_EXPORT))[1:]
    assert rows
    assert outsider.email not in {row[1] for row in rows}
    assert {row[6] for row in rows} <= {org.tin, ""}
    assert str(own_event.uuid) not in "".join(",".join(r) for r in rows)  # uuids are not exported
    assert any(row[2] == "message_sent" and row[6] == org.tin for row in rows)
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.details["scope"] == "manager"


def test_export_with_bad_filters_goes_back_to_the_page(client, login_as, payer_staff):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL_EXPORT, {"date_from": "nope"})
    assert response.status_code == 302 and response["Location"] == f"{CONTROL_PANEL}?date_from=nope"
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_the_page_links_to_the_export_of_the_same_filters(client, login_as, payer_staff):
    login_as(payer_staff)
    response = client.get(CONTROL_PANEL, {"tin": "123456789", "after": "x"})
    assert f'href="{CONTROL_PANEL_EXPORT}?tin=123456789"' in response.text
