"""Template helpers for the shared includes: ``{% load kefu_front %}``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.core.paginator import Page
from django.forms import BaseForm
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.lib.params import parse_int

register = template.Library()

# Badge tones: neutral, info, accent, success, warning, danger (CSS .badge-<tone>).
TONES = frozenset({"neutral", "info", "accent", "success", "warning", "danger"})

# Default tone for common status codes; a caller can always pass ``tone=`` explicitly.
STATUS_TONES: dict[str, str] = {
    # complaint process steps
    "new": "info",
    "recorded": "info",
    "open": "info",
    "validity": "info",
    "judging": "info",
    "assigned": "accent",
    "assignment": "accent",
    "analysis": "accent",
    "analysing": "accent",
    "in_progress": "accent",
    "proposal": "accent",
    "proposed": "warning",
    "approval": "warning",
    "pending_approval": "warning",
    "awaiting_approval": "warning",
    "sent_back": "danger",
    "returned": "danger",
    "rejected": "danger",
    "approved": "success",
    "implementation": "accent",
    "implementing": "accent",
    "implemented": "success",
    "follow_up": "accent",
    "followup": "accent",
    "review": "accent",
    "reviewing": "accent",
    "resolved": "success",
    "done": "success",
    "closed": "neutral",
    "invalid": "neutral",
    "cancelled": "neutral",
    "reopened": "danger",
    "overdue": "danger",
    "escalated": "danger",
    # generic
    "active": "success",
    "inactive": "neutral",
    "draft": "neutral",
    "pass": "success",
    "passed": "success",
    "fail": "danger",
    "failed": "danger",
    "warning": "warning",
    "critical": "danger",
    "high": "danger",
    "medium": "warning",
    "low": "neutral",
}


@register.filter
def status_tone(status: object, tone: str = "") -> str:
    """Badge tone for a status code: the explicit ``tone`` if valid, else the default map, else neutral."""
    if tone in TONES:
        return tone
    return STATUS_TONES.get(str(status or "").lower(), "neutral")


@register.filter
def compact_duration(value: timedelta | None, workday: timedelta | None = None) -> str:
    """A short duration for badges and queues: ``2d 3h``, ``3h 20m``, ``12m`` (2天3小时 …).

    With ``workday`` shorter than 24 h (a working-time clock) days are working days of
    that length: 20 working hours on an 8-hour clock read "2 working days 4h".
    """
    if value is None:
        return ""
    minutes = int(abs(value.total_seconds()) // 60)
    working = isinstance(workday, timedelta) and timedelta(0) < workday < timedelta(days=1)
    day_minutes = int(workday.total_seconds() // 60) if working and workday else 24 * 60
    days, rest = divmod(minutes, day_minutes)
    hours, mins = divmod(rest, 60)
    if days and working:
        return _("%(days)d working days %(hours)dh") % {"days": days, "hours": hours}
    if days:
        return _("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": mins}
    return _("%(minutes)dm") % {"minutes": mins}


@dataclass(frozen=True)
class SlaInfo:
    state: str  # none | ok | warn | late
    text: str
    deadline: datetime | None
    live: bool  # True when the text is wall-clock time left and the browser may keep it ticking
    clock: str = ""  # "working" | "calendar" | "" (wall clock to the deadline)

    @property
    def iso(self) -> str:
        return self.deadline.isoformat() if self.deadline else ""


@register.simple_tag
def sla_info(
    deadline: datetime | None = None,
    overdue: bool | None = None,
    remaining: timedelta | None = None,
    warn_minutes: int = 120,
    now: datetime | None = None,
    countdown: Any = None,
) -> SlaInfo:
    """State and label of an SLA countdown.

    ``countdown`` (a ``kefu.lib.workcal.Countdown``) is preferred: time left and time overdue
    are both shown in its clock's units — working days and hours on a working-time clock.
    Without it, ``overdue`` (the flag the SLA service stored) wins over the clock and the
    wall-clock time to ``deadline`` is shown (the browser keeps it ticking).
    """
    parsed = parse_int(str(warn_minutes).strip(), maximum=60 * 24 * 366)  # a year; more overflows timedelta
    warn_minutes = 120 if parsed is None else parsed
    if countdown is not None and hasattr(countdown, "left"):
        return _countdown_info(countdown, warn_minutes)
    # Include parameters that were not passed arrive as "" (string_if_invalid).
    deadline = deadline if isinstance(deadline, datetime) else None
    remaining = remaining if isinstance(remaining, timedelta) else None
    if deadline is None and remaining is None:
        return SlaInfo("none", _("No deadline"), None, live=False)
    live = remaining is None
    if remaining is None:
        remaining = deadline - (now or timezone.now())  # type: ignore[operator]
    if remaining.total_seconds() <= 0:
        return SlaInfo(
            "late", _("Overdue %(duration)s") % {"duration": compact_duration(remaining)}, deadline, live
        )
    if overdue:
        return SlaInfo("late", _("Overdue"), deadline, live=False)
    state = "warn" if remaining <= timedelta(minutes=warn_minutes) else "ok"
    return SlaInfo(state, _("%(duration)s left") % {"duration": compact_duration(remaining)}, deadline, live)


def _countdown_info(countdown: Any, warn_minutes: int) -> SlaInfo:
    clock = "working" if countdown.working else "calendar"
    left: timedelta = countdown.left
    workday = countdown.workday if countdown.working else None
    if countdown.overdue:
        late = -left if left < timedelta(0) else timedelta(0)
        # Past the deadline in the evening or on a holiday, no working time has passed yet: just "overdue".
        text = (
            _("Overdue %(duration)s") % {"duration": compact_duration(late, workday)}
            if late >= timedelta(minutes=1)
            else _("Overdue")
        )
        return SlaInfo("late", text, countdown.due, live=False, clock=clock)
    state = "warn" if left <= timedelta(minutes=warn_minutes) else "ok"
    text = _("%(duration)s left") % {"duration": compact_duration(left, workday)}
    return SlaInfo(state, text, countdown.due, live=False, clock=clock)


@register.simple_tag
def page_window(page: Page, on_each_side: int = 2, on_ends: int = 1) -> list[int | str]:
    """Page numbers around the current page, with the paginator's ellipsis: 1 … 4 5 [6] 7 8 … 20."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=on_ends))


@register.simple_tag
def js_strings() -> dict[str, str]:
    """Translated strings for kefu.js (rendered once in base.html with ``json_script``)."""
    return {
        "days_hours": _("%(days)dd %(hours)dh"),
        "hours_minutes": _("%(hours)dh %(minutes)dm"),
        "minutes": _("%(minutes)dm"),
        "sla_left": _("%(duration)s left"),
        "sla_overdue": _("Overdue %(duration)s"),
        "request_failed": _("The request failed (%(status)s). Please try again."),
        "network_error": _("Cannot reach the server. Check the network and try again."),
        "dismiss": _("Dismiss"),
        "unsent_onsite": _("%(n)d on-site record(s) on this phone have not reached the system yet. Signing out "
                           "erases them. Open the work order with a network connection so they are sent, then "
                           "sign out. Sign out anyway and lose them?"),
    }


@register.simple_tag
def form_top_errors(form: BaseForm | None) -> list[str]:
    """Non-field errors plus errors of hidden fields (which have no place of their own)."""
    if form is None or not hasattr(form, "non_field_errors"):
        return []
    errors = [str(e) for e in form.non_field_errors()]
    for field in form.hidden_fields():
        errors.extend(f"{field.label}: {e}" for e in field.errors)
    return errors
