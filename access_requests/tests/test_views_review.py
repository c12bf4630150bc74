"""The Control Panel's review panel: the reply follows the decision, failed forms come back whole,
TIN requests resolve to their organization, and the Requests list filters say what they show."""

import re

import pytest
from django.urls import reverse

from access_requests.models import AccessRequest, ItemDecision, RequestStatus
from access_requests.services import TIN_LISTED_IDS, access_request_create, access_request_decide
from accounts.access import provider_ids_in_scope, user_levels
from accounts.models import ProviderIdKind
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory
from audit.models import AuditAction, AuditEvent
from mailbox.models import Message

pytestmark = pytest.mark.django_db

STALE_REPLY = (
    "Hello,\n\nWe have added these provider IDs to your account:\n- NPI 1456789019 (Capital City Hospital)\n"
    "You will see them, and their claims, the next time you sign in.\n\nThank you."
)


@pytest.fixture
def pediatrics(org):
    return ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")


@pytest.fixture
def hospital_org(db):
    return OrganizationFactory(name="Capital City Hospital", tin="456789123")


@pytest.fixture
def hospital(hospital_org):
    return ProviderIdentifierFactory(
        organization=hospital_org, value="1456789019", display_name="Capital City Hospital"
    )


def decide_url(access_request):
    return reverse("control_panel:mailbox_decide", args=[access_request.thread.uuid])


def thread_url(access_request):
    return reverse("control_panel:mailbox_thread", args=[access_request.thread.uuid])


def preview_url(access_request):
    return reverse("control_panel:mailbox_reply_preview", args=[access_request.thread.uuid])


def items_by_value(access_request):
    return {item.value: item.pk for item in access_request.items.all()}


def replies(access_request):
    return list(
        Message.objects.filter(thread=access_request.thread, sender__isnull=False, from_payer=True).values_list(
            "body", flat=True
        )
    )


# --- 1. the reply follows the decision ----------------------------------------------------------


def test_deny_all_with_the_stale_added_reply_is_refused_and_nothing_is_sent(
    client, login_as, biller, payer_staff, hospital
):
    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    item = items_by_value(request)["1456789019"]
    login_as(payer_staff)
    data = {
        f"decision_{item}": "deny",
        f"reason_{item}": "Not your practice.",
        "reply_mode": "own",
        "reply": STALE_REPLY,
    }
    response = client.post(decide_url(request), data)
    assert response.status_code == 400
    form = response.context["decision_form"]
    assert "adds no provider ID" in form.errors["reply"][0]
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert replies(request) == [] and Message.objects.filter(thread=request.thread).count() == 1
    # The error sits next to the reply, and the reply the analyst typed is kept.
    content = response.content.decode()
    assert 'id="id_reply_error"' in content
    assert "We have added these provider IDs to your account:" in content


def test_deny_all_with_the_untouched_suggestion_sends_the_denial(client, login_as, biller, payer_staff, hospital):
    """Without script the textarea still shows the text for "approve": the server sends the one for
    the decision actually chosen."""
    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    item = items_by_value(request)["1456789019"]
    login_as(payer_staff)
    shown = client.get(thread_url(request)).context["decision_form"].initial["reply"]
    assert "We have added" in shown
    data = {
        f"decision_{item}": "deny",
        f"reason_{item}": "Not your practice.",
        f"levels_{item}": ["level_claims"],
        "reply_mode": "suggested",
        "reply": shown,
        "reply_shown": shown,
    }
    response = client.post(decide_url(request), data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.DENIED
    [reply] = replies(request)
    assert "We have added" not in reply and "added to your account" not in reply
    assert "We could not add these provider IDs:\n- NPI 1456789019: Not your practice." in reply
    assert "1456789019" not in provider_ids_in_scope(user=biller).values_list("value", flat=True)


def test_partial_approval_reply_lists_exactly_the_approved_ones(
    client, login_as, biller, payer_staff, pediatrics, hospital
):
    request = access_request_create(
        requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019"), ("npi", "1992753883")]
    )
    items = items_by_value(request)
    login_as(payer_staff)
    data = {
        f"decision_{items['1245319599']}": "approve",
        f"decision_{items['1456789019']}": "approve",
        f"levels_{items['1456789019']}": ["level_claims", "level_eligibility"],
        f"decision_{items['1992753883']}": "deny",
        f"reason_{items['1992753883']}": "Not found in our claim system.",
        "reply_mode": "suggested",
        "reply": "",
    }
    assert client.post(decide_url(request), data).status_code == 302
    [reply] = replies(request)
    added = reply.split("We have added these provider IDs to your account:\n")[1].split("\nYou will see them")[0]
    assert added.splitlines() == [
        "- NPI 1245319599 (Springfield Pediatrics)",
        "- NPI 1456789019 (Capital City Hospital)",
    ]
    assert "- TIN 456789123 (Capital City Hospital): Claims, Eligibility" in reply
    assert "We could not add these provider IDs:\n- NPI 1992753883: Not found in our claim system." in reply
    request.refresh_from_db()
    assert request.status == RequestStatus.PARTIALLY_APPROVED


def test_a_suggestion_edited_without_choosing_own_reply_is_kept_and_refused(
    client, login_as, biller, payer_staff, pediatrics
):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    item = items_by_value(request)["1245319599"]
    login_as(payer_staff)
    shown = client.get(thread_url(request)).context["decision_form"].initial["reply"]
    edited = shown + "\nCall us if anything looks wrong."
    data = {f"decision_{item}": "approve", "reply_mode": "suggested", "reply": edited, "reply_shown": shown}
    response = client.post(decide_url(request), data)
    assert response.status_code == 400
    assert "My own reply" in response.context["decision_form"].errors["reply"][0]
    assert "Call us if anything looks wrong." in response.content.decode()
    data["reply_mode"] = "own"
    assert client.post(decide_url(request), data).status_code == 302
    assert replies(request) == [edited]


def test_own_reply_naming_a_refused_id_as_added_is_refused(client, login_as, biller, payer_staff, pediatrics, hospital):
    request = access_request_create(requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019")])
    items = items_by_value(request)
    login_as(payer_staff)
    base = {
        f"decision_{items['1245319599']}": "approve",
        f"decision_{items['1456789019']}": "deny",
        f"reason_{items['1456789019']}": "Not your practice.",
        "reply_mode": "own",
    }
    for wrong in (
        "We approved NPI 1456-789-019 today.",
        "Good news, we have added these:\n- NPI 1245319599\n- NPI 1456789019",
    ):
        response = client.post(decide_url(request), {**base, "reply": wrong})
        assert response.status_code == 400, wrong
        assert "NPI 1456789019 was added or approved" in response.context["decision_form"].errors["reply"][0]
    right = "We added NPI 1245319599, but not NPI 1456789019: it is not your practice."
    assert client.post(decide_url(request), {**base, "reply": right}).status_code == 302
    assert replies(request) == [right]


def test_the_service_refuses_a_reply_that_claims_a_refused_id(biller, payer_staff, hospital):
    from django.core.exceptions import ValidationError

    from access_requests.services import ItemChoice

    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    item = request.items.get()
    with pytest.raises(ValidationError) as error:
        access_request_decide(
            access_request=request,
            reviewer=payer_staff,
            choices={item.pk: ItemChoice(approve=False, reason="No.")},
            reply=STALE_REPLY,
        )
    assert "reply" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_reply_preview_follows_the_choices(client, login_as, biller, payer_staff, manager, pediatrics, hospital):
    request = access_request_create(requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019")])
    items = items_by_value(request)
    url = preview_url(request)
    data = {
        f"decision_{items['1245319599']}": "approve",
        f"decision_{items['1456789019']}": "deny",
        f"reason_{items['1456789019']}": "Not your practice.",
    }
    assert client.post(url, data).status_code == 302  # anonymous → sign in
    login_as(manager)
    assert client.post(url, data).status_code == 403  # provider users never reach the Control Panel
    client.logout()
    login_as(payer_staff)
    assert client.get(url).status_code == 405
    missing = reverse("control_panel:mailbox_reply_preview", args=["00000000-0000-0000-0000-000000000000"])
    assert client.post(missing, data).status_code == 404
    response = client.post(url, data)
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert "We have added these provider IDs to your account:\n- NPI 1245319599 (Springfield Pediatrics)\n" in reply
    assert "- NPI 1456789019: Not your practice." in reply
    assert "1456789019 (Capital" not in reply
    assert not Message.objects.filter(thread=request.thread, sender=payer_staff).exists()  # nothing sent
    assert AccessRequest.objects.get(pk=request.pk).status == RequestStatus.OPEN
    data["reply_mode"] = "suggested"
    assert client.post(decide_url(request), data).status_code == 302
    assert client.post(url, data).status_code == 409  # decided: there is nothing left to preview


# --- 2. a failed form comes back whole -----------------------------------------------------------


def test_deny_without_reason_comes_back_with_every_choice_and_the_error_next_to_it(
    client, login_as, biller, payer_staff, pediatrics, hospital
):
    request = access_request_create(requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019")])
    items = items_by_value(request)
    login_as(payer_staff)
    data = {
        f"decision_{items['1245319599']}": "deny",
        f"reason_{items['1245319599']}": "",
        f"decision_{items['1456789019']}": "approve",
        f"levels_{items['1456789019']}": ["level_eligibility"],
        "reply_mode": "own",
        "reply": "My own words <b>kept</b>.",
    }
    response = client.post(decide_url(request), data)
    assert response.status_code == 400
    content = response.content.decode()
    pediatrics_item, hospital_item = items["1245319599"], items["1456789019"]
    # The whole form is there, with what the analyst chose and typed.
    assert 'action="' + decide_url(request) + '"' in content
    assert re.search(
        rf'value="deny"[^>]*name="decision_{pediatrics_item}"[^>]*checked|'
        rf'name="decision_{pediatrics_item}" value="deny"[^>]*checked',
        content,
    )
    assert re.search(rf'name="decision_{hospital_item}" value="approve"[^>]*checked', content)
    assert re.search(rf'name="levels_{hospital_item}" value="level_eligibility"[^>]*checked', content)
    assert not re.search(rf'name="levels_{hospital_item}" value="level_claims"[^>]*checked', content)
    assert re.search(r'name="reply_mode" value="own"[^>]*checked', content)
    assert "My own words &lt;b&gt;kept&lt;/b&gt;." in content
    # The error is next to the reason field and in the summary at the top, linking to it.
    assert f'id="id_reason_{pediatrics_item}_error"' in content
    assert f'href="#id_reason_{pediatrics_item}"' in content
    assert content.index("error-summary") < content.index('id="messages-heading"')
    assert "<title>Error:" in content
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_missing_levels_error_links_to_the_level_checkboxes(client, login_as, biller, payer_staff, hospital):
    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    item = items_by_value(request)["1456789019"]
    login_as(payer_staff)
    response = client.post(decide_url(request), {f"decision_{item}": "approve", "reply_mode": "suggested"})
    assert response.status_code == 400
    content = response.content.decode()
    assert f'href="#id_levels_{item}_0"' in content and f'id="id_levels_{item}_0"' in content
    assert f'id="id_levels_{item}_error"' in content


# --- 3. a TIN resolves to its organization -------------------------------------------------------


@pytest.fixture
def tin_request(biller, hospital_org, hospital):
    second = ProviderIdentifierFactory(organization=hospital_org, display_name="Capital City Clinic")
    tin_pid = ProviderIdentifierFactory(
        organization=hospital_org, kind=ProviderIdKind.TIN, value="456789123", display_name="Capital City Hospital"
    )
    request = access_request_create(requester=biller, items=[("tin", "456789123")])
    return request, [hospital, second, tin_pid]


def test_a_tin_request_shows_the_organization_and_its_provider_ids(client, login_as, payer_staff, tin_request):
    request, pids = tin_request
    login_as(payer_staff)
    response = client.get(thread_url(request))
    content = response.content.decode()
    assert "Not found" not in content
    assert "Capital City Hospital, TIN 456789123, 3 provider IDs" in content
    assert "Approve the whole TIN (all 3 provider IDs)" in content
    for pid in pids:
        assert f'value="{pid.uuid}"' in content


def test_approving_chosen_provider_ids_of_a_tin_grants_exactly_those(
    client, login_as, biller, payer_staff, tin_request
):
    request, (hospital, second, tin_pid) = tin_request
    item = request.items.get().pk
    login_as(payer_staff)
    data = {
        f"decision_{item}": "approve_some",
        f"pids_{item}": [str(second.uuid)],
        f"levels_{item}": ["level_claims"],
        "reply_mode": "suggested",
    }
    assert client.post(decide_url(request), data).status_code == 302
    scope = set(provider_ids_in_scope(user=biller).filter(organization=second.organization))
    assert scope == {second}
    assert user_levels(user=biller, organization=second.organization) == {"level_claims"}
    decided = request.items.get()
    assert decided.decision == ItemDecision.APPROVED and decided.organization == second.organization
    assert set(decided.granted_provider_ids.all()) == {second}
    event = AuditEvent.objects.get(action=AuditAction.SCOPE_ADDED, organization=second.organization)
    assert event.details["provider_ids"] == [f"NPI {second.value}"]
    [reply] = replies(request)
    assert f"- TIN 456789123 (Capital City Hospital): 1 of its provider IDs (NPI {second.value})" in reply
    # The decided request still reads right on the panel and on the requester's page.
    page = client.get(thread_url(request)).content.decode()
    assert "Capital City Hospital, TIN 456789123, 3 provider IDs" in page and "Approved" in page
    assert "Apply decision and reply" not in page
    client.logout()
    login_as(biller)
    detail = client.get(reverse("access_requests:detail", args=[request.uuid])).content.decode()
    assert "Capital City Hospital, TIN 456789123" in detail


def test_approving_the_whole_tin_grants_all_its_ids_and_shows_held_ones(
    client, login_as, biller, payer_staff, tin_request
):
    from accounts.services.access import scope_add

    request, pids = tin_request
    scope_add(actor=payer_staff, user=biller, provider_identifiers=[pids[0]])
    item = request.items.get().pk
    login_as(payer_staff)
    page = client.get(thread_url(request)).content.decode()
    assert "Already granted" in page and f'value="{pids[0].uuid}"' not in page
    assert "of which the requester has 1" in page
    data = {f"decision_{item}": "approve", f"levels_{item}": ["level_claims"], "reply_mode": "suggested"}
    assert client.post(decide_url(request), data).status_code == 302
    assert set(provider_ids_in_scope(user=biller).filter(organization=pids[0].organization)) == set(pids)
    assert AccessRequest.objects.get(pk=request.pk).status == RequestStatus.APPROVED


def test_ticking_nothing_or_refusing_an_npi_of_an_approved_tin_is_an_error(
    client, login_as, biller, payer_staff, hospital_org, hospital
):
    request = access_request_create(requester=biller, items=[("tin", "456789123"), ("npi", "1456789019")])
    items = items_by_value(request)
    login_as(payer_staff)
    data = {
        f"decision_{items['456789123']}": "approve_some",
        f"levels_{items['456789123']}": ["level_claims"],
        f"decision_{items['1456789019']}": "deny",
        f"reason_{items['1456789019']}": "No.",
        "reply_mode": "suggested",
    }
    response = client.post(decide_url(request), data)
    assert response.status_code == 400
    assert "tick at least one provider ID" in response.context["decision_form"].errors[f"pids_{items['456789123']}"][0]
    data[f"decision_{items['456789123']}"] = "approve"
    response = client.post(decide_url(request), data)
    assert response.status_code == 400
    assert "belongs to TIN 456789123" in response.context["decision_form"].errors[f"decision_{items['1456789019']}"][0]
    assert AccessRequest.objects.get(pk=request.pk).status == RequestStatus.OPEN


def test_a_large_tin_is_capped_and_costs_the_same_queries(
    client, login_as, biller, payer_staff, hospital_org, django_assert_num_queries
):
    small_org = OrganizationFactory(tin="222333444")
    ProviderIdentifierFactory.create_batch(2, organization=small_org)
    ProviderIdentifierFactory.create_batch(TIN_LISTED_IDS + 30, organization=hospital_org)
    small = access_request_create(requester=biller, items=[("tin", "222333444")])
    large = access_request_create(requester=biller, items=[("tin", "456789123")])
    login_as(payer_staff)
    client.get(thread_url(small))
    client.get(thread_url(large))  # both threads read once, so no read state is written below
    # session, user, OTP device; thread; request; items; organizations by TIN; the provider IDs
    # listed with their count (one window query); granted among them; granted per TIN; requester's
    # levels (review rows, default levels); navigation levels; unread count; messages
    for request in (small, large):
        with django_assert_num_queries(15):
            response = client.get(thread_url(request))
        assert response.status_code == 200
    content = response.content.decode()
    assert "Approve the whole TIN (all 80 provider IDs)" in content
    assert content.count('name="pids_') == TIN_LISTED_IDS
    assert "30 more are not" in content


# --- 4. the Requests list says what it shows -----------------------------------------------------


@pytest.fixture
def requests_of_each_status(biller, payer_staff, org):
    from access_requests.services import ItemChoice

    made = {}
    for status in ("open", "approved", "denied", "partially_approved"):
        pids = [ProviderIdentifierFactory(organization=org) for _ in range(2)]
        request = access_request_create(requester=biller, items=[("npi", pid.value) for pid in pids])
        items = list(request.items.all())
        if status != "open":
            approve = {"approved": [True, True], "denied": [False, False], "partially_approved": [True, False]}[status]
            access_request_decide(
                access_request=request,
                reviewer=payer_staff,
                choices={
                    i.pk: ItemChoice(approve=a, reason="" if a else "No.") for i, a in zip(items, approve, strict=True)
                },
            )
        made[status] = request
    return made


@pytest.mark.parametrize(
    "query, shown",
    [
        ("", {"open"}),
        ("?status=open", {"open"}),
        ("?status=any", {"open", "approved", "denied", "partially_approved"}),
        ("?status=approved", {"approved"}),
        ("?status=denied", {"denied"}),
        ("?status=partially_approved", {"partially_approved"}),
        ("?status=any&tin=123456789", {"open", "approved", "denied", "partially_approved"}),
        ("?status=any&age=30", set()),
    ],
)
def test_requests_filter_shows_what_it_says(client, login_as, payer_staff, requests_of_each_status, query, shown):
    login_as(payer_staff)
    response = client.get(reverse("control_panel:requests") + query)
    assert response.status_code == 200
    content = response.content.decode()
    listed = {status for status, request in requests_of_each_status.items() if request.reference in content}
    assert listed == shown
    word = "request matches" if len(shown) == 1 else "requests match"
    assert f"{len(shown)} {word} these filters." in content
    # The select reads what is applied.
    status = re.search(r"[?&]status=(\w+)", query)
    selected = re.search(r'<option value="(\w+)" selected>', content).group(1)
    assert selected == (status.group(1) if status else "open")


def test_requests_filter_rejects_a_bad_tin_and_keeps_it(client, login_as, payer_staff, requests_of_each_status):
    login_as(payer_staff)
    response = client.get(reverse("control_panel:requests") + "?status=any&tin=12ab")
    assert response.status_code == 200
    assert "tin" in response.context["form"].errors and 'value="12ab"' in response.content.decode()
    assert "Fix the filter to see requests." in response.content.decode()


def test_requests_filter_query_count_is_constant(
    client, login_as, payer_staff, requests_of_each_status, django_assert_num_queries
):
    login_as(payer_staff)
    url = reverse("control_panel:requests") + "?status=any"
    client.get(url)
    # session, user, OTP device; active analysts (the filter's choices); the count; the page;
    # navigation levels; unread count
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
