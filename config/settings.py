"""Waymark settings: one module, driven by environment variables.

WAYMARK_ENV is one of ``development`` (default), ``test`` or ``production``.
Production refuses to start without SECRET_KEY and ALLOWED_HOSTS and turns on
every transport-security setting so that ``manage.py check --deploy`` is clean.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WAYMARK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


WAYMARK_ENV = os.environ.get("WAYMARK_ENV", "development")
if WAYMARK_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("WAYMARK_ENV must be development, test or production")
PRODUCTION = WAYMARK_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "waymark-development-only-key-never-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "rules.apps.AutodiscoverRulesConfig",
    "health_check",
    # Waymark platform core
    "waymark.core",
    "waymark.accounts",
    "waymark.people",
    "waymark.work",
    "waymark.correspondence",
    "waymark.documents",
    "waymark.monitoring",
    "waymark.casework",
    "waymark.operations",
    "waymark.guidance",
    "waymark.linkage",
    "waymark.nrm",
    "waymark.oversight",
    "waymark.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "waymark.accounts.middleware.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "waymark.core.middleware.RefuseUnstorableInputMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "waymark.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waymark.core.middleware.ChannelMiddleware",
    "waymark.core.middleware.PersonalDataMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: a page form's token is claimed once the CSRF check, sign-in and the second factor pass.
    "waymark.core.submissions.OnceSubmissionMiddleware",
]

# Module apps whose jinja2/ folders the template loader searches (docs/architecture.md).
WAYMARK_MODULE_APPS = [
    "waymark.monitoring",
    "waymark.casework",
    "waymark.operations",
    "waymark.guidance",
    "waymark.linkage",
    "waymark.nrm",
    "waymark.oversight",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "waymark.core.jinja2.environment",
            # Every {{ csrf_input }} also writes a new form token (core.submissions).
            "context_processors": ["waymark.core.submissions.form_inputs"],
        },
    },
    {
        # Django admin and DRF's browsable pages use Django templates.
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
FORM_RENDERER = "django.forms.renderers.DjangoTemplates"

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'waymark.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a generous busy timeout let the web server and the job worker share the file;
    # IMMEDIATE transactions serialise writers so that "get next" stays correct on SQLite.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("WAYMARK_SQLITE_TEST_FILE") else {}
    )
# A read replica for the figures pages (docs/deployment.md "Read replica"): the router sends reads
# of the read models' summary tables there; every write, and every other read, stays on default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the same database as default
# PostgreSQL's JIT compiles any statement its planner costs above 100,000 (15-20 ms of LLVM work
# each time): at national volumes that is a name search's candidate query and the visibility check
# behind it, statements that run in a few milliseconds without it. Waymark's reads are short (the
# figures pages read summary tables), so JIT is off for its connections (issue 17 item 5).
for _database in DATABASES.values():
    if _database["ENGINE"].startswith("django.db.backends.postgresql"):
        _database.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASE_ROUTERS = ["waymark.core.db_router.ReadReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# PostgreSQL in production: DATABASE_URL is the owner's when migrating and the application role's
# otherwise; with this set, migrate grants that role its rights and no more (it cannot change or
# remove audit entries). Unset in development and on SQLite. docs/deployment.md "Database roles".
WAYMARK_DB_APP_ROLE = os.environ.get("WAYMARK_DB_APP_ROLE", "")
# Get next's claiming statement runs as a named prepared statement (planned once a connection).
# Behind a transaction-mode pooler without prepared-statement support (PgBouncer before 1.21, or
# ``max_prepared_statements`` unset) turn this off: the statement is then parsed and planned on
# every press. docs/deployment.md "pgbouncer".
WAYMARK_DB_PREPARED_STATEMENTS = env_bool("WAYMARK_DB_PREPARED_STATEMENTS", default=True)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "waymark.accounts.backends.WaymarkModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "work:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Sign-in hardening: five failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Lock an account after AXES_FAILURE_LIMIT failures from any address (guessing from many addresses
# must not multiply the attempts); a system administrator unlocks it (accounts:locked-accounts).
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout key, against attackers who rotate user agents or
# cookies to dodge a lock keyed on them. Waymark's lock is keyed on the username alone, which neither
# rotation nor a new address escapes; adding the address would let a whole office behind one proxy
# address be locked out by one person's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)

# A second factor (TOTP) is mandatory for staff users and for every role that can see people
# nationally, restricted records or trail data (waymark.accounts.rules.SECOND_FACTOR_PERMISSIONS):
# they enrol on first sign-in. Only the local demo may relax it; production refuses to.
WAYMARK_OTP_REQUIRED = env_bool("WAYMARK_OTP_REQUIRED", default=True)
if PRODUCTION and not WAYMARK_OTP_REQUIRED:
    raise ImproperlyConfigured("WAYMARK_OTP_REQUIRED cannot be turned off in production")

# Django's database sessions; the read every request makes runs on a kept cursor on PostgreSQL.
SESSION_ENGINE = "waymark.accounts.sessions"
# Sessions end after 30 minutes idle; the MOJ timeout warning appears 2 minutes before. A request
# pushes the expiry back at most once a minute (waymark.accounts.middleware.SessionTouchMiddleware),
# so a page does not write its session row every time.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "waymark.core.views.csrf_failure"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # display zone; the database stores UTC
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "node_modules/govuk-frontend/dist",
    BASE_DIR / "node_modules/@ministryofjustice/frontend",
    # MOJ Frontend points GOV.UK Frontend's image path at its own folder, so the compiled CSS asks
    # for GOV.UK images (the crest) under moj/assets/images/. Listed last: MOJ's own files win.
    ("moj/assets/images", BASE_DIR / "node_modules/govuk-frontend/dist/govuk/assets/images"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION or env_bool("WAYMARK_MANIFEST_STATIC")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("WAYMARK_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"  # documents are served only through a permission-checked view

# Uploads: documents are validated by type and size in waymark.documents.rules.
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "waymark.api.authentication.ClientCredentialAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "waymark.api.pagination.WaymarkPagination",
    "EXCEPTION_HANDLER": "waymark.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["waymark.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Waymark API",
    "DESCRIPTION": "Casework and operations platform API. Errors are RFC 9457 problem details; "
    "every create takes an Idempotency-Key header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (the CSP allows no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A risk's level and its target level share one set of choices: one enum, one name.
    "ENUM_NAME_OVERRIDES": {"RiskLevelEnum": "waymark.oversight.api.risks.LEVELS"},
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("WAYMARK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "sweeps"],
    }
}

# Content Security Policy: nonces for the few inline scripts, no unsafe-inline.
from csp.constants import NONCE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}
PERMISSIONS_POLICY = {"geolocation": ["self"], "camera": [], "microphone": [], "payment": []}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors": {"()": "waymark.core.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Waymark's own settings.
WAYMARK_SERVICE_NAME = "Waymark"
WAYMARK_DEFAULT_NATION = "england-and-wales"
WAYMARK_FROZEN_TIME = os.environ.get("WAYMARK_FROZEN_TIME", "")  # ISO 8601; demos at a chosen time
# Linkage figures a deployment may change (waymark/linkage/rules.py reads them here first).
WAYMARK_LINKAGE: dict[str, object] = {}
if _duckdb_memory := os.environ.get("WAYMARK_LINKAGE_DUCKDB_MEMORY_LIMIT", "").strip():
    # DuckDB's memory in each of a linkage run's sessions, in DuckDB's units ("4GB").
    WAYMARK_LINKAGE["DUCKDB_MEMORY_LIMIT"] = _duckdb_memory

# The audit log's signed checkpoints (decision 0015; waymark/core/audit_checkpoints.py): where the
# sequencer publishes them (append-only; in production a bucket with a retention lock mounted or
# synced here, docs/deployment.md), the name of this log in them, and the Ed25519 signing key
# (PEM or base64 raw in WAYMARK_AUDIT_SIGNING_KEY, or a PEM file), never in the database. Outside
# production, with no key set, one is made in var/audit-signing-key.pem. The keyring
# (WAYMARK_AUDIT_PUBLIC_KEY_FILE) holds every public key that has signed, old ones marked retired.
WAYMARK_AUDIT_CHECKPOINT_DIR = os.environ.get("WAYMARK_AUDIT_CHECKPOINT_DIR", "")
if not WAYMARK_AUDIT_CHECKPOINT_DIR:  # the development default; a configured store must exist
    WAYMARK_AUDIT_CHECKPOINT_DIR = str(VAR_DIR / "audit-checkpoints")
    Path(WAYMARK_AUDIT_CHECKPOINT_DIR).mkdir(exist_ok=True)
WAYMARK_AUDIT_ORIGIN = os.environ.get("WAYMARK_AUDIT_ORIGIN", "waymark")
WAYMARK_AUDIT_SIGNING_KEY = os.environ.get("WAYMARK_AUDIT_SIGNING_KEY", "")
WAYMARK_AUDIT_SIGNING_KEY_FILE = os.environ.get("WAYMARK_AUDIT_SIGNING_KEY_FILE", "")
WAYMARK_AUDIT_PUBLIC_KEY_FILE = os.environ.get("WAYMARK_AUDIT_PUBLIC_KEY_FILE", "")

# Document scanning (issue 14 item 12)
# Every stored file goes through waymark.documents.scanning.scan. A ClamAV daemon is selected by
# WAYMARK_CLAMD_SOCKET (unix socket) or WAYMARK_CLAMD_HOST + WAYMARK_CLAMD_PORT (TCP, default 3310);
# without one, development uses a stand-in that refuses only the EICAR test file and marks the rest
# "Not scanned", and production refuses to start unless WAYMARK_ALLOW_UNSCANNED_UPLOADS=1 says so.
# WAYMARK_VIRUS_SCANNER (a dotted path to a function (bytes) -> ScanResult) overrides both.
WAYMARK_CLAMD_SOCKET = os.environ.get("WAYMARK_CLAMD_SOCKET", "").strip()
WAYMARK_CLAMD_HOST = os.environ.get("WAYMARK_CLAMD_HOST", "").strip()
try:
    WAYMARK_CLAMD_PORT = int(os.environ.get("WAYMARK_CLAMD_PORT", "3310"))
    WAYMARK_CLAMD_TIMEOUT = float(os.environ.get("WAYMARK_CLAMD_TIMEOUT", "30"))
except ValueError as exc:
    raise ImproperlyConfigured(
        "WAYMARK_CLAMD_PORT and WAYMARK_CLAMD_TIMEOUT must be numbers"
    ) from exc
WAYMARK_ALLOW_UNSCANNED_UPLOADS = env_bool("WAYMARK_ALLOW_UNSCANNED_UPLOADS")
WAYMARK_VIRUS_SCANNER = os.environ.get("WAYMARK_VIRUS_SCANNER", "").strip()
if not WAYMARK_VIRUS_SCANNER:
    if WAYMARK_CLAMD_SOCKET or WAYMARK_CLAMD_HOST:
        WAYMARK_VIRUS_SCANNER = "waymark.documents.scanning.clamd_scan"
    elif PRODUCTION and not WAYMARK_ALLOW_UNSCANNED_UPLOADS:
        raise ImproperlyConfigured(
            "No virus scanner is configured: set WAYMARK_CLAMD_SOCKET (or WAYMARK_CLAMD_HOST and "
            "WAYMARK_CLAMD_PORT) to a ClamAV daemon, or set WAYMARK_ALLOW_UNSCANNED_UPLOADS=1 to store "
            'uploads unscanned on purpose (see docs/deployment.md, "Virus scanning")'
        )
    else:
        WAYMARK_VIRUS_SCANNER = "waymark.documents.scanning.development_scan"
