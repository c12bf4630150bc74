from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mailbox", "0003_outbox_body_retention_index"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        # The outbox app owns the table now: forget the model here, keep the table.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundEmail")],
            database_operations=[],
        ),
    ]
