"""`kefu serve` is a real gunicorn that serves the app and static files and masks numbers in its access log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_gunicorn_with_static_files_and_a_masked_access_log(tmp_path):
    port = _free_port()
    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path), "KEFU_BIND": f"127.0.0.1:{port}", "KEFU_WEB_WORKERS": "1",
           "KEFU_WARM_UP": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "kefu.cli", "migrate", "-v0"], env=env, check=True, timeout=120)
    server = subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                health = urllib.request.urlopen(base + "/healthz", timeout=2).read().decode()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        assert "database: ok" in health
        css = urllib.request.urlopen(base + "/static/front/kefu.css", timeout=5)
        assert css.status == 200 and b".bell" in css.read()
        login = urllib.request.urlopen(base + "/search/?q=13812345678", timeout=5)  # redirected to sign-in
        assert login.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out[-2000:]
    assert "Booting worker" in out and "/search/?q=138****5678" in out
    assert "13812345678" not in out
