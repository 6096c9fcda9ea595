"""Working-time calendar for complaint SLAs (工作时间日历). Imports nothing from Django.

A :class:`WorkCalendar` answers "when is this due?" and "how much working time is
left?" for one clock:

* ``working`` mode counts only the daily working periods (default 09:00–12:00 and
  13:00–18:00, i.e. an 8-hour 工作日) on official Chinese workdays: weekends and
  public holidays are skipped and adjusted workdays (调休, a Saturday or Sunday that
  is worked) count. Official data comes from ``chinese_calendar``.
* ``calendar`` mode is a 24×7 clock (自然日) for regulator channels whose deadlines
  run in natural days; every instant counts.

Working periods are half-open ``[start, end)``: 12:00 is lunch, 18:00 is after work.
A deadline that exactly uses up a period therefore lands on its end (18:00 that day,
not 09:00 the next workday).

``chinese_calendar`` only knows the years it ships data for (2004–2026 at 1.11). For
other years :func:`is_official_workday` falls back deterministically to weekends plus
the fixed-date statutory holidays (元旦 1 Jan, 劳动节 1 May, 国庆 1–3 Oct) without any
调休; :func:`is_fallback_year` and :meth:`WorkCalendar.uses_fallback` tell a UI when
to warn that a deadline is provisional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEFAULT_PERIODS",
    "SHANGHAI",
    "ClockMode",
    "WorkCalendar",
    "WorkPeriod",
    "is_fallback_year",
    "is_official_workday",
    "parse_periods",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Fixed-date statutory holidays used when chinese_calendar has no data for a year.
# Lunar holidays (春节, 清明, 端午, 中秋) and 调休 cannot be derived without the State
# Council's yearly notice, so they are deliberately absent.
_FALLBACK_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})

# No official schedule has more than ~10 consecutive days off; this only guards
# against a misconfiguration turning a deadline search into an endless loop.
_MAX_IDLE_DAYS = 60

_ONE_DAY = timedelta(days=1)


class ClockMode(StrEnum):
    WORKING = "working"  # 工作时间: working periods on official workdays
    CALENDAR = "calendar"  # 自然日: 24×7


@dataclass(frozen=True, order=True)
class WorkPeriod:
    """One daily working period, wall-clock time in the calendar's timezone, ``[start, end)``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("work period times must be naive wall-clock times")
        if not self.start < self.end:
            raise ValueError(f"work period {self} must end after it starts (no overnight periods)")

    @property
    def length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def parse_periods(spec: str) -> tuple[WorkPeriod, ...]:
    """Parse ``"09:00-12:00,13:00-18:00"`` (also ``，``/``;`` separated) into sorted periods.

    Raises ``ValueError`` for malformed, empty or overlapping periods.
    """
    periods: list[WorkPeriod] = []
    for part in re.split(r"[,，;；]", spec):
        if not part.strip():
            continue
        match = _PERIOD_RE.match(part)
        if match is None:
            raise ValueError(f"cannot parse work period {part.strip()!r}; expected e.g. '09:00-12:00'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            periods.append(WorkPeriod(time(h1, m1), time(h2, m2)))
        except ValueError as exc:
            raise ValueError(f"invalid work period {part.strip()!r}: {exc}") from None
    return _check_periods(tuple(periods))


def _check_periods(periods: tuple[WorkPeriod, ...]) -> tuple[WorkPeriod, ...]:
    if not periods:
        raise ValueError("a working calendar needs at least one work period")
    ordered = tuple(sorted(periods))
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"work periods {before} and {after} overlap")
    return ordered


DEFAULT_PERIODS: tuple[WorkPeriod, ...] = parse_periods("09:00-12:00,13:00-18:00")


@lru_cache(maxsize=64)
def is_fallback_year(year: int) -> bool:
    """True when ``chinese_calendar`` has no holiday data for ``year`` (so the fallback applies)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return True
    return False


@lru_cache(maxsize=16384)
def is_official_workday(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China, 调休 included.

    Uses the fallback rules (weekends and fixed-date holidays off, no 调休) for years
    ``chinese_calendar`` does not cover; see :func:`is_fallback_year`.
    """
    if not is_fallback_year(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and (day.month, day.day) not in _FALLBACK_HOLIDAYS


@lru_cache(maxsize=16384)
def _day_intervals(
    periods: tuple[WorkPeriod, ...], tz: ZoneInfo, day: date
) -> tuple[tuple[datetime, datetime], ...]:
    # Intervals are kept in UTC so arithmetic is exact even across a DST change.
    return tuple(
        (
            datetime.combine(day, p.start, tzinfo=tz).astimezone(UTC),
            datetime.combine(day, p.end, tzinfo=tz).astimezone(UTC),
        )
        for p in periods
    )


def _require_aware(dt: datetime, name: str) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(
            f"{name}={dt.isoformat()} is naive; pass a timezone-aware datetime "
            "(e.g. django.utils.timezone.now() or tzinfo=ZoneInfo('Asia/Shanghai'))"
        )
    return dt.astimezone(UTC)


_DURATION_TOKEN_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(个)?\s*(wd|wh|d|h|min|m|工作日|工作小时|小时|分钟|天|日)", re.IGNORECASE
)


@dataclass(frozen=True)
class Countdown:
    """Time to a deadline on one clock: ``left`` is signed (negative: overdue by that much).

    ``workday`` is the working time of one ordinary day on that clock (24 h on a
    calendar clock), so a page can say "2 working days 3 h" in the clock's own units.
    """

    due: datetime
    left: timedelta
    workday: timedelta
    working: bool  # True: working hours and holidays count; False: a 24×7 calendar clock
    flagged: bool = False  # the SLA sweep marked the step overdue

    @property
    def overdue(self) -> bool:
        return self.flagged or self.left <= timedelta()


@dataclass(frozen=True)
class WorkCalendar:
    """A working-time clock: daily periods, a timezone and a :class:`ClockMode`.

    Frozen and hashable, so one instance per SLA policy can be shared freely.
    All methods take timezone-aware datetimes (naive input raises ``ValueError``)
    and return datetimes in :attr:`timezone`.
    """

    periods: tuple[WorkPeriod, ...] = DEFAULT_PERIODS
    timezone: ZoneInfo = field(default=SHANGHAI)
    mode: ClockMode = ClockMode.WORKING

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", _check_periods(tuple(self.periods)))
        object.__setattr__(self, "mode", ClockMode(self.mode))
        if not isinstance(self.timezone, ZoneInfo):
            raise TypeError("timezone must be a zoneinfo.ZoneInfo; use WorkCalendar.from_spec for strings")

    @classmethod
    def from_spec(
        cls,
        periods: str = "09:00-12:00,13:00-18:00",
        *,
        timezone: str = "Asia/Shanghai",
        mode: str = ClockMode.WORKING,
    ) -> WorkCalendar:
        """Build a calendar from configuration strings (e.g. an admin-edited SLA policy)."""
        return cls(periods=parse_periods(periods), timezone=ZoneInfo(timezone), mode=ClockMode(mode))

    # -- days -------------------------------------------------------------------------------

    @property
    def workday_length(self) -> timedelta:
        """Working time in one ordinary workday (24 h in calendar mode)."""
        if self.mode is ClockMode.CALENDAR:
            return _ONE_DAY
        return sum((p.length for p in self.periods), timedelta())

    def is_working_day(self, day: date) -> bool:
        return self.mode is ClockMode.CALENDAR or is_official_workday(day)

    def uses_fallback(self, start: datetime, end: datetime | None = None) -> bool:
        """Whether any local date from ``start`` to ``end`` relies on the fallback holiday rules.

        Always False in calendar mode, which ignores holidays. A UI should mark such
        deadlines as provisional until the year's official schedule is installed.
        """
        if self.mode is ClockMode.CALENDAR:
            return False
        first = _require_aware(start, "start").astimezone(self.timezone).year
        last = first if end is None else _require_aware(end, "end").astimezone(self.timezone).year
        lo, hi = min(first, last), max(first, last)
        return any(is_fallback_year(year) for year in range(lo, hi + 1))

    def _intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        if not is_official_workday(day):
            return ()
        return _day_intervals(self.periods, self.timezone, day)

    def _local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.timezone).date()

    # -- instants ---------------------------------------------------------------------------

    def is_working_time(self, dt: datetime) -> bool:
        instant = _require_aware(dt, "dt")
        if self.mode is ClockMode.CALENDAR:
            return True
        return any(s <= instant < e for s, e in self._intervals(self._local_day(instant)))

    def next_working_moment(self, dt: datetime) -> datetime:
        """``dt`` itself if it is working time, else the start of the next working period."""
        return self.add_working(dt, timedelta())

    def add_working(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline ``duration`` of working time after ``start``.

        A start outside working time begins counting at the next working moment, so
        a zero duration yields :meth:`next_working_moment`. The result is the earliest
        instant with that much working time behind it (a period's end, not the next
        period's start). Whole days are consumed one lookup at a time, so long
        durations stay cheap. Raises ``ValueError`` for a negative duration.
        """
        current = _require_aware(start, "start")
        if duration < timedelta():
            raise ValueError(f"duration must not be negative, got {duration}")
        if self.mode is ClockMode.CALENDAR:
            return (current + duration).astimezone(self.timezone)

        remaining = duration
        day = self._local_day(current)
        idle_days = 0
        while True:
            intervals = self._intervals(day)
            idle_days = 0 if intervals else idle_days + 1
            if idle_days > _MAX_IDLE_DAYS:
                raise RuntimeError(f"no working day within {_MAX_IDLE_DAYS} days of {day}")
            for period_start, period_end in intervals:
                if period_end <= current:
                    continue
                current = max(current, period_start)
                available = period_end - current
                if remaining <= available:
                    return (current + remaining).astimezone(self.timezone)
                remaining -= available
                current = period_end
            day += _ONE_DAY

    def working_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``, **signed**: negative when ``b`` is before ``a``.

        ``working_between(now, deadline)`` is the time left; when it is negative its
        absolute value is how long the item has been overdue, in working time.
        """
        lo = _require_aware(a, "a")
        hi = _require_aware(b, "b")
        if hi < lo:
            return -self.working_between(b, a)
        if self.mode is ClockMode.CALENDAR:
            return hi - lo

        total = timedelta()
        day, last = self._local_day(lo), self._local_day(hi)
        while day <= last:
            for period_start, period_end in self._intervals(day):
                overlap = min(period_end, hi) - max(period_start, lo)
                if overlap > timedelta():
                    total += overlap
            day += _ONE_DAY
        return total

    def countdown(self, now: datetime, due: datetime, *, flagged: bool = False) -> Countdown:
        """How much of this clock's time is left until ``due`` (negative once it has passed)."""
        return Countdown(
            due=due,
            left=self.working_between(now, due),
            workday=self.workday_length,
            working=self.mode is ClockMode.WORKING,
            flagged=flagged,
        )

    # -- policy text ------------------------------------------------------------------------

    def parse_duration(self, text: str) -> timedelta:
        """Parse an SLA duration such as ``"8h"``, ``"8wh"``, ``"2d"``, ``"1d4h"``, ``"30m"``,
        ``"2个工作日"`` or ``"24小时"``.

        A day (``d``/``wd``/``天``/``日``/``工作日``) is :attr:`workday_length` of this
        calendar: 8 working hours with the default periods, 24 h in calendar mode —
        so "2d" reads as 2 工作日 on a working clock and 2 自然日 on a regulator clock.
        ``wh``/``工作小时`` and ``wd``/``工作日`` are spelled-out working units and are
        rejected on a calendar-mode clock, where they would be misleading.
        """
        compact = text.strip()
        if not compact:
            raise ValueError("empty duration")
        total = timedelta()
        position = 0
        for match in _DURATION_TOKEN_RE.finditer(compact):
            if compact[position : match.start()].strip():
                break
            amount, _, unit = float(match.group(1)), match.group(2), match.group(3).lower()
            if unit in {"wd", "wh", "工作日", "工作小时"} and self.mode is ClockMode.CALENDAR:
                raise ValueError(f"{text!r} uses working units but this clock runs in natural time")
            if unit in {"wd", "d", "工作日", "天", "日"}:
                total += self.workday_length * amount
            elif unit in {"wh", "h", "工作小时", "小时"}:
                total += timedelta(hours=amount)
            else:
                total += timedelta(minutes=amount)
            position = match.end()
        if position == 0 or compact[position:].strip():
            raise ValueError(f"cannot parse duration {text!r}; expected e.g. '8h', '2d', '1d4h', '2个工作日'")
        return total
