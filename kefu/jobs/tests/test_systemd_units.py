"""The systemd units in deploy/ start what they say, come up, and stop cleanly.

Each unit's ExecStart is run as written, the venv's ``kefu`` in place of the installed
``/opt/kefu/venv/bin/kefu``, with an environment standing in for ``/etc/kefu/kefu.env``: SQLite in a
temporary ``KEFU_VAR_DIR`` and the database broker, so this runs everywhere. systemd stops a unit
with ``KillMode=mixed`` by sending SIGTERM to its main process: it must exit 0 and leave no process
of its group behind.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from kefu.jobs.tests.processes import Child, free_port, group_members, run, wait_for

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
INSTALLED_KEFU = "/opt/kefu/venv/bin/kefu"
VENV_KEFU = Path(sys.executable).parent / "kefu"
UNITS = {"kefu-web.service": "serve", "kefu-worker.service": "worker"}

Unit = dict[str, dict[str, list[str]]]


def read_unit(path: Path) -> Unit:
    """A unit file as {section: {key: [values in order]}} (keys such as Environment= may repeat)."""
    unit: Unit = {}
    section = ""
    text = path.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            unit.setdefault(section, {})
            continue
        key, _, value = line.partition("=")
        unit[section].setdefault(key.strip(), []).append(value.strip())
    return unit


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile= reads them (comments and blank lines skipped)."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def exec_start(unit: Unit) -> list[str]:
    """The unit's command line with the venv's kefu for the installed one."""
    (command,) = unit["Service"]["ExecStart"]
    argv = shlex.split(command)
    assert argv[0] == INSTALLED_KEFU, f"ExecStart runs {argv[0]}, the README installs {INSTALLED_KEFU}"
    return [str(VENV_KEFU), *argv[1:]]


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment /etc/kefu/kefu.env would give, on a migrated SQLite database of its own."""
    var = tmp_path_factory.mktemp("kefu-var")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "PYTEST_", "DJANGO_"))}
    for name in ("DATABASE_URL", "REDIS_URL"):
        inherited.pop(name, None)
    env = {**inherited, "KEFU_VAR_DIR": str(var), "SECRET_KEY": secrets.token_urlsafe(50),
           "KEFU_WEB_WORKERS": "1", "KEFU_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    run([str(VENV_KEFU), "migrate", "--noinput"], env, var / "migrate.log")
    return env


def start_unit(name: str, env: dict[str, str], log_dir: Path, **extra: str) -> tuple[Child, Unit]:
    """Start the unit's ExecStart with its Environment= lines (/run/… moved under ``log_dir``, where
    RuntimeDirectory= is created as systemd would)."""
    unit = read_unit(DEPLOY / name)
    service = unit["Service"]
    run_dir = log_dir / "run"
    for directory in service.get("RuntimeDirectory", []):
        (run_dir / directory).mkdir(parents=True, exist_ok=True)
    unit_env = {}
    for assignment in service.get("Environment", []):
        for pair in shlex.split(assignment):
            key, _, value = pair.partition("=")
            unit_env[key] = value.replace("/run/", f"{run_dir}/", 1) if value.startswith("/run/") else value
    child = Child(name, exec_start(unit), {**env, **unit_env, **extra}, log_dir / f"{name}.log").start()
    return child, unit


def stop_like_systemd(child: Child, unit: Unit) -> int:
    """KillMode=mixed: SIGTERM to the main process only; return its exit status."""
    assert unit["Service"]["KillMode"] == ["mixed"]
    timeout = float(unit["Service"]["TimeoutStopSec"][0])
    assert child.popen is not None
    child.popen.send_signal(signal.SIGTERM)
    try:
        status = child.popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{child.name} still running {timeout:.0f} s after SIGTERM (systemd would SIGKILL it)\n{child.tail()}")
    wait_for(f"{child.name}'s other processes to exit", lambda: not group_members(child.pid), 10)
    return status


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_runs_kefu_as_a_dedicated_user_from_the_env_file_and_always_restarts(name):
    unit = read_unit(DEPLOY / name)
    service = unit["Service"]
    assert exec_start(unit)[1:] == [UNITS[name]]
    assert service["EnvironmentFile"] == ["/etc/kefu/kefu.env"]
    assert service["Restart"] == ["always"]
    assert service["User"] == ["kefu"] and service["Group"] == ["kefu"]
    assert service["KillMode"] == ["mixed"]  # SIGTERM to the main process, which stops its own children
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("name", UNITS)
def test_systemd_finds_nothing_wrong_in_each_unit(name, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    copy = tmp_path / name
    copy.write_text((DEPLOY / name).read_text().replace(INSTALLED_KEFU, str(VENV_KEFU)))
    done = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")  # an unknown key is only a warning


def test_the_example_env_file_passes_the_deployment_checklist(tmp_path):
    env = read_env_file(DEPLOY / "kefu.env.example")
    assert env["KEFU_PRODUCTION"] == "1"
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "KEFU_VAR_DIR", "KEFU_BIND"} <= set(env)
    env.update(SECRET_KEY=secrets.token_urlsafe(50), KEFU_VAR_DIR=str(tmp_path))  # no database is reached
    process_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env}
    run([str(VENV_KEFU), "check", "--deploy", "--fail-level", "WARNING"], process_env, tmp_path / "check.log")


def test_the_web_unit_serves_and_stops_cleanly_on_sigterm(machine, tmp_path):
    port = free_port()
    web, unit = start_unit("kefu-web.service", machine, tmp_path, KEFU_BIND=f"127.0.0.1:{port}")
    try:
        health = ""

        def answers() -> bool:
            nonlocal health
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    health = response.read().decode()
                    return response.status == 200
            except OSError:
                return False

        wait_for("/healthz", answers, 60, [web])
        assert "database: ok" in health and "broker: ok (ORM default)" in health
        assert (tmp_path / "run" / "kefu-web" / "gunicorn.ctl").exists()  # the control socket in RuntimeDirectory
        assert stop_like_systemd(web, unit) == 0, web.tail()
        assert "Shutting down: Master" in web.output()
    finally:
        web.stop()


def test_the_worker_unit_runs_queued_tasks_and_stops_cleanly_on_sigterm(machine, tmp_path):
    database = Path(machine["KEFU_VAR_DIR"]) / "kefu.sqlite3"

    def scalar(sql: str) -> int:
        with sqlite3.connect(database, timeout=20) as db:
            return int(db.execute(sql).fetchone()[0])

    worker, unit = start_unit("kefu-worker.service", machine, tmp_path)
    try:
        wait_for("the broker check", lambda: "task broker: ORM default" in worker.output(), 60, [worker])
        run([sys.executable, "-c", "import django; django.setup(); from django_q.tasks import async_task; "
             "async_task('kefu.jobs.tasks.heartbeat')"], {**machine, "DJANGO_SETTINGS_MODULE": "kefu.settings"},
            tmp_path / "enqueue.log")
        wait_for("the queued heartbeat task to run", lambda: scalar(
            "SELECT count(*) FROM django_q_task WHERE func = 'kefu.jobs.tasks.heartbeat' AND success"
        ) == 1, 60, [worker])
        assert scalar("SELECT count(*) FROM jobs_heartbeat WHERE name = 'scheduler'") == 1  # /healthz reads it
        assert worker.alive and len(group_members(worker.pid)) >= 3  # the cluster: sentinel, pusher, monitor, workers
        assert stop_like_systemd(worker, unit) == 0, worker.tail()
    finally:
        worker.stop()
