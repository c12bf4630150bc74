"""Settings for the access portal, read from the environment.

Development (DEBUG=1) runs on an embedded default: SQLite under var/, tasks inline, email to the
console. With DEBUG off every value a deployment must choose is required and checked, so a
missing or weak value stops start-up with a message naming it.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_rate, env_str, is_weak_secret, lifecycle_policy_validate
from core.relying_party import relying_party

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

# --- values a production deployment must set -------------------------------------------------
_problems: list[str] = []

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "dev-only-insecure-key-for-local-development-never-deploy-0123456789"
    else:
        _problems.append("SECRET_KEY is not set")
elif not DEBUG and is_weak_secret(SECRET_KEY):
    _problems.append("SECRET_KEY is weak: use at least 50 random characters")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    _problems.append("ALLOWED_HOSTS is not set")
if not DEBUG and "*" in ALLOWED_HOSTS:
    _problems.append("ALLOWED_HOSTS must name the portal's hosts, not '*'")

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not DEBUG and not SITE_URL.startswith("https://"):
    _problems.append("SITE_URL must be the portal's https:// address (links in emails use it)")

_database_url = env_str("DATABASE_URL")
if not DEBUG and not _database_url:
    _problems.append("DATABASE_URL is not set (the SQLite default is for development only)")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None
if not DEBUG and not CELERY_BROKER_URL:
    _problems.append("CELERY_BROKER_URL is not set (production runs a worker and beat)")

# Throttles and lockout counters live in the cache: it must be shared by every web process.
_cache_url = env_str("CACHE_URL")
if not DEBUG and not _cache_url:
    _problems.append("CACHE_URL is not set (throttles must count across web processes: point it at Redis)")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://", "unix://")):
    _problems.append("CACHE_URL must be a redis://, rediss:// or unix:// address")

# Live chat runs over Django Channels: every ASGI process must share one channel layer, so a
# message sent through one process reaches a socket held by another (Redis, channels-redis).
# The in-memory layer of the embedded default serves one process only.
CHANNEL_LAYER_URL = env_str("CHANNEL_LAYER_URL")
if not DEBUG and not CHANNEL_LAYER_URL:
    _problems.append("CHANNEL_LAYER_URL is not set (live chat needs Redis shared by every chat process)")
if CHANNEL_LAYER_URL and not CHANNEL_LAYER_URL.startswith(("redis://", "rediss://", "unix://")):
    _problems.append("CHANNEL_LAYER_URL must be a redis://, rediss:// or unix:// address")

PAYER_TEAM_EMAILS = env_list("PAYER_TEAM_EMAILS", "payer-team@demo.test" if DEBUG else "")
if not DEBUG and not PAYER_TEAM_EMAILS:
    _problems.append("PAYER_TEAM_EMAILS is not set (new secure-message notices go there)")

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Where django.core.mail.backends.filebased.EmailBackend writes one file per email.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "emails") if DEBUG else "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@demo.test" if DEBUG else "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if not DEBUG:
    if EMAIL_BACKEND.endswith("smtp.EmailBackend") and not env_str("EMAIL_HOST"):
        _problems.append("EMAIL_HOST is not set")
    if not DEFAULT_FROM_EMAIL:
        _problems.append("DEFAULT_FROM_EMAIL is not set")
    if EMAIL_BACKEND.endswith("filebased.EmailBackend") and not EMAIL_FILE_PATH:
        _problems.append("EMAIL_FILE_PATH is not set (the file-based email backend writes there)")

# --- enrollment: the bank account key and the fee's payment provider --------------------------
# Fernet key (32 url-safe base64 bytes) encrypting enrollment bank account numbers at rest.
ENROLLMENT_ENCRYPTION_KEY = env_str("ENROLLMENT_ENCRYPTION_KEY")
if not ENROLLMENT_ENCRYPTION_KEY:
    if DEBUG:
        # Development only: a fixed key, so demo data survives restarts. Never used with DEBUG off.
        ENROLLMENT_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5yb2xsbWVudC1rZXktMDEyMzQ1Njc="
    else:
        _problems.append("ENROLLMENT_ENCRYPTION_KEY is not set")
if ENROLLMENT_ENCRYPTION_KEY:
    try:
        from cryptography.fernet import Fernet as _Fernet

        _Fernet(ENROLLMENT_ENCRYPTION_KEY.encode())
    except ValueError:
        _problems.append("ENROLLMENT_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)")
        if DEBUG:
            raise ImproperlyConfigured("ENROLLMENT_ENCRYPTION_KEY is not a Fernet key") from None
ENROLLMENT_PAYMENT_PROCESSOR = env_str("ENROLLMENT_PAYMENT_PROCESSOR", "test" if DEBUG else "")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
if ENROLLMENT_PAYMENT_PROCESSOR not in ("test", "stripe"):
    if ENROLLMENT_PAYMENT_PROCESSOR or not DEBUG:
        _problems.append("ENROLLMENT_PAYMENT_PROCESSOR must be test or stripe")
    if DEBUG:
        raise ImproperlyConfigured("ENROLLMENT_PAYMENT_PROCESSOR must be test or stripe")
if ENROLLMENT_PAYMENT_PROCESSOR == "stripe":
    if not STRIPE_SECRET_KEY:
        _problems.append("STRIPE_SECRET_KEY is not set (ENROLLMENT_PAYMENT_PROCESSOR=stripe)")
    if not STRIPE_WEBHOOK_SECRET:
        _problems.append("STRIPE_WEBHOOK_SECRET is not set (ENROLLMENT_PAYMENT_PROCESSOR=stripe)")
    if DEBUG and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
        raise ImproperlyConfigured("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required with the stripe processor")

if _problems:
    raise ImproperlyConfigured(
        "The portal cannot start with DEBUG off: " + "; ".join(_problems) + ". Set DEBUG=1 for local development."
    )

# /healthz tells which part is down only to a caller with this token (or a local one).
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN")

# --- branding: one code base serves any plan -------------------------------------------------
PAYER_NAME = env_str("PAYER_NAME", "Demo Health Plan")
PAYER_SUPPORT_PHONE = env_str("PAYER_SUPPORT_PHONE", "1-800-555-0100")
PAYER_SUPPORT_EMAIL = env_str("PAYER_SUPPORT_EMAIL", "support@demo.test")
# A Notification of Pregnancy submitted within this many days of the first prenatal visit is on time.
NOP_TIMELY_DAYS = env_int("NOP_TIMELY_DAYS", 5)
if NOP_TIMELY_DAYS < 0:
    raise ImproperlyConfigured("NOP_TIMELY_DAYS must be 0 or more.")

# --- applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    # First, so that its runserver serves the site under ASGI (pages and the chat's WebSockets).
    "daphne",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "guardian",
    "axes",
    "csp",
    "core",
    "audit",
    "outbox",
    "accounts",
    "mailbox",
    "claims",
    "authorizations",
    "access_requests",
    "user_management",
    "access_reviews",
    "assessments",
    "health_records",
    "enrollment",
    "chat",
    "devdata",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.CrossOriginHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a login unless marked @login_not_required: deny by default.
    "accounts.middleware.PortalLoginRequiredMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.RequireVerifiedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the header middleware, so its 404/400 pages carry the same headers as any page.
    "core.middleware.RefuseControlCharactersMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    # Turns core.ratelimit.Throttled raised in a view into the 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # django-axes asks to be last: it turns a lockout raised inside a view into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
# Pages under gunicorn (WSGI) in production; the chat's /ws/ under daphne (ASGI); runserver
# serves both under ASGI in development (daphne first in INSTALLED_APPS).
ASGI_APPLICATION = "portal.asgi.application"

# Widgets render through Django's templates, the most used ones written out in Python (core/form_renderer.py).
FORM_RENDERER = "core.form_renderer.PortalFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
            # {% breadcrumbs %} on every page below the top, without a {% load %} in each template.
            "builtins": ["core.templatetags.portal_tags", "portal.templatetags.portal_pages"],
        },
    },
]

# --- database ----------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        _database_url or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a worker process in the integration tests sees the test data; one
    # per test run, so two runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Take the write lock at BEGIN and wait for it: two concurrent writers queue up instead of
    # failing with "database is locked" when both upgrade from a read lock.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the portal's queries are short, and PostgreSQL compiles a query whose
    # estimated cost crosses jit_above_cost, which a long list's merged index walks can do while
    # running in milliseconds. Measured on the Claims list sorted by member ID at 1,000,000
    # claims: 53 ms to run, 11.5 s to compile (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication, MFA, lockout, sessions -----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PortalModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    # Passwordless sign-in with a passkey (accounts.views.security applies the account rules).
    "django_otp_webauthn.backends.WebAuthnBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour

# Sessions: SESSION_IDLE_MINUTES idle, 12 hours at most (enforced by SessionLifetimeMiddleware too).
_idle_minutes = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_IDLE_TIMEOUT = timedelta(minutes=_idle_minutes)
# The page warns this many seconds before the idle sign-out, with a "Stay signed in" button.
SESSION_IDLE_WARNING_SECONDS = env_int("SESSION_IDLE_WARNING_SECONDS", 60)
SESSION_MAX_AGE = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# Account lifecycle policy (read where it is enforced, at call time, and shown to users through
# core.policy): a provider user without a sign-in for INACTIVITY_WARN_DAYS is warned by email and
# disabled at INACTIVITY_DISABLE_DAYS by the nightly job; a registration link works for
# REGISTRATION_LINK_HOURS and an invitation link for INVITATION_DAYS.
INACTIVITY_WARN_DAYS = env_int("INACTIVITY_WARN_DAYS", 76)
INACTIVITY_DISABLE_DAYS = env_int("INACTIVITY_DISABLE_DAYS", 90)
REGISTRATION_LINK_HOURS = env_int("REGISTRATION_LINK_HOURS", 72)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
lifecycle_policy_validate(
    warn_days=INACTIVITY_WARN_DAYS,
    disable_days=INACTIVITY_DISABLE_DAYS,
    link_hours=REGISTRATION_LINK_HOURS,
    invitation_days=INVITATION_DAYS,
    idle_minutes=_idle_minutes,
)

# Failed sign-ins (numbers documented in the README, "Sign-in lockout"):
# - one account from one client: LOGIN_FAILURES_BEFORE_LOCK failures lock that pair for
#   LOGIN_LOCK_MINUTES (django-axes, combined parameter username + IP address). Colleagues behind
#   the same office address, and the owner from anywhere else, can still sign in; an unknown email
#   is locked the same way, so the answer reveals nothing.
# - one client across accounts: RATE_LOGIN_CLIENT_* failures (core.ratelimit, sliding windows).
# - one account from any client: LOGIN_LOCKED_AFTER_FAILURES within LOGIN_LOCKED_WINDOW_HOURS
#   (since the last sign-in or unlock) make the user Locked until a password reset or a manager;
#   below NIST SP 800-63B's ceiling of 100 consecutive failures. A lock never ends open sessions.
LOGIN_FAILURES_BEFORE_LOCK = env_int("LOGIN_FAILURES_BEFORE_LOCK", 5)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
LOGIN_LOCKED_AFTER_FAILURES = env_int("LOGIN_LOCKED_AFTER_FAILURES", 50)
LOGIN_LOCKED_WINDOW_HOURS = env_int("LOGIN_LOCKED_WINDOW_HOURS", 24)
if not 1 <= LOGIN_FAILURES_BEFORE_LOCK < LOGIN_LOCKED_AFTER_FAILURES <= 100:
    raise ImproperlyConfigured(
        "Need 1 <= LOGIN_FAILURES_BEFORE_LOCK < LOGIN_LOCKED_AFTER_FAILURES <= 100 (NIST SP 800-63B)"
    )
if not 1 <= LOGIN_LOCK_MINUTES <= 24 * 60 or not 1 <= LOGIN_LOCKED_WINDOW_HOURS <= 24 * 30:
    raise ImproperlyConfigured("LOGIN_LOCK_MINUTES must be 1..1440 and LOGIN_LOCKED_WINDOW_HOURS 1..720")
AXES_FAILURE_LIMIT = LOGIN_FAILURES_BEFORE_LOCK
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # "consecutive" failures
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCK_MINUTES)
# Guesses during a lock neither count nor push its end further: it ends LOGIN_LOCK_MINUTES after
# the failure that started it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.login_locked_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = PAYER_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
# The admin never shows a user's TOTP secret or its QR code (403 instead of its config pages).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Passkeys (WebAuthn, django-otp-webauthn): bound to SITE_URL's host unless WEBAUTHN_RP_ID names a
# parent domain; user verification (PIN or biometric) is required in every ceremony.
_relying_party = relying_party(
    site_url=SITE_URL,
    rp_id=env_str("WEBAUTHN_RP_ID"),
    extra_origins=env_list("WEBAUTHN_ALLOWED_ORIGINS"),
    debug=DEBUG,
)
OTP_WEBAUTHN_RP_ID = _relying_party.rp_id
OTP_WEBAUTHN_RP_NAME = PAYER_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = _relying_party.origins
OTP_WEBAUTHN_HELPER_CLASS = "accounts.services.passkeys.PortalWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
# Payer staff must sign in with a passkey before the Control Panel opens (they add one first).
PAYER_STAFF_REQUIRE_PASSKEY = env_bool("PAYER_STAFF_REQUIRE_PASSKEY", False)

# django-guardian: no anonymous user row, object permissions only through direct foreign keys.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# --- security headers ----------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent as Permissions-Policy by core.middleware.CrossOriginHeadersMiddleware: features off
# (empty allow-list), or allowed for the portal's own origin only. Passkeys need the last two.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-get": ["self"],
    "publickey-credentials-create": ["self"],
}
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # 'self' also covers the live chat's same-origin ws:/wss: socket (CSP Level 3 matches
        # ws/wss to http/https of the same host), so the policy needs no change for it.
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development and tests static files come from the finders; collectstatic fills STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
USWDS_DIST = BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist"
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (f"uswds/{part}", USWDS_DIST / part) for part in ("css", "js", "fonts", "img")
]
# --- uploaded files (attachments) -----------------------------------------------------------------
# Stored through Django's storage API: local files under MEDIA_ROOT by default, never served as
# static files (every download goes through a view that checks access, core/uploads.py). With
# UPLOAD_STORAGE=s3, django-storages' S3 backend keeps them in a private bucket (AWS_* variables).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
# Claim appeals: days the plan gives itself to decide, and the documents one appeal may carry.
RECONSIDERATION_DUE_DAYS = env_int("RECONSIDERATION_DUE_DAYS", 30)
APPEAL_DUE_DAYS = env_int("APPEAL_DUE_DAYS", 60)
APPEAL_MAX_FILES = 5
APPEAL_MAX_TOTAL_BYTES = env_int("APPEAL_MAX_TOTAL_MB", 25) * 1024 * 1024
if min(RECONSIDERATION_DUE_DAYS, APPEAL_DUE_DAYS) < 1:
    raise ImproperlyConfigured("RECONSIDERATION_DUE_DAYS and APPEAL_DUE_DAYS must be at least 1")
UPLOAD_STORAGE = env_str("UPLOAD_STORAGE", "local")
if UPLOAD_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("UPLOAD_STORAGE must be local or s3")
if UPLOAD_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# A form with several files is read in memory up to this size, then streamed to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- prior authorizations ----------------------------------------------------------------------------
# The decision clocks of CMS-0057-F: an expedited request is decided within AUTH_EXPEDITED_HOURS of
# receipt, a standard one within AUTH_STANDARD_DAYS calendar days; a standard request may be
# extended once by up to AUTH_EXTENSION_MAX_DAYS more days, with a reason. With
# AUTH_INFO_REQUEST_PAUSES_CLOCK (off by default: the federal time frames run from receipt whatever
# is asked), the clock stops while the plan waits for the information it asked for, and the due
# time moves by the time waited once the provider answers.
AUTH_EXPEDITED_HOURS = env_int("AUTH_EXPEDITED_HOURS", 72)
AUTH_STANDARD_DAYS = env_int("AUTH_STANDARD_DAYS", 7)
AUTH_EXTENSION_MAX_DAYS = env_int("AUTH_EXTENSION_MAX_DAYS", 14)
AUTH_INFO_REQUEST_PAUSES_CLOCK = env_bool("AUTH_INFO_REQUEST_PAUSES_CLOCK", False)
# Attachments of one request together (each file is limited by UPLOAD_MAX_MB).
AUTH_REQUEST_MAX_BYTES = env_int("AUTH_REQUEST_MAX_MB", 50) * 1024 * 1024
# The daily warning goes out for open requests due within this many hours.
AUTH_DUE_SOON_HOURS = env_int("AUTH_DUE_SOON_HOURS", 24)
for _name in ("AUTH_EXPEDITED_HOURS", "AUTH_STANDARD_DAYS", "AUTH_DUE_SOON_HOURS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
if AUTH_EXTENSION_MAX_DAYS < 0:
    raise ImproperlyConfigured("AUTH_EXTENSION_MAX_DAYS must be 0 or more")

# --- background tasks ----------------------------------------------------------------------------
# Without a broker (the embedded default) tasks run inline; the outbox still records every email.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 120
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# No task is scheduled further ahead than 15 minutes, so a 1-hour visibility timeout only
# re-delivers work whose worker died; the outbox's conditional claim keeps that idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "outbox.tasks.outbox_sweep",
        "schedule": 60.0,
    },
    # Blanks the body of emails sent more than OUTBOX_BODY_RETENTION_HOURS ago.
    "outbox-bodies-expire": {
        "task": "outbox.tasks.outbox_bodies_expire",
        "schedule": crontab(minute=17),
    },
    # Inactivity, the payer's no-manager notice, the managers' digest, time-limited access.
    # In TIME_ZONE (Celery takes Django's); on the spring-forward night 02:00 does not exist and
    # the run may come an hour late or be missed: the jobs count calendar days and catch up.
    "daily-lifecycle": {
        "task": "user_management.tasks.daily_lifecycle",
        "schedule": crontab(hour=2, minute=0),
    },
    # Access reviews: reminders from the due date, the grace period's end, the quarterly repeat.
    "access-reviews-daily": {
        "task": "access_reviews.tasks.reviews_daily",
        "schedule": crontab(hour=2, minute=30),
    },
    # Prior authorizations: warns payer staff of open requests due within AUTH_DUE_SOON_HOURS.
    "authorizations-due-soon": {
        "task": "authorizations.tasks.authorizations_due_soon",
        "schedule": crontab(hour=7, minute=0),
    },
    # Care gaps: reload the rules and recompute every member's gaps (the lookbacks move nightly).
    "care-gaps-nightly": {
        "task": "health_records.tasks.care_gaps_nightly",
        "schedule": crontab(hour=3, minute=0),
    },
    # Enrollment: applications not corrected in time are rejected; revalidations are opened.
    "enrollment-daily": {
        "task": "enrollment.tasks.enrollment_daily",
        "schedule": crontab(hour=3, minute=30),
    },
}

# A sent email's body (reset and invitation links included) is kept this long, for support
# questions; then only its recipient, template, subject, times and idempotency key remain.
OUTBOX_BODY_RETENTION_HOURS = env_int("OUTBOX_BODY_RETENTION_HOURS", 24)
if OUTBOX_BODY_RETENTION_HOURS < 0:
    raise ImproperlyConfigured("OUTBOX_BODY_RETENTION_HOURS must be 0 or more")
# An email the mail server keeps refusing is given up after this many attempts (about 45 minutes
# of back-off at 8); one it refuses for good (a 5xx answer to the recipient or the message) at once.
# Failed emails are listed in the Control Panel (Email delivery), where they can be retried.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
if not 1 <= OUTBOX_MAX_ATTEMPTS <= 100:
    raise ImproperlyConfigured("OUTBOX_MAX_ATTEMPTS must be 1..100")


# --- cache and throttles ---------------------------------------------------------------------------
# Throttles and lockout counters live in the cache, so it must be shared by every web process:
# production requires CACHE_URL (Redis; it may be the broker's server with another db number).
# The local-memory cache is per process and serves only development and tests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "core.ratelimit.ratelimited_view"
RATELIMIT_IPV6_MASK = 64
# COUNT/SPAN, sliding windows (core/ratelimit.py). Each can be set from the environment.
RATE_LIMITS = {
    "eligibility-minute": env_rate("RATE_ELIGIBILITY_MINUTE", "30/m"),
    "eligibility-day": env_rate("RATE_ELIGIBILITY_DAY", "300/d"),
    "claim-status-minute": env_rate("RATE_CLAIM_STATUS_MINUTE", "30/m"),
    "claim-status-day": env_rate("RATE_CLAIM_STATUS_DAY", "300/d"),
    "password-reset-address": env_rate("RATE_PASSWORD_RESET_ADDRESS", "3/h"),
    "password-reset-client": env_rate("RATE_PASSWORD_RESET_CLIENT", "20/h"),
    "registration-client": env_rate("RATE_REGISTRATION_CLIENT", "10/d"),
    "registration-tin-email": env_rate("RATE_REGISTRATION_TIN_EMAIL", "5/d"),
    "message-send": env_rate("RATE_MESSAGE_SEND", "20/h"),
    "chat-message": env_rate("RATE_CHAT_MESSAGE", "30/m"),
    "login-client-minute": env_rate("RATE_LOGIN_CLIENT_MINUTE", "10/m"),
    "login-client-hour": env_rate("RATE_LOGIN_CLIENT_HOUR", "100/h"),
}
# The payer team gets at most one "new messages" email per thread in this many minutes.
MESSAGE_NOTICE_COALESCE_MINUTES = env_int("MESSAGE_NOTICE_COALESCE_MINUTES", 10)
if MESSAGE_NOTICE_COALESCE_MINUTES < 1:
    raise ImproperlyConfigured("MESSAGE_NOTICE_COALESCE_MINUTES must be at least 1")

# --- live chat ----------------------------------------------------------------------------------
# Every socket waits for its next event with a blocking read of Redis (BZPOPMIN) of 5 s, and
# redis-py 8 gives up reading a socket after 5 s by default: an idle chat socket then crashed every
# 5 s (django/channels_redis#422). The client waits longer than the blocking read, and still gives
# up on a Redis that stopped answering.
CHANNEL_LAYER_SOCKET_TIMEOUT = 15
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # The prefix keeps two deployments (or two test runs) on one Redis apart.
        "CONFIG": {
            "hosts": [{"address": CHANNEL_LAYER_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}],
            "prefix": env_str("CHANNEL_LAYER_PREFIX", "portal-chat"),
        },
    }
    if CHANNEL_LAYER_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}
# A chat message is at most CHAT_MESSAGE_MAX_LENGTH characters; a socket frame larger than
# CHAT_FRAME_MAX_BYTES is refused by the consumer unread, and one larger than
# DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE never reaches it (daphne closes the socket with 1009; the
# Procfile's chat process passes the same number on its command line).
CHAT_MESSAGE_MAX_LENGTH = env_int("CHAT_MESSAGE_MAX_LENGTH", 2000)
CHAT_FRAME_MAX_BYTES = 16 * 1024
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = 64 * 1024
DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = 64 * 1024
if not 1 <= CHAT_MESSAGE_MAX_LENGTH <= 2000:
    raise ImproperlyConfigured("CHAT_MESSAGE_MAX_LENGTH must be 1..2000 (a frame holds at most 16 KB)")
# Staff count as online while their Chat page beats within this many seconds (in the cache,
# which production shares between processes: CACHE_URL).
CHAT_PRESENCE_SECONDS = env_int("CHAT_PRESENCE_SECONDS", 60)
if CHAT_PRESENCE_SECONDS < 10:
    raise ImproperlyConfigured("CHAT_PRESENCE_SECONDS must be at least 10")

# --- misc ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every failed attempt at INFO; the audit trail already records them.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- enrollment ------------------------------------------------------------------------------------
# The application fee for institutional providers, in cents, by calendar year (individual
# practitioners are exempt). ENROLLMENT_FEES="2026:75000,2027:76000" overrides the table.
ENROLLMENT_FEES = {2026: 75000}
for _item in env_list("ENROLLMENT_FEES"):
    _year, _, _cents = _item.partition(":")
    try:
        ENROLLMENT_FEES[int(_year)] = int(_cents)
    except ValueError:
        raise ImproperlyConfigured(f"ENROLLMENT_FEES must look like 2026:75000; got {_item!r}") from None
ENROLLMENT_CORRECTION_DAYS = env_int("ENROLLMENT_CORRECTION_DAYS", 30)
ENROLLMENT_REVALIDATION_YEARS = env_int("ENROLLMENT_REVALIDATION_YEARS", 5)
ENROLLMENT_REVALIDATION_YEARS_DME = env_int("ENROLLMENT_REVALIDATION_YEARS_DME", 3)
ENROLLMENT_REVALIDATION_NOTICE_MONTHS = env_int("ENROLLMENT_REVALIDATION_NOTICE_MONTHS", 7)
if min(ENROLLMENT_CORRECTION_DAYS, ENROLLMENT_REVALIDATION_YEARS, ENROLLMENT_REVALIDATION_YEARS_DME) < 1:
    raise ImproperlyConfigured("ENROLLMENT_CORRECTION_DAYS and the revalidation years must be at least 1")
