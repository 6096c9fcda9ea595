"""The training simulator (培训陪练): simulated customers a trainee spars with.

Pure Python — it imports nothing from Django — like the QA engine it is
scored by. The Django side (``kefu.training``) stores only a session's
scenario id, seed and the trainee's turns, and replays them.

Scenarios::

    from kefu.simulator import load_scenarios, get_scenario, parse_scenario
    load_scenarios()                        # built-in scenarios/*.yaml, id order
    load_scenarios(extra_dirs=["/etc/kefu/scenarios"])
    get_scenario("case.bank_deduction")     # or UnknownScenario (a KeyError; .message is Chinese)
    parse_scenario(yaml_text, "upload.yaml")  # or ScenarioError: .line, .message (Chinese),
                                            # .message_en, .problems (every one), .messages()

A :class:`Scenario` has ``id, title, category, category_label, difficulty,
norm_ids, persona, summary`` (what the trainee is told), ``goals``
(:class:`Goal` ``(id, title, norm_ids)``) and ``to_yaml()``; see
:mod:`kefu.simulator.schema` for the YAML fields.

Sparring::

    session = Session.start(scenario, seed=42)   # transcript[0] is the customer's opening line
    reply = session.say("您好，工号1024为您服务……", at=12.5)
    reply.text, reply.mood (Mood(anger, patience, trust), 0–100), reply.ended, reply.outcome
    session.finish("trainee" | "timeout")         # → outcome of a call still running
    session.outcome        # resolved | escalated | hung_up | unresolved; None while running
    session.transcript     # [Turn(speaker "customer"|"agent", text, t)]
    session.mood_curve     # [Mood] — the opening, then after each customer reply
    Session.replay(scenario, seed, agent_texts)   # the same session again, deterministically
    session.report()       # JSON-able feedback: outcome, the QA scorecard (same rulebooks as
                           # live QA), goals met, mood curve, mistakes with better phrases

Bad turns raise a ``ValueError`` subclass of :class:`TurnError` with a Chinese
``message`` and change nothing: :class:`EmptyTurn` (empty, whitespace or only invisible characters),
:class:`TurnTooLong` (over ``MAX_TURN_CHARS`` = 2,000 characters: refused
whole, never truncated), :class:`SessionEnded` (the call is over).
Traditional Chinese is stored and read as Simplified; emoji are kept and do
not count as words (an emoji-only turn gets "啊？你说什么？"). The ``at`` time
is recorded only: it never changes what the customer does, so a replay from
the trainee's texts alone is exact. A trainee who never speaks is ended with
``finish("timeout")`` → ``unresolved``.

Case book → scenario::

    draft_from_complaint({"summary", "cause", "demands", "complainer_type", "remedy", "category"}) → YAML text

Command line: ``kefu train scenarios|run|play|coverage`` (:mod:`kefu.simulator.cli`).
"""

from __future__ import annotations

from kefu.simulator.draft import draft_from_complaint
from kefu.simulator.loader import UnknownScenario, get_scenario, load_scenarios
from kefu.simulator.schema import Goal, Mood, Problem, Scenario, ScenarioError, parse_scenario
from kefu.simulator.session import (
    MAX_TURN_CHARS,
    EmptyTurn,
    Reply,
    Session,
    SessionEnded,
    Turn,
    TurnError,
    TurnTooLong,
)
from kefu.simulator.vocab import CATEGORIES, COMPLAINERS, FINISH_REASONS, MOVES, OUTCOMES, PERSONAS

__all__ = [
    "CATEGORIES",
    "COMPLAINERS",
    "FINISH_REASONS",
    "MAX_TURN_CHARS",
    "MOVES",
    "OUTCOMES",
    "PERSONAS",
    "EmptyTurn",
    "Goal",
    "Mood",
    "Problem",
    "Reply",
    "Scenario",
    "ScenarioError",
    "Session",
    "SessionEnded",
    "Turn",
    "TurnError",
    "TurnTooLong",
    "UnknownScenario",
    "draft_from_complaint",
    "get_scenario",
    "load_scenarios",
    "parse_scenario",
]
