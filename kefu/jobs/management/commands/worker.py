"""``kefu worker``: the background workers and the scheduler (django-q2's cluster), after a broker check."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.jobs import health, schedules


class Command(BaseCommand):
    help = "Run the background workers and the scheduler (SLA sweep, reminders, jobs). Ctrl+C stops them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only check the broker and the schedules, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        broker = health.check_broker()
        if not broker.ok:
            raise CommandError(f"cannot reach the task broker: {broker.detail}")
        created = schedules.ensure_schedules()
        self.stdout.write(f"task broker: {broker.detail}; schedules: {len(schedules.SCHEDULES)} ({created} new)")
        if options["check"]:
            return
        call_command("qcluster")
