"""The one access rule (accounts.access): ``Model.objects.restrict(user, level)`` for every model a
provider reaches through scope and level, with the named personas, and its query counts.

Personas (conftest.py): ``manager`` holds every level on ``org`` with ``npi`` in scope; ``biller``
holds Claims, Eligibility and Message Box there with ``npi``; ``outsider`` manages ``other_org``
with ``other_npi``; ``no_level_user`` holds nothing; ``payer_staff``; ``disabled_user`` (Claims on
``org``, disabled)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from access_requests.models import AccessRequest
from accounts.access import RestrictedQuerySet, managed_by, user_may
from accounts.models import AccessLevel, Membership, Organization, ProviderIdentifier, UserStatus
from accounts.tests.factories import ProviderIdentifierFactory
from claims.models import Claim, Member
from claims.tests.factories import ClaimFactory, MemberFactory
from conftest import make_provider
from mailbox.models import Participant, Thread, ThreadKind

pytestmark = pytest.mark.django_db

CLAIMS, MANAGE, MESSAGE_BOX = AccessLevel.CLAIMS, AccessLevel.MANAGE_ACCOUNT, AccessLevel.MESSAGE_BOX


@pytest.fixture
def people(manager, biller, outsider, no_level_user, payer_staff, disabled_user):
    return {
        "manager": manager,
        "biller": biller,
        "outsider": outsider,
        "no_level": no_level_user,
        "payer_staff": payer_staff,
        "disabled": disabled_user,
    }


def seen(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


# --- Claim ----------------------------------------------------------------------------------------


@pytest.fixture
def claims(npi, other_npi):
    return {"own": ClaimFactory(provider_identifier=npi), "other": ClaimFactory(provider_identifier=other_npi)}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("manager", {"own"}),
        ("biller", {"own"}),
        ("outsider", {"other"}),
        ("no_level", set()),
        ("payer_staff", set()),
        ("disabled", set()),
    ],
)
def test_claims(people, claims, persona, expected):
    assert seen(Claim.objects.restrict(people[persona], CLAIMS)) == {claims[k].pk for k in expected}


@pytest.mark.parametrize("persona", ["manager", "biller", "outsider", "no_level", "payer_staff", "disabled"])
@pytest.mark.parametrize("level", [CLAIMS, AccessLevel.AUTHORIZATIONS, None])
def test_restrict_listed_gives_the_same_rows(people, claims, org, persona, level):
    ClaimFactory(provider_identifier=ProviderIdentifierFactory(organization=org, value="1245319599"))
    user = people[persona]
    assert seen(Claim.objects.restrict_listed(user, level)) == seen(Claim.objects.restrict(user, level))
    assert seen(ProviderIdentifier.objects.restrict_listed(user, level)) == seen(
        ProviderIdentifier.objects.restrict(user, level)
    )


def test_restrict_listed_is_two_queries_and_one_without_reach(biller, no_level_user, claims, django_assert_num_queries):
    with django_assert_num_queries(2):  # the user's provider IDs, then the claims of that list
        assert len(list(Claim.objects.restrict_listed(biller, CLAIMS))) == 1
    with django_assert_num_queries(1):  # no provider ID: the claims' query is never sent
        assert list(Claim.objects.restrict_listed(no_level_user, CLAIMS)) == []


def test_restrict_listed_needs_a_provider_path():
    with pytest.raises(ImproperlyConfigured):
        Organization.objects.restrict_listed(None, CLAIMS)


def test_claims_need_the_level_asked_for(biller, claims):
    assert seen(Claim.objects.restrict(biller, AccessLevel.AUTHORIZATIONS)) == set()
    assert seen(Claim.objects.restrict(biller, None)) == {claims["own"].pk}  # None: any level


def test_a_claim_of_a_same_tin_id_outside_the_scope_is_hidden(org, biller):
    unscoped = ClaimFactory(provider_identifier=ProviderIdentifierFactory(organization=org, value="1245319599"))
    assert unscoped.pk not in seen(Claim.objects.restrict(biller, CLAIMS))


def test_claims_restrict_is_one_query(biller, claims, django_assert_num_queries):
    with django_assert_num_queries(1):  # the claims, with EXISTS on the scope and the level grants
        assert len(list(Claim.objects.restrict(biller, CLAIMS).select_related("provider_identifier"))) == 1


# --- ProviderIdentifier ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("manager", {"npi"}),
        ("biller", {"npi"}),
        ("outsider", {"other_npi"}),
        ("no_level", set()),
        ("payer_staff", set()),
        ("disabled", set()),
    ],
)
def test_provider_ids(people, npi, other_npi, persona, expected):
    ids = {"npi": npi.pk, "other_npi": other_npi.pk}
    assert seen(ProviderIdentifier.objects.restrict(people[persona], CLAIMS)) == {ids[k] for k in expected}


def test_in_scope_ignores_levels_and_status(org, npi):
    """What User Management and the Control Panel show of another user's scope."""
    user = make_provider("scoped@example.test", org, [], [npi])
    user.status = UserStatus.DISABLED
    user.save(update_fields=["status"])
    assert seen(ProviderIdentifier.objects.in_scope(user)) == {npi.pk}
    assert seen(ProviderIdentifier.objects.restrict(user, CLAIMS)) == set()


def test_user_may_is_the_same_rule(biller, outsider, npi, other_npi, payer_staff):
    assert user_may(user=biller, level=CLAIMS, provider_identifier=npi)
    assert not user_may(user=biller, level=MANAGE, provider_identifier=npi)
    assert not user_may(user=biller, level=CLAIMS, provider_identifier=other_npi)
    assert not user_may(user=outsider, level=CLAIMS, provider_identifier=npi)
    assert not user_may(user=payer_staff, level=CLAIMS, provider_identifier=npi)


# --- Organization ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "level", "expected"),
    [
        ("manager", MANAGE, {"org"}),
        ("biller", MANAGE, set()),
        ("biller", MESSAGE_BOX, {"org"}),
        ("biller", None, {"org"}),
        ("outsider", MANAGE, {"other_org"}),
        ("no_level", None, set()),
        ("payer_staff", None, set()),
        ("disabled", CLAIMS, set()),
    ],
)
def test_organizations(people, org, other_org, persona, level, expected):
    ids = {"org": org.pk, "other_org": other_org.pk}
    assert seen(Organization.objects.restrict(people[persona], level)) == {ids[k] for k in expected}


def test_organizations_restrict_is_one_query(manager, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(Organization.objects.restrict(manager, MANAGE))) == 1


# --- Member (the Eligibility lookup) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "found"),
    [
        ("manager", True),
        ("biller", True),
        ("outsider", True),  # the birth date is the proof, not the TIN
        ("no_level", False),
        ("payer_staff", False),
        ("disabled", False),
    ],
)
def test_members(people, persona, found):
    member = MemberFactory(date_of_birth=datetime.date(1956, 5, 12))
    assert seen(Member.objects.restrict(people[persona], AccessLevel.ELIGIBILITY)) == ({member.pk} if found else set())


def test_members_need_eligibility(org, npi):
    member = MemberFactory()
    claims_only = make_provider("claims-only@example.test", org, [CLAIMS], [npi])
    assert member.pk not in seen(Member.objects.restrict(claims_only, AccessLevel.ELIGIBILITY))


# --- AccessRequest --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("manager", {"own"}),
        ("biller", set()),
        ("outsider", {"other"}),
        ("no_level", set()),
        ("payer_staff", set()),
        ("disabled", set()),
    ],
)
def test_access_requests_by_organization(people, org, other_org, persona, expected):
    made = {}
    for key, organization in (("own", org), ("other", other_org), ("none", None)):
        thread = Thread.objects.create(kind=ThreadKind.PAYER, subject=key, organization=organization)
        made[key] = AccessRequest.objects.create(
            requester=people["biller"], organization=organization, thread=thread
        ).pk
    assert seen(AccessRequest.objects.restrict(people[persona], MANAGE)) == {made[k] for k in expected}


# --- Thread and Participant -----------------------------------------------------------------------


@pytest.fixture
def threads(org, manager, biller, outsider):
    colleague = Thread.objects.create(kind=ThreadKind.ORGANIZATION, subject="colleagues", organization=org)
    payer = Thread.objects.create(kind=ThreadKind.PAYER, subject="payer", organization=org)
    Participant.objects.bulk_create(
        [
            Participant(thread=colleague, user=manager),
            Participant(thread=colleague, user=biller),
            Participant(thread=payer, user=biller),
        ]
    )
    return {"colleague": colleague.pk, "payer": payer.pk}


def test_threads_are_their_participants(people, threads):
    assert seen(Thread.objects.restrict(people["biller"], MESSAGE_BOX)) == {threads["colleague"], threads["payer"]}
    assert seen(Thread.objects.restrict(people["manager"], MESSAGE_BOX)) == {threads["colleague"]}
    assert seen(Thread.objects.restrict(people["outsider"], MESSAGE_BOX)) == set()
    assert seen(Thread.objects.restrict(people["payer_staff"], MESSAGE_BOX)) == set()


def test_a_colleague_thread_needs_message_box_on_its_organization_now(org, biller, threads):
    from accounts.services.access import access_levels_set

    access_levels_set(actor=None, user=biller, organization=org, levels=[CLAIMS])
    assert seen(Thread.objects.restrict(biller, MESSAGE_BOX)) == {threads["payer"]}
    assert set(Participant.objects.restrict(biller, MESSAGE_BOX).values_list("thread_id", flat=True)) == {
        threads["payer"]
    }


def test_threads_restrict_is_one_query(biller, threads, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(Participant.objects.restrict(biller, MESSAGE_BOX).select_related("thread"))) == 2


# --- the users a manager manages ------------------------------------------------------------------


def test_managed_by(people, org, other_org, django_assert_num_queries):
    member_only = make_provider("member@example.test", org, [])
    Membership.objects.get_or_create(user=member_only, organization=org)
    with django_assert_num_queries(1):
        managed = seen(managed_by(manager=people["manager"]))
    assert managed == {people["manager"].pk, people["biller"].pk, people["disabled"].pk, member_only.pk}
    assert seen(managed_by(manager=people["manager"], organization=other_org)) == set()
    assert seen(managed_by(manager=people["outsider"])) == {people["outsider"].pk}
    for persona in ("biller", "no_level", "payer_staff", "disabled"):
        assert seen(managed_by(manager=people[persona])) == set(), persona


# --- declarations ---------------------------------------------------------------------------------


@isolate_apps("tests.restrict_app")
def test_a_model_without_a_declared_path_is_refused():
    class Undeclared(models.Model):
        class Meta:
            app_label = "restrict_app"

        def __str__(self) -> str:
            return str(self.pk)

    with pytest.raises(ImproperlyConfigured):
        RestrictedQuerySet(model=Undeclared).restrict(None, CLAIMS)


# --- an active account manager ---------------------------------------------------------------------


def test_has_active_manager_and_its_condition_agree(org, other_org, manager, biller, outsider):
    from accounts.access import active_manager_exists, has_active_manager

    def flagged():
        return set(Organization.objects.filter(active_manager_exists()).values_list("pk", flat=True))

    assert has_active_manager(organization=org)
    assert not has_active_manager(organization=org, other_than=manager)  # the biller manages nothing
    assert has_active_manager(organization=org, other_than=biller)
    assert flagged() == {org.pk, other_org.pk}
    second = make_provider("second@example.test", org, [MANAGE])
    assert has_active_manager(organization=org, other_than=manager)
    for user in (manager, second):
        user.status = UserStatus.DISABLED
        user.save(update_fields=["status"])
    assert not has_active_manager(organization=org)
    assert flagged() == {other_org.pk}
    assert has_active_manager(organization=other_org) and outsider.status == UserStatus.ACTIVE
