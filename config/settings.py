"""officepass settings: every value comes from the environment with a safe default."""

import warnings
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(BASE_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Public address of the site, used in check-in URLs printed on door posters.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "officepass.core",
    "officepass.accounts",
    "officepass.offices",
    "officepass.tickets",
    "officepass.stays",
    "officepass.locks",
    "officepass.support",
    "officepass.invoices",
    "officepass.notifications",
    "officepass.settlement",
    "officepass.payments",
    "officepass.demo",
    "officepass.ops",
    "officepass.console",
    "officepass.web",
    # Sign-up with e-mail verification, password reset, e-mail change (issue 14). After our
    # apps, so officepass/web/templates/allauth/ dresses its pages in ours.
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "officepass.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "officepass.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "officepass.core.inputguard.InputGuardMiddleware",
    "officepass.api.middleware.ApiErrorShapeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "officepass.web.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Bearer API requests without a cookie skip the middleware that needs one
# (officepass/api/lane.py); false: every request takes the whole chain.
API_LANE = env_bool("API_LANE", True)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "officepass.console.context.network",
            ],
        },
    },
]

# SQLite by default (WAL, IMMEDIATE transactions so writers serialize instead of failing
# with "database is locked" mid-transaction); PostgreSQL with DATABASE_URL.
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    # Django's backend with a health check that asks the socket, not the server, unless the
    # server has spoken (officepass/core/pgbackend): one round trip fewer per request.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "officepass.core.pgbackend"
    # Parameters bound by PostgreSQL, and statements run five times on a connection prepared
    # there (psycopg's prepare_threshold): the check-in's statements are parsed and planned
    # once per connection, not on every request (issue 18). DB_SERVER_SIDE_BINDING=0 turns it
    # off (a pooler in transaction mode that does not keep prepared statements).
    if env_int("DB_SERVER_SIDE_BINDING", 1):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5)
        )
    # A psycopg connection pool per process (Django 5.2) instead of one persistent
    # connection per thread: DB_POOL_MAX_SIZE > 0 turns it on (docs/deployment.md).
    if env_int("DB_POOL_MAX_SIZE", 0) > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 1),
            "max_size": env_int("DB_POOL_MAX_SIZE", 0),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared cache: Redis in production (REDIS_URL), so counters such as a lock vendor's daily
# call budget hold across every process; a file cache on a laptop.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hang a request: callers degrade on an error.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / ".cache")),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "officepass" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
# The network's calendar: monthly cycles, caps, reports and statements are reckoned in it.
NETWORK_TIME_ZONE = env_str("NETWORK_TIME_ZONE", TIME_ZONE)
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploads (seat images) go to MEDIA_ROOT; with MEDIA_S3_BUCKET to an S3-compatible bucket
# (install the `s3` extra: django-storages + boto3; credentials from AWS_* variables).
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MEDIA_S3_BUCKET,
                "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
                "region_name": env_str("MEDIA_S3_REGION", "") or None,
                "querystring_auth": True,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A form posted from a stale page: the member app's styled 403, with a way home.
CSRF_FAILURE_VIEW = "officepass.web.views.errors.csrf_failure"
# HTTPS hardening, on by default when the site is served over https (SITE_URL) without DEBUG.
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=true (trusts X-Forwarded-Proto).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# officepass behaviour
# How long an API token lives (days) before the member must sign in again.
TOKEN_TTL_DAYS = env_int("TOKEN_TTL_DAYS", 30)
# Failed sign-ins per e-mail within the window before `too_many_attempts`.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 10)
LOGIN_WINDOW_SECONDS = env_int("LOGIN_WINDOW_SECONDS", 900)
# Failed sign-ins from one client address (any accounts) within the window before it is
# throttled with `too_many_attempts` (per-account lockout is LOGIN_MAX_FAILURES).
LOGIN_IP_MAX_FAILURES = env_int("LOGIN_IP_MAX_FAILURES", 50)
# Worker loop period (seconds): how soon after a deadline a stay is recorded as forced out.
WORKER_INTERVAL_SECONDS = float(env_str("WORKER_INTERVAL_SECONDS", "1.0"))
# Lock driver for spaces that name none.
DEFAULT_LOCK_DRIVER = env_str("DEFAULT_LOCK_DRIVER", "simulator")
# MQTT broker for the `mqtt` lock driver and `lock_listener` (login via secret_env names).
MQTT_HOST = env_str("MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("MQTT_PORT", 1883)
MQTT_TLS = env_bool("MQTT_TLS", False)
# How long an MQTT unlock waits for the lock to report UNLOCKED (seconds).
MQTT_CONFIRM_TIMEOUT = float(env_str("MQTT_CONFIRM_TIMEOUT", "2.0"))
# Unlock commands a member may send per minute before `too_many_attempts`.
UNLOCK_RATE_PER_MINUTE = env_int("UNLOCK_RATE_PER_MINUTE", 6)
# A credential revoke (checkout on a credential lock) that did not confirm is sent again by the
# worker after this many seconds, until the vendor confirms.
LOCK_REVOKE_RETRY_SECONDS = env_int("LOCK_REVOKE_RETRY_SECONDS", 60)
# Akerun API (OAuth authorization code; the app's id and secret in these environment variables).
AKERUN_API_URL = env_str("AKERUN_API_URL", "https://api.akerun.com")
AKERUN_CLIENT_ID_ENV = "AKERUN_CLIENT_ID"
AKERUN_CLIENT_SECRET_ENV = "AKERUN_CLIENT_SECRET"  # noqa: S105 (a variable name, not a secret)
# Key for lock-cloud OAuth tokens kept in the database (encrypted); SECRET_KEY when unset.
LOCK_TOKEN_KEY = env_str("LOCK_TOKEN_KEY", "")
# A door that opened for fewer than THRESHOLD of at least MIN_UNLOCKS unlocks over DAYS raises a
# trouble report by itself (checked at most every CHECK_SECONDS).
LOCK_RELIABILITY_THRESHOLD = float(env_str("LOCK_RELIABILITY_THRESHOLD", "0.9"))
LOCK_RELIABILITY_MIN_UNLOCKS = env_int("LOCK_RELIABILITY_MIN_UNLOCKS", 10)
LOCK_RELIABILITY_DAYS = env_int("LOCK_RELIABILITY_DAYS", 7)
LOCK_RELIABILITY_CHECK_SECONDS = env_int("LOCK_RELIABILITY_CHECK_SECONDS", 600)
# RemoteLOCK API and OAuth hosts by a space's "region" setting (Japanese accounts: KKE's hosts).
REMOTELOCK_HOSTS = {
    "jp": {
        "api": env_str("REMOTELOCK_JP_API_URL", "https://api.lockstate.jp"),
        "auth": env_str("REMOTELOCK_JP_AUTH_URL", "https://connect.lockstate.jp"),
    },
    "global": {
        "api": env_str("REMOTELOCK_API_URL", "https://api.remotelock.com"),
        "auth": env_str("REMOTELOCK_AUTH_URL", "https://connect.remotelock.com"),
    },
}
# How long after check-in a member whose door never opened may cancel with a full refund.
RECOVERY_WINDOW_MINUTES = env_int("RECOVERY_WINDOW_MINUTES", 30)
# Where trouble reports go (rule 13).
SECRETARIAT_EMAIL = env_str("SECRETARIAT_EMAIL", "secretariat@officepass.example")
# Availability event streams: poll period and lifetime (EventSource reconnects).
STREAM_POLL_SECONDS = float(env_str("STREAM_POLL_SECONDS", "0.5"))
STREAM_MAX_SECONDS = float(env_str("STREAM_MAX_SECONDS", "300"))

# Door posters: a TrueType (.ttf) Japanese font to embed; empty = the standard CID font.
# Embedded in door posters: a CJK font with TrueType outlines, installed by scripts/system-deps.sh.
POSTER_FONT_PATH = env_str("POSTER_FONT_PATH", "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
# Money documents (officepass/invoices, docs/money.md): the issuer printed on every receipt,
# invoice and return invoice. The registration number is "T" + 13 digits with the NTA check
# digit; a malformed one stops start-up (system check invoices.E001). The default is a demo
# number that passes the check: set the real one in production.
INVOICE_ISSUER_NAME_JA = env_str("INVOICE_ISSUER_NAME_JA", "officepass 事務局 (デモ)")
INVOICE_ISSUER_NAME_EN = env_str("INVOICE_ISSUER_NAME_EN", "officepass secretariat (demo)")
INVOICE_ISSUER_REGISTRATION_NUMBER = env_str("INVOICE_ISSUER_REGISTRATION_NUMBER", "T9234567890123")
# Member web app (officepass/web): map tiles (empty: no map, the list only), static files
# served by WhiteNoise straight from the apps' static folders.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
WHITENOISE_USE_FINDERS = True
# WhiteNoise warns when STATIC_ROOT is missing; finders serve the files without collectstatic.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
LOGIN_URL = "web:signin"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Web Push (VAPID, RFC 8292): `manage.py vapid_keys` makes a pair. Empty: push is offered as
# unavailable and every notice goes by e-mail.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:secretariat@officepass.example")
# Push services are https; plain http only for a local test push service.
PUSH_ALLOW_HTTP_ENDPOINTS = env_bool("PUSH_ALLOW_HTTP_ENDPOINTS", False)
# Threads a worker sends pushes from (HTTP only; the worker's database work stays in one).
PUSH_SENDER_THREADS = env_int("PUSH_SENDER_THREADS", 16)
PUSH_TIMEOUT_SECONDS = float(env_str("PUSH_TIMEOUT_SECONDS", "5"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "officepass <noreply@officepass.example>")

# Logs: one JSON object per line (LOG_FORMAT=json, the default) or plain text; every request
# is one line from the "officepass.request" logger (route, status, duration_ms, request_id).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "officepass.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "officepass.request": {"level": env_str("REQUEST_LOG_LEVEL", "INFO")},
    },
}

# Scale-out (officepass/ops, docs/deployment.md)
# Redis channel on which every process nudges the others' event-stream hubs.
STREAM_CHANNEL = env_str("STREAM_CHANNEL", "officepass:availability")
# With Redis, how often a hub re-reads the change log anyway (a lost nudge is late by this).
STREAM_RESYNC_SECONDS = float(env_str("STREAM_RESYNC_SECONDS", "5.0"))
# On PostgreSQL a check-in's six writes go as one statement (officepass/stays/one_statement.py);
# off, they are six, as on SQLite.
CHECK_IN_ONE_STATEMENT = env_bool("CHECK_IN_ONE_STATEMENT", True)
# A hub reads the change log at most once per this many seconds: the nudges of a busy spell
# (hundreds of check-ins a second) become one read and one snapshot query per process, at the
# price of an event up to this much later. The first nudge after a quiet spell is read at once.
STREAM_COALESCE_SECONDS = float(env_str("STREAM_COALESCE_SECONDS", "0.05"))
# Bearer token /metrics asks for (unset: open; keep it on the private network).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# Idempotency-Key (docs/architecture.md, decision 12): a duplicate waits this long for the first
# attempt's answer before `request_in_progress`; a claim this old is taken over (a crashed
# attempt's key never blocks retries for longer; on PostgreSQL a dead attempt's claim is taken
# over at once).
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 5)
IDEMPOTENCY_CLAIM_SECONDS = env_int("IDEMPOTENCY_CLAIM_SECONDS", 60)

# Payments (issue 14). The provider: "stripe" or "demo"; empty = stripe when STRIPE_SECRET_KEY
# is set, else the built-in demo provider (test mode, nothing charged), so `make run` needs no
# key. Stripe's keys and webhook secret come from the environment only, never the database.
PAYMENTS_PROVIDER = env_str("PAYMENTS_PROVIDER", "")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Empty: Stripe's own API. Tests point it at the local fake Stripe.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
# How old a webhook's Stripe-Signature timestamp may be (seconds).
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300)
PAYMENTS_PROVIDER_TIMEOUT = float(env_str("PAYMENTS_PROVIDER_TIMEOUT", "10"))
# Origins of the provider's hosted card page and card portal (CSP form-action allows them).
PAYMENT_PAGE_ORIGINS = env_list(
    "PAYMENT_PAGE_ORIGINS", "https://checkout.stripe.com,https://billing.stripe.com"
)
# After a failed renewal, check-ins go on for this many days, then `payment_required`.
PAYMENTS_GRACE_DAYS = env_int("PAYMENTS_GRACE_DAYS", 7)

# django-allauth: sign-up, e-mail verification (the link in the mail), password reset, e-mail
# change. Sign-in stays ours (/signin: account lockout and per-address throttling,
# docs/api.md for the API's bearer tokens); allauth's own login URL redirects there.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[officepass] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "/signin"
ACCOUNT_CHANGE_EMAIL = True
LOGIN_REDIRECT_URL = "/"
