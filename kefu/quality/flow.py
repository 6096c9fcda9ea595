"""The review process of a sampled conversation (pure; the workflow core's transition table).

queued → (claim) in_review → (submit) reviewed → (appeal, by the agent, within the window) appealed
→ (rule, by the QA lead) final; a reviewed card whose window passed without an appeal is closed
(final) by the sweep. A ruling is final: 终审后不能再申诉.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.workflow.transitions import TransitionTable, transition


class State(StrEnum):
    QUEUED = "queued"  # 待复核
    IN_REVIEW = "in_review"  # 复核中
    REVIEWED = "reviewed"  # 已复核（申诉期内）
    APPEALED = "appealed"  # 申诉中
    FINAL = "final"  # 已终审


class Action(StrEnum):
    CLAIM = "claim"
    SUBMIT = "submit"
    APPEAL = "appeal"
    RULE = "rule"
    CLOSE = "close"



TRANSITIONS: TransitionTable[State, Action] = TransitionTable(
    State,
    Action,
    (
        transition(Action.CLAIM, {State.QUEUED}, State.IN_REVIEW, "qa_inspect"),
        transition(Action.SUBMIT, {State.IN_REVIEW}, State.REVIEWED, "qa_inspect"),
        # The agent's own right, not a capability: the service checks that the appellant is the agent.
        transition(Action.APPEAL, {State.REVIEWED}, State.APPEALED, ""),
        transition(Action.RULE, {State.APPEALED}, State.FINAL, "qa_lead"),
        transition(Action.CLOSE, {State.REVIEWED}, State.FINAL, ""),
    ),
)
