"""The complaint-handling process as one declared transition table (pure; no Django).

Implements norms complaint.process.record, .validity, .department, .cause,
.proposal, .approval, .implement, .review and complaint.followup: record →
validity → responsible department → cause → remedy proposal → supervisor
approval → implementation and customer notice → follow-up visit → review.

Capabilities are named by the string values of ``kefu.accounts.roles.Cap`` so
this module stays importable without Django.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.workflow import transitions as _wf


class State(StrEnum):
    RECORDED = "recorded"  # 已登记，待判定
    ACCEPTED = "accepted"  # 投诉成立，待分派
    ASSIGNED = "assigned"  # 已分派，待查因
    ANALYSED = "analysed"  # 已查明原因，待提方案
    PENDING_APPROVAL = "pending_approval"  # 方案待审批
    APPROVED = "approved"  # 方案已批准，待实施
    IMPLEMENTED = "implemented"  # 已实施并告知客户，待回访
    FOLLOWED_UP = "followed_up"  # 已回访，待总结
    CLOSED = "closed"  # 已结案


class Action(StrEnum):
    ACCEPT = "accept"  # the complaint stands
    REJECT = "reject"  # does not stand: tactful explanation recorded, closed
    ASSIGN = "assign"
    REASSIGN = "reassign"
    ANALYSE = "analyse"
    PROPOSE = "propose"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    ESCALATE = "escalate"  # above the approver's limit: up to a role whose limit covers it (上报)
    IMPLEMENT = "implement"
    FOLLOW_UP = "follow_up"  # customer satisfied
    REOPEN = "reopen"  # dissatisfied follow-up: back to the department, marked repeat
    REVIEW = "review"  # summary and lessons; closes


Transition = _wf.Transition[State, Action]


def _t(action: Action, sources: set[State], target: State, cap: str, norm: str) -> Transition:
    return _wf.transition(action, sources, target, cap, norm)


TRANSITIONS: _wf.TransitionTable[State, Action] = _wf.TransitionTable(
    State,
    Action,
    (
        _t(Action.ACCEPT, {State.RECORDED}, State.ACCEPTED, "complaint_judge", "complaint.process.validity"),
        _t(Action.REJECT, {State.RECORDED}, State.CLOSED, "complaint_judge", "complaint.process.validity"),
        _t(Action.ASSIGN, {State.ACCEPTED}, State.ASSIGNED, "complaint_judge", "complaint.process.department"),
        _t(
            Action.REASSIGN,
            {State.ASSIGNED, State.ANALYSED},
            State.ASSIGNED,
            "complaint_judge",
            "complaint.process.department",
        ),
        _t(Action.ANALYSE, {State.ASSIGNED}, State.ANALYSED, "complaint_handle", "complaint.process.cause"),
        _t(
            Action.PROPOSE, {State.ANALYSED}, State.PENDING_APPROVAL, "complaint_handle", "complaint.process.proposal"
        ),
        _t(
            Action.APPROVE, {State.PENDING_APPROVAL}, State.APPROVED, "complaint_approve", "complaint.process.approval"
        ),
        _t(
            Action.ESCALATE,
            {State.PENDING_APPROVAL},
            State.PENDING_APPROVAL,
            "complaint_approve",
            "complaint.authority",
        ),
        _t(
            Action.SEND_BACK,
            {State.PENDING_APPROVAL},
            State.ANALYSED,
            "complaint_approve",
            "complaint.process.approval",
        ),
        _t(Action.IMPLEMENT, {State.APPROVED}, State.IMPLEMENTED, "complaint_handle", "complaint.process.implement"),
        _t(Action.FOLLOW_UP, {State.IMPLEMENTED}, State.FOLLOWED_UP, "complaint_follow_up", "complaint.followup"),
        _t(Action.REOPEN, {State.IMPLEMENTED}, State.ASSIGNED, "complaint_follow_up", "complaint.followup"),
        _t(Action.REVIEW, {State.FOLLOWED_UP}, State.CLOSED, "complaint_review", "complaint.process.review"),
    ),
)

OPEN_STATES = frozenset(State) - {State.CLOSED}

# The order of the process, for progress bars and "next step" hints.
STEP_ORDER: tuple[State, ...] = (
    State.RECORDED,
    State.ACCEPTED,
    State.ASSIGNED,
    State.ANALYSED,
    State.PENDING_APPROVAL,
    State.APPROVED,
    State.IMPLEMENTED,
    State.FOLLOWED_UP,
    State.CLOSED,
)


TransitionError = _wf.TransitionError
transition_for = TRANSITIONS.transition_for
actions_from = TRANSITIONS.actions_from
actions_for = TRANSITIONS.actions_for


def step_index(state: State | str) -> int:
    return STEP_ORDER.index(State(state))
