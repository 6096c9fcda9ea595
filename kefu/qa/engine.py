"""Scoring: batch (:class:`Engine`), live turn by turn (:class:`LiveSession`) and
agent drafts (:func:`check_draft`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kefu.lib.textnorm import normalize
from kefu.qa import operators as op
from kefu.qa.emotion import EmotionModel, default_model
from kefu.qa.model import SEP, Conversation, Prepared, Turn, parse_conversation
from kefu.qa.rulebook import Rule, Rulebook, default_rulebook, load_rulebook

EVIDENCE_TURNS = 3
EVIDENCE_CHARS = 200


@dataclass(slots=True)
class Hit:
    rule: str
    title: str
    category: str
    cites: tuple[str, ...]
    outcome: str  # pass | fail | na
    points: int  # earned (pass) or lost (fail); 0 when na
    critical: bool
    evidence: tuple[dict[str, Any], ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule, "title": self.title, "cites": list(self.cites), "outcome": self.outcome,
            "points": self.points, "evidence": list(self.evidence),
        }
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Scorecard:
    id: str
    rulebook: str
    score: int
    passed: bool
    critical: list[str]
    categories: dict[str, int]
    hits: list[Hit]
    emotion: dict[str, Any] = field(default_factory=dict)
    applicable: bool = True
    # Whether the customer complained (the ``complaint`` definition); None
    # for a rulebook that does not define it.
    complaint_detected: bool | None = None

    def hit(self, rule_id: str) -> Hit:
        return next(h for h in self.hits if h.rule == rule_id)

    def outcome(self, rule_id: str) -> str:
        return self.hit(rule_id).outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "rulebook": self.rulebook, "score": self.score, "passed": self.passed,
            "critical": self.critical, "categories": self.categories, "hits": [h.to_dict() for h in self.hits],
            "emotion": self.emotion, "complaint_detected": self.complaint_detected,
        }


def _evidence(
    prep: Prepared, turns: tuple[int, ...], cache: dict[int, dict[str, Any]] | None = None
) -> tuple[dict[str, Any], ...]:
    """The first EVIDENCE_TURNS turns of a match (a match may name dozens).

    With ``cache`` (one per scorecard) a turn's entry is built once and
    shared by every hit that cites it: treat evidence as read-only.
    """
    if not turns:
        return ()
    out = []
    all_turns = prep.turns
    n = len(all_turns)
    cached = (cache if cache is not None else {}).get
    for t in turns:
        entry = cached(t)
        if entry is None:
            if not 0 <= t < n:
                continue
            turn = all_turns[t]
            entry = {"turn": t, "start": turn.start, "end": turn.end, "text": turn.text[:EVIDENCE_CHARS]}
            if cache is not None:
                cache[t] = entry
        out.append(entry)
        if len(out) == EVIDENCE_TURNS:
            break
    return tuple(out)


def judge(rule: Rule, ctx: op.Context) -> tuple[str, op.Match]:
    """Outcome of one rule: na when it does not apply or cannot be judged."""
    if rule.applies_when is not None:
        cond = rule.applies_when.eval(ctx)
        if cond.na or not cond.hit:
            return "na", op.NA
    match = rule.detect.eval(ctx)
    if match.na:
        return "na", match
    ok = match.hit if rule.expect == "present" else not match.hit
    return ("pass" if ok else "fail"), match


def emotion_summary(prep: Prepared, ctx: op.Context, per_turn: bool = False) -> dict[str, Any]:
    """Customer mood (squashed to −1…1): start, end, trajectory, the worst turn
    seen, and the agent turns found negative.

    The lexicon pass is the costliest step of scoring, so by default only the
    turns the rules looked at plus the first and last customer turn are
    scored; ``per_turn`` scores every customer turn.
    """

    def squash(x: float) -> float:
        return round(math.tanh(x / 4.0), 3)

    customer = prep.by_speaker["customer"]
    summary: dict[str, Any] = {}
    if customer:
        first, last = ctx.emotion(customer[0]), ctx.emotion(customer[-1])
        if per_turn:
            for t in customer:
                ctx.emotion(t)
        summary.update(start=squash(first), end=squash(last))
        if len(customer) >= 2:
            summary["trajectory"] = "calmer" if last - first >= 1.0 else "worse" if first - last >= 1.0 else "same"
    known = ctx.known_emotions()
    seen = {t: known[t] for t in customer if t in known}
    if seen:
        summary["min"] = squash(min(seen.values()))
    summary["customer_turns"] = {str(t): squash(v) for t, v in seen.items()}
    summary["agent_negative_turns"] = [t for t in prep.by_speaker["agent"] if known.get(t, 0.0) <= -8.0]
    return summary


def _holds(match: op.Match) -> bool:
    return match.hit and not match.na


def complaint_detected(book: Rulebook, ctx: op.Context) -> bool | None:
    for part in book.parts:
        if part.name == "complaint":
            return _holds(ctx.ref(part.gate))
    if ("complaint", False) in book.defs:
        return _holds(ctx.ref("complaint"))
    return None


_NO_RULES: frozenset[int] = frozenset()
# Per composed rulebook (keyed by its rules tuple, kept alive alongside): for
# each added part, the gate's name and the indexes of the rules that part's
# gate guards.
_GATED: dict[int, tuple[tuple[Rule, ...], tuple[tuple[str, frozenset[int]], ...]]] = {}


def _gated_rules(book: Rulebook) -> tuple[tuple[str, frozenset[int]], ...]:
    cached = _GATED.get(id(book.rules))
    if cached is not None and cached[0] is book.rules:
        return cached[1]
    out = []
    for part in book.parts:
        gate = op.Ref(part.gate)
        out.append((part.gate, frozenset(i for i, rule in enumerate(book.rules) if _guarded_by(rule, gate))))
    result = tuple(out)
    _GATED[id(book.rules)] = (book.rules, result)
    return result


def _guarded_by(rule: Rule, gate: op.Ref) -> bool:
    # compose_rulebooks gives an added rule ``ref: gate`` or
    # ``all_of: [ref: gate, its own]``: either is n/a whenever the gate does
    # not hold (all_of stops at its first child).
    cond = rule.applies_when
    if cond == gate:
        return True
    return isinstance(cond, op.AllOf) and bool(cond.children) and cond.children[0] == gate


def _closed_rules(book: Rulebook, ctx: op.Context) -> frozenset[int]:
    """Indexes of the rules of added parts whose gate does not hold (no
    complaint): n/a without evaluating each rule's condition. The gate is
    judged here once; complaint_detected reads the same memoised verdict."""
    if not book.parts:
        return _NO_RULES
    closed: set[int] = set()
    for gate, rules in _gated_rules(book):
        if not _holds(ctx.ref(gate)):
            closed |= rules
    return frozenset(closed)


def _weighted_score(book: Rulebook, by_part: dict[str, list[int]]) -> int:
    """A composed rulebook's score: each added part that applied carries its
    weight (percent), the channel's rules the rest; a part with nothing
    judged carries none."""
    weights: dict[str, float] = {}
    for part in book.parts:
        if by_part.get(part.name, (0, 0))[1]:
            weights[part.name] = part.weight
    if by_part.get("", (0, 0))[1]:
        weights[""] = max(0, 100 - sum(weights.values()))
    total = sum(weights.values())
    if not total:
        return 100
    return round(sum(w * 100 * by_part[name][0] / by_part[name][1] for name, w in weights.items()) / total)


class Engine:
    """Scores conversations against one rulebook, or by default the channel's
    rulebook plus the complaint-handling rules, applied when a complaint is
    detected (:func:`kefu.qa.rulebook.default_rulebook`).

    Compiled rulebooks are cached, so building an Engine is cheap; one Engine
    is safe to reuse for any number of conversations (it keeps no per-call
    state).
    """

    def __init__(
        self, rulebook: Rulebook | str | None = None, emotion: EmotionModel | None = None, emotion_per_turn: bool = False
    ) -> None:
        self.rulebook = load_rulebook(rulebook) if isinstance(rulebook, str) else rulebook
        self._emotion = emotion
        self.emotion_per_turn = emotion_per_turn

    @property
    def emotion_model(self) -> EmotionModel:
        if self._emotion is None:
            self._emotion = default_model()
        return self._emotion

    def book_for(self, conv: Conversation) -> Rulebook:
        return self.rulebook or default_rulebook(conv.channel)

    def score(self, conversation: Conversation | dict[str, Any]) -> Scorecard:
        conv = conversation if isinstance(conversation, Conversation) else parse_conversation(conversation)
        book = self.book_for(conv)
        prep = Prepared(conv)
        ctx = op.Context(prep, book.automaton, book.defs, self.emotion_model)
        return self._score(book, prep, ctx)

    def _score(self, book: Rulebook, prep: Prepared, ctx: op.Context) -> Scorecard:
        applicable = True
        if book.applies_when is not None:
            cond = book.applies_when.eval(ctx)
            applicable = cond.hit and not cond.na
        hits: list[Hit] = []
        earned = possible = 0
        by_cat: dict[str, list[int]] = {}
        by_part: dict[str, list[int]] = {}
        evidence: dict[int, dict[str, Any]] = {}
        critical: list[str] = []
        judged: dict[str, tuple[str, op.Match]] = {}
        closed = _closed_rules(book, ctx) if applicable else _NO_RULES
        for i, rule in enumerate(book.rules):
            if not applicable or i in closed:
                outcome, match = "na", op.NA
            elif rule.counted_in in judged:
                # The same detection as a channel rule judged whenever this
                # one applies (see compose_rulebooks): its verdict, not a rerun.
                own = rule.applies_when.eval(ctx) if rule.applies_when is not None else None
                closed_here = own is not None and (own.na or not own.hit)
                outcome, match = ("na", op.NA) if closed_here else judged[rule.counted_in]
            else:
                outcome, match = judge(rule, ctx)
                judged[rule.id] = (outcome, match)
            points = 0
            detail = match.detail
            if outcome != "na" and rule.counted_in:
                # The same fault as a channel rule: shown, but counted there.
                detail = f"counted in {rule.counted_in}" + (f"; {detail}" if detail else "")
            elif outcome != "na":
                cat = by_cat.get(rule.category) or by_cat.setdefault(rule.category, [0, 0])
                part = by_part.get(rule.part) or by_part.setdefault(rule.part, [0, 0])
                cat[1] += rule.points
                part[1] += rule.points
                possible += rule.points
                if outcome == "pass":
                    points = rule.points
                    cat[0] += rule.points
                    part[0] += rule.points
                    earned += rule.points
                else:
                    points = -rule.points
                    if rule.critical:
                        critical.append(rule.id)
            hits.append(
                Hit(rule.id, rule.title, rule.category, rule.cites, outcome, points, rule.critical,
                    _evidence(prep, match.turns, evidence) if outcome != "na" else (), detail)
            )
        if book.parts:
            score = _weighted_score(book, by_part)
        else:
            score = round(100 * earned / possible) if possible else 100
        if critical:
            score = 0  # a veto rule failed: the conversation fails whatever else went well
        categories = {name: (round(100 * e / p) if p else 100) for name, (e, p) in by_cat.items()}
        return Scorecard(
            id=prep.conv.id, rulebook=book.name, score=score, passed=not critical and score >= book.pass_score,
            critical=critical, categories=categories, hits=hits, emotion=emotion_summary(prep, ctx, self.emotion_per_turn),
            applicable=applicable, complaint_detected=complaint_detected(book, ctx),
        )


# --- live checking --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    rule: str
    title: str
    severity: str  # critical | warning
    turn: int
    text: str
    cites: tuple[str, ...]
    suggest: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "severity": self.severity, "turn": self.turn,
            "text": self.text, "cites": list(self.cites), "suggest": self.suggest,
        }


def _live_rules(book: Rulebook) -> tuple[Rule, ...]:
    # Only prohibitions can be judged before the call ends: "never say X" is
    # broken the moment X is said, "always close with Y" cannot be yet. A rule
    # counted in another would only repeat that one's alert.
    return tuple(rule for rule in book.rules if rule.expect == "absent" and not rule.counted_in)


class LiveSession:
    """Turn-by-turn checking for agent assist.

    Each turn is normalised and scanned once when it arrives; earlier turns'
    phrase hits and emotions are kept, so a turn costs one short scan plus the
    prohibition rules' set operations.

    Without a rulebook it checks against what batch scoring uses for
    ``channel`` (hotline: ``hotline+complaint``), so the complaint-handling
    prohibitions start alerting once the customer complains, and
    :meth:`scorecard` equals :meth:`Engine.score` of the same turns.
    """

    def __init__(self, rulebook: Rulebook | str | None = None, conv_id: str = "live", channel: str = "hotline") -> None:
        if rulebook is None:
            self.book = default_rulebook(channel)
        else:
            self.book = load_rulebook(rulebook) if isinstance(rulebook, str) else rulebook
        self.rules = _live_rules(self.book)
        self.model = default_model() if self.book.uses_emotion else None
        self.conv_id = conv_id
        self.channel = channel
        self.turns: list[Turn] = []
        self.norm: list[str] = []
        self.hits: list[set[int]] = []
        self.emotions: list[float] = []
        self._alerted: set[tuple[str, int]] = set()

    def add_turn(self, turn: Turn | dict[str, Any]) -> list[Alert]:
        if isinstance(turn, dict):
            turn = parse_conversation({"id": "t", "turns": [turn]}).turns[0]
        text = normalize(turn.text.replace(SEP, " "))
        self.turns.append(turn)
        self.norm.append(text)
        self.hits.append(op.scan_text(self.book.automaton, text))
        self.emotions.append(self.model.polarity_normalized(text) if self.model else 0.0)
        return self._check(len(self.turns) - 1)

    def _check(self, index: int) -> list[Alert]:
        conv = Conversation(self.conv_id, tuple(self.turns), self.channel)
        prep = Prepared(conv, self.norm)
        ctx = op.Context(prep, self.book.automaton, self.book.defs, self.model, self.hits, self.emotions)
        alerts = []
        for rule in self.rules:
            outcome, match = judge(rule, ctx)
            if outcome != "fail" or index not in match.turns or (rule.id, index) in self._alerted:
                continue
            self._alerted.add((rule.id, index))
            severity = "critical" if rule.critical else "warning"
            alerts.append(Alert(rule.id, rule.title, severity, index, self.turns[index].text, rule.cites, rule.suggest))
        return alerts

    def scorecard(self) -> Scorecard:
        """The full scorecard of the conversation so far."""
        conv = Conversation(self.conv_id, tuple(self.turns), self.channel)
        prep = Prepared(conv, self.norm)
        ctx = op.Context(prep, self.book.automaton, self.book.defs, self.model or default_model(), self.hits)
        return Engine(self.book)._score(self.book, prep, ctx)


def check_draft(
    text: str,
    history: list[dict[str, Any]] | None = None,
    rulebook: Rulebook | str = "chat",
) -> list[Alert]:
    """Check an agent's DRAFT reply before it is sent.

    Runs the rulebook's rules marked ``draft: true`` (forbidden phrases,
    arguing/blaming, deflection, rash promises, apology without action…) on the
    draft as the next agent turn after ``history`` and returns an alert per
    problem, with the rule's suggested better phrasing.
    """
    book = load_rulebook(rulebook) if isinstance(rulebook, str) else rulebook
    turns = [*(history or []), {"speaker": "agent", "text": text}]
    conv = parse_conversation({"id": "draft", "turns": turns})
    prep = Prepared(conv)
    ctx = op.Context(prep, book.automaton, book.defs, default_model() if book.uses_emotion else None)
    index = len(turns) - 1
    alerts = []
    for rule in book.rules:
        if not rule.draft or rule.counted_in:
            continue
        outcome, match = judge(rule, ctx)
        if outcome == "fail" and (index in match.turns or not match.turns):
            severity = "critical" if rule.critical else "warning"
            alerts.append(Alert(rule.id, rule.title, severity, index, text, rule.cites, rule.suggest))
    return alerts
