"""Strict environment-variable helpers (Django-free).

A malformed value raises instead of silently falling back, so a typo in a
deployment is caught at start-up rather than in production behaviour.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise EnvError(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def sqlite_database(path: str) -> dict[str, object]:
    """The one SQLite configuration, however the database is named (default path or ``DATABASE_URL``).

    IMMEDIATE transactions take the write lock at BEGIN, so two writers queue on
    the busy timeout instead of one failing with "database is locked" when it
    upgrades a read lock; WAL lets readers run while one writes.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }


def parse_database_url(url: str, *, conn_max_age: int = 0) -> dict[str, object]:
    """Turn ``postgres://user:pw@host:port/name?opt=v`` or ``sqlite:///path`` into a Django DATABASES entry.

    ``conn_max_age`` keeps PostgreSQL connections open between requests. Only a
    server whose workers are long-lived processes or a fixed thread pool
    (gunicorn) should set it: Django keeps one connection per thread, and a
    server that starts a thread per request (the development server) would
    leave one idle connection behind per thread until the server refuses more.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        config: dict[str, object] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": conn_max_age > 0,
        }
        options = dict(parse_qsl(parts.query))
        if options:
            config["OPTIONS"] = options
        return config
    if scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/") and not parts.netloc:
            path = path[1:] if path[1:2] != "/" else path
        return sqlite_database(path or ":memory:")
    raise EnvError(f"DATABASE_URL scheme {scheme!r} is not supported (use postgres:// or sqlite:///)")
