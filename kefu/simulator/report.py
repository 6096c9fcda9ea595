"""The feedback after a sparring run: the same scorecard as live QA, the
scenario's goals, the mood curve, and a better phrase for each mistake."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kefu.lib.textnorm import normalize
from kefu.qa import Engine, Scorecard
from kefu.qa.rulebook import default_rulebook
from kefu.simulator.schema import Goal
from kefu.simulator.vocab import FINISH_REASONS, MOVES, OUTCOMES

if TYPE_CHECKING:
    from kefu.phrasebook import Entry, Library
    from kefu.simulator.session import Session


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine()


@lru_cache(maxsize=1)
def _library() -> Library:
    from kefu.phrasebook import builtin_library

    return builtin_library()


@lru_cache(maxsize=8)
def _suggestions(channel: str) -> dict[str, str]:
    return {rule.id: rule.suggest for rule in default_rulebook(channel).rules if rule.suggest}


def _forbidden_entry(text: str) -> Entry | None:
    norm = normalize(text)
    for entry in _library().of_kind("forbidden"):
        for phrase in entry.phrases:
            if phrase.startswith("^"):
                if norm.lstrip(" ,.!?").startswith(normalize(phrase[1:])):
                    return entry
            elif normalize(phrase) in norm:
                return entry
    return None


def _named_entry(rule: str, cites: tuple[str, ...]) -> Entry | None:
    """The phrasebook entry named like the rule or one of its norms (phone.manner.record → phone.manner.record)."""
    for key in (rule, *cites):
        entry = _library().get(key)
        if entry is not None and entry.text and entry.kind in ("script", "technique", "phrase", "complainer", "persona"):
            return entry
    return None


_SLOT = re.compile(r"\{([^{}]{1,20})\}")


def _slots_shown(text: str) -> str:
    """A phrasebook entry's blanks (``{地址}``) shown as blanks to fill (``【地址】``), not as code."""
    return _SLOT.sub(lambda m: f"【{m.group(1)}】", text)


def better_phrase(rule: str, cites: tuple[str, ...], text: str, channel: str) -> dict[str, str]:
    """The better phrasing for a mistake, from the phrasebook where it has
    one: the alternative to a forbidden phrase that was said, else the entry
    named like the rule or its norm, else the QA rule's own suggestion."""
    entry = _forbidden_entry(text) if text else None
    if entry is not None and entry.alternative:
        return {"text": entry.alternative, "source": entry.title}
    entry = _named_entry(rule, cites)
    if entry is not None:
        return {"text": _slots_shown(entry.text), "source": entry.title}
    suggest = _suggestions(channel).get(rule, "")
    if suggest:
        return {"text": suggest, "source": "质检规则建议"}
    return {"text": "", "source": ""}


def _first_index(session: Session, event: str) -> int | None:
    if event == "remedy":
        kind, name = "move", "remedy"
    else:
        kind, name = event.split(":", 1)
    if kind == "fact":
        return session.revealed_facts.get(name)
    return next((i for i, moves in enumerate(session.agent_moves) if name in moves), None)


def goal_met(goal: Goal, session: Session, card: Scorecard) -> bool:
    kind, value = next(iter(goal.check.items()))
    made = {m for moves in session.agent_moves for m in moves}
    if kind == "made":
        return value in made
    if kind == "avoided":
        return value not in made and bool(session.agent_moves)
    if kind == "asked":
        return value in session.revealed_facts
    if kind == "resolved":
        return session.outcome == "resolved"
    if kind == "qa":
        return any(h.rule == value and h.outcome == "pass" for h in card.hits)
    first, then = (_first_index(session, e) for e in value)
    return first is not None and (then is None or first < then)


def score(session: Session) -> Scorecard:
    """The QA scorecard of the transcript, exactly as live QA scores a conversation."""
    return _engine().score(session.conversation())


def build_report(session: Session) -> dict[str, Any]:
    scenario = session.scenario
    card = score(session)
    goals = [
        {"id": g.id, "title": g.title, "norm_ids": list(g.norm_ids), "met": goal_met(g, session, card)}
        for g in scenario.goals
    ]
    agent_turn_index = [i for i, t in enumerate(session.transcript) if t.speaker == "agent"]
    mistakes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for alert in session.alerts:
        seen.add(alert.rule)
        mistakes.append({
            "rule": alert.rule, "title": alert.title, "turn": alert.turn, "said": alert.text,
            "severity": alert.severity, "better": better_phrase(alert.rule, alert.cites, alert.text, scenario.channel),
        })
    for hit in card.hits:
        if hit.outcome != "fail" or hit.rule in seen:
            continue
        said = hit.evidence[0].text if hit.evidence else ""
        turn = hit.evidence[0].turn if hit.evidence else None
        mistakes.append({
            "rule": hit.rule, "title": hit.title, "turn": turn, "said": said,
            "severity": "critical" if hit.critical else "warning",
            "better": better_phrase(hit.rule, hit.cites, said, scenario.channel),
        })
    outcome = session.outcome
    moves = [
        {"turn": agent_turn_index[i], "moves": sorted(m), "labels": [MOVES[x] for x in sorted(m) if x in MOVES]}
        for i, m in enumerate(session.agent_moves)
    ]
    return {
        "scenario": scenario.to_dict(),
        "seed": session.seed,
        "outcome": outcome,
        "outcome_label": OUTCOMES.get(outcome or "", "进行中"),
        "finish_reason": session.finish_reason,
        "finish_reason_label": FINISH_REASONS.get(session.finish_reason or "", ""),
        "passed": outcome == "resolved" and card.passed,
        "score": card.score,
        "scorecard": card.to_dict(),
        "goals": goals,
        "goals_met": sum(1 for g in goals if g["met"]),
        "mood": [{"turn": i, **m.to_dict()} for i, m in enumerate(session.mood_curve)],
        "moves": moves,
        "mistakes": mistakes,
        "transcript": [t.to_dict() for t in session.transcript],
        "facts_revealed": sorted(session.revealed_facts),
    }
