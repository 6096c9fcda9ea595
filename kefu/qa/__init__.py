"""Kefu's quality-inspection engine (质检) — pure Python, no Django.

Batch scoring::

    from kefu.qa import Engine
    card = Engine().score(conversation_dict)   # by channel: hotline+complaint, chat+complaint, …
    card.score, card.passed, card.veto, card.critical, card.complaint_detected
    Engine("hotline").score(conversation_dict) # exactly the rulebook named

A :class:`Scorecard` names its rulebook (``card.rulebook``, the id, and
``card.rulebook_version``, a content hash), and every hit's evidence (turn,
times, text, span of what matched). ``card.to_dict()`` is plain JSON data and
``Scorecard.from_dict`` reads it back equal, so it can be stored and reviewed
later (see :mod:`kefu.qa.scorecard`).

A conversation already normalised — by a caller that scores it several
times, or keeps the phrases it found as turns came in — is scored with
``Engine().score_prepared(Prepared(conversation), phrase_hits=…)``.

Default scoring uses the conversation's channel rulebook *plus* the
complaint-handling rules (six steps, 化解怒气, 十种错误, 道歉不等于认错,
technique.*), which apply only when a complaint is detected: compiled once
into one rulebook (``card.rulebook == "hotline+complaint"``), they then carry
25 % of the 0–100 score and the channel's rules 75 % (a plain consultation is
scored exactly as by the channel rulebook alone); a fault both rulebooks
check is deducted once. See "Composition" in :mod:`kefu.qa.rulebook`. Rule
points, part weights and what a failed critical rule does (``scoring.veto``)
are rulebook data.

Live, turn-by-turn checking (agent assist), well under 2 ms per turn::

    from kefu.qa import LiveSession
    session = LiveSession()                  # what Engine() uses for hotline calls
    for turn in stream:                      # {"speaker": agent|customer|system, "text", "start"?, "end"?}
        for alert in session.add_turn(turn): # prohibitions broken by this turn
            show(alert.title, alert.suggest)
    session.scorecard()                      # full scorecard so far

Checking an agent's DRAFT reply before it is sent::

    from kefu.qa import check_draft
    alerts = check_draft("请私信我们。", history=[{"speaker": "customer", "text": "宽带断了"}])
    # → [Alert(rule="substance.no_deflection", title="不踢皮球…", severity="warning",
    #          suggest="我先帮您查一下：……"), …]

It runs the rulebook's rules marked ``draft: true`` — forbidden phrases
(服务忌语), arguing/blaming the customer, deflection (踢皮球), rash promises,
apology without action — and returns one :class:`Alert` per problem, with the
rule's suggested better phrasing in ``suggest`` where there is one.

Rulebooks are YAML in ``kefu/qa/rulebooks/`` (hotline, chat, complaint,
appointment), validated at load time (:func:`check_rulebook` explains every
error with its field path) and compiled once into one Aho-Corasick automaton
over normalised text (:mod:`kefu.lib.textnorm`). Operators: phrase sets
(any/all/none/at_least), regex with exclusions, speaker and position scopes,
near (before/after/around within K turns), all_of/any_of/not, count,
answer_delay, silence (unannounced holds), speech_rate, interruption,
hangs_up_first, emotion, trajectory, ref. See :mod:`kefu.qa.rulebook`; a new
operator is one class registered with
:func:`kefu.qa.registry.register_operator`.
"""

from kefu.qa.engine import Alert, Engine, LiveSession, check_draft
from kefu.qa.model import Conversation, ConversationError, Prepared, Turn, parse_conversation, parse_turn
from kefu.qa.registry import register_operator
from kefu.qa.rulebook import Rulebook, RulebookError, check_rulebook, load_rulebook
from kefu.qa.scorecard import Evidence, Hit, Scorecard, ScorecardError

__all__ = [
    "Alert",
    "Conversation",
    "ConversationError",
    "Engine",
    "Evidence",
    "Hit",
    "LiveSession",
    "Prepared",
    "Rulebook",
    "RulebookError",
    "Scorecard",
    "ScorecardError",
    "Turn",
    "check_draft",
    "check_rulebook",
    "load_rulebook",
    "parse_conversation",
    "parse_turn",
    "register_operator",
]
