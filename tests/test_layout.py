"""The repository's layout keeps every test running.

pytest searches the whole repository (pytest.ini: ``testpaths = .``), so a new app's tests run
without being listed anywhere. These tests fail when a test file would still be left out: a folder
of tests without ``__init__.py`` (two ``test_views.py`` in different apps would then clash), a
folder pytest is told not to enter, an app that is not installed.
"""

import configparser
import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Folders that hold no source of the project: the virtualenv, npm's packages, the collected static
# files, the local data (SQLite, uploads) and the benchmark results. Symlinked folders (.venv and
# node_modules in a work tree) are not entered either.
NOT_SOURCE = {".git", ".venv", "node_modules", "staticfiles", "var", "__pycache__", ".ruff_cache"}
NOT_SOURCE_PATHS = {ROOT / "bench" / "results"}


def _ini() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "pytest.ini")
    return parser["pytest"]


def test_files_on_disk() -> list[Path]:
    """Every test_*.py of the project (the name says what pytest.ini's python_files says)."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in NOT_SOURCE and here / name not in NOT_SOURCE_PATHS and not (here / name).is_symlink()
        )
        found += [here / name for name in sorted(files) if name.startswith("test_") and name.endswith(".py")]
    return found


test_files_on_disk.__test__ = False  # a helper, not a test


def test_pytest_ini_does_not_list_app_folders():
    ini = _ini()
    assert ini.get("python_files", "").split() == ["test_*.py"]
    assert ini.get("testpaths", ".").split() == ["."], (
        "pytest.ini must not list app folders in testpaths: a new app's tests would silently not run"
    )


def test_every_folder_with_apps_py_is_an_installed_app():
    # An app is named by its package, or (portal's admin site) by the package of its AppConfig.
    installed = {
        top
        for config in apps.get_app_configs()
        for top in (config.name.split(".")[0], type(config).__module__.split(".")[0])
    }
    folders = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert folders <= installed, f"folders with apps.py that are not installed apps: {sorted(folders - installed)}"


def test_every_folder_of_tests_is_a_package():
    """Module names stay unique (accounts.tests.test_views, claims.tests.test_views ...) only when
    each folder between the root and a test file holds an __init__.py."""
    missing = set()
    for path in test_files_on_disk():
        folder = path.parent
        while folder != ROOT:
            if not (folder / "__init__.py").exists():
                missing.add(str(folder.relative_to(ROOT)))
            folder = folder.parent
    assert not missing, f"add an __init__.py to: {sorted(missing)}"


def test_pytest_collects_every_test_file():
    """pytest's own collection, run as CI runs it, finds every test_*.py of the repository."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    result = subprocess.run(  # noqa: S603  (the interpreter running this test, fixed arguments)
        [sys.executable, "-m", "pytest", "--collect-only", "-qq", "-o", "addopts=", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = {line.rsplit(": ", 1)[0] for line in result.stdout.splitlines() if ": " in line}
    on_disk = {str(path.relative_to(ROOT)) for path in test_files_on_disk()}
    assert on_disk - collected == set(), f"test files pytest does not collect: {sorted(on_disk - collected)}"
    # Nothing outside the project's source is collected either (the benchmarks, static files).
    assert collected - on_disk == set(), f"collected from outside the project's tests: {sorted(collected - on_disk)}"
    assert len(on_disk) >= 70
