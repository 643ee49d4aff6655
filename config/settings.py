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
    "officepass.demo",
    "officepass.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "officepass.api.middleware.ApiErrorShapeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "officepass.web.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
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
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# officepass behaviour
# How long an API token lives (days) before the member must sign in again.
TOKEN_TTL_DAYS = env_int("TOKEN_TTL_DAYS", 30)
# Failed sign-ins per e-mail within the window before `too_many_attempts`.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 10)
LOGIN_WINDOW_SECONDS = env_int("LOGIN_WINDOW_SECONDS", 900)
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
# How long after check-in a member whose door never opened may cancel with a full refund.
RECOVERY_WINDOW_MINUTES = env_int("RECOVERY_WINDOW_MINUTES", 30)
# Where trouble reports go (rule 13).
SECRETARIAT_EMAIL = env_str("SECRETARIAT_EMAIL", "secretariat@officepass.example")
# Availability event streams: poll period and lifetime (EventSource reconnects).
STREAM_POLL_SECONDS = float(env_str("STREAM_POLL_SECONDS", "0.5"))
STREAM_MAX_SECONDS = float(env_str("STREAM_MAX_SECONDS", "300"))

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
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "officepass <noreply@officepass.example>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
