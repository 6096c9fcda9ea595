"""Working-time SLA deadlines for complaint steps (complaint.six_degrees: speed).

Deadlines come from ``SlaPolicy`` rows (admin-editable) with the defaults
below as fallback; the arithmetic is ``kefu.lib.workcal`` (Chinese public
holidays and adjusted workdays). Regulator/external channels run on their own,
shorter calendar-time clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from django.conf import settings

from kefu.complaints.choices import Severity
from kefu.complaints.flow import State
from kefu.lib.workcal import ClockMode, Countdown, WorkCalendar

# Hours per step on the standard working clock, for a normal-severity complaint.
DEFAULT_STEP_HOURS: dict[State, Decimal] = {
    State.RECORDED: Decimal(2),
    State.ACCEPTED: Decimal(2),
    State.ASSIGNED: Decimal(8),
    State.ANALYSED: Decimal(8),
    State.PENDING_APPROVAL: Decimal(4),
    State.APPROVED: Decimal(16),
    State.IMPLEMENTED: Decimal(24),
    State.FOLLOWED_UP: Decimal(16),
}
DEFAULT_OVERALL_HOURS = Decimal(40)  # five working days from record to follow-up
SEVERITY_FACTOR = {
    Severity.LOW: Decimal("1.5"),
    Severity.NORMAL: Decimal(1),
    Severity.HIGH: Decimal("0.5"),
    Severity.CRITICAL: Decimal("0.25"),
}
# Regulator clocks: calendar hours, a fraction of the standard working hours.
REGULATOR_FACTOR = Decimal("0.5")


@dataclass(frozen=True)
class Rule:
    hours: Decimal
    clock: ClockMode


@lru_cache(maxsize=4)
def _calendar(mode: ClockMode) -> WorkCalendar:
    return WorkCalendar.from_spec(settings.KEFU_WORKING_PERIODS, timezone=settings.TIME_ZONE, mode=mode)


def calendar_for(clock: ClockMode | str) -> WorkCalendar:
    return _calendar(ClockMode(clock))


def default_rule(*, state: str, severity: str, regulator: bool) -> Rule:
    base = DEFAULT_STEP_HOURS[State(state)] if state else DEFAULT_OVERALL_HOURS
    hours = base * SEVERITY_FACTOR.get(Severity(severity), Decimal(1))
    if regulator:
        return Rule(hours=(hours * REGULATOR_FACTOR).quantize(Decimal("0.01")), clock=ClockMode.CALENDAR)
    return Rule(hours=hours.quantize(Decimal("0.01")), clock=ClockMode.WORKING)


def rule_for(*, state: str, severity: str, regulator: bool) -> Rule:
    """The most specific ``SlaPolicy`` row, else the built-in default.

    ``state`` empty means the overall resolution deadline.
    """
    from kefu.complaints.models import SlaPolicy

    candidates = {
        (p.severity, p.regulator): p
        for p in SlaPolicy.objects.filter(state=state, regulator=regulator, severity__in=[severity, ""])
    }
    exact = candidates.get((severity, regulator)) if severity else None
    if exact is not None:
        return Rule(hours=exact.hours, clock=ClockMode(exact.clock))
    generic = candidates.get(("", regulator))
    if generic is not None:  # a generic row holds normal-severity hours; scale by severity
        factor = SEVERITY_FACTOR.get(Severity(severity), Decimal(1)) if severity else Decimal(1)
        return Rule(hours=(generic.hours * factor).quantize(Decimal("0.01")), clock=ClockMode(generic.clock))
    return default_rule(state=state, severity=severity, regulator=regulator)


def deadline(*, start: datetime, state: str, severity: str, regulator: bool) -> datetime | None:
    """When the step ``state`` (or, for ``""``, the whole complaint) started at ``start`` is due."""
    if state == State.CLOSED:
        return None
    rule = rule_for(state=state, severity=severity, regulator=regulator)
    return calendar_for(rule.clock).add_working(start, timedelta(hours=float(rule.hours)))


def time_left(*, due: datetime, now: datetime, regulator: bool) -> timedelta:
    """Signed working time left until ``due`` (negative: overdue by that much)."""
    clock = ClockMode.CALENDAR if regulator else ClockMode.WORKING
    return calendar_for(clock).working_between(now, due)


def countdown(*, due: datetime, now: datetime, regulator: bool, flagged: bool = False) -> Countdown:
    """The step's countdown on the clock its deadline was set with (working time, or 24×7 for regulators)."""
    clock = ClockMode.CALENDAR if regulator else ClockMode.WORKING
    return calendar_for(clock).countdown(now, due, flagged=flagged)
