"""Suite-wide pytest configuration.

With ``KEFU_DB_TESTS_ONLY=1`` (the PostgreSQL pass of ``make test``) only the
tests that touch the database are collected; the pure-package tests already
ran in the SQLite pass and gain nothing from a second run.
"""

from __future__ import annotations

import os

import pytest

_DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "django_user_model", "admin_user"}


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(_DB_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KEFU_DB_TESTS_ONLY") != "1":
        return
    keep = [item for item in items if _uses_database(item) and item.get_closest_marker("browser") is None]
    drop = [item for item in items if item not in keep]
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep
