"""The three role templates of the invitation form; the plan can edit them in the admin.

The lists are the levels of the time, kept as they were: a migration is history. Today's defaults
live in accounts/roles.py, and a later level reaches the Administrator template through its own
migration (``RunPython(accounts.roles.role_templates_sync)``, see that module)."""

from django.db import migrations

TEMPLATES = [
    (
        "Administrator",
        [
            "level_claims",
            "level_eligibility",
            "level_authorizations",
            "level_assessments",
            "level_health_records",
            "level_message_box",
            "level_manage_account",
        ],
        "Every access level, Manage Account included.",
        1,
    ),
    ("Biller", ["level_claims", "level_eligibility", "level_message_box"], "Claims, Eligibility and Message Box.", 2),
    ("Eligibility checker", ["level_eligibility"], "Eligibility only.", 3),
]


def create(apps, schema_editor):
    RoleTemplate = apps.get_model("accounts", "RoleTemplate")
    for name, levels, description, order in TEMPLATES:
        RoleTemplate.objects.get_or_create(
            name=name, defaults={"levels": levels, "description": description, "sort_order": order}
        )


def remove(apps, schema_editor):
    apps.get_model("accounts", "RoleTemplate").objects.filter(name__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_lifecycle")]

    operations = [migrations.RunPython(create, remove)]
