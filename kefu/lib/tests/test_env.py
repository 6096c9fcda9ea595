import pytest

from kefu.lib.env import EnvError, env_bool, env_int, parse_database_url


def test_a_bad_boolean_raises_instead_of_silently_defaulting(monkeypatch):
    monkeypatch.setenv("KEFU_FLAG", "ture")
    with pytest.raises(EnvError, match="KEFU_FLAG"):
        env_bool("KEFU_FLAG")
    monkeypatch.setenv("KEFU_FLAG", "Yes")
    assert env_bool("KEFU_FLAG") is True


def test_a_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("KEFU_N", "30天")
    with pytest.raises(EnvError, match="KEFU_N"):
        env_int("KEFU_N", 1)


def test_postgres_urls_become_django_settings():
    db = parse_database_url("postgres://kefu:p%40ss@db.internal:6543/kefu_prod?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "kefu_prod", "kefu", "p@ss", "db.internal", "6543"
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_urls_and_unknown_schemes():
    assert parse_database_url("sqlite:////var/lib/kefu.db")["NAME"] == "/var/lib/kefu.db"
    with pytest.raises(EnvError, match="mysql"):
        parse_database_url("mysql://root@localhost/kefu")


def test_sqlite_gets_the_same_concurrency_settings_however_it_is_named():
    from kefu.lib.env import sqlite_database

    by_url = parse_database_url("sqlite:////tmp/kefu.sqlite3")
    assert by_url == sqlite_database("/tmp/kefu.sqlite3")
    assert by_url["OPTIONS"] == {
        "timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"
    }


def test_postgres_connections_persist_only_when_asked():
    assert parse_database_url("postgres://u@h/db")["CONN_MAX_AGE"] == 0
    persistent = parse_database_url("postgres://u@h/db", conn_max_age=60)
    assert persistent["CONN_MAX_AGE"] == 60 and persistent["CONN_HEALTH_CHECKS"] is True
