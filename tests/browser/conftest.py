"""Playwright driving Debian's Chromium against the live test server.

Browser tests run when Chromium is found, and must run when REQUIRE_BROWSER=1 (CI).
Playwright cannot download its own browser here, so it launches /usr/bin/chromium.
"""

import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM or REQUIRED:
        return
    skip = pytest.mark.skipif(True, reason=f"Chromium not found at {CHROMIUM} (set REQUIRE_BROWSER=1 to fail)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", force=True, verbosity=0)


@pytest.fixture
def page(live_server, demo_data, monkeypatch):
    """A fresh browser per test, started after the database is ready.

    Playwright's sync API runs an event loop in this thread while it lives; the ORM calls the
    test makes alongside it stay synchronous and safe, so only here is Django told to allow them.
    """
    from playwright.sync_api import sync_playwright

    assert HAVE_CHROMIUM, f"REQUIRE_BROWSER=1 but Chromium is not at {CHROMIUM}"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
