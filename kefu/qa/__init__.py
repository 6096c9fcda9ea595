"""Kefu's quality-inspection engine (质检) — pure Python, no Django.

Batch scoring::

    from kefu.qa import Engine
    card = Engine().score(conversation_dict)   # by channel: hotline+complaint, chat+complaint, …
    card.score, card.passed, card.critical, card.complaint_detected, card.to_dict()
    Engine("hotline").score(conversation_dict) # exactly the rulebook named

Default scoring uses the conversation's channel rulebook *plus* the
complaint-handling rules (six steps, 化解怒气, 十种错误, 道歉不等于认错,
technique.*), which apply only when a complaint is detected: compiled once
into one rulebook (``card.rulebook == "hotline+complaint"``), they then carry
25 % of the 0–100 score and the channel's rules 75 % (a plain consultation is
scored exactly as by the channel rulebook alone); a fault both rulebooks
check is deducted once. See "Composition" in :mod:`kefu.qa.rulebook`.

Live, turn-by-turn checking (agent assist), well under 2 ms per turn::

    from kefu.qa import LiveSession
    session = LiveSession()                  # what Engine() uses for hotline calls
    for turn in stream:                      # {"speaker", "text", "start"?, "end"?}
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
hangs_up_first, emotion, trajectory, ref. See :mod:`kefu.qa.rulebook`.
"""

from kefu.qa.engine import Alert, Engine, LiveSession, Scorecard, check_draft
from kefu.qa.model import Conversation, ConversationError, Turn, parse_conversation
from kefu.qa.rulebook import RulebookError, check_rulebook, load_rulebook

__all__ = [
    "Alert",
    "Conversation",
    "ConversationError",
    "Engine",
    "LiveSession",
    "RulebookError",
    "Scorecard",
    "Turn",
    "check_draft",
    "check_rulebook",
    "load_rulebook",
    "parse_conversation",
]
