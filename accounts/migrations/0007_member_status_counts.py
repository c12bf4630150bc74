"""Member counts per organization and status (``MemberStatusCount``), kept by database triggers.

User Management shows how many of a TIN's users are in each status. Counting them read every
member (5,000 in the biggest TIN of the large-plan data); these rows hold the counts, and
triggers keep them in the same transaction as every change, whatever makes it:

- ``accounts_membership``: a member added (+1 in the user's status), removed (-1) or moved to
  another user or organization (-1, +1);
- ``accounts_user``: a status or kind changed (-1 in the old status, +1 in the new, in each of
  the user's organizations; only provider users are counted), a user deleted while still a
  member (-1);
- ``accounts_organization``: an organization deleted (its rows go).

On PostgreSQL each trigger writes its changes in one ``INSERT ... ON CONFLICT DO UPDATE``, in
the order of organization and status, so two transactions lock the same rows in the same order.
The migration fills the rows from the members that exist.
"""

from django.db import migrations, models

REBUILD = [
    "DELETE FROM accounts_memberstatuscount",
    """INSERT INTO accounts_memberstatuscount (organization_id, status, members)
       SELECT m.organization_id, u.status, COUNT(*)
       FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
       WHERE u.kind = 'provider'
       GROUP BY m.organization_id, u.status""",
]

UPSERT_PG = """ON CONFLICT (organization_id, status)
    DO UPDATE SET members = accounts_memberstatuscount.members + EXCLUDED.members"""

POSTGRESQL = [
    f"""CREATE FUNCTION accounts_member_count_membership() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.user_id = NEW.user_id AND OLD.organization_id = NEW.organization_id THEN
            RETURN NULL;
        END IF;
        INSERT INTO accounts_memberstatuscount (organization_id, status, members)
        SELECT change.organization_id, u.status, SUM(change.delta)
        FROM (VALUES
            (CASE WHEN TG_OP <> 'INSERT' THEN OLD.organization_id END,
             CASE WHEN TG_OP <> 'INSERT' THEN OLD.user_id END, -1),
            (CASE WHEN TG_OP <> 'DELETE' THEN NEW.organization_id END,
             CASE WHEN TG_OP <> 'DELETE' THEN NEW.user_id END, 1)
        ) AS change (organization_id, user_id, delta)
        JOIN accounts_user u ON u.id = change.user_id AND u.kind = 'provider'
        GROUP BY change.organization_id, u.status
        HAVING SUM(change.delta) <> 0
        ORDER BY change.organization_id, u.status
        {UPSERT_PG};
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER accounts_member_count_membership
        AFTER INSERT OR DELETE OR UPDATE OF user_id, organization_id ON accounts_membership
        FOR EACH ROW EXECUTE FUNCTION accounts_member_count_membership()""",
    f"""CREATE FUNCTION accounts_member_count_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.kind = NEW.kind THEN
            RETURN NULL;
        END IF;
        INSERT INTO accounts_memberstatuscount (organization_id, status, members)
        SELECT m.organization_id, change.status, SUM(change.delta)
        FROM accounts_membership m
        CROSS JOIN (VALUES
            (CASE WHEN OLD.kind = 'provider' THEN OLD.status END, -1),
            (CASE WHEN TG_OP = 'UPDATE' AND NEW.kind = 'provider' THEN NEW.status END, 1)
        ) AS change (status, delta)
        WHERE m.user_id = OLD.id AND change.status IS NOT NULL
        GROUP BY m.organization_id, change.status
        HAVING SUM(change.delta) <> 0
        ORDER BY m.organization_id, change.status
        {UPSERT_PG};
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER accounts_member_count_user
        AFTER DELETE OR UPDATE OF status, kind ON accounts_user
        FOR EACH ROW EXECUTE FUNCTION accounts_member_count_user()""",
    """CREATE FUNCTION accounts_member_count_organization() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM accounts_memberstatuscount WHERE organization_id = OLD.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER accounts_member_count_organization
        AFTER DELETE ON accounts_organization
        FOR EACH ROW EXECUTE FUNCTION accounts_member_count_organization()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS accounts_member_count_membership ON accounts_membership",
    "DROP TRIGGER IF EXISTS accounts_member_count_user ON accounts_user",
    "DROP TRIGGER IF EXISTS accounts_member_count_organization ON accounts_organization",
    "DROP FUNCTION IF EXISTS accounts_member_count_membership()",
    "DROP FUNCTION IF EXISTS accounts_member_count_user()",
    "DROP FUNCTION IF EXISTS accounts_member_count_organization()",
]

UPSERT_SQLITE = "ON CONFLICT (organization_id, status) DO UPDATE SET members = members + excluded.members"


def _sqlite_add(organization: str, user: str, delta: int) -> str:
    """+delta in the status of user ``user`` (an expression), in organization ``organization``."""
    return f"""INSERT INTO accounts_memberstatuscount (organization_id, status, members)
        SELECT {organization}, u.status, {delta} FROM accounts_user u
        WHERE u.id = {user} AND u.kind = 'provider'
        {UPSERT_SQLITE};"""


def _sqlite_user(record: str, delta: int) -> str:
    """+delta in ``record``'s status (OLD or NEW), in each of the user's organizations."""
    return f"""INSERT INTO accounts_memberstatuscount (organization_id, status, members)
        SELECT m.organization_id, {record}.status, {delta} FROM accounts_membership m
        WHERE m.user_id = OLD.id AND {record}.kind = 'provider'
        {UPSERT_SQLITE};"""


SQLITE = [
    f"""CREATE TRIGGER accounts_member_count_membership_insert AFTER INSERT ON accounts_membership
    BEGIN {_sqlite_add("NEW.organization_id", "NEW.user_id", 1)} END""",
    f"""CREATE TRIGGER accounts_member_count_membership_delete AFTER DELETE ON accounts_membership
    BEGIN {_sqlite_add("OLD.organization_id", "OLD.user_id", -1)} END""",
    f"""CREATE TRIGGER accounts_member_count_membership_update
    AFTER UPDATE OF user_id, organization_id ON accounts_membership
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.organization_id IS NOT NEW.organization_id
    BEGIN
        {_sqlite_add("OLD.organization_id", "OLD.user_id", -1)}
        {_sqlite_add("NEW.organization_id", "NEW.user_id", 1)}
    END""",
    f"""CREATE TRIGGER accounts_member_count_user_update AFTER UPDATE OF status, kind ON accounts_user
    WHEN OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind
    BEGIN
        {_sqlite_user("OLD", -1)}
        {_sqlite_user("NEW", 1)}
    END""",
    f"""CREATE TRIGGER accounts_member_count_user_delete AFTER DELETE ON accounts_user
    BEGIN {_sqlite_user("OLD", -1)} END""",
    """CREATE TRIGGER accounts_member_count_organization_delete AFTER DELETE ON accounts_organization
    BEGIN DELETE FROM accounts_memberstatuscount WHERE organization_id = OLD.id; END""",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS accounts_member_count_{name}"
    for name in (
        "membership_insert",
        "membership_delete",
        "membership_update",
        "user_update",
        "user_delete",
        "organization_delete",
    )
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"member counts: no triggers written for {vendor}")
    for statement in POSTGRESQL if vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)
    for statement in REBUILD:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRESQL_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_management_indexes")]

    operations = [
        migrations.CreateModel(
            name="MemberStatusCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("verification_pending", "Verification pending"),
                            ("unverified", "Unverified"),
                            ("active", "Active"),
                            ("locked", "Locked"),
                            ("disabled", "Disabled"),
                        ],
                        max_length=24,
                    ),
                ),
                ("members", models.IntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "status"), name="member_status_count_unique")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
