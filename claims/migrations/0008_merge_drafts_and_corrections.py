from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_claim_draft"),
        ("claims", "0007_claim_status_inquiry_corrections"),
    ]

    operations = []
