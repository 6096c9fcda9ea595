"""A demo-only simulated clock, so complaints can be driven through the real services in the past.

The services stamp events, proposals, follow-ups and SLA deadlines with
``django.utils.timezone.now()`` (model defaults hold a reference to that very
function). Replacing the ``datetime`` class that ``django.utils.timezone``
looks up at call time moves all of them at once, so a complaint recorded "six
days ago" gets a genuine event history and working-time deadlines computed
from that moment — and is genuinely overdue today.

Never use this outside demo generation: it is process-wide and not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo

from django.utils import timezone as dj_timezone

_REAL_DATETIME = datetime


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


def _frozen_class(clock: SimulatedClock) -> type[datetime]:
    class _DemoDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return clock.current.astimezone(tz) if tz is not None else clock.current.replace(tzinfo=None)

    return _DemoDatetime


@contextmanager
def simulated_clock(start: datetime) -> Iterator[SimulatedClock]:
    """Make ``timezone.now()`` return ``clock.current`` until the block ends."""
    clock = SimulatedClock(start)
    setattr(dj_timezone, "datetime", _frozen_class(clock))  # noqa: B010 - the module attribute timezone.now() reads
    try:
        yield clock
    finally:
        setattr(dj_timezone, "datetime", _REAL_DATETIME)  # noqa: B010
