"""``kefu knowledge-import FILE… --user NAME``: load operator YAML files into the database.

The same service as the import page: each file validates as a whole or is
refused, every entry gets a history row naming the user. Check files without
touching the database with ``kefu knowledge check FILE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.accounts.models import User
from kefu.knowledge import services
from kefu.knowledge.errors import InvalidInput, NotAllowed


class Command(BaseCommand):
    help = "Import phrasebook YAML files into the database (operator entries, with history)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--user", required=True, help="the user the history rows name (needs knowledge_edit)"
        )
        parser.add_argument("--comment", default="", help="why (stored on every history row)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        for path in options["files"]:
            try:
                text = path.read_text(encoding="utf-8")
                rows = services.entries_import(
                    actor=user, text=text, source=str(path), comment=options["comment"]
                )
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: cannot read: {exc}") from exc
            except NotAllowed as exc:
                raise CommandError(exc.message) from exc
            except InvalidInput as exc:
                raise CommandError(exc.errors.get("file", exc.message)) from exc
            self.stdout.write(f"{path}: imported {len(rows)} entries")
