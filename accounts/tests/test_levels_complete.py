"""Every access level is complete: a guardian Permission row after the migrations, and a place in
the role templates. A new level forgotten in its migration fails here, saying what to write
(accounts/roles.py explains the one migration a new level takes)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from accounts.models import AccessLevel, Organization, RoleTemplate
from accounts.roles import ALL_LEVELS_TEMPLATE, DEFAULT_ROLE_TEMPLATES, role_templates_sync

pytestmark = pytest.mark.django_db

HOW = (
    "A new access level is one migration: run makemigrations after adding the AccessLevel member "
    "(it writes the Organization's AlterModelOptions, which creates the Permission row), and add "
    "migrations.RunPython(accounts.roles.role_templates_sync, migrations.RunPython.noop) to it "
    "(see accounts/roles.py)."
)


def test_every_level_has_its_permission_row_after_the_migrations():
    """The Permission rows come from the migrations' Organization options (post_migrate), not
    from today's models: a level without its migration has no row."""
    content_type = ContentType.objects.get_for_model(Organization)
    rows = set(Permission.objects.filter(content_type=content_type).values_list("codename", flat=True))
    missing = sorted(set(AccessLevel.values) - rows)
    assert not missing, f"No guardian Permission row for {missing}. {HOW}"


def test_the_organization_permissions_are_the_levels():
    declared = [codename for codename, _label in Organization._meta.permissions]
    assert declared == list(AccessLevel.values), "Derive Organization.Meta.permissions from AccessLevel."


def test_the_migrated_all_levels_template_holds_every_level():
    template = RoleTemplate.objects.filter(name=ALL_LEVELS_TEMPLATE).first()
    assert template is not None, f"The migrations create no {ALL_LEVELS_TEMPLATE!r} role template."
    missing = sorted(set(AccessLevel.values) - set(template.levels))
    assert not missing, f"The {ALL_LEVELS_TEMPLATE} role template lacks {missing} after the migrations. {HOW}"


def test_every_level_is_in_a_default_template_in_code_and_after_the_migrations():
    in_code = {level for default in DEFAULT_ROLE_TEMPLATES for level in default.levels}
    migrated = {level for levels in RoleTemplate.objects.values_list("levels", flat=True) for level in levels}
    for where, levels in (("accounts.roles.DEFAULT_ROLE_TEMPLATES", in_code), ("the migrated templates", migrated)):
        missing = sorted(set(AccessLevel.values) - levels)
        assert not missing, f"{missing} in no role template of {where}. {HOW}"
        unknown = sorted(levels - set(AccessLevel.values))
        assert not unknown, f"{where} name levels that do not exist: {unknown}."
    all_levels = next(default for default in DEFAULT_ROLE_TEMPLATES if default.name == ALL_LEVELS_TEMPLATE)
    assert set(all_levels.levels) == set(AccessLevel.values)


def test_the_defaults_and_the_migrated_rows_agree():
    """A new database and the code's defaults start the same; seed_demo restores the same rows."""
    migrated = {row.name: (sorted(row.levels), row.description, row.sort_order) for row in RoleTemplate.objects.all()}
    expected = {d.name: (sorted(d.levels), d.description, d.sort_order) for d in DEFAULT_ROLE_TEMPLATES}
    assert migrated == expected
    RoleTemplate.objects.all().delete()
    role_templates_sync()
    assert {row.name: (sorted(row.levels), row.description, row.sort_order) for row in RoleTemplate.objects.all()} == (
        expected
    )


def test_sync_gives_the_all_levels_template_a_level_it_lacks_and_keeps_the_plan_edits():
    RoleTemplate.objects.filter(name=ALL_LEVELS_TEMPLATE).update(levels=[AccessLevel.CLAIMS.value])
    RoleTemplate.objects.filter(name="Biller").update(levels=[AccessLevel.CLAIMS.value], description="Edited")
    role_templates_sync()
    administrator = RoleTemplate.objects.get(name=ALL_LEVELS_TEMPLATE)
    assert set(administrator.levels) == set(AccessLevel.values) and administrator.levels[0] == AccessLevel.CLAIMS
    biller = RoleTemplate.objects.get(name="Biller")
    assert (biller.levels, biller.description) == ([AccessLevel.CLAIMS.value], "Edited")


def test_no_hand_list_of_the_levels_outside_the_enum():
    """Lists of levels shown to people are derived from AccessLevel: no code or template names
    every level by hand (migrations are history and keep theirs)."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    skipped = {"node_modules", "static", "staticfiles", "var"}
    folders = [
        path for path in root.iterdir() if path.is_dir() and path.name[0] not in "._" and path.name not in skipped
    ]
    paths = [path for folder in folders for pattern in ("*.py", "*.html", "*.txt") for path in folder.rglob(pattern)]
    offenders = []
    for path in paths:
        relative = path.relative_to(root)
        # Migrations are history, the enum is the list, and tests name each level where they use it.
        if {"migrations", "tests"} & set(relative.parts) or relative == Path("accounts/models.py"):
            continue
        text = path.read_text(errors="ignore")
        if all(level.value in text for level in AccessLevel) or all(level.label in text for level in AccessLevel):
            offenders.append(str(relative))
    assert not offenders, f"These name every access level by hand; derive the list from AccessLevel: {offenders}"
