from django.db import migrations, models

# Payments imported before the count was stored: count their claims once, in one statement.
BACKFILL = """
UPDATE claims_remittance SET claim_count = (
    SELECT COUNT(*) FROM claims_claimpayment WHERE claims_claimpayment.remittance_id = claims_remittance.id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_merge_drafts_and_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="remittance",
            name="claim_count",
            field=models.PositiveIntegerField(default=0, help_text="The number of claims this payment pays."),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
