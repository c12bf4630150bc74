"""Demo rows of the outbox: one email the mail server refused for good, one possibly sent twice,
so the Control Panel's Email delivery page has something to show."""

from datetime import timedelta

from django.utils import timezone

from outbox.models import OutboundEmail

DEMO_EMAILS = [
    {
        "idempotency_key": "demo-failed-invitation",
        "to": "no-such-user@springfield-clinic.test",
        "template": "invitation",
        "subject": "You are invited to the provider portal",
        "attempts": 1,
        "hours_ago": 5,
        "failed": True,
        "possible_duplicate": False,
        "last_error": "SMTPRecipientsRefused: {'no-such-user@springfield-clinic.test': (550, b'5.1.1 User unknown')}",
    },
    {
        "idempotency_key": "demo-possible-duplicate",
        "to": "biller@demo.test",
        "template": "provider_new_message",
        "subject": "You have a new secure message",
        "attempts": 1,
        "hours_ago": 26,
        "failed": False,
        "possible_duplicate": True,
        "last_error": "",
    },
]


def seed_demo_outbox() -> int:
    """Writes the demo emails that are missing (by idempotency key); returns how many were written."""
    now = timezone.now()
    written = 0
    for data in DEMO_EMAILS:
        if OutboundEmail.objects.filter(idempotency_key=data["idempotency_key"]).exists():
            continue
        created = now - timedelta(hours=data["hours_ago"])
        OutboundEmail.objects.create(
            idempotency_key=data["idempotency_key"],
            to=data["to"],
            template=data["template"],
            subject=data["subject"],
            body="",
            created_at=created,
            attempts=data["attempts"],
            last_error=data["last_error"],
            failed_at=created + timedelta(seconds=2) if data["failed"] else None,
            sent_at=None if data["failed"] else created + timedelta(minutes=6),
            possible_duplicate=data["possible_duplicate"],
        )
        written += 1
    return written
