"""The lifecycle policy settings: read from the environment, refused at start-up when they cannot
work, and never restated as literals in templates or selectors."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from claims.services import ThrottleLimit
from core.env import lifecycle_policy_validate

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = {"warn_days": 76, "disable_days": 90, "link_hours": 72, "invitation_days": 7, "idle_minutes": 15}


def test_the_defaults_pass():
    lifecycle_policy_validate(**DEFAULTS)
    lifecycle_policy_validate(**{**DEFAULTS, "warn_days": 1, "disable_days": 2, "link_hours": 1})


@pytest.mark.parametrize(("warn", "disable"), [(90, 90), (91, 90), (0, 90), (-5, 90), (60, 46)])
def test_the_warning_must_come_before_the_disabling(warn, disable):
    with pytest.raises(ImproperlyConfigured) as raised:
        lifecycle_policy_validate(**{**DEFAULTS, "warn_days": warn, "disable_days": disable})
    message = str(raised.value)
    assert "INACTIVITY_WARN_DAYS" in message and "INACTIVITY_DISABLE_DAYS" in message
    assert f"INACTIVITY_WARN_DAYS={warn}" in message and f"INACTIVITY_DISABLE_DAYS={disable}" in message


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("link_hours", "REGISTRATION_LINK_HOURS"),
        ("invitation_days", "INVITATION_DAYS"),
        ("idle_minutes", "SESSION_IDLE_MINUTES"),
    ],
)
@pytest.mark.parametrize("value", [0, -1])
def test_lifetimes_must_be_positive(field, name, value):
    with pytest.raises(ImproperlyConfigured, match=f"{name} must be at least 1; got {value}"):
        lifecycle_policy_validate(**{**DEFAULTS, field: value})


def _load_settings(env_changes: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INACTIVITY_", "REGISTRATION_", "INVITATION_"))}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "portal.settings", **env_changes})
    code = (
        "from django.conf import settings; "
        "print(settings.INACTIVITY_WARN_DAYS, settings.INACTIVITY_DISABLE_DAYS, settings.REGISTRATION_LINK_HOURS, "
        "settings.INVITATION_DAYS, int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_start_up_reads_the_environment_and_refuses_a_warning_at_the_disabling_day():
    good = _load_settings(
        {
            "INACTIVITY_WARN_DAYS": "46",
            "INACTIVITY_DISABLE_DAYS": "60",
            "REGISTRATION_LINK_HOURS": "48",
            "INVITATION_DAYS": "3",
            "SESSION_IDLE_MINUTES": "10",
        }
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.split() == ["46", "60", "48", "3", "10"]
    bad = _load_settings({"INACTIVITY_WARN_DAYS": "60", "INACTIVITY_DISABLE_DAYS": "60"})
    assert bad.returncode != 0
    assert "ImproperlyConfigured: INACTIVITY_WARN_DAYS must be at least 1 and less than INACTIVITY_DISABLE_DAYS" in (
        bad.stderr
    )
    typo = _load_settings({"REGISTRATION_LINK_HOURS": "two days"})
    assert typo.returncode != 0 and "REGISTRATION_LINK_HOURS must be an integer" in typo.stderr


# --- no literal policy numbers ---------------------------------------------------------------------

# The defaults of the policy settings next to a unit word: "90 days", "76-day", "72 hours",
# "15 minutes", "7 days". A template states them through the context instead.
LITERAL = re.compile(r"\b(76|90|72|15|7)\s*-?\s*(day|hour|minute)s?\b", re.IGNORECASE)
# The same numbers as a timedelta argument in the code that decides who is stale or what expires.
CODE_LITERAL = re.compile(r"\b(days|hours|minutes)\s*=\s*(76|90|72|15|7)\b")


# Selectors hold neither; the rest of the code that enforces the policy holds no timedelta of them
# (its docstrings may quote the defaults as examples). Found by name, wherever the apps put them.
def _code(*patterns):
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern) if "tests" not in path.parts})


SELECTORS = _code("*/selectors.py", "*/selectors/*.py")
POLICY_CODE = SELECTORS + _code(
    "*/jobs.py",
    "*/jobs/*.py",
    # the services that issue links and act on inactive users (outbox back-off is another policy)
    "accounts/services/*.py",
    "user_management/services/*.py",
    "*/middleware.py",
    "*/context_processors.py",
)


def _templates():
    return sorted(path for path in (ROOT / "templates").rglob("*") if path.suffix in {".html", ".txt"})


def test_templates_state_no_policy_number():
    assert len(_templates()) > 50
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in _templates()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in LITERAL.finditer(line)
    ]
    assert not found, "Policy numbers belong in settings (core/policy.py): " + "; ".join(found)


def test_selectors_and_jobs_hold_no_policy_number():
    names = {path.relative_to(ROOT).as_posix() for path in POLICY_CODE}
    assert len(SELECTORS) >= 2 and any("jobs" in name for name in names), names
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in POLICY_CODE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if CODE_LITERAL.search(line) or (path in SELECTORS and LITERAL.search(line))
    ]
    assert not found, "Policy numbers belong in settings (core/policy.py): " + "; ".join(found)


def test_the_scan_catches_what_it_is_for():
    assert LITERAL.search("disabled at 90 days.") and LITERAL.search("The 90-day rule")
    assert LITERAL.search("works for 72 hours") and LITERAL.search("after 15 minutes")
    assert CODE_LITERAL.search("now - timedelta(days=76)")
    assert not LITERAL.search("{{ INACTIVITY_DISABLE_DAYS }} days") and not LITERAL.search("190 days")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (60, "a minute"),
        (3600, "an hour"),
        (86400, "a day"),
        (300, "in 5 minutes"),
        (7200, "in 2 hours"),
        (90, "in 90 seconds"),
    ],
)
def test_the_eligibility_page_names_the_configured_window(seconds, words):
    assert ThrottleLimit("minute", seconds, 30).span_words == words
