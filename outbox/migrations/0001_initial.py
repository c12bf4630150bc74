import django.utils.timezone
import uuid
from django.db import migrations, models


def _content_type_follows(apps, schema_editor):
    """Admin permissions on the outbox follow the model to its new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="mailbox", model="outboundemail").update(app_label="outbox")


class Migration(migrations.Migration):
    initial = True

    # The table was created by mailbox's migrations; this app takes the model over without
    # touching the database.
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("mailbox", "0003_outbox_body_retention_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("to", models.EmailField(max_length=254)),
                        ("template", models.CharField(blank=True, max_length=60)),
                        ("idempotency_key", models.CharField(blank=True, max_length=200, null=True, unique=True)),
                        ("subject", models.CharField(max_length=200)),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_error", models.TextField(blank=True)),
                    ],
                    options={
                        "db_table": "mailbox_outboundemail",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("sent_at__isnull", True)),
                                fields=["next_attempt_at"],
                                name="outbox_unsent_idx",
                            ),
                            models.Index(
                                condition=models.Q(("body", ""), _negated=True),
                                fields=["sent_at"],
                                name="outbox_body_kept_idx",
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("to", ""), _negated=True), name="outbox_to_not_empty"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_follows, migrations.RunPython.noop),
    ]
