"""Add Facility through the pages: provider side, and the analyst's one-screen review."""

import pytest
from django.urls import reverse

from access_requests.models import AccessRequest, RequestStatus
from access_requests.services import access_request_create
from accounts.access import provider_ids_in_scope
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

SEED_004 = ["<script>alert(1)</script>", ";alert(1)//", "</xmp><script>alert(1)</script>"]


@pytest.fixture
def pediatrics(org):
    return ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")


@pytest.fixture
def hospital(db):
    organization = OrganizationFactory(name="Capital City Hospital", tin="456789123")
    return ProviderIdentifierFactory(
        organization=organization, value="1456789019", display_name="Capital City Hospital"
    )


def formset_data(rows, note=""):
    data = {
        "ids-TOTAL_FORMS": str(len(rows)),
        "ids-INITIAL_FORMS": "0",
        "ids-MIN_NUM_FORMS": "0",
        "ids-MAX_NUM_FORMS": "20",
        "note": note,
    }
    for i, (kind, value) in enumerate(rows):
        data[f"ids-{i}-kind"], data[f"ids-{i}-value"] = kind, value
    return data


def test_add_facility_page(client, login_as, biller):
    assert client.get(reverse("access_requests:add_facility")).status_code == 302  # anonymous
    login_as(biller)
    response = client.get(reverse("access_requests:add_facility"))
    assert response.status_code == 200
    assert b"add_facility.js" in response.content
    assert client.put(reverse("access_requests:add_facility")).status_code == 405


def test_add_facility_sends_and_lands_on_the_request(client, login_as, biller, pediatrics):
    login_as(biller)
    response = client.post(
        reverse("access_requests:add_facility"),
        formset_data([("npi", "1245319599"), ("npi", ""), ("npi", "")], note="New office"),
    )
    request = AccessRequest.objects.get(requester=biller)
    assert response.status_code == 302 and response.url == reverse("access_requests:detail", args=[request.uuid])
    page = client.get(response.url)
    assert b"Open" in page.content and b"NPI 1245319599" in page.content
    assert OutboundEmail.objects.filter(template="payer_new_request").exists()


def test_add_facility_shows_each_problem_next_to_its_row(client, login_as, biller, npi):
    login_as(biller)
    response = client.post(
        reverse("access_requests:add_facility"),
        formset_data([("npi", "1234567890"), ("npi", "1234567893"), ("tin", "12345")]),
    )
    assert response.status_code == 200
    errors = [form.errors.get("value") for form in response.context["formset"].forms]
    assert "check digit" in errors[0][0]
    assert errors[1] is None or "already have" in errors[1][0]
    assert "9 digits" in errors[2][0]
    assert not AccessRequest.objects.exists()


def test_add_facility_refuses_an_empty_request_and_too_many_rows(client, login_as, biller):
    login_as(biller)
    response = client.post(reverse("access_requests:add_facility"), formset_data([("npi", "")]))
    assert b"at least one provider ID" in response.content
    rows = [("office", f"OFF{i}") for i in range(21)]
    response = client.post(reverse("access_requests:add_facility"), formset_data(rows))
    assert response.status_code == 200 and not AccessRequest.objects.exists()


def test_request_detail_is_404_for_anyone_but_the_requester(client, login_as, biller, outsider, manager, pediatrics):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    url = reverse("access_requests:detail", args=[request.uuid])
    for user in (outsider, manager):
        login_as(user)
        assert client.get(url).status_code == 404
        client.logout()


def test_provider_users_get_403_on_every_control_panel_url(client, login_as, manager, biller, pediatrics):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    login_as(manager)
    thread = request.thread.uuid
    gets = [
        reverse("control_panel:home"),
        reverse("control_panel:mailbox"),
        reverse("control_panel:mailbox_thread", args=[thread]),
        reverse("control_panel:users"),
        reverse("control_panel:user", args=[biller.uuid]),
        reverse("control_panel:requests"),
    ]
    posts = [
        reverse("control_panel:mailbox_reply", args=[thread]),
        reverse("control_panel:mailbox_take", args=[thread]),
        reverse("control_panel:mailbox_decide", args=[thread]),
        reverse("control_panel:user_scope_add", args=[biller.uuid]),
        reverse("control_panel:user_status", args=[biller.uuid]),
        reverse("control_panel:user_password_reset", args=[biller.uuid]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"action": "disable", "reason": "x", "body": "x"}).status_code == 403, url
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_analyst_reviews_and_approves_on_one_screen(client, login_as, biller, payer_staff, pediatrics, hospital):
    request = access_request_create(
        requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019"), ("npi", "1992753883")]
    )
    login_as(payer_staff)
    mailbox = client.get(reverse("control_panel:mailbox") + "?show=requests")
    assert request.reference.encode() in mailbox.content
    url = reverse("control_panel:mailbox_thread", args=[request.thread.uuid])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Springfield Pediatrics" in content and "Not found" in content and "TIN 456789123" in content
    form = page.context["decision_form"]
    items = {row.item.value: row.item.pk for row in page.context["rows"]}
    data = {"reply": form.initial["reply"]}
    data[f"decision_{items['1245319599']}"] = "approve"
    data[f"decision_{items['1456789019']}"] = "approve"
    data[f"levels_{items['1456789019']}"] = ["level_claims", "level_eligibility"]
    data[f"decision_{items['1992753883']}"] = "deny"
    data[f"reason_{items['1992753883']}"] = "Not found in our claim system."
    response = client.post(reverse("control_panel:mailbox_decide", args=[request.thread.uuid]), data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.PARTIALLY_APPROVED
    assert {"1245319599", "1456789019"} <= set(provider_ids_in_scope(user=biller).values_list("value", flat=True))
    # A second submission of the same form changes nothing and says so.
    again = client.post(reverse("control_panel:mailbox_decide", args=[request.thread.uuid]), data, follow=True)
    assert b"already decided" in again.content


def test_forged_decision_fields_are_ignored_or_refused(client, login_as, biller, payer_staff, pediatrics):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    login_as(payer_staff)
    item = request.items.get()
    response = client.post(
        reverse("control_panel:mailbox_decide", args=[request.thread.uuid]),
        {f"decision_{item.pk}": "approve", f"levels_{item.pk}": ["level_manage_account"], "decision_999999": "approve"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    # Biller already held levels on this TIN: no level was touched, Manage Account least of all.
    from accounts.access import user_levels

    assert "level_manage_account" not in user_levels(user=biller, organization=pediatrics.organization)
    response = client.post(
        reverse("control_panel:mailbox_decide", args=[request.thread.uuid]), {"decision_abc": "approve"}
    )
    assert response.status_code == 302  # already decided


def test_decision_without_reason_is_a_form_error(client, login_as, biller, payer_staff, pediatrics):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    login_as(payer_staff)
    item = request.items.get()
    response = client.post(
        reverse("control_panel:mailbox_decide", args=[request.thread.uuid]), {f"decision_{item.pk}": "deny"}
    )
    assert response.status_code == 400
    assert b"give a reason" in response.content
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


@pytest.mark.parametrize("text", SEED_004)
def test_injection_in_note_and_reason_stays_text(client, login_as, biller, payer_staff, pediatrics, text):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")], note=text)
    login_as(payer_staff)
    item = request.items.get()
    client.post(
        reverse("control_panel:mailbox_decide", args=[request.thread.uuid]),
        {f"decision_{item.pk}": "deny", f"reason_{item.pk}": text, "reply": text},
    )
    page = client.get(reverse("control_panel:mailbox_thread", args=[request.thread.uuid])).content.decode()
    assert "<script>alert(1)</script>" not in page
    client.logout()
    login_as(biller)
    page = client.get(reverse("access_requests:detail", args=[request.uuid])).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_requests_list_filters_and_age(client, login_as, biller, payer_staff, pediatrics):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    login_as(payer_staff)
    response = client.get(reverse("control_panel:requests"))
    assert request.reference.encode() in response.content
    response = client.get(reverse("control_panel:requests") + "?status=denied")
    assert request.reference.encode() not in response.content
    response = client.get(reverse("control_panel:requests") + "?status=&tin=123456789")
    assert request.reference.encode() in response.content
    response = client.get(reverse("control_panel:requests") + "?tin=12ab")
    assert response.status_code == 200 and "tin" in response.context["form"].errors


def test_review_panel_query_count_is_constant(client, login_as, biller, payer_staff, org, django_assert_num_queries):
    small = access_request_create(requester=biller, items=[("npi", ProviderIdentifierFactory(organization=org).value)])
    large = access_request_create(
        requester=biller, items=[("npi", ProviderIdentifierFactory(organization=org).value) for _ in range(20)]
    )
    login_as(payer_staff)

    def count(request):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse("control_panel:mailbox_thread", args=[request.thread.uuid])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count(small) == count(large)
