"""``kefu run``: the development server and the background worker together; one Ctrl+C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve on ADDR:PORT (development server) and run `kefu worker` beside it; Ctrl+C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        kefu = [sys.executable, "-m", "kefu.cli"]
        worker = subprocess.Popen([*kefu, "worker"], env=os.environ.copy())
        server = subprocess.Popen([*kefu, "runserver", "--noreload", options["addrport"]], env=os.environ.copy())
        children = (server, worker)
        try:
            while all(child.poll() is None for child in children):
                try:
                    server.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [child for child in children if child.returncode not in (0, -signal.SIGINT, None)]
        if failed and not any(c.returncode == -signal.SIGINT for c in children):
            sys.exit(1)
