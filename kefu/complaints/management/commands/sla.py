"""``kefu sla check``: list complaints whose current step is overdue or nearly due, and flag new breaches."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kefu.complaints import services, sla
from kefu.complaints.flow import State
from kefu.complaints.models import STATE_LABELS, Complaint


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


class Command(BaseCommand):
    help = "SLA checks. `kefu sla check` lists overdue and nearly-due complaint steps and flags new breaches."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="list and flag overdue complaint steps")
        check.add_argument("--warn-hours", type=float, default=2.0, help="also list steps due within this many working hours")
        check.add_argument("--dry-run", action="store_true", help="list only; do not flag breaches")
        check.add_argument("--format", choices=["table", "json"], default="table")
        check.add_argument("--fail-on-breach", action="store_true", help="exit 1 when anything is overdue (for monitoring)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["warn_hours"] < 0:
            raise CommandError("--warn-hours must not be negative")
        now = timezone.now()
        horizon = now + timedelta(hours=max(options["warn_hours"], 0) * 3)  # coarse prefilter; exact check below
        candidates = (
            Complaint.objects.exclude(state=State.CLOSED)
            .filter(step_due_at__lte=horizon)
            .select_related("handling_department", "handler")
            .order_by("step_due_at")
        )
        # Flag through the same service the scheduled sweep runs (notifications included).
        flagged_ids = frozenset() if options["dry_run"] else services.sla_flag_breaches(now=now).flagged_ids
        rows: list[dict[str, Any]] = []
        for complaint in candidates.iterator(chunk_size=500):
            if complaint.step_due_at is None:  # the candidates have a deadline; a closed step has none
                continue
            left = sla.time_left(due=complaint.step_due_at, now=now, regulator=complaint.is_regulator)
            overdue = complaint.step_due_at < now
            if not overdue and _hours(left) > options["warn_hours"]:
                continue
            flagged = complaint.pk in flagged_ids
            rows.append(
                {
                    "number": complaint.number,
                    "state": complaint.state,
                    "state_label": str(STATE_LABELS[State(complaint.state)]),
                    "department": str(complaint.handling_department or ""),
                    "handler": str(complaint.handler or ""),
                    "regulator": complaint.is_regulator,
                    "step_due_at": timezone.localtime(complaint.step_due_at).isoformat(timespec="minutes"),
                    "hours_left": _hours(left),
                    "overdue": overdue,
                    "newly_flagged": flagged,
                }
            )
        self._print(rows, options["format"], len(flagged_ids))
        if options["fail_on_breach"] and any(r["overdue"] for r in rows):
            raise SystemExit(1)

    def _print(self, rows: list[dict[str, Any]], fmt: str, newly_flagged: int) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        overdue = sum(r["overdue"] for r in rows)
        for r in rows:
            status = "OVERDUE" if r["overdue"] else "due soon"
            mark = " [regulator]" if r["regulator"] else ""
            self.stdout.write(
                f"{r['number']}\t{r['state_label']}\t{r['department'] or '-'}\t{r['handler'] or '-'}\t"
                f"{r['step_due_at']}\t{r['hours_left']:+.1f}h\t{status}{mark}"
            )
        self.stdout.write(f"{overdue} overdue ({newly_flagged} newly flagged), {len(rows) - overdue} due soon")
