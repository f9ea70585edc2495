"""Settings for the GFMD country profiles site, all read from the environment.

Every variable is listed with its default in `.env.example`; the README explains them.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key"  # only reachable with DEBUG on

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind a reverse proxy, the header holding the visitor's address for rate limits
# (HTTP_X_FORWARDED_FOR); empty means REMOTE_ADDR.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# Absolute links in emails and feeds (no request there to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "gfmd.admin_apps.GfmdAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "imports",
    "gfmd",
    "countries",
    "practices",
    "subscriptions",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gfmd.middleware.SiteCSPMiddleware",
    "gfmd.middleware.PermissionsPolicyMiddleware",
    "gfmd.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: by prefix, a first visit by the browser's (README, Languages).
    "core.i18n.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag, 304 and CORS under /api/ and /data/ (README, Open data).
    "opendata.middleware.OpenDataMiddleware",
    # Whole public pages from the cache (README, Caching and HTTP): after every middleware
    # that picks the language or may answer by itself, before those that set cookies.
    "core.page_cache.PageCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns its lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gfmd.urls"
WSGI_APPLICATION = "gfmd.wsgi.application"

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
                "opendata.context_processors.canonical_url",
                "core.i18n.languages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits, the page cache and the data version must be shared by every web process and
# command: a write seen by one process must retire the pages every other one cached. Redis in
# production; without it, files under .cache/ for a local run (runserver and a command beside
# it share them), and a per-process memory cache only where one process is all there is (the
# tests), allowed on purpose with ALLOW_PROCESS_CACHE (checked below).
REDIS_URL = os.environ.get("REDIS_URL", "")
ALLOW_PROCESS_CACHE = env_bool("ALLOW_PROCESS_CACHE")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "core.redis_cache.SharedClientRedisCache", "LOCATION": REDIS_URL}
    }
elif ALLOW_PROCESS_CACHE:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / ".cache",
        }
    }

# Whole pages for anonymous visitors (core/page_cache.py), kept at most this many seconds
# (never stale: a write replaces the data version; 0 turns the page cache off), except
# under these paths (the admin, and the API, which counts each request against its rate).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
PAGE_CACHE_SKIP_PATHS = ["/admin/", "/api/"]
# A write to a table of these apps replaces the data version (core/data_version.py).
PUBLIC_DATA_APPS = ["countries", "practices"]

# django-axes first: it refuses a locked-out username or address before any password check.
# (With two backends, User.objects.with_perm() must be told which one: ModelBackend.)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them (gfmd/formats/): "2 de diciembre de 2026".
FORMAT_MODULE_PATH = ["gfmd.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Background tasks: run in-process unless a worker backend is configured.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "GFMD <no-reply@gfmd.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Kill switch for staging: nothing is emailed while this is off.
EMAIL_SENDING_ENABLED = env_bool("EMAIL_SENDING_ENABLED", default=True)
# Days a delivery the mail server refuses for now (4xx, connection lost) is tried again,
# with growing waits, before it is marked failed.
DELIVERY_RETRY_DAYS = float(os.environ.get("DELIVERY_RETRY_DAYS", "3"))
# Minutes between two sweeps of due deliveries by `manage.py run_scheduler`.
SWEEP_MINUTES = float(os.environ.get("SWEEP_MINUTES", "5"))

# With DEBUG off, refuse to start where email would silently not go out (marked sent all
# the same) or tasks would run inside the web request, unless a setting says so on purpose.
# Here rather than in a system check: gunicorn and db_worker run no checks.
ALLOW_UNSENT_EMAIL = env_bool("ALLOW_UNSENT_EMAIL")
ALLOW_IMMEDIATE_TASKS = env_bool("ALLOW_IMMEDIATE_TASKS")
if not DEBUG:
    if not REDIS_URL and not ALLOW_PROCESS_CACHE:
        raise ImproperlyConfigured(
            "REDIS_URL is not set with DEBUG off: web processes would not share the cache, so a "
            "page cached by one would outlive a change made through another, and rate limits "
            "would count per process. Set REDIS_URL, or ALLOW_PROCESS_CACHE=1 for a single "
            "process that may keep its cache in memory."
        )
    if not ALLOW_UNSENT_EMAIL and EMAIL_BACKEND in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }:
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND is {EMAIL_BACKEND} with DEBUG off: no email would reach anybody. "
            "Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST, "
            "or ALLOW_UNSENT_EMAIL=1 if that is what you want."
        )
    if not ALLOW_IMMEDIATE_TASKS and TASKS["default"]["BACKEND"] in {
        "django_tasks.backends.immediate.ImmediateBackend",
        "django_tasks.backends.dummy.DummyBackend",
    }:
        raise ImproperlyConfigured(
            f"TASKS_BACKEND is {TASKS['default']['BACKEND']} with DEBUG off: emails would be "
            "sent inside the web request, or never. Set "
            "TASKS_BACKEND=django_tasks_db.DatabaseBackend and run the worker, or "
            "ALLOW_IMMEDIATE_TASKS=1 if that is what you want."
        )

# Subscriptions: subscribe form posts allowed per IP address and hour (counted in the cache),
# and days an unsubscribed address is kept before it is deleted (README, Privacy).
SUBSCRIBE_RATE_LIMIT_PER_HOUR = int(os.environ.get("SUBSCRIBE_RATE_LIMIT_PER_HOUR", "10"))
SUBSCRIPTION_RETENTION_DAYS = int(os.environ.get("SUBSCRIPTION_RETENTION_DAYS", "30"))
# Batches of notifications sent at once by one worker, each over its own SMTP connection.
SUBSCRIPTIONS_SENDER_THREADS = int(os.environ.get("SUBSCRIPTIONS_SENDER_THREADS", "4"))

# Bulk import and export in the admin (imports/). Limits are checked before a
# file is parsed; sizes in bytes.
IMPORT_MAX_FILE_SIZE = int(os.environ.get("IMPORT_MAX_FILE_SIZE", str(5 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "10000"))
# A confirmed import of more rows than this runs in the worker, with a status page (README).
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "2000"))
IMPORT_XLSX_MAX_UNPACKED_SIZE = int(
    os.environ.get("IMPORT_XLSX_MAX_UNPACKED_SIZE", str(50 * 1024 * 1024))
)
IMPORT_XLSX_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_XLSX_MAX_COMPRESSION_RATIO", "200"))
# Uploads between an import's preview and its confirm step (imports/uploads.py): where they
# are kept (default: a folder in the system's temporary folder) and for how long.
IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR", "")
IMPORT_UPLOAD_MAX_AGE_HOURS = float(os.environ.get("IMPORT_UPLOAD_MAX_AGE_HOURS", "6"))
# Finished background imports (imports.ImportJob) are deleted this many days after they end.
IMPORT_JOB_MAX_AGE_DAYS = float(os.environ.get("IMPORT_JOB_MAX_AGE_DAYS", "30"))
IMPORT_EXPORT_TMP_STORAGE_CLASS = "imports.uploads.UploadStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
# Our formats escape formulas themselves: the library's setting only strips one "=" and
# turns every cell, numbers included, into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# Import and export take the permission the change form takes (README, Staff): a view-only
# user (a moderator) reads records one at a time and takes none out in bulk.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "change"

# HTTPS (README, Security). The proxy in front says a request came over HTTPS with
# X-Forwarded-Proto; the redirect and HSTS rely on it. Local compose over plain http
# turns SECURE_SSL_REDIRECT and SECURE_COOKIES off.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Paths (regular expressions, no leading slash) answered over plain http, e.g. a health check.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT")
# Sent only on HTTPS responses: a year, subdomains included, preload-ready.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Brute force on the admin login (django-axes, README, Security): after LOGIN_FAILURE_LIMIT
# failures from one client address, or for one username from anywhere, logins are refused
# for LOGIN_COOLOFF_MINUTES. Attempts are kept in the database; the address is the one
# the rate limits use (CLIENT_IP_HEADER behind a proxy).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "gfmd.admin_site.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures only: no record of every staff login
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a cool-off always ends
# Two-factor (django-otp, TOTP): any staff member can turn it on at /admin/two-factor/;
# with OTP_REQUIRED_FOR_STAFF every staff member must, right after their password.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF")
OTP_TOTP_ISSUER = "GFMD country profiles"
# Nobody, superusers included, can read another person's TOTP key in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content-Security-Policy (django-csp): public pages load scripts and styles from our own
# static files only, never inline (tests/gfmd/test_security_headers.py checks the pages).
_CSP_COMMON = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": _CSP_COMMON | {"script-src": ["'self'"], "style-src": ["'self'"]}
}
# Under /admin/ (gfmd.middleware.SiteCSPMiddleware): Django's admin writes inline styles,
# and django-import-export's export page has one inline handler, allowed by its hash.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": _CSP_COMMON
    | {
        "script-src": [
            "'self'",
            "'unsafe-hashes'",
            # onchange="onSelectToggleChange(event)"
            "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='",
        ],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
    }
}
# Browser features no page uses, switched off for every page and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# Open data (README, Open data): the JSON API under /api/ and the downloads on /data/.
# Requests per client address (CLIENT_IP_HEADER behind a proxy), counted in the cache.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/minute")
# The terms of reuse, stated on /data/, in every download and in the API's description.
OPEN_DATA_LICENCE = os.environ.get(
    "OPEN_DATA_LICENCE",
    "The GFMD's terms of reuse are to be confirmed; until then, cite the Global Forum on "
    "Migration and Development as the source.",
)
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Public and read-only: no sessions, so no CSRF and no per-user answers.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["opendata.policies.AnonymousThrottle"],
    "DEFAULT_PAGINATION_CLASS": "opendata.policies.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GFMD country profiles API",
    "DESCRIPTION": (
        "Read-only JSON API of the GFMD country profiles: countries with their profiles, "
        "forum years, published practices and country updates. Records name each other by "
        f"natural key (ISO3 code, forum-year label, slug). Licence: {OPEN_DATA_LICENCE}"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "RoundtableRoleEnum": "countries.models.RoundtableRole.Role",
        "ThematicMeetingRoleEnum": "countries.models.ThematicMeetingParticipation.Role",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "opendata.schema.add_common_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
