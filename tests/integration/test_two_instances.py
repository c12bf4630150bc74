"""Two web instances behind nginx on one PostgreSQL and one Redis (bench/two_instances.py's drill).

Two gunicorns and two chat processes (daphne) with the production settings serve the test
database behind nginx; every check of the drill (``CHECKS``: health of the instances and of the
chat processes, round robin, the session, the eligibility throttle, the login lockout, one
decision of one request, attachments on shared storage, chat sockets through nginx, the live chat
across chat processes, sign-out) must pass. The drill starts its own redis-server and nginx and
stops every process it started, pass or fail.

Runs on PostgreSQL with nginx and redis-server installed; REQUIRE_SERVICES=1 (``.ci/run``) turns a
missing piece into a failure instead of a skip.
"""

import shutil
import sys

import pytest
from django.db import connection

from tests.integration.helpers import REQUIRED, ROOT, test_database_url

sys.path.insert(0, str(ROOT / "bench"))

import two_instances  # noqa: E402

pytestmark = [pytest.mark.integration]


def _missing() -> list[str]:
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if two_instances.nginx_binary() is None:
        missing.append("nginx")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


def test_two_instances_share_sessions_throttles_lockout_decisions_uploads_and_chat(transactional_db):
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail("REQUIRE_SERVICES=1 but missing: " + ", ".join(missing))
        pytest.skip("needs " + ", ".join(missing))
    results, _figures = two_instances.run_drill(database=test_database_url())
    assert [r.name for r in results] == [c.name for c in two_instances.CHECKS]
    failed = [f"{r.name}: {r.detail}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
