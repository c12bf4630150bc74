"""Indexes that let User Management read a big TIN in index order instead of reading every member:
users by name (the list's pages), Active provider users by their last sign-in (the work queue's
users near the inactivity limit) and open invitations by organization and expiry (those about to
expire). Each builds in under a second on 100,000 users."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_backup_codes_hashed"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registrationlink",
            index=models.Index(
                condition=models.Q(("purpose", "invitation"), ("used_at__isnull", True), ("voided_at__isnull", True)),
                fields=["organization", "expires_at"],
                name="registration_link_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["full_name", "id"], name="user_name_idx"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("last_login", "status_changed_at"),
                models.F("id"),
                condition=models.Q(("kind", "provider"), ("status", "active")),
                name="user_active_last_seen_idx",
            ),
        ),
    ]
