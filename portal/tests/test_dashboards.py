"""The two home pages show each person's work: counts from the selectors, each linking to the list
that shows the same rows; the Control Panel's weekly chart; the notice for a user without levels."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from access_requests.models import AccessRequest, RequestStatus
from access_requests.services import access_request_create
from access_reviews.models import ReviewCampaign
from access_reviews.services import campaign_open
from accounts.models import AccessLevel, Organization, User, UserStatus
from accounts.services.access import access_levels_set
from accounts.services.registration import registration_submit
from accounts.services.users import user_status_set
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory, UserFactory
from conftest import make_provider
from core.charts import weekly_bars
from mailbox.models import Thread
from mailbox.services import thread_assign, thread_start_with_payer
from portal import selectors

pytestmark = pytest.mark.django_db


def card(href: str, number: int, words: str = "") -> str:
    """A dashboard count as the page writes it: a link holding the number and its words."""
    return f'href="{href}"><span class="portal-card-number">{number}</span> <span class="portal-card-words">{words}'


def _stale(user: User, days: int) -> None:
    """The user last signed in ``days`` ago (and became Active before that)."""
    then = timezone.now() - datetime.timedelta(days=days)
    User.objects.filter(pk=user.pk).update(last_login=then, status_changed_at=then)


def _registrant(email: str, tin: str) -> User:
    registration_submit(full_name=email.split("@")[0].title(), email=email, phone="555-0100", tin=tin)
    return User.objects.get(email=email)


def _campaign(analyst, organizations, *, due_in_days: int) -> ReviewCampaign:
    campaign = campaign_open(
        actor=analyst,
        name=f"Review {due_in_days}",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        organizations=organizations,
    )
    # Open with a future due date (as the form requires), then let time pass.
    ReviewCampaign.objects.filter(pk=campaign.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=due_in_days)
    )
    return campaign


@pytest.fixture
def mixed_world(org, other_org, npi, other_npi, manager, biller, outsider, payer_staff):
    """Work in two TINs: what the manager of ``org`` may count, and what belongs to ``other_org``."""
    # Waiting for verification: two in org, one in other_org.
    _registrant("pending1@example.test", org.tin)
    _registrant("pending2@example.test", org.tin)
    _registrant("pending-other@example.test", other_org.tin)
    # Near the inactivity limit: one in org past the warning day, one in org just before it, one elsewhere.
    warn_days, _ = selectors.inactivity_days()
    _stale(make_provider("stale@example.test", org, [AccessLevel.CLAIMS]), warn_days + 1)
    _stale(make_provider("fresh@example.test", org, [AccessLevel.CLAIMS]), warn_days - 2)
    _stale(make_provider("stale-other@example.test", other_org, [AccessLevel.CLAIMS]), warn_days + 5)
    # Reviews: one open task for org (due in 5 days), one for other_org.
    _campaign(payer_staff, [org], due_in_days=5)
    _campaign(payer_staff, [other_org], due_in_days=2)
    return {"org": org, "other_org": other_org}


# --- selectors -------------------------------------------------------------------------------------


def test_manager_counts_cover_only_the_managers_tins(mixed_world, manager):
    counts = selectors.manager_counts(manager=manager)
    assert counts["pending_verification_count"] == 2
    assert counts["near_inactivity_count"] == 1
    assert [task.organization.tin for task in counts["review_tasks"]] == [mixed_world["org"].tin]
    assert counts["inactivity_warn_days"] == django_settings.INACTIVITY_WARN_DAYS
    assert counts["inactivity_disable_days"] == django_settings.INACTIVITY_DISABLE_DAYS


def test_the_other_tins_manager_sees_their_own(mixed_world, outsider):
    counts = selectors.manager_counts(manager=outsider)
    assert counts["pending_verification_count"] == 1
    assert counts["near_inactivity_count"] == 1
    assert [task.organization.tin for task in counts["review_tasks"]] == [mixed_world["other_org"].tin]


def test_provider_dashboard_counts_unread_and_requests(biller, manager, payer_staff, org):
    ProviderIdentifierFactory(organization=org, value="1245319599")
    first = access_request_create(requester=biller, items=[("npi", "1245319599")])
    second = access_request_create(requester=biller, items=[("npi", "1456789019")])
    AccessRequest.objects.filter(pk=first.pk).update(status=RequestStatus.DENIED, decided_at=timezone.now())
    thread_start_with_payer(sender=manager, subject="Not for the biller", body="x", organization=org)
    unread_before = selectors.provider_dashboard(user=biller, levels_anywhere={AccessLevel.MESSAGE_BOX})
    assert unread_before["open_request_count"] == 1
    assert [r.pk for r in unread_before["recent_requests"]] == [second.pk, first.pk]
    assert unread_before["unread_count"] == 0  # a request thread is the biller's own: nothing unread
    assert unread_before["is_manager"] is False and "pending_verification_count" not in unread_before


def test_unread_count_is_shown_only_with_message_box(biller):
    assert selectors.provider_dashboard(user=biller, levels_anywhere=set())["unread_count"] is None


def test_quick_actions_follow_the_levels():
    labels = lambda levels: [a["label"] for a in selectors.quick_actions(levels_anywhere=set(levels))]  # noqa: E731
    assert labels([]) == ["Add Facility"]
    assert labels([AccessLevel.CLAIMS]) == ["Add Facility", "Claims"]
    assert labels(AccessLevel.values) == [
        "Add Facility",
        "New message",
        "Claims",
        "Eligibility",
        "User Management",
        "Invite a user",
    ]


def test_access_contacts_name_the_active_managers(org, other_org, manager, outsider):
    newcomer = _registrant("newcomer@example.test", org.tin)
    user_status_set(actor=None, user=newcomer, status=UserStatus.ACTIVE)
    contacts = selectors.access_contacts(user=newcomer)
    assert [(c.organization, c.managers) for c in contacts] == [(org, [manager])]


def test_access_contacts_of_a_tin_without_a_manager_are_empty(org, manager):
    orphan_org = OrganizationFactory(name="Orphan Clinic", tin="111222333")
    newcomer = _registrant("orphan@example.test", orphan_org.tin)
    assert [(c.organization, c.managers) for c in selectors.access_contacts(user=newcomer)] == [(orphan_org, [])]


def test_access_contacts_without_an_organization(db):
    assert selectors.access_contacts(user=UserFactory(email="lonely@example.test")) == []


def test_payer_dashboard_counts(org, other_org, biller, outsider, manager, payer_staff):
    ProviderIdentifierFactory(organization=org, value="1245319599")
    fresh = access_request_create(requester=biller, items=[("npi", "1245319599")])
    old = access_request_create(requester=outsider, items=[("npi", "1456789019")])
    decided = access_request_create(requester=manager, items=[("tin", "456789123")])
    AccessRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=selectors.REQUEST_OVERDUE_DAYS + 1)
    )
    AccessRequest.objects.filter(pk=decided.pk).update(
        status=RequestStatus.APPROVED,
        decided_at=timezone.now(),
        created_at=timezone.now() - datetime.timedelta(days=30),
    )
    thread_assign(thread=fresh.thread, analyst=payer_staff, actor=payer_staff)
    Thread.objects.filter(pk=fresh.thread.pk).update(payer_unread=False)
    # A TIN without any manager, and one whose only manager is disabled.
    OrganizationFactory(name="No manager", tin="222333444")
    disabled_org = OrganizationFactory(name="Disabled manager", tin="333444555")
    gone = make_provider("gone-manager@example.test", disabled_org, [AccessLevel.MANAGE_ACCOUNT])
    user_status_set(actor=None, user=gone, status=UserStatus.DISABLED)
    registration_submit(full_name="Newt", email="newt@example.test", phone="555", tin="444555666")  # to the payer
    registration_submit(full_name="Pam", email="pam@example.test", phone="555", tin=org.tin)  # to the manager
    _campaign(payer_staff, [org, other_org], due_in_days=-1)
    _campaign(payer_staff, [org], due_in_days=3)

    data = selectors.payer_dashboard()

    assert data["open_request_count"] == 2
    assert data["overdue_request_count"] == 1
    assert data["unread_thread_count"] == 2  # the old request's thread and the decided one's
    assert data["unassigned_thread_count"] == 2
    assert data["waiting_registration_count"] == 1
    assert data["no_manager_count"] == 2
    assert data["late_review_count"] == 2
    week = data["chart"][-1]
    assert week["week"] == timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    assert sum(row["received"] for row in data["chart"]) == 3  # the one 30 days ago is within 12 weeks
    assert week["decided"] == 1


def test_weekly_chart_has_twelve_weeks_oldest_first(db):
    today = datetime.date(2026, 3, 12)  # a Thursday
    rows = selectors.weekly_requests(today=today)
    assert len(rows) == 12
    assert rows[-1]["week"] == datetime.date(2026, 3, 9)
    assert rows[0]["week"] == datetime.date(2025, 12, 22)
    assert all(row["received"] == row["decided"] == 0 for row in rows)


def test_chart_bars_scale_to_the_largest_value():
    rows = [{"week": i, "received": r, "decided": d} for i, (r, d) in enumerate([(0, 0), (3, 1), (7, 7)])]
    bars = weekly_bars(rows)
    assert bars["top"] == 8
    tallest = max(bar["height"] for group in bars["groups"] for bar in group["bars"])
    assert [bar["height"] for bar in bars["groups"][0]["bars"]] == [0, 0]
    assert tallest == round((bars["axis_y"] - 12) * 7 / 8, 1)
    assert [line["value"] for line in bars["grid"]] == [0, 4, 8]


# --- provider dashboard view -----------------------------------------------------------------------


def test_dashboard_needs_a_login(client):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_manager_dashboard_shows_counts_as_links(client, login_as, mixed_world, manager):
    login_as(manager)
    body = client.get(reverse("portal:dashboard")).content.decode()
    users = reverse("accounts:user_management")
    assert card(f"{users}?status=verification_pending", 2) in body
    assert card(f"{users}#queue-heading", 1, "near the inactivity limit") in body
    assert card(reverse("access_reviews:my_tasks"), 1, "open review") in body
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    assert f'due <time datetime="{due}">{due}</time>' in body
    assert f"disables a user at {django_settings.INACTIVITY_DISABLE_DAYS} days" in body
    for name in ("access_requests:add_facility", "mailbox:compose", "claims:list", "accounts:invite"):
        assert f'href="{reverse(name)}"' in body


def test_biller_dashboard_has_no_manager_cards(client, login_as, biller):
    login_as(biller)
    body = client.get(reverse("portal:dashboard")).content.decode()
    assert "waiting for verification" not in body and "Access reviews due" not in body
    assert f'href="{reverse("mailbox:inbox")}?unread=1"' in body
    assert f'href="{reverse("accounts:invite")}"' not in body
    assert f'href="{reverse("accounts:user_management")}"' not in body


def test_no_level_user_is_told_who_to_ask(client, login_as, org, manager):
    newcomer = _registrant("newcomer@example.test", org.tin)
    user_status_set(actor=None, user=newcomer, status=UserStatus.ACTIVE)
    login_as(newcomer)
    for url in (reverse("portal:dashboard"), reverse("accounts:profile")):
        body = client.get(url).content.decode()
        assert "You have no access levels yet" in body
        assert f'<a href="mailto:{manager.email}">{manager.email}</a>' in body, url
        assert "0 organizations" not in body


def test_no_level_user_of_a_tin_without_manager_is_sent_to_provider_services(client, login_as, settings, db):
    orphan_org = OrganizationFactory(name="Orphan Clinic", tin="111222333")
    newcomer = _registrant("orphan@example.test", orphan_org.tin)
    user_status_set(actor=None, user=newcomer, status=UserStatus.ACTIVE)
    login_as(newcomer)
    body = client.get(reverse("portal:dashboard")).content.decode()
    assert "This organization has no active account manager" in body
    assert f'href="tel:{settings.PAYER_SUPPORT_PHONE}"' in body
    assert f'<a href="mailto:{settings.PAYER_SUPPORT_EMAIL}">' in body


def test_a_user_with_levels_sees_no_notice(client, login_as, biller):
    login_as(biller)
    assert "You have no access levels yet" not in client.get(reverse("portal:dashboard")).content.decode()


def test_provider_dashboard_query_count_is_pinned(client, login_as, mixed_world, manager, django_assert_num_queries):
    login_as(manager)
    client.get(reverse("portal:dashboard"))
    # session, user, OTP device; the access levels once (navigation and quick actions share it);
    # levels per organization, organizations, recent requests, open request count, scope count,
    # recent events, unread count (dashboard card), unread badge (navigation), manager: statuses,
    # near-inactivity count, review tasks.
    with django_assert_num_queries(15):
        assert client.get(reverse("portal:dashboard")).status_code == 200


def test_provider_dashboard_queries_do_not_grow_with_data(client, login_as, mixed_world, manager, payer_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:dashboard")).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    count()
    before = count()
    org = mixed_world["org"]
    for i in range(5):
        _registrant(f"more{i}@example.test", org.tin)
        _stale(make_provider(f"stale{i}@example.test", org, [AccessLevel.CLAIMS]), 200)
        extra = OrganizationFactory()
        access_levels_set(actor=None, user=manager, organization=extra, levels=AccessLevel.values)
        access_request_create(requester=manager, items=[("npi", "1456789019")] if i == 0 else [("tin", extra.tin)])
    _campaign(payer_staff, list(Organization.objects.all()), due_in_days=4)
    assert len(count()) == len(before)


def test_no_level_dashboard_query_count_is_pinned(client, login_as, org, manager, django_assert_num_queries):
    newcomer = _registrant("newcomer@example.test", org.tin)
    user_status_set(actor=None, user=newcomer, status=UserStatus.ACTIVE)
    login_as(newcomer)
    client.get(reverse("portal:dashboard"))
    # session, user, OTP device, access levels (none); levels per organization, recent requests,
    # open request count, scope count, recent events; the notice: organizations, their managers;
    # the Message Box menu item: without the level, whether an enrollment right opens it.
    with django_assert_num_queries(12):
        assert client.get(reverse("portal:dashboard")).status_code == 200


# --- Control Panel home view -----------------------------------------------------------------------


def test_control_panel_home_refuses_providers_and_post(client, login_as, manager, payer_staff):
    assert client.get(reverse("control_panel:home")).status_code == 302
    login_as(manager)
    assert client.get(reverse("control_panel:home")).status_code == 403
    client.logout()
    login_as(payer_staff)
    assert client.post(reverse("control_panel:home")).status_code == 405


def test_control_panel_cards_link_to_filtered_lists(client, login_as, biller, payer_staff, org):
    access_request_create(requester=biller, items=[("npi", "1456789019")])
    login_as(payer_staff)
    body = client.get(reverse("control_panel:home")).content.decode()
    requests = reverse("control_panel:requests")
    mailbox = reverse("control_panel:mailbox")
    organizations = reverse("control_panel:organizations")
    days = selectors.REQUEST_OVERDUE_DAYS
    assert card(f"{requests}?status=open", 1, "open") in body
    assert card(f"{requests}?status=open&amp;age={days}", 0, "overdue") in body
    assert f"open for more than {days} days" in body
    assert card(f"{mailbox}?show=unread", 1) in body
    assert card(f"{mailbox}?show=unassigned", 1) in body
    assert f'href="{organizations}?flag=no_manager"' in body
    assert f'href="{reverse("control_panel:reviews")}?late=1"' in body
    assert f'href="{reverse("control_panel:users")}?status=verification_pending">Verification pending: 0</a>' in body
    # The chart: an SVG image with a title and description, and the same numbers in a table.
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in body
    assert '<title id="chart-title">' in body and '<desc id="chart-desc">' in body
    assert "<summary>The numbers as a table</summary>" in body


def test_overdue_threshold_is_one_of_the_requests_age_filters():
    from access_requests.selectors import AGE_CHOICES

    assert str(selectors.REQUEST_OVERDUE_DAYS) in AGE_CHOICES


def test_each_card_count_matches_its_list(client, login_as, biller, outsider, payer_staff, org, other_org):
    """Follow each card's link: the list shows as many rows as the card counts."""
    old = access_request_create(requester=outsider, items=[("npi", "1456789019")])
    access_request_create(requester=biller, items=[("npi", "1456789019")])
    AccessRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    thread_assign(thread=old.thread, analyst=payer_staff, actor=payer_staff)
    _campaign(payer_staff, [org], due_in_days=-2)
    _campaign(payer_staff, [other_org], due_in_days=9)
    login_as(payer_staff)
    data = selectors.payer_dashboard()
    overdue = client.get(reverse("control_panel:requests"), {"status": "open", "age": selectors.REQUEST_OVERDUE_DAYS})
    assert len(overdue.context["page"].rows) == data["overdue_request_count"] == 1
    unassigned = client.get(reverse("control_panel:mailbox"), {"show": "unassigned"})
    assert len(unassigned.context["page"].rows) == data["unassigned_thread_count"] == 1
    late = client.get(reverse("control_panel:reviews"), {"late": "1"})
    assert [c.late_count for c in late.context["campaigns"]] == [data["late_review_count"]] == [1]
    assert "Showing open reviews with late TINs only" in late.content.decode()


def test_inbox_unread_filter(client, login_as, biller, manager, org):
    from mailbox.services import thread_start_with_member

    thread_start_with_member(sender=manager, recipient=biller, organization=org, subject="Read me", body="x")
    thread_start_with_payer(sender=biller, subject="My own", body="y", organization=org)
    login_as(biller)
    assert len(client.get(reverse("mailbox:inbox")).context["page"].rows) == 2
    unread = client.get(reverse("mailbox:inbox"), {"unread": "1"})
    assert [row.thread.subject for row in unread.context["page"].rows] == ["Read me"]
    assert "Showing unread threads only" in unread.content.decode()


def test_control_panel_home_query_count_is_pinned(
    client, login_as, payer_staff, biller, org, django_assert_num_queries
):
    access_request_create(requester=biller, items=[("npi", "1456789019")])
    login_as(payer_staff)
    client.get(reverse("control_panel:home"))
    # session, user, OTP device; navigation: Mailbox unread badge; user statuses, requests (open and
    # overdue), threads (unread and unassigned), organizations (all and unverified), without an
    # active manager, provider IDs, registrations waiting, late review tasks, chart received,
    # chart decided, recent events; overdue prior authorizations.
    with django_assert_num_queries(17):
        assert client.get(reverse("control_panel:home")).status_code == 200


def test_control_panel_home_queries_do_not_grow_with_data(client, login_as, payer_staff, biller, outsider, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(payer_staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("control_panel:home")).status_code == 200
        return len(ctx.captured_queries)

    count()
    before = count()
    for i in range(6):
        made = access_request_create(requester=biller if i % 2 else outsider, items=[("tin", f"7778889{i:02d}")])
        AccessRequest.objects.filter(pk=made.pk).update(created_at=timezone.now() - datetime.timedelta(weeks=i))
        registration_submit(full_name=f"R{i}", email=f"r{i}@example.test", phone="555", tin=f"5556667{i:02d}")
    _campaign(payer_staff, [org], due_in_days=-3)
    assert count() == before
