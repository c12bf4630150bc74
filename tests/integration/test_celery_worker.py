"""A real Celery worker process consumes the outbox task from the real Redis broker.

Runs when CELERY_BROKER_URL is set (CI sets it and REQUIRE_SERVICES=1, which turns a missing
broker into a failure instead of a skip).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from mailbox.models import OutboundEmail
from mailbox.outbox import email_enqueue
from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL and not REQUIRED,
        reason="CELERY_BROKER_URL is not set (CI sets it)",
    ),
]


def test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def worker(tmp_path, transactional_db):
    assert settings.CELERY_BROKER_URL, "REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not set"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_FILE_PATH": str(tmp_path),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield {"queue": queue, "mail_dir": tmp_path, "log": tmp_path / "worker.log"}
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def sent_messages(mail_dir: Path) -> list[str]:
    """Every email the file backend wrote (several may share a file written in the same second)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        if path.name != "worker.log":
            messages += [m for m in path.read_text().split("-" * 79) if "Message-ID:" in m]
    return messages


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


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
    from mailbox.tasks import outbox_sweep

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
