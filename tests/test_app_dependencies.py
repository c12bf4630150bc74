"""The apps build on each other in one direction: no app imports an app above it, so no two apps
import each other. A new app takes its place in LAYERS (and the test fails until it does)."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Bottom to top: each app may import only the apps before it. "portal" is the project package
# (settings, the URL map, the dashboard and Help): it sits on top of everything.
LAYERS = [
    "core",  # shared web helpers, no domain
    "audit",  # the audit trail: every app records into it
    "outbox",  # outgoing email
    "accounts",  # identity and access: users, TINs, provider IDs, levels, scope, sign-in
    "mailbox",  # the Message Box
    "access_requests",  # Add Facility and the payer's Mailbox where requests are decided
    "user_management",  # account managers' and payer staff's user pages, nightly jobs
    "access_reviews",  # periodic access reviews
    "claims",  # claims and eligibility
    "authorizations",  # prior authorizations: requests, the payer's review, decision letters, metrics
    "assessments",  # HRA and NOP forms (FHIR Questionnaire) and the assessments filed with them
    "health_records",  # clinical data from FHIR bundles, attribution, opt-out, care gaps
    "enrollment",  # provider enrollment applications: sections, rights, signature, fee, review, approval
    "chat",  # live chat over WebSockets, saved as Message Box threads
    "devdata",  # demo and load data: writes every app's rows
    "portal",
]


def local_apps() -> set[str]:
    names = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    return names | {"portal"}


def imports_between_apps() -> dict[str, set[tuple[str, str]]]:
    """{app: {(imported app, file)}}: the first-party imports of each app's code (tests and
    migrations left out: a test may set up any app's rows)."""
    known = local_apps()
    edges: dict[str, set[tuple[str, str]]] = {app: set() for app in known}
    for app in known:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in known and top != app:
                        edges[app].add((top, str(relative)))
    return edges


def test_every_app_has_its_layer():
    missing = sorted(local_apps() - set(LAYERS))
    assert not missing, f"Place these apps in LAYERS (bottom to top) in {__file__}: {missing}"


def test_no_app_imports_an_app_above_it():
    rank = {app: index for index, app in enumerate(LAYERS)}
    upward = sorted(
        f"{path} imports {target} (a layer above {app})"
        for app, targets in imports_between_apps().items()
        for target, path in targets
        if rank.get(target, -1) >= rank.get(app, len(LAYERS))
    )
    assert not upward, "\n".join(upward)


def test_the_dependency_walk_sees_real_imports():
    # Guard the guard: the walk must find the imports every app is known to have.
    edges = imports_between_apps()
    assert any(target == "accounts" for target, _ in edges["claims"])
    assert any(target == "audit" for target, _ in edges["accounts"])
