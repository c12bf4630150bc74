"""The Control Panel menu asks every page whether its user reviews enrollments: from the cache."""

from unittest import mock

import pytest

from devdata.enrollment import staff_role_set
from enrollment.models import EnrollmentStaff, StaffRole
from enrollment.selectors import staff_role_for_menu

pytestmark = pytest.mark.django_db


def test_the_role_is_read_once_then_from_the_cache(payer_staff, django_assert_num_queries):
    staff_role_set(payer_staff, StaffRole.SPECIALIST)
    with django_assert_num_queries(1):
        assert staff_role_for_menu(payer_staff) == StaffRole.SPECIALIST
    with django_assert_num_queries(0):
        assert staff_role_for_menu(payer_staff) == StaffRole.SPECIALIST


def test_no_role_is_cached_too(payer_staff, django_assert_num_queries):
    assert staff_role_for_menu(payer_staff) is None
    with django_assert_num_queries(0):
        assert staff_role_for_menu(payer_staff) is None


def test_a_changed_or_removed_role_shows_at_once(payer_staff):
    assert staff_role_for_menu(payer_staff) is None
    staff_role_set(payer_staff, StaffRole.SPECIALIST)
    assert staff_role_for_menu(payer_staff) == StaffRole.SPECIALIST
    staff_role_set(payer_staff, StaffRole.SUPERVISOR)
    assert staff_role_for_menu(payer_staff) == StaffRole.SUPERVISOR
    EnrollmentStaff.objects.get(user=payer_staff).delete()
    assert staff_role_for_menu(payer_staff) is None


def test_with_the_cache_down_the_database_answers(payer_staff):
    staff_role_set(payer_staff, StaffRole.SUPERVISOR)
    with mock.patch("enrollment.selectors.cache.get", side_effect=ConnectionError("cache down")):
        assert staff_role_for_menu(payer_staff) == StaffRole.SUPERVISOR


def test_providers_have_no_role_without_a_query(biller, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert staff_role_for_menu(biller) is None
