"""The SQL queries of each hot page, against a committed baseline (tests/query_counts.json).

Each page below is opened by the persona who uses it, in the access matrix's world
(tests/security/conftest.py), once to warm the caches and once counted. The counts must equal the
baseline of the database in use (one section per vendor: an audit record costs one more query on
PostgreSQL, its advisory lock). A page that costs more fails with the list of each page's old and
new count; a page that costs less fails too, so the gain is kept in the baseline.

After a change that really needs other counts, or a new page in PAGES, rewrite the baseline of the
database you run on, and commit it with the change:

    UPDATE_QUERY_COUNTS=1 .venv/bin/pytest tests/test_query_count_baseline.py
    UPDATE_QUERY_COUNTS=1 DATABASE_URL=postgres://... .venv/bin/pytest tests/test_query_count_baseline.py

The view tests keep their own pinned, commented counts (django_assert_num_queries); this file is
the one overview, and tests/test_query_counts.py checks the counts do not grow with the data.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import verified_login
from tests.security.conftest import World, build_world

pytestmark = pytest.mark.django_db

BASELINE = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS") == "1"

Args = Callable[[World], dict]
NONE: Args = lambda w: {}  # noqa: E731

# page key: (persona, URL name, the URL's arguments). The persona is a user of the world: the biller
# (Claims, Eligibility, Message Box), the TIN's account manager, or payer staff (the analyst).
PAGES: dict[str, tuple[str, str, Args]] = {
    # The provider face
    "portal:dashboard": ("biller", "portal:dashboard", NONE),
    "accounts:profile": ("biller", "accounts:profile", NONE),
    "mailbox:inbox": ("biller", "mailbox:inbox", NONE),
    "mailbox:thread": ("biller", "mailbox:thread", lambda w: {"thread_uuid": w.thread.uuid}),
    "claims:list": ("biller", "claims:list", NONE),
    "claims:detail": ("biller", "claims:detail", lambda w: {"claim_number": w.claim.claim_number}),
    "claims:eligibility": ("biller", "claims:eligibility", NONE),
    "claims:status": ("biller", "claims:status", NONE),
    "claims:correct": ("biller", "claims:correct", lambda w: {"claim_number": w.claim.claim_number}),
    "claims:payments": ("biller", "claims:payments", NONE),
    "claims:payment": ("biller", "claims:payment", lambda w: {"payment_uuid": w.payment.uuid}),
    "claims:submit": ("biller", "claims:submit", NONE),
    "claims:submit_draft": ("biller", "claims:submit_draft", lambda w: {"draft_uuid": w.claim_draft.uuid}),
    "access_requests:detail": (
        "biller",
        "access_requests:detail",
        lambda w: {"request_uuid": w.access_request.uuid},
    ),
    # Assessments (the manager holds every level)
    "assessments:list": ("manager", "assessments:list", NONE),
    "assessments:detail": ("manager", "assessments:detail", lambda w: {"assessment_uuid": w.assessment.uuid}),
    "health_records:record": ("manager", "health_records:record", lambda w: {"member_uuid": w.hr_member.uuid}),
    "health_records:care_gaps": ("manager", "health_records:care_gaps", NONE),
    # Prior authorizations (the manager requested them under npi)
    "authorizations:list": ("manager", "authorizations:list", NONE),
    "authorizations:detail": (
        "manager",
        "authorizations:detail",
        lambda w: {"authorization_uuid": w.authorization.uuid},
    ),
    "authorizations:appeal": (
        "manager",
        "authorizations:appeal",
        lambda w: {"authorization_uuid": w.decided_authorization.uuid},
    ),
    # Provider enrollment (the manager's applications)
    "enrollment:list": ("manager", "enrollment:list", NONE),
    "enrollment:summary": ("manager", "enrollment:summary", lambda w: {"application_uuid": w.enrollment.uuid}),
    "enrollment:section": (
        "manager",
        "enrollment:section",
        lambda w: {"application_uuid": w.enrollment.uuid, "section": "locations"},
    ),
    # User Management and access reviews
    "accounts:user_management": ("manager", "accounts:user_management", NONE),
    "accounts:update_user": ("manager", "accounts:update_user", lambda w: {"user_uuid": w.biller.uuid}),
    "manager_audit": ("manager", "manager_audit", NONE),
    "access_reviews:my_tasks": ("manager", "access_reviews:my_tasks", NONE),
    "access_reviews:task": ("manager", "access_reviews:task", lambda w: {"task_uuid": w.task.uuid}),
    # The Control Panel
    "control_panel:home": ("analyst", "control_panel:home", NONE),
    "control_panel:users": ("analyst", "control_panel:users", NONE),
    "control_panel:user": ("analyst", "control_panel:user", lambda w: {"user_uuid": w.biller.uuid}),
    "control_panel:mailbox": ("analyst", "control_panel:mailbox", NONE),
    "control_panel:mailbox_thread": (
        "analyst",
        "control_panel:mailbox_thread",
        lambda w: {"thread_uuid": w.thread.uuid},
    ),
    # The thread of an open Add Facility request, with its review panel.
    "control_panel:mailbox_thread (request)": (
        "analyst",
        "control_panel:mailbox_thread",
        lambda w: {"thread_uuid": w.access_request.thread.uuid},
    ),
    "control_panel:requests": ("analyst", "control_panel:requests", NONE),
    "control_panel:audit": ("analyst", "control_panel:audit", NONE),
    "control_panel:emails": ("analyst", "control_panel:emails", NONE),
    "control_panel:reviews": ("analyst", "control_panel:reviews", NONE),
    "control_panel:review": ("analyst", "control_panel:review", lambda w: {"campaign_uuid": w.campaign.uuid}),
    "control_panel:authorizations": ("analyst", "control_panel:authorizations", NONE),
    "control_panel:authorization": (
        "analyst",
        "control_panel:authorization",
        lambda w: {"authorization_uuid": w.authorization.uuid},
    ),
    "control_panel:organizations": ("analyst", "control_panel:organizations", NONE),
    "control_panel:assessments": ("analyst", "control_panel:assessments", NONE),
    "control_panel:assessment": (
        "analyst",
        "control_panel:assessment",
        lambda w: {"assessment_uuid": w.assessment.uuid},
    ),
    "control_panel:appeals": ("analyst", "control_panel:appeals", NONE),
    "control_panel:chat": ("analyst", "control_panel:chat", NONE),
    "control_panel:enrollment_queue": ("analyst", "control_panel:enrollment_queue", NONE),
    "control_panel:enrollment": (
        "analyst",
        "control_panel:enrollment",
        lambda w: {"application_uuid": w.enrollment_review.uuid},
    ),
    "control_panel:appeal": ("analyst", "control_panel:appeal", lambda w: {"appeal_uuid": w.appeal.uuid}),
    "control_panel:organization": (
        "analyst",
        "control_panel:organization",
        lambda w: {"organization_uuid": w.org.uuid},
    ),
}


def measure(world: World) -> dict[str, int]:
    """The queries of each page's second request (the first one warms the caches and the session)."""
    clients = {}
    for persona in {persona for persona, _, _ in PAGES.values()}:
        clients[persona] = verified_login(Client(), getattr(world, persona))
    counts = {}
    for key, (persona, name, args) in PAGES.items():
        client = clients[persona]
        path = reverse(name, kwargs=args(world))
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, f"{key}: {path} answered {response.status_code} to {persona}"
        counts[key] = len(queries.captured_queries)
    return counts


def read_baseline() -> dict[str, dict[str, int]]:
    return json.loads(BASELINE.read_text()) if BASELINE.exists() else {}


def write_baseline(vendor: str, counts: dict[str, int]) -> None:
    baseline = read_baseline()
    baseline[vendor] = dict(sorted(counts.items()))
    BASELINE.write_text(json.dumps(dict(sorted(baseline.items())), indent=2) + "\n")


def compare(old: dict[str, int], new: dict[str, int]) -> list[str]:
    """One line per page whose count differs from the baseline, or that one of them lacks."""
    lines = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None:
            lines.append(f"  {key}: not in the baseline, {after} queries now")
        elif after is None:
            lines.append(f"  {key}: {before} queries in the baseline, no longer measured")
        else:
            change = "more" if after > before else "fewer"
            lines.append(f"  {key}: {before} -> {after} ({abs(after - before)} {change})")
    return lines


HOW_TO_UPDATE = (
    "If the change is intended (a new page in PAGES, a query the page needs), rewrite the baseline "
    "with UPDATE_QUERY_COUNTS=1 .venv/bin/pytest tests/test_query_count_baseline.py (once per "
    "database: with DATABASE_URL set for PostgreSQL) and commit tests/query_counts.json."
)


def test_the_hot_pages_cost_the_queries_of_the_baseline():
    vendor = connection.vendor
    counts = measure(build_world())
    if UPDATE:
        write_baseline(vendor, counts)
        return
    baseline = read_baseline()
    assert vendor in baseline, f"tests/query_counts.json has no counts for {vendor}. {HOW_TO_UPDATE}"
    differences = compare(baseline[vendor], counts)
    assert not differences, (
        f"query counts on {vendor} differ from tests/query_counts.json:\n"
        + "\n".join(differences)
        + f"\n{HOW_TO_UPDATE}"
    )


def test_the_comparison_names_each_page_with_its_old_and_new_count():
    lines = compare({"a": 5, "b": 7, "c": 3}, {"a": 6, "b": 7, "c": 2, "d": 4})
    assert lines == [
        "  a: 5 -> 6 (1 more)",
        "  c: 3 -> 2 (1 fewer)",
        "  d: not in the baseline, 4 queries now",
    ]
    assert compare({"a": 1}, {}) == ["  a: 1 queries in the baseline, no longer measured"]
