"""The on-site work-order process (上门服务六部曲) as one declared transition table (pure; no Django).

Implements norm onsite.six_steps: 电话 call (book, or solve on the phone — onsite.call.verify),
上门 visit (depart, arrive — onsite.arrive_early), 操作 operate and 沟通 communicate (the stage
checklists and the work record), 评价 evaluate (signature, feedback, onsite.mot_score) and
帮助 help (the confirming call after a fix — onsite.confirm_after_fix — and leads, onsite.marketing).
Needing support sends the order back to booking (onsite.support_reschedule).

Capabilities are the string values of ``kefu.accounts.roles.Cap`` so this module stays importable
without Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kefu.workflow import transitions as _wf

DISPATCH = "onsite_dispatch"
WORK = "onsite_work"
FOLLOW_UP = "complaint_follow_up"  # the service centre makes the confirming call


class State(StrEnum):
    NEW = "new"  # 待预约
    BOOKED = "booked"  # 已预约
    EN_ROUTE = "en_route"  # 已出发
    ON_SITE = "on_site"  # 服务中
    FIXED = "fixed"  # 已完工，待回访确认
    CLOSED = "closed"  # 已关闭
    CANCELLED = "cancelled"  # 已取消


class Action(StrEnum):
    BOOK = "book"  # appointment call: window and technician
    REBOOK = "rebook"  # another window or technician while still booked
    SOLVE_BY_PHONE = "solve_by_phone"  # phone guidance fixed it: closed without a visit
    CANCEL = "cancel"
    DEPART = "depart"  # 出发: the customer is told
    ARRIVE = "arrive"
    FINISH = "finish"  # work done and signed
    NEED_SUPPORT = "need_support"  # explained to the customer, back to booking
    CONFIRM = "confirm"  # confirming call: satisfied
    REOPEN = "reopen"  # confirming call: not fixed, back to booking


Transition = _wf.Transition[State, Action]


def _t(action: Action, sources: set[State], target: State, cap: str, norm: str) -> Transition:
    return _wf.transition(action, sources, target, cap, norm)


TRANSITIONS: _wf.TransitionTable[State, Action] = _wf.TransitionTable(
    State,
    Action,
    (
        _t(Action.BOOK, {State.NEW}, State.BOOKED, DISPATCH, "onsite.call.verify"),
        _t(Action.REBOOK, {State.BOOKED}, State.BOOKED, DISPATCH, "onsite.call.verify"),
        _t(Action.SOLVE_BY_PHONE, {State.NEW, State.BOOKED}, State.CLOSED, DISPATCH, "onsite.call.verify"),
        _t(Action.CANCEL, {State.NEW, State.BOOKED}, State.CANCELLED, DISPATCH, "onsite.six_steps"),
        _t(Action.DEPART, {State.BOOKED}, State.EN_ROUTE, WORK, "onsite.arrive_early"),
        _t(Action.ARRIVE, {State.EN_ROUTE}, State.ON_SITE, WORK, "onsite.arrive_early"),
        _t(Action.FINISH, {State.ON_SITE}, State.FIXED, WORK, "onsite.signature"),
        _t(Action.NEED_SUPPORT, {State.ON_SITE}, State.NEW, WORK, "onsite.support_reschedule"),
        _t(Action.CONFIRM, {State.FIXED}, State.CLOSED, FOLLOW_UP, "onsite.confirm_after_fix"),
        _t(Action.REOPEN, {State.FIXED}, State.NEW, FOLLOW_UP, "onsite.confirm_after_fix"),
    ),
)

OPEN_STATES = frozenset({State.NEW, State.BOOKED, State.EN_ROUTE, State.ON_SITE})
# Entering one of these means the service is finished (kefu.lib.outcomes.finished).
FINISHING = {Action.FINISH, Action.SOLVE_BY_PHONE}

TransitionError = _wf.TransitionError
transition_for = TRANSITIONS.transition_for
actions_from = TRANSITIONS.actions_from


# ---------------------------------------------------------------- order types


class OrderType(StrEnum):
    EMERGENCY = "emergency"  # 抢修
    REPAIR = "repair"  # 故障维修
    INSTALL = "install"  # 装机
    RELOCATE = "relocate"  # 移机
    CHANGE = "change"  # 换机/升级
    REMOVE = "remove"  # 拆机


@dataclass(frozen=True)
class TypeRule:
    priority: int  # higher first
    limit_hours: int  # promised time from creation to the fix (抢修时限)
    script: str  # which appointment script (phone.appointment.scripts)


TYPE_RULES: dict[OrderType, TypeRule] = {
    OrderType.EMERGENCY: TypeRule(5, 4, "fault"),
    OrderType.REPAIR: TypeRule(4, 24, "fault"),
    OrderType.INSTALL: TypeRule(3, 72, "install"),
    OrderType.CHANGE: TypeRule(2, 48, "install"),
    OrderType.RELOCATE: TypeRule(2, 72, "install"),
    OrderType.REMOVE: TypeRule(1, 120, "install"),
}


def promised_by(order_type: OrderType | str, created: datetime) -> datetime:
    """When the order must be fixed: the type's time limit from creation."""
    return created + timedelta(hours=TYPE_RULES[OrderType(order_type)].limit_hours)


# ---------------------------------------------------------------- arrival windows (onsite.arrive_early)

WINDOW_HOURS = 2
WINDOW_STARTS = (8, 10, 13, 15, 17)  # 08-10, 10-12, 13-15, 15-17, 17-19
CAPACITY_PER_WINDOW = 1  # one visit per technician per window


class Arrival(StrEnum):
    IDEAL = "ideal"  # 5-10 minutes before the window: what the norm asks
    EARLY = "early"  # more than 10 minutes before: waits before knocking
    IN_WINDOW = "in_window"  # inside the window: kept
    LATE = "late"  # after the window: needs a recorded call-ahead and apology


KEPT = frozenset({Arrival.IDEAL, Arrival.EARLY, Arrival.IN_WINDOW})


def arrival_status(*, window_start: datetime, window_end: datetime, arrived_at: datetime) -> Arrival:
    """Where an arrival falls against the booked window (onsite.arrive_early)."""
    if arrived_at > window_end:
        return Arrival.LATE
    if arrived_at < window_start - timedelta(minutes=10):
        return Arrival.EARLY
    if arrived_at <= window_start - timedelta(minutes=5):
        return Arrival.IDEAL
    return Arrival.IN_WINDOW


def late_risk(*, window_start: datetime, window_end: datetime, now: datetime, departed: bool) -> bool:
    """At risk: the window starts within 30 minutes and the technician has not left yet."""
    return not departed and window_start - timedelta(minutes=30) <= now <= window_end


def time_greeting(hour: int) -> str:
    """The greeting for the hour of the call (phone.open.time_greeting)."""
    if hour < 11:
        return "上午好"
    if hour < 13:
        return "中午好"
    if hour < 18:
        return "下午好"
    return "晚上好"


MOT_MIN, MOT_MAX = -3, 3  # onsite.mot_score: −3 crisis … 0 neutral … +3 delight
MOT_MOMENTS = ("call", "visit", "operate", "communicate", "evaluate", "help")  # the six steps
