"""Is the background side alive? Used by /healthz and `kefu worker`'s start check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from kefu.jobs.models import Heartbeat

# The scheduler beats every minute; three missed beats mean it is not running.
SCHEDULER_LATE_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class BrokerCheck:
    ok: bool
    detail: str  # "ORM default", "Redis 7.0.15", or why it failed


def check_broker() -> BrokerCheck:
    """Reach the task broker (the database or Redis) once; the failure is reported here, not logged."""
    quiet = logging.getLogger("django-q")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # django-q logs its own line before raising; one reason is enough
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        broker.ping()
        if hasattr(broker, "get_connection") and broker.__class__.__name__ == "ORM":
            broker.get_connection().exists()  # the ORM broker's ping does not touch the database
        return BrokerCheck(True, str(broker.info()))
    except Exception as exc:  # any failure to reach the broker is reported the same way
        return BrokerCheck(False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
    finally:
        quiet.setLevel(level)


def scheduler_age() -> timedelta | None:
    """Time since the scheduler's last heartbeat, or None if it never ran."""
    beat = Heartbeat.objects.filter(name="scheduler").first()
    return None if beat is None else timezone.now() - beat.at
