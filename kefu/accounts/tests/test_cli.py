"""The ``kefu`` console script, run as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEFU = Path(sys.executable).with_name("kefu")


def kefu(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([str(KEFU), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("kefu-cli")
    result = kefu("migrate", "--noinput", tmp_path=path)
    assert result.returncode == 0, result.stderr
    return path


def test_django_commands_and_hyphenated_kefu_commands_are_exposed(migrated):
    result = kefu("sla", "check", "--dry-run", tmp_path=migrated)
    assert result.returncode == 0, result.stderr
    assert "0 overdue" in result.stdout


def test_token_create_for_an_unknown_user_fails_with_one_line(migrated):
    result = kefu("token", "create", "nobody", tmp_path=migrated)
    assert result.returncode != 0
    assert "no user named 'nobody'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_token_is_printed_once_and_stored_only_as_a_hash(migrated):
    created = kefu("shell", "-c", "from kefu.accounts.models import User; User.objects.create_user('cli_agent')",
                   tmp_path=migrated)
    assert created.returncode == 0, created.stderr
    result = kefu("token", "create", "cli_agent", tmp_path=migrated)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("kf_") and len(key) > 30
    listing = kefu("token", "list", "cli_agent", tmp_path=migrated)
    assert key not in listing.stdout and key[:10] in listing.stdout


def test_bad_arguments_exit_non_zero(migrated):
    result = kefu("sla", "check", "--warn-hours", "-1", tmp_path=migrated)
    assert result.returncode != 0 and "--warn-hours" in result.stderr
