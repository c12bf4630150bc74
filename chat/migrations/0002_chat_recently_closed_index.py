"""The Control Panel Chat's "recently closed": an analyst's newest closed conversations read in index
order (they were all read and sorted: 922 for the busiest analyst of the large-plan data)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_member_status_counts"),
        ("chat", "0001_initial"),
        ("mailbox", "0004_outboundemail_moves_to_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["staff", "status", "-closed_at", "-id"], name="chat_staff_closed_idx"),
        ),
    ]
