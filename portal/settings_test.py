"""Settings for the test suite: the development defaults, fast hashing, mail kept in memory."""

import os

os.environ.setdefault("DEBUG", "1")
# The chat's channel layer (Redis when CHANNEL_LAYER_URL is set): one prefix per test run, which
# the server processes a test starts inherit, so two runs on one Redis never hear each other.
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"portal-test-{os.getpid()}")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker process started by the integration tests writes files instead (it cannot share memory).
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", str(VAR_DIR / "test-emails"))  # noqa: F405
# A subprocess of the integration tests publishes for real (TEST_CELERY_EAGER=0).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True

# The audit table refuses TRUNCATE (a trigger) unless the session says so: the test runner empties
# tables with TRUNCATE after transactional tests, so only the test database's sessions may.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    options["options"] = f"{options.get('options', '')} -c audit.allow_truncate=on".strip()

# A test-only app (tests/restrict_app) shows that a new model gets access by declaring its path.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.restrict_app"]  # noqa: F405

# Uploaded files of the tests go to a throw-away folder, never to the development media.
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", str(VAR_DIR / "test-media")))  # noqa: F405
