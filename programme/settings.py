"""Settings of the programme portal, every one read from the environment.

The defaults work on a developer machine where PostgreSQL and Redis run on their
default local ports. `make setup` writes a `.env` beside this project with a
generated secret key and DEBUG on; production sets the variables itself.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: the portal refuses to start without a secret key. "
            "Set SECRET_KEY in the environment, or run `make setup` to write a local .env for development."
        )
    SECRET_KEY = "development-only-key-not-for-production"  # noqa: S105 - only reachable with DEBUG on

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "programme.apps.ProgrammeConfig",
    "programme.home.apps.HomeConfig",
    "smes.apps.SmesConfig",
    "managers.apps.ManagersConfig",
    "assessments.apps.AssessmentsConfig",
    "projects.apps.ProjectsConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "programme.middleware.CurrentProgrammeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "programme.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "programme.middleware.RefusalLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "programme.middleware.LanguageMiddleware",
    "programme.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "programme.middleware.SecondFactorRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "programme.urls"
WSGI_APPLICATION = "programme.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "programme.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A streaming replica of the primary, optional: the staff dashboard and the public statistics
# read from it (programme.replicas); sessions, accounts and every write stay on the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # A replica that is down is given up quickly: its pages then read from the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests run against the test database through this alias, never against the replica.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["programme.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is the Celery broker and nothing else: sessions, the cache and the rate
# limits (which live in the cache) stay in PostgreSQL, so every page works while
# Redis is down.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Django's database store, with the signed-in person's id in a column of its own, so a
# person's sessions (to end them at erasure) are found without decoding every session.
SESSION_ENGINE = "programme.sessions"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
        # Above this many live entries Django drops a third of them in key order, used
        # authenticator codes included; expired entries (the kept figures of past changes,
        # five minutes) go first. Far above what a programme keeps alive at once.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

AUTH_USER_MODEL = "programme.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home:dispatch"
LOGOUT_REDIRECT_URL = "home:landing"

# django-allauth: sign-in by e-mail address, verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "programme.forms.SignupForm"
ACCOUNT_ADAPTER = "programme.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_SESSION_REMEMBER = False
# Failed logins are limited per address (ip) and per account (key: the e-mail
# typed), the same way whether or not the account exists.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="20/15m/ip,5/15m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "programme.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# One 30-second step of clock drift either way, as authenticator apps expect.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Portale Manager per le PMI")

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads (CVs, reports) are private: kept outside the static and public folders
# and served only through views that check permission.
PROTECTED_MEDIA_ROOT = Path(env.str("PROTECTED_MEDIA_ROOT", default=str(BASE_DIR / "var" / "protected")))
MEDIA_ROOT = PROTECTED_MEDIA_ROOT
# The largest upload is a 5 MB CV. A request body above this cap (the file, the form's other
# fields and the multipart framing, with room to spare) is refused before it is read
# (RequestSizeLimitMiddleware); nginx's client_max_body_size in deploy/nginx is the same.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
REQUEST_BODY_MAX_BYTES = 6 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portale Manager per le PMI <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# Celery: Redis as broker only; tasks keep no results. Publishing gives up quickly
# when the broker is unreachable so that the web request still succeeds; the
# periodic sweep delivers what is left pending.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="portal")
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = TIME_ZONE
# Matching runs have a queue of their own, so a long run never delays e-mails: a worker
# started with `-Q <CELERY_QUEUE>` sends mail, one with `-Q <CELERY_MATCHING_QUEUE>` matches.
CELERY_MATCHING_QUEUE = env.str("CELERY_MATCHING_QUEUE", default="matching")
CELERY_TASK_ROUTES = {"assessments.tasks.run_matching": {"queue": CELERY_MATCHING_QUEUE}}
# A worker started without -Q (`make run`, one machine) takes both queues.
# Each queue with an exchange and key of its own name, so a message reaches its queue only.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, CELERY_MATCHING_QUEUE)
)
# Workers log through the LOGGING below (JSON lines in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# How often beat records its heartbeat; the health endpoint calls beat stale after five minutes.
BEAT_HEARTBEAT_SECONDS = env.int("BEAT_HEARTBEAT_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "deliver-pending-notifications": {
        "task": "programme.tasks.deliver_pending_notifications",
        "schedule": timedelta(minutes=1),
    },
    "beat-heartbeat": {
        "task": "programme.tasks.beat_heartbeat",
        "schedule": timedelta(seconds=BEAT_HEARTBEAT_SECONDS),
    },
    "watch-matching-runs": {
        "task": "assessments.tasks.watch_matching_runs",
        "schedule": timedelta(minutes=1),
    },
    "lapse-unanswered-assessments": {
        "task": "assessments.tasks.lapse_unanswered_assessments",
        "schedule": timedelta(hours=1),
    },
    "remind-unanswered-assessments": {
        "task": "assessments.tasks.remind_unanswered_assessments",
        "schedule": timedelta(hours=1),
    },
    "remind-overdue-assessments": {
        "task": "assessments.review.tasks.remind_overdue_assessments",
        "schedule": timedelta(hours=1),
    },
    # Daily, but each staff member gets the digest once per ISO week (see the service).
    "overdue-assessments-digest": {
        "task": "assessments.review.tasks.send_overdue_digest",
        "schedule": crontab(minute=30, hour=7),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Daily: personal data the programme no longer needs is erased (programme.home.retention).
CELERY_BEAT_SCHEDULE["apply-retention-rules"] = {
    "task": "programme.home.tasks.apply_retention_rules",
    "schedule": crontab(minute=15, hour=3),
}

# How long a claimed e-mail may stay "sending" before the sweep assumes the
# worker died and tries again.
NOTIFICATION_STALE_CLAIM = timedelta(minutes=10)

# Security: strict in every mode; the production switches follow DEBUG unless set.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Load balancers probe the health endpoint over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the proxy the portal sees the proxy's address (none at all on a unix socket, where
# allauth would refuse every sign-in); the sign-in limits count per client address, which
# the proxy appends last to X-Forwarded-For. One proxy (nginx) by default.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
# Sessions end after the programme's idle time (IdleSessionMiddleware); this is
# the outer bound for a browser left open.
SESSION_COOKIE_AGE = 60 * 60 * 12

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to standard output: one JSON object a line in production (LOG_FORMAT=json, the
# default with DEBUG off) for the log collector, plain lines for people (LOG_FORMAT=text).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC, whatever the time zone of the process.
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "line",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs a line per step of every PDF at INFO.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
