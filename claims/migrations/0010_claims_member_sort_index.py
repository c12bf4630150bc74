"""The Claims list sorted by member ID walks each provider ID's claims in member order, as the
other sorts walk theirs (without it, each provider ID's claims were read and sorted)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_member_status_counts"),
        ("claims", "0009_remittance_claim_count"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["provider_identifier", "member_id", "id"], name="claim_pid_member_idx"),
        ),
    ]
