"""A real Celery worker process consumes the outbox task from the real Redis broker.

Runs when CELERY_BROKER_URL is set (CI sets it and REQUIRE_SERVICES=1, which turns a missing
broker into a failure instead of a skip).
"""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import transaction

from outbox.models import OutboundEmail
from outbox.services import email_enqueue
from portal.celery import app as celery_app
from tests.integration.helpers import REQUIRED, ROOT, CeleryWorker, sent_messages, test_database_url, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL and not REQUIRED,
        reason="CELERY_BROKER_URL is not set (CI sets it)",
    ),
]


@pytest.fixture
def worker(tmp_path, transactional_db):
    assert settings.CELERY_BROKER_URL, "REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not set"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    process = CeleryWorker(
        broker_url=settings.CELERY_BROKER_URL, queue=queue, mail_dir=tmp_path, log_path=tmp_path / "worker.log"
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield {"queue": queue, "mail_dir": tmp_path, "log": tmp_path / "worker.log"}
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.stop()


def test_worker_sends_the_email_queued_on_commit(worker):
    with transaction.atomic():
        email = email_enqueue(
            to="biller@demo.test", subject="You have a new secure message", body="Sign in to read it."
        )
    sent = wait_until(lambda: OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists())
    assert sent, worker["log"].read_text()
    email.refresh_from_db()
    assert email.attempts == 1
    messages = sent_messages(worker["mail_dir"])
    assert len(messages) == 1
    assert "To: biller@demo.test" in messages[0] and "Sign in to read it." in messages[0]
    assert "send_outbound_email" in worker["log"].read_text()


SEND_WHILE_BROKER_DOWN = """
from accounts.models import User
from mailbox.services import thread_start_with_payer
user = User.objects.get(email="biller@example.test")
for i in range(5):
    thread_start_with_payer(sender=user, subject=f"Question {i}", body="Is claim C1 paid?")
print("sent")
"""


def test_messages_sent_while_the_broker_is_down_are_delivered_once_when_it_returns(worker, biller, settings):
    """The web process cannot reach the broker: the messages are saved anyway, and the outbox
    sweep delivers every email exactly once through the real worker when the broker is back."""
    from outbox.tasks import outbox_sweep

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",  # nothing listens there: the broker is down
        "TEST_CELERY_EAGER": "0",
        "PAYER_TEAM_EMAILS": "team@example.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEND_WHILE_BROKER_DOWN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "sent" in result.stdout, result.stderr
    pending = OutboundEmail.objects.filter(template="payer_new_message")
    assert pending.count() == 5 and not pending.filter(sent_at__isnull=False).exists()
    # The broker is back: beat's sweep runs on the worker.
    outbox_sweep.apply_async(queue=worker["queue"])
    assert wait_until(lambda: not pending.filter(sent_at__isnull=True).exists()), worker["log"].read_text()
    assert list(pending.values_list("attempts", flat=True)) == [1] * 5
    assert len(sent_messages(worker["mail_dir"])) == 5
    # A second sweep finds nothing left to send.
    outbox_sweep.apply_async(queue=worker["queue"])
    time.sleep(2)
    assert len(sent_messages(worker["mail_dir"])) == 5
