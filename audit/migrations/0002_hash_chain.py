"""The hash chain: prev_hash and hash on every event, computed for the events already there."""

import django.utils.timezone
from django.db import migrations, models

GENESIS_HASH = "0" * 64
BATCH = 1000


def chain_existing_events(apps, schema_editor):
    """Link the events written before the chain existed, oldest first, in batches of ids."""
    from audit.services import event_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    prev_hash, last_id = GENESIS_HASH, 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not batch:
            return
        for event in batch:
            event.prev_hash = prev_hash
            event.hash = prev_hash = event_hash(event)
        AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
        last_id = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="occurred_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["-occurred_at", "-id"], name="audit_time_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_email", "-occurred_at"], name="audit_actor_email_time_idx"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("hash",), name="audit_hash_unique"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(hash__regex="^[0-9a-f]{64}$"), name="audit_hash_sha256_hex"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(prev_hash__regex="^[0-9a-f]{64}$"), name="audit_prev_hash_sha256_hex"
            ),
        ),
    ]
