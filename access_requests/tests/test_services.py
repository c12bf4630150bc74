"""Add Facility rules: what may be asked, and how a decision is applied (once, in one transaction)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from access_requests.models import AccessRequest, ItemDecision, RequestStatus
from access_requests.services import (
    AlreadyDecided,
    ItemChoice,
    access_request_create,
    access_request_decide,
    decision_rows,
    default_levels,
)
from accounts.access import provider_ids_in_scope, user_levels
from accounts.models import AccessLevel
from accounts.tests.factories import OrganizationFactory, ProviderIdentifierFactory
from audit.models import AuditAction, AuditEvent
from mailbox.models import Message, ThreadKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def pediatrics(org):
    return ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")


@pytest.fixture
def hospital(db):
    organization = OrganizationFactory(name="Capital City Hospital", tin="456789123")
    return ProviderIdentifierFactory(
        organization=organization, value="1456789019", display_name="Capital City Hospital"
    )


def test_create_stores_items_and_opens_a_payer_thread(biller, pediatrics):
    request = access_request_create(
        requester=biller, items=[("npi", "1245319599"), ("vendor", "v-123")], note="New location"
    )
    assert request.status == RequestStatus.OPEN
    assert [(i.kind, i.value) for i in request.items.all()] == [("npi", "1245319599"), ("vendor", "V123")]
    assert request.thread.kind == ThreadKind.PAYER and request.thread.payer_unread
    first = request.thread.messages.get()
    assert "NPI 1245319599" in first.body and "Vendor ID V123" in first.body and "New location" in first.body
    assert request.reference in request.thread.subject
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_CREATED, target_id=str(request.uuid)).exists()


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([("npi", "1234567890")], "check digit"),
        ([("tin", "12345678")], "9 digits"),
        ([("npi", "1245319599"), ("npi", "1245319599")], "already in this request"),
        ([("npi", "1234567893")], "You already have"),
        ([], "between 1 and 20"),
        ([("npi", "1245319599")] * 0 + [("office", f"O{i}") for i in range(21)], "between 1 and 20"),
        ([("office", "bad id!")], "letters and digits"),
    ],
)
def test_create_refuses_bad_items(biller, npi, items, message):
    with pytest.raises(ValidationError, match=message):
        access_request_create(requester=biller, items=items)


def test_create_refuses_what_an_open_request_already_asks(biller):
    access_request_create(requester=biller, items=[("npi", "1245319599")])
    with pytest.raises(ValidationError, match="open request"):
        access_request_create(requester=biller, items=[("npi", "1245319599")])


def test_note_is_at_most_a_thousand_characters(biller):
    with pytest.raises(ValidationError):
        access_request_create(requester=biller, items=[("npi", "1245319599")], note="x" * 1001)


def test_review_rows_resolve_each_item(biller, pediatrics, hospital, npi, django_assert_num_queries):
    request = access_request_create(
        requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019"), ("npi", "1992753883")]
    )
    with django_assert_num_queries(4):
        # items; provider IDs matching any item; which of them are in scope; requester's levels
        rows = decision_rows(access_request=request)
    by_value = {row.item.value: row for row in rows}
    assert by_value["1245319599"].found and not by_value["1245319599"].already_granted
    assert not by_value["1245319599"].needs_levels  # biller holds levels on TIN 123456789
    assert by_value["1456789019"].needs_levels
    assert not by_value["1992753883"].found


def test_default_levels_never_include_manage_account(manager):
    assert AccessLevel.MANAGE_ACCOUNT not in default_levels(requester=manager)
    assert AccessLevel.CLAIMS in default_levels(requester=manager)


def approve_all(request, levels=None):
    return {item.pk: ItemChoice(approve=True, levels=levels or []) for item in request.items.all()}


def test_approval_grants_scope_and_levels_in_one_go(biller, pediatrics, hospital, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1245319599"), ("npi", "1456789019")])
    items = {i.value: i for i in request.items.all()}
    access_request_decide(
        access_request=request,
        reviewer=payer_staff,
        choices={
            items["1245319599"].pk: ItemChoice(approve=True),
            items["1456789019"].pk: ItemChoice(approve=True, levels=[AccessLevel.CLAIMS]),
        },
        reply="Done, thank you.",
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_by == payer_staff
    assert set(provider_ids_in_scope(user=biller).values_list("value", flat=True)) >= {"1245319599", "1456789019"}
    assert user_levels(user=biller, organization=hospital.organization) == {AccessLevel.CLAIMS}
    bodies = list(request.thread.messages.values_list("body", flat=True))
    assert "Added to your account" in bodies[-2] and "Springfield Pediatrics" in bodies[-2]
    assert bodies[-1] == "Done, thank you."
    actions = set(AuditEvent.objects.filter(actor=payer_staff).values_list("action", flat=True))
    assert {AuditAction.REQUEST_DECIDED, AuditAction.SCOPE_ADDED, AuditAction.LEVELS_CHANGED} <= actions


def test_partial_approval_and_denial_reasons(biller, pediatrics, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1245319599"), ("npi", "1992753883")])
    items = {i.value: i for i in request.items.all()}
    access_request_decide(
        access_request=request,
        reviewer=payer_staff,
        choices={
            items["1245319599"].pk: ItemChoice(approve=True),
            items["1992753883"].pk: ItemChoice(approve=False, reason="Not found in our claim system."),
        },
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PARTIALLY_APPROVED
    denied = request.items.get(value="1992753883")
    assert denied.decision == ItemDecision.DENIED and denied.reason == "Not found in our claim system."
    assert "1992753883" not in provider_ids_in_scope(user=biller).values_list("value", flat=True)


def test_deny_all(biller, pediatrics, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    item = request.items.get()
    access_request_decide(
        access_request=request, reviewer=payer_staff, choices={item.pk: ItemChoice(approve=False, reason="Not yours")}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DENIED
    assert not provider_ids_in_scope(user=biller).filter(value="1245319599").exists()


@pytest.mark.parametrize(
    "choice",
    [
        ItemChoice(approve=False, reason=""),  # a refusal needs a reason
        ItemChoice(approve=True, levels=[AccessLevel.MANAGE_ACCOUNT]),  # never through a request
        ItemChoice(approve=True, levels=["level_root"]),
    ],
)
def test_bad_decisions_change_nothing(biller, hospital, payer_staff, choice):
    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    item = request.items.get()
    with pytest.raises(ValidationError):
        access_request_decide(access_request=request, reviewer=payer_staff, choices={item.pk: choice})
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert not provider_ids_in_scope(user=biller).filter(value="1456789019").exists()


def test_a_new_tin_needs_levels_chosen(biller, hospital, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1456789019")])
    with pytest.raises(ValidationError, match="at least one access level"):
        access_request_decide(access_request=request, reviewer=payer_staff, choices=approve_all(request))


def test_unknown_ids_cannot_be_approved(biller, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1992753883")])
    with pytest.raises(ValidationError, match="not in the claim system"):
        access_request_decide(access_request=request, reviewer=payer_staff, choices=approve_all(request))


def test_forged_item_ids_are_refused(biller, pediatrics, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    other = access_request_create(requester=biller, items=[("office", "X1")])
    forged = {other.items.get().pk: ItemChoice(approve=True)}
    with pytest.raises(ValidationError, match="every requested ID"):
        access_request_decide(access_request=request, reviewer=payer_staff, choices=forged)


def test_only_payer_staff_decide(biller, manager, pediatrics):
    from django.core.exceptions import PermissionDenied

    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    with pytest.raises(PermissionDenied):
        access_request_decide(access_request=request, reviewer=manager, choices=approve_all(request))


def test_a_decided_request_is_not_decided_again(biller, pediatrics, payer_staff):
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    access_request_decide(access_request=request, reviewer=payer_staff, choices=approve_all(request))
    stale = AccessRequest.objects.get(pk=request.pk)
    stale.status = RequestStatus.OPEN  # as loaded by a second analyst before the first decided
    with pytest.raises(AlreadyDecided):
        access_request_decide(
            access_request=stale,
            reviewer=payer_staff,
            choices={i.pk: ItemChoice(approve=False, reason="Changed my mind") for i in request.items.all()},
        )
    assert AccessRequest.objects.get(pk=request.pk).status == RequestStatus.APPROVED
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_DECIDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_analysts_deciding_at_once_apply_once(biller, pediatrics, payer_staff):
    """Real threads with their own database connections race on the same request."""
    from accounts.tests.factories import UserFactory

    second = UserFactory(email="analyst2@example.test", kind="payer_staff")
    request = access_request_create(requester=biller, items=[("npi", "1245319599")])
    item_id = request.items.get().pk
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(reviewer, approve):
        try:
            loaded = AccessRequest.objects.get(pk=request.pk)
            barrier.wait(timeout=10)
            access_request_decide(
                access_request=loaded,
                reviewer=reviewer,
                choices={item_id: ItemChoice(approve=approve, reason="" if approve else "No")},
            )
            outcomes.append("applied")
        except AlreadyDecided:
            outcomes.append("already decided")
        except Exception as error:  # a database lock timeout would show here
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(payer_staff, True)),
        threading.Thread(target=decide, args=(second, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["already decided", "applied"]
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_DECIDED).count() == 1
    assert Message.objects.filter(thread=request.thread, sender__isnull=True).count() == 1


# --- the reply must match the decision ----------------------------------------------------------


def _rows_and_choices(biller, approvals: dict[str, bool]):
    from access_requests.services import ItemChoice, decision_rows

    org = biller.memberships.first().organization
    pids = [ProviderIdentifierFactory(organization=org, value=value) for value in approvals]
    request = access_request_create(requester=biller, items=[("npi", pid.value) for pid in pids])
    rows = decision_rows(access_request=request)
    choices = {row.item.pk: ItemChoice(approve=approvals[row.item.value], reason="No.") for row in rows}
    return rows, choices


@pytest.mark.parametrize(
    "reply, refused",
    [
        ("We have added NPI 1456789019 to your account.", True),
        ("Approved: NPI 1456789019.", True),
        ("We added these:\n- NPI 1245319599\n- NPI 1456789019", True),
        ("You now have access to 1456 789 019.", True),
        ("We added NPI 1245319599, but not NPI 1456789019.", False),
        ("We could not add NPI 1456789019: it is not your practice.", False),
        ("We have added these:\n- NPI 1245319599\n\nWe did not add these:\n- NPI 1456789019", False),
        ("NPI 1456789019 was denied.", False),
        ("Thank you for your request.", False),
    ],
)
def test_reply_problem_finds_a_refused_id_claimed_as_added(biller, reply, refused):
    from access_requests.services import reply_problem

    rows, choices = _rows_and_choices(biller, {"1245319599": True, "1456789019": False})
    problem = reply_problem(reply=reply, rows=rows, choices=choices)
    assert (problem is not None) == refused, problem


def test_reply_problem_when_nothing_is_added_refuses_any_added_wording(biller):
    from access_requests.services import decision_reply, reply_problem

    rows, choices = _rows_and_choices(biller, {"1456789019": False})
    problem = reply_problem(reply="Good news, your IDs were added.", rows=rows, choices=choices)
    assert "adds no provider ID" in problem
    assert reply_problem(reply="Sorry, we could not add it.", rows=rows, choices=choices) is None
    # The server's own text for a decision always passes its own check.
    suggested = decision_reply(access_request=rows[0].item.request, rows=rows, choices=choices)
    assert reply_problem(reply=suggested, rows=rows, choices=choices) is None
