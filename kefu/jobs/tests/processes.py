"""Real processes for the scale-out and systemd-unit tests: started in their own session, always stopped.

Not a test module (pytest collects ``test_*.py`` only).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

KEFU = [sys.executable, "-m", "kefu.cli"]  # the venv's `kefu`, whatever PATH says


@dataclass
class Child:
    """A process started in a session of its own, so it and everything it forks are signalled together."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.popen is not None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL the whole group, as when its machine dies, and wait until none of it runs."""
        self.signal_group(signal.SIGKILL)
        wait_for(f"{self.name} to die", lambda: not group_alive(self.pid), 15)
        assert self.popen is not None
        self.popen.wait(timeout=10)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM the group, SIGKILL whatever is left after ``grace`` seconds, reap the leader."""
        if self.popen is None:
            return
        self.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while group_alive(self.popen.pid) and time.monotonic() < deadline:
            self.popen.poll()
            time.sleep(0.1)
        self.signal_group(signal.SIGKILL)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 25) -> str:
        return f"--- {self.name} ({self.log})\n" + "\n".join(self.output().splitlines()[-lines:])


def group_members(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that still run (zombies waiting to be reaped do not count)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(argv: list[str], env: dict[str, str], log: Path, timeout: float = 180) -> None:
    """Run a one-off command to its end; fail the test with its output if it fails."""
    with log.open("ab") as out:
        done = subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    assert done.returncode == 0, f"{argv[2:]} failed:\n{log.read_text(errors='replace')[-3000:]}"


def wait_for(
    what: str, check: Callable[[], bool], timeout: float, watch: Iterable[Child] = (), *, every: float = 0.1
) -> None:
    """Poll ``check`` until true; fail with the logs of ``watch`` on timeout or when one of them exits."""
    watch = list(watch)
    deadline = time.monotonic() + timeout
    while not check():
        dead = [c for c in watch if not c.alive]
        if dead:
            pytest.fail(f"{dead[0].name} exited while waiting for {what}\n{dead[0].tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n" + "\n".join(c.tail() for c in watch))
        time.sleep(every)
