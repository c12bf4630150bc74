"""Production settings refuse missing or weak values; the good set passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DEBUG": "0",
    "SECRET_KEY": "k3V9wq2Lx8Rt5Yb1Nz7Pd4Hs6Jm0Fc3Gv8Qe2Wr5Ty9Ui1Op4As7Df0Gh3Jk6Lz",
    "ALLOWED_HOSTS": "portal.example.org",
    "SITE_URL": "https://portal.example.org",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "CHANNEL_LAYER_URL": "redis://127.0.0.1:6379/3",
    "PAYER_TEAM_EMAILS": "team@example.org",
    "EMAIL_HOST": "smtp.example.org",
    "DEFAULT_FROM_EMAIL": "portal@example.org",
    "ENROLLMENT_ENCRYPTION_KEY": "WlR3_fhFTMskNPxcQYtYn6b8t3Hrg0IOei4quUlKU9k=",
    "ENROLLMENT_PAYMENT_PROCESSOR": "test",
}


def run_manage(env_changes, *args):
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update(GOOD)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_check(env_changes, *args):
    return run_manage(env_changes, "check", *args)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is weak"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY is weak"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is not set"),
        ({"ALLOWED_HOSTS": "*"}, "not '*'"),
        ({"SITE_URL": "http://portal.example.org"}, "SITE_URL must be"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL is not set"),
        ({"CACHE_URL": None}, "CACHE_URL is not set"),
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL must be a redis://"),
        ({"CHANNEL_LAYER_URL": None}, "CHANNEL_LAYER_URL is not set"),
        ({"CHANNEL_LAYER_URL": "amqp://127.0.0.1:5672"}, "CHANNEL_LAYER_URL must be a redis://"),
        ({"CHAT_MESSAGE_MAX_LENGTH": "5000"}, "CHAT_MESSAGE_MAX_LENGTH must be 1..2000"),
        ({"CHAT_PRESENCE_SECONDS": "3"}, "CHAT_PRESENCE_SECONDS must be at least 10"),
        ({"RATE_CHAT_MESSAGE": "0/m"}, "RATE_CHAT_MESSAGE must allow"),
        ({"RATE_MESSAGE_SEND": "twenty"}, "RATE_MESSAGE_SEND must look like"),
        ({"RATE_ELIGIBILITY_MINUTE": "0/m"}, "RATE_ELIGIBILITY_MINUTE must allow"),
        ({"LOGIN_LOCKED_AFTER_FAILURES": "500"}, "LOGIN_LOCKED_AFTER_FAILURES <= 100"),
        ({"PAYER_TEAM_EMAILS": None}, "PAYER_TEAM_EMAILS is not set"),
        ({"EMAIL_HOST": None}, "EMAIL_HOST is not set"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": None},
            "EMAIL_FILE_PATH is not set",
        ),
        ({"OUTBOX_BODY_RETENTION_HOURS": "-1"}, "OUTBOX_BODY_RETENTION_HOURS must be 0 or more"),
        ({"ENROLLMENT_ENCRYPTION_KEY": None}, "ENROLLMENT_ENCRYPTION_KEY is not set"),
        ({"ENROLLMENT_ENCRYPTION_KEY": "not-a-key"}, "ENROLLMENT_ENCRYPTION_KEY is not a Fernet key"),
        ({"ENROLLMENT_PAYMENT_PROCESSOR": None}, "ENROLLMENT_PAYMENT_PROCESSOR must be test or stripe"),
        ({"ENROLLMENT_PAYMENT_PROCESSOR": "paypal"}, "ENROLLMENT_PAYMENT_PROCESSOR must be test or stripe"),
        ({"ENROLLMENT_PAYMENT_PROCESSOR": "stripe"}, "STRIPE_SECRET_KEY is not set"),
        (
            {"ENROLLMENT_PAYMENT_PROCESSOR": "stripe", "STRIPE_SECRET_KEY": "sk_live_x"},
            "STRIPE_WEBHOOK_SECRET is not set",
        ),
        ({"ENROLLMENT_FEES": "2026:lots"}, "ENROLLMENT_FEES must look like"),
        ({"OUTBOX_BODY_RETENTION_HOURS": "a day"}, "OUTBOX_BODY_RETENTION_HOURS must be an integer"),
        ({"OUTBOX_MAX_ATTEMPTS": "0"}, "OUTBOX_MAX_ATTEMPTS must be 1..100"),
    ],
)
def test_production_refuses_bad_values(change, message):
    result = run_check(change)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_check({}, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_file_based_email_backend_writes_to_email_file_path(tmp_path):
    outbox = tmp_path / "mail"
    send = "from django.core.mail import send_mail; send_mail('Subject', 'Body text', None, ['a@example.org'])"
    result = run_manage(
        {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(outbox)},
        "shell",
        "-c",
        send,
    )
    assert result.returncode == 0, result.stderr
    written = list(outbox.iterdir())
    assert len(written) == 1
    assert "Body text" in written[0].read_text()


def test_the_chat_channel_layer_is_redis_in_production_and_in_memory_on_the_embedded_default():
    show = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    production = run_manage({}, "shell", "-c", show)
    assert production.stdout.strip().splitlines()[-1] == "channels_redis.core.RedisChannelLayer", production.stderr
    development = run_manage({"DEBUG": "1", "CHANNEL_LAYER_URL": None}, "shell", "-c", show)
    assert development.stdout.strip().splitlines()[-1] == "channels.layers.InMemoryChannelLayer", development.stderr


def test_the_chat_channel_layer_waits_on_redis_longer_than_its_blocking_read():
    # An idle socket blocks on Redis for brpop_timeout; a shorter client read timeout (redis-py 8's
    # default is 5 s) crashed every idle consumer (django/channels_redis#422).
    show = (
        "from django.conf import settings; from channels_redis.core import RedisChannelLayer; "
        "print(settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0]['socket_timeout'], "
        "RedisChannelLayer.brpop_timeout)"
    )
    result = run_manage({}, "shell", "-c", show)
    socket_timeout, blocking_read = (float(x) for x in result.stdout.strip().splitlines()[-1].split())
    assert socket_timeout > blocking_read, result.stderr
