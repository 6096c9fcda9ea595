"""Production mode: ``kefu check --deploy`` passes with the README's environment, and unsafe starts are refused."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

KEFU = [sys.executable, "-c", "from kefu.cli import main; raise SystemExit(main())"]


def run_kefu(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "SECURE_", "DJANGO_"))}
    clean.pop("DEBUG", None)
    clean.pop("SECRET_KEY", None)
    clean.update(KEFU_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([*KEFU, *args], capture_output=True, text=True, env=clean, timeout=120, check=False)


def production_env() -> dict[str, str]:
    """What the README's "Production settings" section shows."""
    return {
        "KEFU_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kefu.example.com",
    }


def test_check_deploy_passes_cleanly_in_production_mode(tmp_path):
    result = run_kefu(tmp_path, "check", "--deploy", **production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_without_production_mode(tmp_path):
    env = production_env()
    del env["KEFU_PRODUCTION"]
    result = run_kefu(tmp_path, "check", "--deploy", **env)
    assert "security.W004" in result.stderr and "security.W008" in result.stderr  # no HSTS, no HTTPS redirect


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "KEFU_PRODUCTION=1 needs SECRET_KEY set to a long random value of its own."),
        ({"DEBUG": "1"}, "KEFU_PRODUCTION=1 refuses DEBUG=1"),
    ],
)
def test_production_mode_refuses_to_start_with_development_defaults(tmp_path, env, message):
    settings = production_env()
    settings.update(env)
    if not settings["SECRET_KEY"]:
        del settings["SECRET_KEY"]  # the built-in development key
    result = run_kefu(tmp_path, "check", **settings)
    assert result.returncode != 0
    assert "ImproperlyConfigured: " + message in result.stderr


def test_security_knobs_come_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.SESSION_COOKIE_AGE, "
        "s.KEFU_API_TOKEN_FAILURE_LIMIT)"
    )
    env = production_env() | {
        "SECURE_SSL_REDIRECT": "0",  # e.g. the proxy redirects already
        "KEFU_LOGIN_FAILURE_LIMIT": "3",
        "KEFU_LOGIN_COOLOFF_MINUTES": "30",
        "KEFU_SESSION_IDLE_MINUTES": "60",
        "KEFU_API_TOKEN_FAILURE_LIMIT": "20",
    }
    result = run_kefu(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.stdout.split() == ["False", "31536000", "True", "True", "3", "1800.0", "3600", "20"], result.stderr


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    page = client.get("/login/")
    assert page.status_code == 301 and page["Location"] == "https://testserver/login/"
    assert client.get("/healthz").status_code == 200
