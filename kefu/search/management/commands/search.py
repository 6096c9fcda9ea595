"""``kefu search reindex`` — rebuild the search index in chunks (after bulk imports or restores)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.search import services
from kefu.search.models import Kind


class Command(BaseCommand):
    help = "Search index maintenance: `reindex` rebuilds it from customers, contacts and complaints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument("--kind", action="append", choices=Kind.values, help="only this kind (repeatable)")
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args: Any, action: str, kind: list[str] | None, chunk_size: int, **options: Any) -> None:
        started = time.monotonic()
        verbose = options["verbosity"] > 1

        def progress(kind: str, done: int) -> None:
            if verbose:
                self.stdout.write(f"  {kind}: {done}")

        counts = services.reindex(kinds=kind or Kind.values, chunk_size=chunk_size, progress=progress)
        summary = ", ".join(f"{k} {n}" for k, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Indexed {summary} in {time.monotonic() - started:.1f}s"))
