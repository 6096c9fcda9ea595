"""Scoring: batch (:class:`Engine`), live turn by turn (:class:`LiveSession`) and
agent drafts (:func:`check_draft`).

The public contract: :meth:`Engine.score` (a conversation, as JSON data or
parsed), :meth:`Engine.score_prepared` (a conversation already normalised,
optionally with its phrases already found), :class:`LiveSession` and
:func:`check_draft`; they return :class:`~kefu.qa.scorecard.Scorecard` and
:class:`Alert` values, never engine internals.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kefu.lib.textnorm import normalize
from kefu.qa import operators as op
from kefu.qa.emotion import EmotionModel, default_model
from kefu.qa.model import SEP, Conversation, Prepared, Turn, parse_conversation, parse_turn
from kefu.qa.rulebook import Rule, Rulebook, default_rulebook, load_rulebook
from kefu.qa.scorecard import Evidence, Hit, Scorecard

# Evidence, Hit and Scorecard live in kefu.qa.scorecard; importable from here too.
__all__ = ["Alert", "Engine", "Evidence", "Hit", "LiveSession", "Scorecard", "check_draft"]

EVIDENCE_TURNS = 3
EVIDENCE_CHARS = 200

# --- evidence ---------------------------------------------------------------------------

# What a rule matches text with, in the order its detection names them: a
# set of phrase ids or a pattern. The first that occurs in an evidence turn
# gives the span.
_Needle = frozenset[int] | re.Pattern[str]
_NEEDLES: dict[int, tuple[tuple[Rule, ...], tuple[tuple[_Needle, ...], ...]]] = {}


def _rule_needles(book: Rulebook) -> tuple[tuple[_Needle, ...], ...]:
    """Per rule of ``book``, its needles (computed once per rulebook)."""
    cached = _NEEDLES.get(id(book.rules))
    if cached is not None and cached[0] is book.rules:
        return cached[1]
    result = tuple(tuple(_needles(rule.detect, book, set())) for rule in book.rules)
    _NEEDLES[id(book.rules)] = (book.rules, result)
    return result


def _needles(node: object, book: Rulebook, seen: set[str]) -> list[_Needle]:
    if isinstance(node, op.Phrases):
        return [node.ids]
    if isinstance(node, op.Regex):
        return [node.pattern]
    if isinstance(node, op.Ref):
        if node.name in seen:
            return []
        seen.add(node.name)
        return _needles(book.defs[(node.name, node.exhaustive)], book, seen)
    out: list[_Needle] = []
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        # Any operator, registered ones too: its child conditions, in order.
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, op.Node):
                    out += _needles(child, book, seen)
    return out


class _Evidence:
    """Builds a scorecard's evidence."""

    __slots__ = ("hits", "phrases", "prep")

    def __init__(self, prep: Prepared, book: Rulebook, hits: list[set[int]]) -> None:
        self.prep = prep
        self.phrases = book.phrases
        self.hits = hits  # the phrase ids found in each turn

    def __call__(self, turns: tuple[int, ...], needles: tuple[_Needle, ...]) -> tuple[Evidence, ...]:
        """The first EVIDENCE_TURNS turns of a match (a match may name dozens),
        each with the span of the first needle that occurs in it (leftmost,
        then longest) — none when normalising changed the turn's length, as
        offsets would then not line up with its text.

        One function for all of it: a scorecard builds about 80 of these,
        and calls cost more here than the work.
        """
        out = []
        prep = self.prep
        all_turns = prep.turns
        norm = prep.norm
        hits = self.hits
        phrases = self.phrases
        n = len(all_turns)
        for t in turns:
            if not 0 <= t < n:
                continue
            turn = all_turns[t]
            span = None
            text = norm[t]
            if needles and len(text) == len(turn.text):
                for needle in needles:
                    if isinstance(needle, frozenset):
                        # The needle's phrases in this turn are known from the
                        # scan: str.find places them, cheaper than another pass.
                        found = hits[t] & needle
                        if not found:
                            continue
                        best_start, best_end = len(text), -1
                        for pid in found:
                            phrase = phrases[pid]
                            start = text.find(phrase)
                            end = start + len(phrase)
                            if start < best_start or (start == best_start and end > best_end):
                                best_start, best_end = start, end
                        span = (best_start, best_end)
                        break
                    match = needle.search(text)
                    if match is not None and match.end() > match.start():
                        span = match.span()
                        break
            out.append(Evidence(t, turn.text[:EVIDENCE_CHARS], turn.start, turn.end, span))
            if len(out) == EVIDENCE_TURNS:
                break
        return tuple(out)


# --- judging ----------------------------------------------------------------------------


def judge(rule: Rule, ctx: op.Context) -> tuple[str, op.Match]:
    """Outcome of one rule (pass, fail or na when it does not apply or cannot
    be judged) and the match that decided it."""
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
        """The rulebook this engine scores ``conv`` with."""
        return self.rulebook or default_rulebook(conv.channel)

    def score(self, conversation: Conversation | Mapping[str, Any]) -> Scorecard:
        """Score a conversation: parsed, or its JSON data (validated first;
        raises :class:`~kefu.qa.model.ConversationError`)."""
        conv = conversation if isinstance(conversation, Conversation) else parse_conversation(conversation)
        return self.score_prepared(Prepared(conv))

    def score_prepared(self, prepared: Prepared, *, phrase_hits: list[set[int]] | None = None) -> Scorecard:
        """Score a conversation already normalised (:class:`Prepared`).

        ``phrase_hits``, when given, are the phrases already found in each
        turn — for turn *i*, the indexes into the rulebook's ``phrases`` that
        occur in it (what a live session keeps as turns arrive); by default
        the rulebook's automaton finds them.
        """
        book = self.book_for(prepared.conv)
        if phrase_hits is not None and len(phrase_hits) != len(prepared.turns):
            raise ValueError(f"phrase_hits has {len(phrase_hits)} entries for {len(prepared.turns)} turns")
        ctx = op.Context(prepared, book.automaton, book.defs, self.emotion_model, phrase_hits)
        return _scorecard(book, prepared, ctx, self.emotion_per_turn)


def _scorecard(book: Rulebook, prep: Prepared, ctx: op.Context, emotion_per_turn: bool) -> Scorecard:
    applicable = True
    if book.applies_when is not None:
        cond = book.applies_when.eval(ctx)
        applicable = cond.hit and not cond.na
    hits: list[Hit] = []
    earned = possible = 0
    by_cat: dict[str, list[int]] = {}
    by_part: dict[str, list[int]] = {}
    evidence = _Evidence(prep, book, ctx.hits)
    critical: list[str] = []
    judged: dict[str, tuple[str, op.Match]] = {}
    closed = _closed_rules(book, ctx) if applicable else _NO_RULES
    na = op.NA
    for i, (rule, needles) in enumerate(zip(book.rules, _rule_needles(book), strict=True)):
        counted_in = rule.counted_in
        if not applicable or i in closed:
            hits.append(Hit(rule.id, rule.title, rule.category, rule.cites, "na", 0, rule.critical))
            continue
        if counted_in in judged:
            # The same detection as a channel rule judged whenever this
            # one applies (see compose_rulebooks): its verdict, not a rerun.
            own = rule.applies_when.eval(ctx) if rule.applies_when is not None else None
            closed_here = own is not None and (own.na or not own.hit)
            outcome, match = ("na", na) if closed_here else judged[counted_in]
        else:
            outcome, match = judge(rule, ctx)
            judged[rule.id] = (outcome, match)
        if outcome == "na":
            hits.append(Hit(rule.id, rule.title, rule.category, rule.cites, "na", 0, rule.critical, (), match.detail))
            continue
        points = 0
        detail = match.detail
        if counted_in:
            # The same fault as a channel rule: shown, but counted there.
            detail = f"counted in {counted_in}" + (f"; {detail}" if detail else "")
        else:
            weight = rule.points
            cat = by_cat.get(rule.category) or by_cat.setdefault(rule.category, [0, 0])
            part = by_part.get(rule.part) or by_part.setdefault(rule.part, [0, 0])
            cat[1] += weight
            part[1] += weight
            possible += weight
            if outcome == "pass":
                points = weight
                cat[0] += weight
                part[0] += weight
                earned += weight
            else:
                points = -weight
                if rule.critical:
                    critical.append(rule.id)
        hits.append(
            Hit(rule.id, rule.title, rule.category, rule.cites, outcome, points, rule.critical,
                evidence(match.turns, needles) if match.turns else (), detail)
        )
    if book.parts:
        score = _weighted_score(book, by_part)
    else:
        score = round(100 * earned / possible) if possible else 100
    # A failed critical rule vetoes: the conversation fails whatever else went
    # well, and by the rulebook's scoring.veto its score is zeroed or stands.
    veto = book.veto if critical else None
    if veto == "zero":
        score = 0
    categories = {name: (round(100 * e / p) if p else 100) for name, (e, p) in by_cat.items()}
    return Scorecard(
        id=prep.conv.id, rulebook=book.id, score=score, passed=not critical and score >= book.pass_score,
        critical=critical, categories=categories, hits=hits, emotion=emotion_summary(prep, ctx, emotion_per_turn),
        applicable=applicable, complaint_detected=complaint_detected(book, ctx), rulebook_version=book.version,
        veto=veto,
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
        self._engine = Engine(self.book, emotion=self.model)
        self.conv_id = conv_id
        self.channel = channel
        self.turns: list[Turn] = []
        self.norm: list[str] = []
        self.hits: list[set[int]] = []
        self.emotions: list[float] = []
        self._alerted: set[tuple[str, int]] = set()

    def add_turn(self, turn: Turn | Mapping[str, Any]) -> list[Alert]:
        """Add the next turn (a :class:`Turn` or its JSON data, validated:
        :class:`~kefu.qa.model.ConversationError` names ``turns[i]``) and
        return the alerts it raises."""
        if not isinstance(turn, Turn):
            turn = parse_turn(turn, len(self.turns))
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
        return self._engine.score_prepared(Prepared(conv, self.norm), phrase_hits=self.hits)


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
