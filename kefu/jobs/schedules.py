"""The periodic work of a Kefu installation, kept as django-q2 schedules (created idempotently)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int


SCHEDULES: tuple[Periodic, ...] = (
    Periodic("heartbeat", "kefu.jobs.tasks.heartbeat", 1),
    Periodic("sla-sweep", "kefu.complaints.tasks.sla_sweep", 1),
    Periodic("search-reconcile", "kefu.search.tasks.reconcile", 10),
    Periodic("jobs-requeue", "kefu.jobs.tasks.requeue_waiting", 2),
)


def ensure_schedules() -> int:
    """Create or update every schedule by name; return how many were created."""
    from django_q.models import Schedule

    created = 0
    for periodic in SCHEDULES:
        _, was_created = Schedule.objects.update_or_create(
            name=periodic.name,
            defaults={
                "func": periodic.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": periodic.minutes,
                "repeats": -1,
            },
        )
        created += was_created
    return created


def on_migrate(**kwargs: Any) -> None:
    from django.db import connection

    if "django_q_schedule" in connection.introspection.table_names():
        ensure_schedules()
