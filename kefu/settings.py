"""Kefu settings: one module, configured from the environment.

SQLite at ``var/kefu.sqlite3`` is the zero-setup default; ``DATABASE_URL``
switches to PostgreSQL (``postgres://user@127.0.0.1:5432/kefu``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from kefu.lib.env import EnvError, env_bool, env_int, env_list, env_str, parse_database_url
from kefu.lib.workcal import parse_periods

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KEFU_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
DEVELOPMENT_SECRET_KEY = "kefu-insecure-development-key-change-me-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Production mode (README, "Production settings"): HTTPS only, and no start with development defaults.
KEFU_PRODUCTION = env_bool("KEFU_PRODUCTION", False)
if KEFU_PRODUCTION and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("KEFU_PRODUCTION=1 needs SECRET_KEY set to a long random value of its own.")
if KEFU_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KEFU_PRODUCTION=1 refuses DEBUG=1: debug pages show settings and code.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",  # serves Swagger UI from its own static files, not a CDN
    "kefu.front.apps.LoginLockoutConfig",  # django-axes: login lockout after repeated failures
    "csp",
    "kefu.accounts",
    "kefu.workflow",
    "django_q",
    "kefu.jobs",
    "kefu.notifications",
    "kefu.learning",
    "kefu.quality",
    "kefu.customers",
    "kefu.complaints",
    "kefu.front",
    "kefu.demo",
    "kefu.search",
    "kefu.knowledge",
    "kefu.training",
    "kefu.fieldservice",
    "kefu.surveys",
    "kefu.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kefu.front.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kefu.accounts.middleware.TokenThrottleMiddleware",  # after LocaleMiddleware: its 429 is translated
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.front.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kefu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kefu.front.context.navigation",
            ],
        },
    }
]

_database_url = env_str("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}"
# Seconds a PostgreSQL connection is reused; 0 (close after each request) unless the server's
# workers suit persistent connections (gunicorn: set KEFU_DB_CONN_MAX_AGE=60).
DATABASES = {"default": parse_database_url(_database_url, conn_max_age=env_int("KEFU_DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory, so concurrency tests see real SQLite locking.
    # Per process, so two test runs on one machine never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_kefu_{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("KEFU_PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username or address first
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Kefu-wide messages and Kefu's wording of Django's and django-axes' own; wins over every app's catalogue.
LOCALE_PATHS = [BASE_DIR / "kefu" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STATICFILES_DIRS = [BASE_DIR / "kefu" / "static"]
# Serve straight from the finders so `make demo` needs no collectstatic; production runs
# collectstatic and WhiteNoise serves the compressed, hashed copies from STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
# The UI is Simplified Chinese unless the user picks English; set to 1 to follow the browser instead.
KEFU_FOLLOW_BROWSER_LANGUAGE = env_bool("KEFU_FOLLOW_BROWSER_LANGUAGE", False)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep default access
X_FRAME_OPTIONS = "DENY"

# HTTPS: on in production mode, each switchable on its own (e.g. SECURE_HSTS_PRELOAD=0).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", KEFU_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers may probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if KEFU_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", KEFU_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", KEFU_PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", KEFU_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", KEFU_PRODUCTION)
# Reverse proxies in front of Kefu that append to X-Forwarded-For and set X-Forwarded-Proto.
# 0: the client is REMOTE_ADDR. Login lockout and API throttling count per client address.
KEFU_PROXY_COUNT = env_int("KEFU_PROXY_COUNT", 0)
if KEFU_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A session ends after this long without a request (sliding; SlidingSessionMiddleware).
KEFU_SESSION_IDLE_MINUTES = env_int("KEFU_SESSION_IDLE_MINUTES", 480)  # one working shift
SESSION_COOKIE_AGE = KEFU_SESSION_IDLE_MINUTES * 60

# Login lockout (django-axes): after this many failures in a row for one username, or from one
# address, sign-in is refused for the cool-off time (even with the right password).
KEFU_LOGIN_FAILURE_LIMIT = env_int("KEFU_LOGIN_FAILURE_LIMIT", 5)
KEFU_LOGIN_COOLOFF_MINUTES = env_int("KEFU_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = KEFU_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=KEFU_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_LOCKOUT_CALLABLE = "kefu.front.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "kefu.accounts.throttle.client_address"
AXES_RESET_ON_SUCCESS = False  # the login view clears only the signed-in username's failures
# API tokens: after this many unknown tokens from one address within the cool-off time, that
# address gets 429 for the cool-off time (counted in CACHES["default"]).
KEFU_API_TOKEN_FAILURE_LIMIT = env_int("KEFU_API_TOKEN_FAILURE_LIMIT", 10)
# Public links (survey /s/…, on-site /onsite/c/…): after this many invalid tokens from one address
# in a window of this many seconds, that address gets 429 until the window ends.
KEFU_LINK_FAILURE_LIMIT = env_int("KEFU_LINK_FAILURE_LIMIT", 30)
KEFU_LINK_FAILURE_WINDOW = env_int("KEFU_LINK_FAILURE_WINDOW", 600)

# Content-Security-Policy (django-csp): scripts only from Kefu's own static files, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Styles keep 'unsafe-inline': pages carry small <style> blocks and ECharts and Swagger UI
        # set style attributes. Inline styles cannot run code.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Swagger UI's icons are data: URLs
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Every handler masks phone and ID numbers (query strings carry searched numbers), the
# development server's access log included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "kefu.lib.logmask.MaskPersonalNumbers"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["mask_pii"]},
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Background work (django-q2): one cluster of workers plus the scheduler, started by `kefu worker`.
# The broker is the database by default (zero setup; SQLite or PostgreSQL, with delivery receipts:
# a task whose worker dies is handed out again after `retry` seconds). REDIS_URL switches it to
# Redis for many machines. Either way every task is idempotent and the scheduled sweeps re-find
# whatever a lost task missed.
KEFU_TASK_TIMEOUT = env_int("KEFU_TASK_TIMEOUT", 300)
Q_CLUSTER: dict[str, object] = {
    "name": env_str("KEFU_QUEUE_NAME", "kefu"),
    "workers": env_int("KEFU_WORKERS", 2),
    "timeout": KEFU_TASK_TIMEOUT,
    "retry": KEFU_TASK_TIMEOUT + 60,  # must exceed timeout, or a slow task runs twice at once
    "max_attempts": env_int("KEFU_TASK_MAX_ATTEMPTS", 5),
    "ack_failures": True,  # a failed task is recorded as failed, not retried forever
    "catch_up": False,  # after downtime a schedule runs once, not once per missed minute (the sweep catches up)
    "save_limit": 1000,
    "poll": 1,
    "label": "后台任务",
    "sync": env_bool("KEFU_TASKS_SYNC", False),  # run tasks inline (tests)
}
if env_str("REDIS_URL"):
    Q_CLUSTER["redis"] = env_str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"

# Search indexing: "queue" (background, after the commit; reconciled every ten minutes) or "inline"
# (inside the writer's transaction).
KEFU_SEARCH_INDEXING = env_str("KEFU_SEARCH_INDEXING", "queue")
if KEFU_SEARCH_INDEXING not in ("queue", "inline"):
    raise ImproperlyConfigured("KEFU_SEARCH_INDEXING must be 'queue' or 'inline'.")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kefu@localhost")
# How often the bell asks for the unread count (seconds), and the site's address for links in e-mails.
KEFU_BELL_POLL_SECONDS = env_int("KEFU_BELL_POLL_SECONDS", 20)
KEFU_SITE_URL = env_str("KEFU_SITE_URL", "http://127.0.0.1:8000")
# How long an agent may appeal a reviewed QA scorecard, in working days.
KEFU_QA_APPEAL_WORKING_DAYS = env_int("KEFU_QA_APPEAL_WORKING_DAYS", 3)
# A reviewed (human) score passes from this many points of 100, with no critical rule failed.
KEFU_QA_PASS_SCORE = env_int("KEFU_QA_PASS_SCORE", 80)
# Calibration: an inspector drifts below this Cohen's kappa or above this mean absolute difference.
KEFU_QA_CALIBRATION_MIN_KAPPA = float(env_str("KEFU_QA_CALIBRATION_MIN_KAPPA", "0.6"))
KEFU_QA_CALIBRATION_MAX_MAD = float(env_str("KEFU_QA_CALIBRATION_MAX_MAD", "10"))
# Warn the handler this long before a step is due (working time is not considered: a plain lead time).
KEFU_SLA_WARN_MINUTES = env_int("KEFU_SLA_WARN_MINUTES", 120)

CACHES = {
    # Counters for rate limits and login throttling. One process: memory; several (gunicorn
    # workers, several machines): set REDIS_URL so every process counts against one limit.
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kefu"}
    )
}

# Kefu's own knobs (defaults; the admin-editable policies live in the database).
KEFU_COMPANY_NAME = env_str("KEFU_COMPANY_NAME", "星河通信")
KEFU_REPEAT_WINDOW_DAYS = env_int("KEFU_REPEAT_WINDOW_DAYS", 30)
# Working hours of the SLA clocks, local time: periods separated by commas. Checked here, so a
# malformed value stops the start instead of silently falling back.
KEFU_WORKING_PERIODS = env_str("KEFU_WORKING_PERIODS", "09:00-12:00,13:00-18:00")
try:
    parse_periods(KEFU_WORKING_PERIODS)
except ValueError as exc:
    raise EnvError(f"KEFU_WORKING_PERIODS={KEFU_WORKING_PERIODS!r}: {exc}") from exc
# A serving process loads the phrasebook, assist, QA rulebooks and the API schema at start-up
# (kefu.front.warmup), not in its first requests.
KEFU_WARM_UP = env_bool("KEFU_WARM_UP", True)
# Searches by phone or ID number (4+ digits) allowed per user in a window of seconds (PIPL).
KEFU_NUMBER_SEARCH_LIMIT = env_int("KEFU_NUMBER_SEARCH_LIMIT", 60)
KEFU_NUMBER_SEARCH_WINDOW = env_int("KEFU_NUMBER_SEARCH_WINDOW", 300)
