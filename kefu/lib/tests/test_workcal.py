"""Working-time calendar: deadlines a complaint handler would check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.lib.workcal import (
    SHANGHAI,
    ClockMode,
    WorkCalendar,
    WorkPeriod,
    is_fallback_year,
    is_official_workday,
    parse_periods,
)

WORKING = WorkCalendar()
NATURAL = WorkCalendar(mode=ClockMode.CALENDAR)
HOURS_8 = timedelta(hours=8)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# -- ordinary weeks -------------------------------------------------------------------------


def test_friday_afternoon_complaint_with_8_working_hours_is_due_monday_afternoon() -> None:
    # Fri 17:00-18:00 is 1 h, Mon 09:00-12:00 is 3 h, 13:00-17:00 the last 4 h.
    assert WORKING.add_working(sh(2026, 3, 13, 17), HOURS_8) == sh(2026, 3, 16, 17)


def test_deadline_that_fills_the_day_lands_at_close_of_business_not_next_morning() -> None:
    assert WORKING.add_working(sh(2026, 3, 16, 9), HOURS_8) == sh(2026, 3, 16, 18)


def test_lunch_break_is_skipped() -> None:
    assert WORKING.add_working(sh(2026, 3, 16, 11, 30), timedelta(hours=1)) == sh(2026, 3, 16, 13, 30)
    assert not WORKING.is_working_time(sh(2026, 3, 16, 12, 30))
    assert WORKING.next_working_moment(sh(2026, 3, 16, 12, 15)) == sh(2026, 3, 16, 13)
    assert WORKING.working_between(sh(2026, 3, 16, 11), sh(2026, 3, 16, 14)) == timedelta(hours=2)


def test_complaint_recorded_at_night_starts_counting_next_morning() -> None:
    assert WORKING.add_working(sh(2026, 3, 16, 22), timedelta(hours=2)) == sh(2026, 3, 17, 11)
    assert WORKING.add_working(sh(2026, 3, 17, 7), timedelta(hours=2)) == sh(2026, 3, 17, 11)


def test_weekend_complaint_starts_counting_monday() -> None:
    assert WORKING.next_working_moment(sh(2026, 3, 14, 10)) == sh(2026, 3, 16, 9)
    assert WORKING.add_working(sh(2026, 3, 15, 10), timedelta(hours=4)) == sh(2026, 3, 16, 14)


def test_period_boundaries_are_half_open() -> None:
    assert WORKING.is_working_time(sh(2026, 3, 16, 9))
    assert not WORKING.is_working_time(sh(2026, 3, 16, 12))
    assert not WORKING.is_working_time(sh(2026, 3, 16, 18))
    assert WORKING.next_working_moment(sh(2026, 3, 16, 18)) == sh(2026, 3, 17, 9)


def test_input_in_another_timezone_is_read_as_the_same_instant_and_returned_in_beijing_time() -> None:
    start_utc = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    deadline = WORKING.add_working(start_utc, timedelta(hours=1))
    assert deadline == sh(2026, 3, 16, 10)
    assert deadline.tzinfo == SHANGHAI


# -- official holidays and 调休 (2026 schedule) -----------------------------------------------


def test_national_day_golden_week_2026_is_off() -> None:
    for day in range(1, 8):
        assert not WORKING.is_working_day(date(2026, 10, day)), f"Oct {day}"
    # Wed 30 Sep 16:00: 2 h that day, then Thu 8 Oct 09:00-12:00 and 13:00-16:00.
    assert WORKING.add_working(sh(2026, 9, 30, 16), HOURS_8) == sh(2026, 10, 8, 16)
    assert WORKING.working_between(sh(2026, 9, 30, 18), sh(2026, 10, 8, 9)) == timedelta()


def test_national_day_2026_adjusted_workdays_are_sunday_20_sep_and_saturday_10_oct() -> None:
    assert date(2026, 9, 20).weekday() == 6 and WORKING.is_working_day(date(2026, 9, 20))
    assert date(2026, 10, 10).weekday() == 5 and WORKING.is_working_day(date(2026, 10, 10))
    assert WORKING.is_working_time(sh(2026, 10, 10, 10))
    # A complaint on Friday 9 Oct at 17:00 is due on the worked Saturday, not on Monday.
    assert WORKING.add_working(sh(2026, 10, 9, 17), HOURS_8) == sh(2026, 10, 10, 17)
    # Saturday 19 Sep is a normal weekend day; counting starts on the worked Sunday.
    assert WORKING.add_working(sh(2026, 9, 19, 10), timedelta(hours=2)) == sh(2026, 9, 20, 11)


def test_mid_autumn_2026_long_weekend_is_skipped() -> None:
    # 25–27 Sep (Fri–Sun) are off: Thu 24 Sep 17:00 + 8 h is Mon 28 Sep 17:00.
    assert WORKING.add_working(sh(2026, 9, 24, 17), HOURS_8) == sh(2026, 9, 28, 17)


def test_spring_festival_2026() -> None:
    for day in range(15, 24):
        assert not WORKING.is_working_day(date(2026, 2, day)), f"Feb {day}"
    assert WORKING.is_working_day(date(2026, 2, 14))  # Saturday, 调休
    assert WORKING.is_working_day(date(2026, 2, 28))  # Saturday, 调休
    # Fri 13 Feb 17:00: the worked Saturday before the holiday takes the rest.
    assert WORKING.add_working(sh(2026, 2, 13, 17), HOURS_8) == sh(2026, 2, 14, 17)
    # Sat 14 Feb 17:00: one hour that day, then nothing until Tue 24 Feb.
    assert WORKING.add_working(sh(2026, 2, 14, 17), HOURS_8) == sh(2026, 2, 24, 17)


# -- calendar (natural-day) clock --------------------------------------------------------------


def test_calendar_mode_counts_nights_weekends_and_holidays() -> None:
    assert NATURAL.add_working(sh(2026, 3, 13, 17), HOURS_8) == sh(2026, 3, 14, 1)
    assert NATURAL.add_working(sh(2026, 9, 30, 16), timedelta(days=5)) == sh(2026, 10, 5, 16)
    assert NATURAL.working_between(sh(2026, 10, 1), sh(2026, 10, 8)) == timedelta(days=7)
    assert NATURAL.is_working_time(sh(2026, 10, 1, 3))
    assert not NATURAL.uses_fallback(sh(2027, 1, 1))


# -- years without official data ---------------------------------------------------------------


@pytest.mark.skipif(not is_fallback_year(2027), reason="chinese_calendar now ships 2027 data")
def test_2027_falls_back_to_weekends_and_fixed_date_holidays() -> None:
    assert WORKING.uses_fallback(sh(2027, 3, 1))
    assert WORKING.uses_fallback(sh(2026, 12, 31, 17), sh(2027, 1, 4, 17))
    assert not WORKING.uses_fallback(sh(2026, 12, 31, 17))
    # Thu 31 Dec 2026 17:00: 1 h, then 元旦 (Fri) and the weekend, then Monday.
    assert WORKING.add_working(sh(2026, 12, 31, 17), HOURS_8) == sh(2027, 1, 4, 17)
    assert not WORKING.is_working_day(date(2027, 10, 1))
    assert not WORKING.is_working_day(date(2027, 10, 3))
    # Without the State Council notice there is no 调休 and no lunar holiday.
    assert WORKING.is_working_day(date(2027, 10, 4))
    assert WORKING.is_working_day(date(2027, 5, 3))


def test_fallback_rules_before_the_data_starts() -> None:
    assert is_fallback_year(2003) and not is_fallback_year(2026)
    assert not is_official_workday(date(2003, 5, 1))  # Thursday, 劳动节
    assert is_official_workday(date(2003, 5, 2))  # Friday: no golden week without data
    assert not is_official_workday(date(2003, 5, 3))  # Saturday


# -- time left / overdue -----------------------------------------------------------------------


def test_working_between_is_signed_so_overdue_items_are_negative() -> None:
    deadline = sh(2026, 3, 16, 17)
    assert WORKING.working_between(sh(2026, 3, 16, 15), deadline) == timedelta(hours=2)
    assert WORKING.working_between(sh(2026, 3, 17, 10), deadline) == -timedelta(hours=2)


def test_long_durations_are_cheap_and_consistent() -> None:
    start = sh(2026, 1, 5, 9)
    deadline = WORKING.add_working(start, timedelta(hours=8 * 600))
    assert deadline.year == 2028
    assert WORKING.working_between(start, deadline) == timedelta(hours=8 * 600)


# -- validation and configuration --------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        WORKING.add_working(datetime(2026, 3, 16, 9), HOURS_8)
    with pytest.raises(ValueError, match="naive"):
        WORKING.working_between(sh(2026, 3, 16, 9), datetime(2026, 3, 16, 10))
    with pytest.raises(ValueError, match="naive"):
        NATURAL.is_working_time(datetime(2026, 3, 16, 9))


def test_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        WORKING.add_working(sh(2026, 3, 16, 9), -HOURS_8)


def test_periods_are_parsed_from_configuration_text() -> None:
    cal = WorkCalendar.from_spec("13:30-17:30，08:30-12:00", timezone="Asia/Urumqi", mode="working")
    assert cal.periods == (WorkPeriod(time(8, 30), time(12)), WorkPeriod(time(13, 30), time(17, 30)))
    assert cal.timezone == ZoneInfo("Asia/Urumqi")
    assert cal.workday_length == timedelta(hours=7, minutes=30)
    assert str(cal.periods[0]) == "08:30-12:00"


@pytest.mark.parametrize("spec", ["", "9-12", "09:00-12:00,11:00-14:00", "18:00-09:00", "25:00-26:00"])
def test_bad_period_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_periods(spec)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8h", HOURS_8),
        ("8wh", HOURS_8),
        ("30m", timedelta(minutes=30)),
        ("45min", timedelta(minutes=45)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("2d", 2 * HOURS_8),
        ("1d 4h", timedelta(hours=12)),
        ("2个工作日", 2 * HOURS_8),
        ("24小时", timedelta(hours=24)),
    ],
)
def test_policy_durations_on_a_working_clock(text: str, expected: timedelta) -> None:
    assert WORKING.parse_duration(text) == expected


def test_a_day_on_a_natural_clock_is_24_hours_and_working_units_are_refused() -> None:
    assert NATURAL.parse_duration("2d") == timedelta(days=2)
    assert NATURAL.parse_duration("2天") == timedelta(days=2)
    with pytest.raises(ValueError, match="working units"):
        NATURAL.parse_duration("2wd")


@pytest.mark.parametrize("text", ["", "8", "h", "8 hours", "8h and", "x8h"])
def test_malformed_durations_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        WORKING.parse_duration(text)


# -- properties ---------------------------------------------------------------------------------

_days = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 30))
_durations = st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=400))
_instants = st.builds(
    lambda day, seconds: datetime.combine(day, time(), tzinfo=SHANGHAI) + timedelta(seconds=seconds),
    _days,
    st.integers(min_value=0, max_value=86_399),
)


@st.composite
def _working_moments(draw: st.DrawFn) -> datetime:
    """A random instant inside a working period on a working day."""
    moment = WORKING.next_working_moment(draw(_instants))
    period = next(
        p
        for p in WORKING.periods
        if datetime.combine(moment.date(), p.start, tzinfo=SHANGHAI)
        <= moment
        < datetime.combine(moment.date(), p.end, tzinfo=SHANGHAI)
    )
    end = datetime.combine(moment.date(), period.end, tzinfo=SHANGHAI)
    fraction = draw(st.floats(min_value=0, max_value=1, exclude_max=True))
    return moment + timedelta(seconds=int((end - moment).total_seconds() * fraction))


@settings(max_examples=150, deadline=None)
@given(_working_moments(), _durations)
def test_working_time_to_the_deadline_is_the_duration(start: datetime, duration: timedelta) -> None:
    assert WORKING.is_working_time(start)
    assert WORKING.working_between(start, WORKING.add_working(start, duration)) == duration


@settings(max_examples=100, deadline=None)
@given(_instants, _durations)
def test_time_before_the_first_working_moment_is_not_counted(start: datetime, duration: timedelta) -> None:
    deadline = WORKING.add_working(start, duration)
    assert deadline >= WORKING.next_working_moment(start)
    assert WORKING.working_between(start, deadline) == duration


@settings(max_examples=100, deadline=None)
@given(_instants, _durations, _durations)
def test_later_deadlines_for_longer_durations(start: datetime, d1: timedelta, d2: timedelta) -> None:
    short, long = sorted((d1, d2))
    assert WORKING.add_working(start, short) <= WORKING.add_working(start, long)


@settings(max_examples=100, deadline=None)
@given(_instants, _instants, _instants)
def test_working_between_is_additive_and_antisymmetric(a: datetime, b: datetime, c: datetime) -> None:
    assert WORKING.working_between(a, b) == -WORKING.working_between(b, a)
    assert WORKING.working_between(a, b) + WORKING.working_between(b, c) == WORKING.working_between(a, c)


@settings(max_examples=50, deadline=None)
@given(_instants, _durations)
def test_calendar_mode_is_plain_elapsed_time(start: datetime, duration: timedelta) -> None:
    assert NATURAL.add_working(start, duration) == start + duration
    assert NATURAL.working_between(start, start + duration) == duration
