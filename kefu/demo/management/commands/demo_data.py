"""``kefu demo-data``: load realistic Chinese demo data (星河通信) and print the demo logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError, RestrictedError

from kefu.demo import content, generate

LIMITS = {
    "customers": (generate.MIN_CUSTOMERS, 200_000), "contacts": (0, 2_000_000), "complaints": (0, 200_000),
    "history_complaints": (0, 200_000),
}
URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Load the demo data set (idempotent: does nothing when it is already loaded; --reset reloads). "
        "--print-logins prints one login per role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = generate.Sizes()
        # Counts are parsed in handle() so a bad value gets a one-line reason, not argparse's usage dump.
        for name, what in (
            ("customers", "customers"),
            ("contacts", "contacts (besides those complaints are recorded from)"),
            ("complaints", "complaints"),
            ("history_complaints", "complaints closed in the months before, for trends and comparisons"),
        ):
            default = getattr(defaults, name)
            parser.add_argument(f"--{_flag(name)}", default=str(default), metavar="N",
                                help=f"number of {what} ({default})")
        parser.add_argument("--reset", action="store_true", help="delete the demo rows first, then load")
        parser.add_argument("--print-logins", action="store_true", help="print one demo login per role")
        parser.add_argument("--skip-load", action="store_true", help="load nothing (use with --print-logins)")

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = generate.Sizes(**{name: _count(name, options[name]) for name in LIMITS})
        if options["skip_load"] and options["reset"]:
            raise CommandError("--skip-load and --reset contradict each other")
        if options["skip_load"] and not options["print_logins"]:
            raise CommandError("--skip-load does nothing without --print-logins")
        if not options["skip_load"]:
            self._load(sizes, reset=options["reset"])
        if options["print_logins"]:
            self._print_logins()

    def _load(self, sizes: generate.Sizes, *, reset: bool) -> None:
        if reset:
            try:
                deleted = generate.demo_reset()
            except (ProtectedError, RestrictedError) as exc:
                # Another app's rows point at demo users or customers; say which, change nothing.
                objs = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
                blocking = sorted({str(obj._meta.verbose_name) for obj in objs})
                raise CommandError(f"cannot reset: demo rows are still used by {', '.join(blocking)}") from exc
            self.stdout.write("Deleted demo data: " + ", ".join(f"{n} {k}" for k, n in deleted.items()))
        elif generate.demo_loaded():
            loaded = generate.summary()
            self.stdout.write(
                f"Demo data already loaded ({loaded.customers} customers, {loaded.complaints} complaints); "
                "nothing to do. Use --reset to reload."
            )
            return
        clash = generate.clashing_usernames()
        if clash:
            raise CommandError(f"these usernames belong to non-demo users, refusing to load: {', '.join(clash)}")
        started = time.monotonic()
        loaded = generate.demo_load(sizes=sizes)
        states = ", ".join(f"{state} {n}" for state, n in sorted(loaded.by_state.items()))
        self.stdout.write(
            f"Loaded {content.COMPANY} demo data in {time.monotonic() - started:.1f}s: {loaded.customers} customers, "
            f"{loaded.contacts} contacts, {loaded.complaints} complaints ({states}); {loaded.overdue} overdue, "
            f"{loaded.regulator} from regulator channels, {loaded.repeat} repeat."
        )

    def _print_logins(self) -> None:
        out = self.stdout
        out.write("")
        out.write(f"{content.COMPANY} · Kefu 客服演示环境  {URL}")
        out.write(f"演示账号（密码均为 {content.PASSWORD}）：")
        for staff in content.STAFF:
            if not staff.sees:
                continue
            who = f"{staff.full_name}（{staff.employee_no}）"
            login = f"{staff.username} / {content.PASSWORD}"
            out.write(f"  {_pad(login, 26)}{_pad(content.ROLE_ZH[staff.role], 13)}{_pad(who, 19)}{staff.sees}")
        if not generate.demo_loaded():
            out.write("  （演示数据尚未加载：先运行 kefu demo-data）")
        out.write("")


def _pad(text: str, width: int) -> str:
    """Left-justify in terminal columns: CJK characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def _flag(name: str) -> str:
    return name.replace("_", "-")


def _count(name: str, raw: str) -> int:
    low, high = LIMITS[name]
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise CommandError(f"--{_flag(name)} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise CommandError(f"--{_flag(name)} must be between {low} and {high}, not {value}")
    return value
