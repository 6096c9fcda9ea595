"""Every built-in scenario against several differently worded trainees:
those who follow the norms end resolved with a passing QA score, those who
break them (喂, arguing, deflecting, a bare 不行) do not."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from kefu.simulator import Scenario, Session, load_scenarios
from kefu.simulator.moves import NEGATIVE
from kefu.simulator.session import defaults
from kefu.simulator.tests.trainees import bad_trainee, good_trainee

SCENARIOS = load_scenarios()
VARIANTS = (0, 1, 2)


def _play(scenario: Scenario, turns: list[str], seed: int) -> Session:
    session = Session.start(scenario, seed)
    for text in turns:
        if session.ended:
            break
        session.say(text)
    session.finish("trainee")
    return session


@cache
def _good_run(scenario_id: str, variant: int) -> tuple[Session, dict[str, Any]]:
    # Several tests look at the same runs from different sides; play each once.
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    session = _play(scenario, good_trainee(scenario, variant), seed=variant)
    return session, session.report()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_a_trainee_who_follows_the_norms_resolves_every_scenario_with_a_passing_score(scenario: Scenario) -> None:
    for variant in VARIANTS:
        _, report = _good_run(scenario.id, variant)
        assert report["outcome"] == "resolved", (variant, report["transcript"])
        card = report["scorecard"]
        assert not card["critical"], (variant, card["critical"])
        if scenario.category == "harassment":
            # On a harassment call the serving rules stand down; the polite, mechanical end is what counts.
            assert any(h["rule"] == "harass.identify" and h["outcome"] == "pass" for h in card["hits"])
        assert card["passed"], (variant, [h["title"] for h in card["hits"] if h["outcome"] == "fail"])
        assert report["passed"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_a_trainee_who_breaks_the_norms_resolves_no_scenario(scenario: Scenario) -> None:
    for variant in VARIANTS:
        session = _play(scenario, bad_trainee(scenario, variant), seed=variant)
        report = session.report()
        assert report["outcome"] != "resolved", (variant, report["transcript"])
        assert not report["passed"]
        assert report["mistakes"], "the report names the mistakes"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_good_trainee_meets_most_of_the_scenario_goals(scenario: Scenario) -> None:
    _, report = _good_run(scenario.id, 0)
    assert report["goals_met"] >= len(report["goals"]) - 1, [g for g in report["goals"] if not g["met"]]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if any(f.required for f in s.facts)], ids=lambda s: s.id)
def test_a_solution_offered_before_asking_the_key_facts_is_not_accepted(scenario: Scenario) -> None:
    turns = good_trainee(scenario, 0)
    session = Session.start(scenario, 0)
    session.say(turns[0])
    if all(f.id in session.revealed_facts for f in scenario.facts if f.required):
        return  # the greeting itself asked (请问您需要办理什么业务？)
    # Straight to the proposal, skipping the questions.
    reply = session.say(turns[-3])
    assert session.accepted_remedy is None
    assert not reply.ended
    assert reply.text in (*scenario.lines.get("premature", ()), *defaults().lines["premature"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_same_good_trainee_typing_traditional_chinese_resolves_too(scenario: Scenario) -> None:
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    turns = [to_traditional.convert(t) for t in good_trainee(scenario, 1)]
    assert turns != good_trainee(scenario, 1)
    session = _play(scenario, turns, seed=1)
    assert session.outcome == "resolved"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_good_trainees_make_no_move_that_counts_against_them(scenario: Scenario) -> None:
    for variant in VARIANTS:
        session, _ = _good_run(scenario.id, variant)
        assert not any(m & NEGATIVE for m in session.agent_moves), (variant, [sorted(m & NEGATIVE) for m in session.agent_moves])
