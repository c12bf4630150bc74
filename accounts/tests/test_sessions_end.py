"""Ending every session of users: one UPDATE, for one user, a queryset or ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User, UserStatus
from accounts.services.users import sessions_end
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def epochs(users):
    return [User.objects.get(pk=user.pk).session_epoch for user in users]


@pytest.mark.parametrize("given", ["user", "queryset", "ids"])
def test_sessions_end_moves_the_epoch_in_one_update(given):
    first, second, untouched = UserFactory(), UserFactory(), UserFactory()
    targets = [first] if given == "user" else [first, second]
    argument = {
        "user": first,
        "queryset": User.objects.filter(pk__in=[first.pk, second.pk]),
        "ids": [first.pk, second.pk],
    }[given]
    with CaptureQueriesContext(connection) as queries:
        assert sessions_end(users=argument) == len(targets)
    assert len(queries.captured_queries) == 1
    assert epochs(targets) == [1] * len(targets)
    assert epochs([untouched]) == [0]


def test_sessions_end_sets_other_columns_in_the_same_update():
    user = UserFactory(status=UserStatus.ACTIVE)
    hash_before = user.get_session_auth_hash()
    with CaptureQueriesContext(connection) as queries:
        sessions_end(users=User.objects.filter(pk=user.pk), status=UserStatus.DISABLED, status_reason="test")
    assert len(queries.captured_queries) == 1
    user.refresh_from_db()
    assert (user.status, user.status_reason, user.session_epoch) == (UserStatus.DISABLED, "test", 1)
    assert user.get_session_auth_hash() != hash_before


def test_a_signed_in_user_is_signed_out_by_sessions_end(client, login_as):
    user = UserFactory()
    login_as(user)
    assert client.get("/").status_code == 200
    sessions_end(users=user)
    response = client.get("/")
    assert response.status_code == 302
