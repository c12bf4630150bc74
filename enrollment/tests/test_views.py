"""The enrollment pages: sign-in, methods, reach (404), rights (403 and hidden), forms that fail
whole, the webhook, and query counts that do not grow with the number of applications."""

import json

import pytest
import stripe
from django.test import override_settings
from django.urls import reverse

from conftest import verified_login
from devdata.enrollment import filled_application, npi_with_check_digit
from enrollment import services
from enrollment.models import EnrollmentApplication, Location, Owner, Section, SectionAccess, Status
from enrollment.tests.conftest import VALID_TIN, locations_writer, ready

pytestmark = pytest.mark.django_db


def summary(application):
    return reverse("enrollment:summary", args=[application.uuid])


def section_url(application, section):
    return reverse("enrollment:section", args=[application.uuid, section])


def test_anonymous_goes_to_sign_in(client, application):
    response = client.get(summary(application))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_wrong_method_is_405(client, application, admin_user):
    verified_login(client, admin_user)
    assert client.post(summary(application)).status_code == 405
    assert client.get(reverse("enrollment:submit", args=[application.uuid])).status_code == 200
    assert client.put(reverse("enrollment:submit", args=[application.uuid])).status_code == 405
    assert client.get(reverse("enrollment:stripe_webhook")).status_code == 405


def test_an_outsider_gets_404(client, application, stranger):
    verified_login(client, stranger)
    assert client.get(summary(application)).status_code == 404
    assert client.get(section_url(application, "locations")).status_code == 404
    assert client.post(reverse("enrollment:submit", args=[application.uuid])).status_code == 404


def test_payer_staff_get_403_on_provider_pages(client, application, specialist):
    verified_login(client, specialist)
    assert client.get(summary(application)).status_code == 403


def test_the_happy_path_of_creating(client, admin_user):
    verified_login(client, admin_user)
    response = client.post(reverse("enrollment:new"), {"kind": "facility", "legal_name": "Kwik-E-Clinic"})
    application = EnrollmentApplication.objects.get(legal_name="Kwik-E-Clinic")
    assert response.status_code == 302 and response["Location"] == summary(application)
    page = client.get(summary(application)).content.decode()
    assert "What is missing" in page and "Users and rights" in page and "$750.00" in page


def test_a_bad_npi_comes_back_next_to_its_field_and_saves_nothing(client, application, admin_user):
    verified_login(client, admin_user)
    response = client.post(
        section_url(application, "identification"),
        {"legal_name": "Springfield General", "npi": "1234567890", "tin": VALID_TIN, "taxonomy_code": "282N00000X"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_npi_error"' in html and "check digit" in html and 'value="Springfield General"' in html
    application.refresh_from_db()
    assert application.npi == ""


def test_ownership_over_100_comes_back_with_the_error(client, application, admin_user):
    verified_login(client, admin_user)
    url = section_url(application, "ownership")
    assert client.post(url, {"kind": "person", "name": "A", "role": "owner", "percent": "80"}).status_code == 302
    response = client.post(url, {"kind": "person", "name": "B", "role": "owner", "percent": "30"})
    assert response.status_code == 400 and 'id="id_percent_error"' in response.content.decode()
    assert Owner.objects.count() == 1


def test_a_bad_routing_number_comes_back_with_the_error(client, application, admin_user):
    verified_login(client, admin_user)
    response = client.post(
        section_url(application, "bank"),
        {"holder_name": "X", "routing_number": "021000022", "account_number": "12345678"},
    )
    assert response.status_code == 400 and 'id="id_routing_number_error"' in response.content.decode()


def test_the_bank_account_is_shown_masked(client, application, admin_user):
    services.bank_account_save(
        actor=admin_user,
        application=application,
        holder_name="X",
        routing_number="021000021",
        account_number="000123456789",
    )
    verified_login(client, admin_user)
    html = client.get(summary(application)).content.decode()
    html += client.get(section_url(application, "bank")).content.decode()
    assert "000123456789" not in html and "••••6789" in html


def test_a_read_only_user_sees_text_and_no_submit_button(client, application, admin_user, colleague):
    ready(application, admin_user)
    locations_writer(application, admin_user, colleague)
    verified_login(client, colleague)
    owners = client.get(section_url(application, "ownership")).content.decode()
    # Text, not disabled inputs: no field of the owner form at all.
    assert "C. Montgomery Burns" in owners
    assert 'name="percent"' not in owners and 'name="name"' not in owners and "disabled" not in owners
    assert "You may read this section." in owners
    locations = client.get(section_url(application, "locations")).content.decode()
    assert 'name="address_line1"' in locations
    page = client.get(summary(application)).content.decode()
    assert reverse("enrollment:submit", args=[application.uuid]) not in page
    assert reverse("enrollment:users", args=[application.uuid]) not in page
    assert reverse("enrollment:sign", args=[application.uuid]) not in page


def test_a_forged_section_write_by_a_reader_is_403_and_changes_nothing(client, application, admin_user, colleague):
    locations_writer(application, admin_user, colleague)
    verified_login(client, colleague)
    response = client.post(
        section_url(application, "ownership"), {"kind": "person", "name": "X", "role": "o", "percent": "5"}
    )
    assert response.status_code == 403
    assert not Owner.objects.exists()


def test_a_section_without_access_is_403(client, application, admin_user, colleague):
    services.grant_invite(
        actor=admin_user,
        application=application,
        email=colleague.email,
        full_name="",
        sections={Section.LOCATIONS: SectionAccess.WRITE},
        rights={},
    )
    verified_login(client, colleague)
    assert client.get(section_url(application, "bank")).status_code == 403
    assert client.get(section_url(application, "locations")).status_code == 200


def test_a_forged_submit_without_the_right_is_403(client, application, admin_user, colleague):
    ready(application, admin_user)
    locations_writer(application, admin_user, colleague)
    verified_login(client, colleague)
    for name in ("submit", "sign", "pay", "users"):
        assert client.post(reverse(f"enrollment:{name}", args=[application.uuid])).status_code == 403, name
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submit_without_signature_says_why(client, application, admin_user):
    verified_login(client, admin_user)
    response = client.post(reverse("enrollment:submit", args=[application.uuid]), follow=True)
    html = response.content.decode()
    assert "must be signed" in html and "Pay the application fee" in html
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_sign_pay_and_submit_through_the_pages(client, application, admin_user):
    from enrollment.tests.conftest import fill

    fill(application, admin_user)
    verified_login(client, admin_user)
    sign = reverse("enrollment:sign", args=[application.uuid])
    assert client.post(sign, {"typed_name": "Wrong Name", "attest": "on"}).status_code == 400
    assert client.post(sign, {"typed_name": admin_user.full_name, "attest": "on"}).status_code == 302
    response = client.post(reverse("enrollment:pay", args=[application.uuid]))
    assert response.status_code == 302
    test_page = client.get(response["Location"]).content.decode()
    assert "Test payment" in test_page
    assert client.post(response["Location"]).status_code == 302
    assert client.post(reverse("enrollment:submit", args=[application.uuid])).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.fee_paid_at


def test_the_admin_invites_a_user_through_the_page(client, application, admin_user, colleague):
    verified_login(client, admin_user)
    data = {"email": colleague.email, **{f"section_{s.value}": "read" for s in Section}, "can_submit": "on"}
    assert client.post(reverse("enrollment:users", args=[application.uuid]), data).status_code == 302
    grant = services.grant_of(user=colleague, application=application)
    assert (
        grant.can_submit and not grant.can_sign and grant.may_read(Section.BANK) and not grant.may_write(Section.BANK)
    )


# --- the Control Panel -----------------------------------------------------------------------------


def test_the_queue_needs_an_enrollment_role(client, payer_staff):
    verified_login(client, payer_staff)
    assert client.get(reverse("control_panel:enrollment_queue")).status_code == 403


def test_a_specialist_cannot_approve(client, application, admin_user, specialist):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    verified_login(client, specialist)
    page = client.get(reverse("control_panel:enrollment", args=[application.uuid])).content.decode()
    assert (
        "Return for correction" in page
        and reverse("control_panel:enrollment_approve", args=[application.uuid]) not in page
    )
    assert client.post(reverse("control_panel:enrollment_approve", args=[application.uuid])).status_code == 403
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW


def test_a_draft_is_not_in_the_control_panel(client, application, supervisor):
    verified_login(client, supervisor)
    assert client.get(reverse("control_panel:enrollment", args=[application.uuid])).status_code == 404


def test_return_without_any_correction_comes_back(client, application, admin_user, specialist):
    ready(application, admin_user)
    services.application_submit(actor=admin_user, application=application)
    services.application_take(actor=specialist, application=application)
    verified_login(client, specialist)
    response = client.post(reverse("control_panel:enrollment_return", args=[application.uuid]), {})
    assert response.status_code == 400 and "at least one correction" in response.content.decode()


# --- the webhook -----------------------------------------------------------------------------------

SECRET = "whsec_view_test"


@override_settings(ENROLLMENT_PAYMENT_PROCESSOR="stripe", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY="sk_test_x")
def test_the_webhook_with_a_bad_signature_is_400_and_changes_nothing(client, application, admin_user):
    from enrollment.models import Payment

    payment = Payment.objects.create(
        application=application, processor="stripe", external_id="cs_view_1", amount_cents=75000, started_by=admin_user
    )
    payload = json.dumps(
        {
            "id": "evt_v",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_view_1", "object": "checkout.session", "payment_status": "paid"}},
        }
    )
    url = reverse("enrollment:stripe_webhook")
    bad = stripe.WebhookSignature.generate_signature_header(payload, "whsec_other")
    response = client.post(url, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=bad)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"
    good = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    assert client.post(url, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=good).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "paid"


# --- query counts ----------------------------------------------------------------------------------


def _many(admin_user, count):
    for index in range(count):
        services.application_create(actor=admin_user, kind="facility", legal_name=f"Clinic {index}")


def _count(django_assert_num_queries, client, url, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# Session, user, OTP device; the COUNT of the restricted applications; the navigation's levels, its
# Message Box right (one EXISTS on the grants) and unread count; the page of rows (the user's own
# grant's admin flag as a subquery, so no query per row).
LIST_QUERIES = 8


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_costs_the_same_at_few_and_many(client, admin_user, django_assert_num_queries, count):
    """The same number of queries with 1 and with 12 applications."""
    _many(admin_user, count)
    verified_login(client, admin_user)
    client.get(reverse("enrollment:list"))
    _count(django_assert_num_queries, client, reverse("enrollment:list"), LIST_QUERIES)


# Session, user, OTP device; the application (bank account and people joined); the prefetches of
# locations, licenses, owners, specialties, documents, corrections, events and their actors (8);
# the user's grant; the navigation's levels, Message Box right and unread count. Completeness,
# the signature's hash and the submit blockers are computed from the prefetched rows.
SUMMARY_QUERIES = 16


@pytest.mark.parametrize("extra_locations", [0, 10])
def test_the_summary_costs_the_same_with_more_rows(client, admin_user, django_assert_num_queries, extra_locations):
    """The same number of queries with 1 and with 11 locations."""
    application = filled_application(
        admin=admin_user, legal_name="Few", npi=npi_with_check_digit("170000000"), tin=VALID_TIN
    )
    Location.objects.bulk_create(
        [
            Location(
                application=application,
                address_line1=f"{i} Side St",
                city="S",
                state="IL",
                postal_code="62701",
                phone="1",
                hours="x",
            )
            for i in range(extra_locations)
        ]
    )
    verified_login(client, admin_user)
    client.get(summary(application))
    _count(django_assert_num_queries, client, summary(application), SUMMARY_QUERIES)


# Session, user, OTP device; the enrollment role; the COUNT of the filtered queue; the counts by
# status; the navigation's levels and the Mailbox badge; the page of rows with the reviewer joined.
QUEUE_QUERIES = 9


@pytest.mark.parametrize("count", [1, 8])
def test_the_queue_costs_the_same_at_few_and_many(client, admin_user, specialist, django_assert_num_queries, count):
    """The same number of queries with 1 and with 8 submitted applications."""
    for index in range(count):
        application = filled_application(
            admin=admin_user,
            legal_name=f"Q{index}",
            npi=npi_with_check_digit(f"18000000{index}"),
            tin=f"55512345{index}",
        )
        services.application_submit(actor=admin_user, application=application)
    verified_login(client, specialist)
    client.get(reverse("control_panel:enrollment_queue"))
    _count(django_assert_num_queries, client, reverse("control_panel:enrollment_queue"), QUEUE_QUERIES)


@pytest.mark.parametrize(
    ("status", "css"),
    [
        ("draft", "usa-tag"),
        ("submitted", "usa-tag"),
        ("returned", "usa-tag bg-gold text-ink"),
        ("approved", "usa-tag bg-green"),
        ("denied", "usa-tag bg-secondary-dark"),
        ("rejected", "usa-tag bg-secondary-dark"),
    ],
)
def test_each_status_has_its_tag_colour(status, css):
    from enrollment.models import EnrollmentApplication

    assert EnrollmentApplication(status=status).status_tag_class == css
