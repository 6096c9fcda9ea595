"""The range of dates Kefu accepts as input (Django-free).

Python's dates end at 9999-12-31 and begin at 0001-01-01: one more day, or a
time zone shift, past either end raises ``OverflowError``. Service records
never need such dates, so every date a user or client sends must fall in
``EARLIEST``…``LATEST``; the forms and API schemas check it and answer with a
message instead of a crash.
"""

from __future__ import annotations

from datetime import date, datetime, time

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the current time zone (date filters are whole local days)."""
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time.min))
