"""The transition table: one or several targets, refusals, and the complaint process built on it."""

from __future__ import annotations

from enum import StrEnum

import pytest

from kefu.complaints import flow
from kefu.workflow.transitions import TransitionError, TransitionTable, transition


class Visit(StrEnum):
    BOOKED = "booked"
    ON_SITE = "on_site"
    FIXED = "fixed"
    SECOND_VISIT = "second_visit"


class Do(StrEnum):
    ARRIVE = "arrive"
    FINISH = "finish"
    CANCEL = "cancel"


TABLE = TransitionTable(
    Visit,
    Do,
    (
        transition(Do.ARRIVE, {Visit.BOOKED, Visit.SECOND_VISIT}, Visit.ON_SITE, "onsite_work"),
        transition(Do.FINISH, {Visit.ON_SITE}, (Visit.FIXED, Visit.SECOND_VISIT), "onsite_work", "onsite.fix"),
    ),
)


def test_a_single_target_action_needs_no_choice():
    assert TABLE.transition_for("booked", "arrive").resolve() == Visit.ON_SITE
    assert TABLE[Do.ARRIVE].target == Visit.ON_SITE


def test_an_action_with_several_targets_takes_the_named_one_and_refuses_others():
    finish = TABLE.transition_for(Visit.ON_SITE, Do.FINISH)
    assert finish.resolve("second_visit") == Visit.SECOND_VISIT
    assert finish.resolve(Visit.FIXED) == Visit.FIXED
    with pytest.raises(TransitionError, match="needs a target"):
        finish.resolve()
    with pytest.raises(TransitionError, match="cannot lead to booked"):
        finish.resolve("booked")
    with pytest.raises(ValueError, match="name one"):
        _ = finish.target


def test_refusals_name_the_reason():
    with pytest.raises(TransitionError, match="not allowed in state fixed"):
        TABLE.transition_for("fixed", "arrive")
    with pytest.raises(TransitionError, match="not part of this process"):
        TABLE.transition_for("booked", "cancel")
    with pytest.raises(TransitionError):
        TABLE.transition_for("nowhere", "arrive")


def test_actions_follow_state_and_capabilities():
    assert TABLE.actions_from("on_site") == [Do.FINISH]
    assert TABLE.actions_for("booked", {"onsite_work"}) == [Do.ARRIVE]
    assert TABLE.actions_for("booked", {"complaint_handle"}) == []
    assert TABLE.reachable(Visit.BOOKED) == set(Visit)


def test_a_table_refuses_an_action_declared_twice_or_a_transition_without_target():
    with pytest.raises(ValueError, match="declared twice"):
        TransitionTable(Visit, Do, [TABLE[Do.ARRIVE], TABLE[Do.ARRIVE]])
    with pytest.raises(ValueError, match="no target"):
        transition(Do.CANCEL, {Visit.BOOKED}, (), "x")


def test_the_complaint_process_is_a_table_of_the_core_and_every_state_can_close():
    assert isinstance(flow.TRANSITIONS, TransitionTable)
    assert flow.transition_for("recorded", "accept").target == flow.State.ACCEPTED
    assert flow.actions_from("implemented") == [flow.Action.FOLLOW_UP, flow.Action.REOPEN]
    for state in flow.State:
        assert flow.State.CLOSED in flow.TRANSITIONS.reachable(state), state
