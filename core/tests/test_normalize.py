"""One normalisation per kind of typed identifier, and every form that takes one applies it."""

import datetime
import io

import pytest
from django.urls import reverse

from access_requests.models import AccessRequest
from access_requests.tests.test_views import formset_data
from accounts.access import provider_ids_in_scope
from accounts.forms import LoginForm, OutboxPasswordResetForm, RegistrationForm
from accounts.models import User
from accounts.tests.factories import ProviderIdentifierFactory
from claims.forms import ClaimFilterForm, EligibilityForm
from claims.models import Claim, Member
from claims.services import claims_import, members_import
from claims.tests.factories import ClaimFactory, CoverageFactory, MemberFactory
from core import normalize
from user_management.forms.control_panel import ScopeAddForm, UserSearchForm
from user_management.forms.management import InvitationForm, OrganizationSearchForm, UserFilterForm

# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"), [("m100200301", "M100200301"), ("  M100-200 ", "M100-200"), ("", ""), (None, "")]
)
def test_member_id(typed, expected):
    assert normalize.member_id(typed) == expected


def test_claim_number():
    assert normalize.claim_number(" c2026000123\t") == "C2026000123"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123-45-6789", "123456789"),
        ("12-3456789", "123456789"),
        ("1234 567 893", "1234567893"),
        (" 1234-567-893 ", "1234567893"),
        ("1234\u2013567\u2013893", "1234567893"),  # a pasted en dash
        ("12345678x", "12345678x"),  # left for validation to refuse
    ],
)
def test_npi_and_tin_digits(typed, expected):
    assert normalize.npi(typed) == normalize.tin(typed) == expected


def test_provider_id_by_kind():
    assert normalize.provider_id("npi", "1234 567 893") == "1234567893"
    assert normalize.provider_id("vendor", " v-12 ab ") == "V12AB"


def test_email():
    assert normalize.email("  Biller@Example.TEST ") == "biller@example.test"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" Biller@Example.test ", "biller@example.test"),
        ("12-3456789", "123456789"),
        ("1234 567 893", "1234567893"),
        ("  Hibbert ", "Hibbert"),
        ("555-0101", "555-0101"),  # not a TIN or NPI: left as typed
    ],
)
def test_search_query(typed, expected):
    assert normalize.search_query(typed) == expected


# --- each form applies its rule ------------------------------------------------------------------


def test_claim_filters_normalise_member_id_and_claim_number():
    form = ClaimFilterForm({"member_id": " m555000111 ", "claim_number": "c2026000123"}, provider_ids=[])
    assert form.is_valid(), form.errors
    assert form.filters()["member_id"] == "M555000111"
    assert form.filters()["claim_number"] == "C2026000123"


def test_eligibility_normalises_member_id():
    form = EligibilityForm({"member_id": " m100200301 ", "date_of_birth": "1956-05-12"})
    assert form.is_valid(), form.errors
    assert form.lookup()["member_id"] == "M100200301"


def test_eligibility_still_refuses_other_characters():
    form = EligibilityForm({"member_id": "m1002<00301", "date_of_birth": "1956-05-12"})
    assert not form.is_valid() and "member_id" in form.errors


@pytest.mark.django_db
def test_login_form_normalises_email(rf):
    form = LoginForm(rf.post("/login/"), data={"username": " A@Example.TEST ", "password": "x"})
    form.is_valid()
    assert form.cleaned_data["username"] == "a@example.test"


def test_password_reset_form_normalises_email():
    form = OutboxPasswordResetForm({"email": " Biller@Example.TEST "})
    assert form.is_valid()
    assert form.cleaned_data["email"] == "biller@example.test"


def test_registration_form_normalises_email_tin_and_npi():
    form = RegistrationForm(
        {
            "full_name": "Nora New",
            "email": " Nora@Example.TEST ",
            "phone": "555-0101",
            "tin": "123-45-6789",
            "npi": "1234 567 893",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "nora@example.test"
    assert form.cleaned_data["tin"] == "123456789"
    assert form.cleaned_data["npi"] == "1234567893"
    form = RegistrationForm(
        {"full_name": "Nora", "email": "n@example.test", "phone": "1", "tin": "12-3456789", "npi": "1234-567-893"}
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["tin"], form.cleaned_data["npi"]) == ("123456789", "1234567893")


def test_registration_form_still_checks_the_npi_check_digit():
    form = RegistrationForm(
        {"full_name": "Nora", "email": "n@example.test", "phone": "1", "tin": "123456789", "npi": "1234 567 890"}
    )
    assert not form.is_valid() and "npi" in form.errors


@pytest.mark.django_db
def test_invitation_form_normalises_email_and_provider_ids(org, npi):
    form = InvitationForm(
        {
            "full_name": "New Biller",
            "email": " NewBiller@Example.TEST",
            "organization": str(org.uuid),
            "levels": ["level_claims"],
            "provider_ids": "1234-567-893",
        },
        organizations=[org],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "newbiller@example.test"
    assert form.cleaned_data["identifiers"] == [npi]


def test_search_forms_normalise():
    form = UserFilterForm({"q": " Biller@Example.test "}, organizations=[])
    form.is_valid()
    assert form.cleaned_data["q"] == "biller@example.test"
    form = UserSearchForm({"q": "123-45-6789"})
    form.is_valid()
    assert form.cleaned_data["q"] == "123456789"
    form = OrganizationSearchForm({"q": " 12-3456789 "})
    form.is_valid()
    assert form.cleaned_data["q"] == "123456789"


def test_control_panel_scope_form_normalises_by_kind():
    form = ScopeAddForm({"kind": "npi", "value": "1234 567 893"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == "1234567893"


# --- through the pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_claims_page_finds_a_lower_case_member_id_and_claim_number(client, login_as, biller, npi):
    ClaimFactory(provider_identifier=npi, claim_number="C2026000123", member_id="M100200301")
    login_as(biller)
    for params in ({"member_id": "m100200301"}, {"claim_number": " c2026000123 "}):
        response = client.get(reverse("claims:list"), params)
        assert [claim.claim_number for claim in response.context["page"]] == ["C2026000123"], params


@pytest.mark.django_db
def test_eligibility_page_covers_a_lower_case_member_id(client, login_as, biller):
    homer = MemberFactory(member_id="M100200301", date_of_birth=datetime.date(1956, 5, 12))
    CoverageFactory(member=homer, plan_code="PPO100", plan_name="Demo Health Plan PPO")
    login_as(biller)
    response = client.post(
        "/eligibility/", {"member_id": "m100200301", "date_of_birth": "1956-05-12", "date_of_service": "2026-03-02"}
    )
    assert "Covered on 03/02/2026" in response.text


@pytest.mark.django_db
def test_registration_page_stores_the_normalised_email(client, org):
    response = client.post(
        reverse("accounts:register"),
        {"full_name": "Nora New", "email": " Nora@Example.TEST ", "phone": "555", "tin": "123-45-6789", "npi": ""},
    )
    assert response.status_code == 200
    assert User.objects.filter(email="nora@example.test").exists()


@pytest.mark.django_db
def test_password_reset_page_finds_the_user_whatever_the_case(client, biller):
    from outbox.models import OutboundEmail

    client.post(reverse("accounts:password_reset"), {"email": " BILLER@Example.test "})
    assert OutboundEmail.objects.filter(to=biller.email).count() == 1


@pytest.mark.django_db
def test_add_facility_takes_an_npi_typed_with_dashes(client, login_as, biller, org):
    ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")
    login_as(biller)
    response = client.post(reverse("access_requests:add_facility"), formset_data([("npi", "1245-319-599")]))
    assert response.status_code == 302
    assert list(AccessRequest.objects.get(requester=biller).items.values_list("value", flat=True)) == ["1245319599"]


@pytest.mark.django_db
def test_user_management_search_with_a_typed_email(client, login_as, manager, biller):
    login_as(manager)
    response = client.get(reverse("accounts:user_management"), {"q": "  Biller@Example.TEST "})
    assert [user.email for user in response.context["page"].rows] == [biller.email]


@pytest.mark.django_db
def test_control_panel_search_and_scope_with_dashes(client, login_as, payer_staff, biller, org):
    pediatrics = ProviderIdentifierFactory(organization=org, value="1245319599", display_name="Springfield Pediatrics")
    login_as(payer_staff)
    found = client.get(reverse("control_panel:users"), {"q": "123-45-6789"}).context["page"].rows
    assert biller.email in [user.email for user in found]
    found = client.get(reverse("control_panel:users"), {"q": "1234 567 893"}).context["page"].rows
    assert biller.email in [user.email for user in found]
    client.post(reverse("control_panel:user_scope_add", args=[biller.uuid]), {"kind": "npi", "value": "1245-319-599"})
    assert pediatrics in provider_ids_in_scope(user=biller)


# --- the imports ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_members_import_upper_cases_member_ids():
    from claims.tests.test_import_members import GOOD, csv_text

    result = members_import(lines=io.StringIO(csv_text([{**GOOD, "member_id": "m100200301"}])))
    assert result.upserted == 1
    assert Member.objects.filter(member_id="M100200301").exists()


@pytest.mark.django_db
def test_claims_import_upper_cases_and_reduces_npis(npi):
    from claims.tests.test_services import GOOD, csv_text

    row = {**GOOD, "claim_number": "c2026000777", "member_id": "m1", "provider_id_kind": "npi"}
    row["provider_id_value"] = "1234-567-893"
    result = claims_import(lines=io.StringIO(csv_text([row])))
    assert result.upserted == 1, result.errors
    claim = Claim.objects.get(claim_number="C2026000777")
    assert claim.member_id == "M1" and claim.provider_identifier == npi
