"""A partial (a template named ``_*.html``) included by the pages of another folder lives in
templates/includes/; a partial under an app's folder is included only by that folder's pages."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")


def _includes() -> dict[str, set[str]]:
    """Partial name → the templates that include it."""
    found: dict[str, set[str]] = {}
    for page in TEMPLATES.rglob("*.html"):
        for name in INCLUDE.findall(page.read_text()):
            found.setdefault(name, set()).add(page.relative_to(TEMPLATES).as_posix())
    return found


def test_a_partial_shared_between_folders_is_in_includes():
    misplaced = {}
    for name, pages in _includes().items():
        folder = name.split("/")[0] if "/" in name else ""
        if folder == "includes":
            continue
        outside = sorted(page for page in pages if page.split("/")[0] != folder)
        if outside:
            misplaced[name] = outside
    assert not misplaced, (
        f"partials included from another folder's templates: {misplaced}. Move each to templates/includes/ "
        "and update its {% include %} references."
    )


def test_every_included_template_exists():
    missing = sorted(name for name in _includes() if not (TEMPLATES / name).is_file())
    assert not missing, f"{{% include %}} of templates that do not exist: {missing}"
