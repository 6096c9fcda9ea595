"""Kefu settings: one module, configured from the environment.

SQLite at ``var/kefu.sqlite3`` is the zero-setup default; ``DATABASE_URL``
switches to PostgreSQL (``postgres://user@127.0.0.1:5432/kefu``).
"""

from __future__ import annotations

import os
from pathlib import Path

from kefu.lib.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KEFU_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "kefu-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

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
    "kefu.accounts",
    "kefu.customers",
    "kefu.complaints",
    "kefu.front",
    "kefu.demo",
    "kefu.search",
    "kefu.knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kefu.front.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
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
KEFU_WORKDAY_START = env_str("KEFU_WORKDAY_START", "09:00")
KEFU_WORKDAY_END = env_str("KEFU_WORKDAY_END", "18:00")
