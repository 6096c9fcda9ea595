from kefu.complaints import flow
from kefu.complaints.flow import Action, State


def test_the_documented_process_reaches_closed_in_order():
    state = State.RECORDED
    for action in (Action.ACCEPT, Action.ASSIGN, Action.ANALYSE, Action.PROPOSE, Action.APPROVE,
                   Action.IMPLEMENT, Action.FOLLOW_UP, Action.REVIEW):
        state = flow.transition_for(state, action).target
    assert state == State.CLOSED


def test_an_invalid_complaint_closes_straight_from_recorded():
    assert flow.transition_for(State.RECORDED, Action.REJECT).target == State.CLOSED


def test_it_refuses_to_skip_approval():
    try:
        flow.transition_for(State.ANALYSED, Action.IMPLEMENT)
    except flow.TransitionError as exc:
        assert "implement" in str(exc)
    else:
        raise AssertionError("implementing an unapproved proposal must be refused")


def test_closed_complaints_allow_nothing():
    assert flow.actions_from(State.CLOSED) == []


def test_send_back_returns_to_the_department_and_reopen_to_assigned():
    assert flow.transition_for(State.PENDING_APPROVAL, Action.SEND_BACK).target == State.ANALYSED
    assert flow.transition_for(State.IMPLEMENTED, Action.REOPEN).target == State.ASSIGNED


def test_actions_are_filtered_by_capability():
    assert flow.actions_for(State.PENDING_APPROVAL, {"complaint_handle"}) == []
    assert flow.actions_for(State.PENDING_APPROVAL, {"complaint_approve"}) == [Action.APPROVE, Action.ESCALATE, Action.SEND_BACK]


def test_every_open_state_has_a_way_forward_and_every_transition_cites_a_norm():
    for state in flow.OPEN_STATES:
        assert flow.actions_from(state), state
    assert all(t.norm.startswith("complaint.") for t in flow.TRANSITIONS.values())


def test_unknown_names_are_transition_errors():
    for state, action in (("nowhere", "accept"), ("recorded", "teleport")):
        try:
            flow.transition_for(state, action)
        except flow.TransitionError:
            pass
        else:
            raise AssertionError((state, action))
