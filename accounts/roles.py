"""The default role templates of the invitation and Update User forms (Administrator, Biller, ...).

The plan edits the rows in the admin; what is here is what a new database starts with and what
``role_templates_sync`` restores. The Administrator template holds every access level, so it is
derived from ``AccessLevel``.

A new access level is one migration: add the ``AccessLevel`` member, run ``makemigrations``
(the Organization's permissions are derived from ``AccessLevel``, so it writes the
``AlterModelOptions`` that creates the level's guardian Permission row), and add to that same
migration::

    from accounts.roles import role_templates_sync

    operations = [..., migrations.RunPython(role_templates_sync, migrations.RunPython.noop)]

which gives the new level to the Administrator template of existing databases. If the level
belongs in another default template too, add it to ``DEFAULT_ROLE_TEMPLATES`` below (new
databases) and to that template's row in the same ``RunPython`` (existing ones).
accounts/tests/test_levels_complete.py fails, naming the step, when one is forgotten.
"""

from dataclasses import dataclass

from accounts.models import AccessLevel

ALL_LEVELS_TEMPLATE = "Administrator"


@dataclass(frozen=True)
class DefaultRoleTemplate:
    name: str
    levels: tuple[str, ...]
    description: str
    sort_order: int


DEFAULT_ROLE_TEMPLATES = (
    DefaultRoleTemplate(
        ALL_LEVELS_TEMPLATE, tuple(AccessLevel.values), "Every access level, Manage Account included.", 1
    ),
    DefaultRoleTemplate(
        "Biller",
        (AccessLevel.CLAIMS.value, AccessLevel.ELIGIBILITY.value, AccessLevel.MESSAGE_BOX.value),
        "Claims, Eligibility and Message Box.",
        2,
    ),
    DefaultRoleTemplate("Eligibility checker", (AccessLevel.ELIGIBILITY.value,), "Eligibility only.", 3),
)


def role_templates_sync(apps=None, schema_editor=None) -> None:
    """Create the default templates that are missing, and give the all-levels template every
    access level it lacks; the plan's other edits stay. Idempotent; a migration's ``RunPython``
    (``apps`` is then the migration's state) or a plain call (the current models)."""
    if apps is None:
        from django.apps import apps
    RoleTemplate = apps.get_model("accounts", "RoleTemplate")
    for default in DEFAULT_ROLE_TEMPLATES:
        template, created = RoleTemplate.objects.get_or_create(
            name=default.name,
            defaults={
                "levels": list(default.levels),
                "description": default.description,
                "sort_order": default.sort_order,
            },
        )
        if not created and default.name == ALL_LEVELS_TEMPLATE:
            missing = [level for level in AccessLevel.values if level not in (template.levels or [])]
            if missing:
                template.levels = [*(template.levels or []), *missing]
                template.save(update_fields=["levels"])
