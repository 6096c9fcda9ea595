"""The ``kefu`` console script.

``kefu qa …``, ``kefu knowledge …`` and ``kefu train …`` run pure packages without starting
Django (fast start, usable on machines without a database). Everything else
is a Django management command; hyphens map to underscores, so
``kefu demo-data`` runs ``demo_data`` and ``kefu sla check`` runs ``sla check``.
"""

from __future__ import annotations

import importlib
import os
import sys

PURE_COMMANDS = {
    "qa": "kefu.qa.cli",
    "knowledge": "kefu.phrasebook.cli",
    "train": "kefu.simulator.cli",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        module = importlib.import_module(PURE_COMMANDS[args[0]])
        return int(module.main(args[1:]) or 0)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
