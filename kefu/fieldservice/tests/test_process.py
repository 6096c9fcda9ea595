"""The work-order process table and its pure rules (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kefu.fieldservice import process
from kefu.fieldservice.process import Action, Arrival, State

START = datetime(2026, 12, 1, 10, 0)
END = START + timedelta(hours=2)


def test_every_open_state_can_reach_closed() -> None:
    for state in process.OPEN_STATES:
        assert State.CLOSED in process.TRANSITIONS.reachable(state)


def test_a_technician_cannot_depart_before_the_order_is_booked() -> None:
    with pytest.raises(process.TransitionError):
        process.transition_for(State.NEW, Action.DEPART)


def test_phone_guidance_closes_an_order_without_a_visit() -> None:
    assert process.transition_for(State.NEW, Action.SOLVE_BY_PHONE).target == State.CLOSED


def test_needing_support_sends_the_order_back_to_booking() -> None:
    assert process.transition_for(State.ON_SITE, Action.NEED_SUPPORT).target == State.NEW


def test_each_transition_cites_an_onsite_norm() -> None:
    assert all(t.norm.startswith("onsite.") for t in process.TRANSITIONS.values())


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(-30, Arrival.EARLY), (-8, Arrival.IDEAL), (-5, Arrival.IDEAL), (-2, Arrival.IN_WINDOW),
     (90, Arrival.IN_WINDOW), (120, Arrival.IN_WINDOW), (121, Arrival.LATE)],
)
def test_arrival_is_judged_against_the_window(minutes: int, expected: Arrival) -> None:
    arrived = START + timedelta(minutes=minutes)
    assert process.arrival_status(window_start=START, window_end=END, arrived_at=arrived) == expected


def test_emergency_repairs_come_first_with_the_shortest_promise() -> None:
    emergency = process.TYPE_RULES[process.OrderType.EMERGENCY]
    assert emergency.priority == max(r.priority for r in process.TYPE_RULES.values())
    assert process.promised_by("emergency", START) == START + timedelta(hours=4)


def test_the_greeting_fits_the_time_of_day() -> None:
    assert process.time_greeting(9) == "上午好"
    assert process.time_greeting(15) == "下午好"
    assert process.time_greeting(20) == "晚上好"
