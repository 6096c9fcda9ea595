"""Time left and time overdue read in the same working time, with the due date beside them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils.translation import override

from kefu.complaints import sla
from kefu.lib.workcal import ClockMode

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # an ordinary workday
FRIDAY_17 = datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)


def _badge(countdown) -> str:
    with override("zh-hans"):
        return render_to_string("front/includes/sla_badge.html", {"countdown": countdown, "show_due": 1})


def test_five_working_days_away_reads_as_five_working_days_not_calendar_days():
    working = sla.calendar_for(ClockMode.WORKING)
    due = working.add_working(MONDAY_10, timedelta(hours=40))  # 5 working days of 8 hours
    html = _badge(sla.countdown(due=due, now=MONDAY_10, regulator=False))
    assert "剩余 5个工作日0小时" in html
    assert "1天16小时" not in html
    assert f"截止 {due.strftime('%m-%d %H:%M')}" in html
    assert "按工作时间计时" in html


def test_overdue_is_counted_in_working_time_too():
    # Due Friday 17:00, now Monday 10:00: one working hour on Friday, one on Monday.
    html = _badge(sla.countdown(due=FRIDAY_17, now=MONDAY_10, regulator=False))
    assert "已超时 2小时0分" in html and "sla-late" in html
    assert "2天" not in html  # not the 65 calendar hours since Friday
    assert "截止 11-27 17:00" in html


def test_overdue_out_of_hours_says_overdue_without_a_zero_duration():
    evening = datetime(2026, 11, 30, 18, 30, tzinfo=SHANGHAI)
    html = _badge(sla.countdown(due=datetime(2026, 11, 30, 18, 0, tzinfo=SHANGHAI), now=evening, regulator=False))
    assert ">已超时<" in html and "0分钟" not in html


def test_a_flagged_step_is_overdue_whatever_the_clock_says():
    countdown = sla.countdown(due=MONDAY_10 + timedelta(hours=1), now=MONDAY_10, regulator=False, flagged=True)
    assert countdown.overdue and "sla-late" in _badge(countdown)


def test_a_regulator_clock_counts_calendar_days():
    html = _badge(sla.countdown(due=MONDAY_10 + timedelta(days=2, hours=3), now=MONDAY_10, regulator=True))
    assert "剩余 2天3小时" in html and "全天" in html
