"""Trigram indexes for searching users by part of their email or name, on PostgreSQL only.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%term%')`` on PostgreSQL: no B-tree serves
a leading wildcard and a plain trigram index on ``col`` does not match ``UPPER(col)``. A GIN index
on ``UPPER(col)`` with ``gin_trgm_ops`` does, for terms of three characters or more. Measured on
100,000 users (bench/results/benchmark.md): the Control Panel Users search and User Management's
search no longer read the whole user table when few users match.

SQLite has no such index (and no need at its sizes): the migration does nothing there. RunPython
changes no model state, so ``makemigrations --check`` stays clean.
"""

from django.db import migrations

INDEXES = {
    "accounts_user_email_upper_trgm": "accounts_user USING gin (UPPER(email) gin_trgm_ops)",
    "accounts_user_full_name_upper_trgm": "accounts_user USING gin (UPPER(full_name) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_role_templates")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
