"""Detection operators: compiled nodes evaluated against a prepared conversation.

Every node returns a :class:`Match`: whether it holds, the turns that are its
evidence, and ``na`` when the conversation lacks what the node needs to
judge (no timestamps for a timing check, no customer turns for a trajectory).

Each operator class keeps its schema check, its compile step and its
evaluation side by side and is registered under its rulebook key (see
:mod:`kefu.qa.registry`): adding an operator touches nothing else.

Phrase nodes never scan text themselves: the rulebook compiles *all* its
phrases into one Aho-Corasick automaton, :class:`Context` runs it once over the
normalised conversation, and each phrase node intersects per-turn sets of
phrase ids. That is what makes a 40-rule rulebook cost about one pass.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from kefu.qa import regexfast
from kefu.qa.emotion import EmotionModel, default_model
from kefu.qa.model import Prepared
from kefu.qa.registry import RESERVED_KEYS, register_operator

if TYPE_CHECKING:
    from kefu.qa.rulebook import Checker, Compiler

_EMPTY: tuple[int, ...] = ()
_second = itemgetter(1)


class Match(NamedTuple):
    """A node's verdict; a NamedTuple because thousands are made per call."""

    hit: bool
    turns: tuple[int, ...] = _EMPTY
    na: bool = False
    detail: str = ""


NA = Match(False, _EMPTY, True)


class Context:
    """Per-conversation state shared by all nodes of one rulebook."""

    __slots__ = ("_emotions", "_gaps", "_index", "_memo", "_scopes", "automaton", "defs", "hits", "model", "prep")

    def __init__(
        self,
        prep: Prepared,
        automaton: Any,
        defs: dict[tuple[str, bool], Node],
        model: EmotionModel | None = None,
        hits: list[set[int]] | None = None,
        emotions: list[float] | None = None,
    ) -> None:
        self.prep = prep
        self.automaton = automaton
        self.defs = defs
        self.model = model
        self._memo: dict[tuple[str, bool], Match] = {}
        self._emotions: list[float | None] = list(emotions) if emotions is not None else [None] * len(prep.norm)
        self.hits = hits if hits is not None else self._scan()
        self._index: tuple[dict[int, int], dict[str, int]] | None = None
        self._scopes: dict[int, int] = {}  # id(scope) → turn mask
        self._gaps: list[tuple[float, float, int]] | None = None

    def _scan(self) -> list[set[int]]:
        return scan(self.automaton, self.prep)

    def _build_masks(self) -> None:
        # Phrase id → bitmask of the turns containing it; speaker → bitmask of
        # its turns. Phrase nodes then combine a few ints instead of walking
        # turns, which is what keeps a 40-rule rulebook near one text pass.
        masks: dict[int, int] = {}
        get = masks.get
        for turn, pids in enumerate(self.hits):
            if pids:
                bit = 1 << turn
                for pid in pids:
                    masks[pid] = get(pid, 0) | bit
        speakers = {"any": (1 << len(self.hits)) - 1, "agent": 0, "customer": 0, "system": 0}
        for turn, t in enumerate(self.prep.turns):
            speakers[t.speaker] |= 1 << turn
        self._index = (masks, speakers)

    @property
    def masks(self) -> dict[int, int]:
        if self._index is None:
            self._build_masks()
        return self._index[0]  # type: ignore[index]

    def speaker_mask(self, speaker: str) -> int:
        if self._index is None:
            self._build_masks()
        return self._index[1][speaker]  # type: ignore[index]

    def scope_mask(self, scope: Scope) -> int:
        """Bitmask of the turns in ``scope``, computed once per conversation
        (keyed by identity: a compiled rulebook's scopes live as long as it)."""
        mask = self._scopes.get(id(scope))
        if mask is None:
            if scope.first is None and scope.last is None and scope.within_seconds is None and scope.after_turn is None:
                mask = self.speaker_mask(scope.speaker)
            else:
                mask = 0
                for t in scope.turns(self.prep):
                    mask |= 1 << t
            self._scopes[id(scope)] = mask
        return mask

    def ref(self, name: str, exhaustive: bool = False) -> Match:
        key = (name, exhaustive)
        memo = self._memo.get(key)
        if memo is None:
            node = self.defs[key]
            memo = node.eval(self)
            self._memo[key] = memo
            other = (name, not exhaustive)
            if self.defs.get(other) is node:  # no any_of inside: one verdict serves both
                self._memo[other] = memo
        return memo

    def emotion(self, turn: int) -> float:
        """Polarity (log-odds) of one turn, computed on first use only.

        Lazy per turn because the lexicon pass costs as much as the whole
        rulebook's phrase pass: a rulebook that only looks at the customer
        never pays for the agent's turns.
        """
        value = self._emotions[turn]
        if value is None:
            model = self.model or default_model()
            value = model.polarity_normalized(self.prep.norm[turn])
            self._emotions[turn] = value
        return value

    def gaps(self) -> list[tuple[float, float, int]]:
        """Every pause between turns and every hold, as (length in seconds,
        start time, index of the turn after it): turn gaps in turn order, then
        holds. Found once per conversation, since a rulebook has several
        silence checks that differ only in the length that counts."""
        if self._gaps is None:
            self._gaps = _all_gaps(self.prep)
        return self._gaps

    def known_emotions(self) -> dict[int, float]:
        return {t: v for t, v in enumerate(self._emotions) if v is not None}


def _all_gaps(prep: Prepared) -> list[tuple[float, float, int]]:
    gaps: list[tuple[float, float, int]] = []
    last_end: float | None = None
    for i, turn in enumerate(prep.turns):
        if turn.start is not None and last_end is not None:
            gaps.append((turn.start - last_end, last_end, i))
        end = turn.end if turn.end is not None else turn.start
        if end is not None:
            last_end = end if last_end is None else max(last_end, end)
    hold_start: float | None = None
    for event in prep.conv.events:
        if event.type == "hold_start":
            hold_start = event.at
        elif event.type == "hold_end" and hold_start is not None:
            after = next((i for i, t in enumerate(prep.turns) if t.start is not None and t.start >= event.at), len(prep.turns) - 1)
            gaps.append((event.at - hold_start, hold_start, after))
            hold_start = None
    return gaps


def scan(automaton: Any, prep: Prepared) -> list[set[int]]:
    """Phrase ids found in each turn.

    One automaton pass per turn with the ids collected by ``set(map(...))``,
    so the per-match loop runs in C; the turns are slices of the one
    normalised text, so this is still a single pass over the conversation.
    """
    if automaton is None:
        return [set() for _ in prep.norm]
    it = automaton.iter
    return [set(map(_second, it(text))) if text else set() for text in prep.norm]


def scan_text(automaton: Any, text: str) -> set[int]:
    if automaton is None or not text:
        return set()
    return {pid for _end, pid in automaton.iter(text)}


# For byte k of a turn mask and each byte value, the turn indexes its set bits
# stand for: _bits then costs one table look-up per 8 turns instead of a few
# big-int operations per set bit (about 2.5× faster on 60-turn calls).
_BYTE_BITS = tuple(tuple(i for i in range(8) if value >> i & 1) for value in range(256))
_BITS_AT = tuple(tuple(tuple(8 * k + i for i in bits) for bits in _BYTE_BITS) for k in range(32))


def _bits(mask: int) -> tuple[int, ...]:
    """Indexes of the set bits, ascending."""
    if not mask:
        return _EMPTY
    out: list[int] = []
    for k, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) >> 3, "little")):
        if byte:
            if k < 32:
                out += _BITS_AT[k][byte]
            else:  # past turn 255: rare enough to offset by hand
                out += [8 * k + i for i in _BYTE_BITS[byte]]
    return tuple(out)


class Node:
    """A compiled condition; subclasses registered with
    :func:`kefu.qa.registry.register_operator` are the rulebook's operators."""

    #: The compiled rulebook needs the emotion model when it uses this operator.
    uses_emotion: ClassVar[bool] = False

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:  # pragma: no cover - interface
        """Report every schema error of ``node`` (the YAML mapping) at ``path``."""
        raise NotImplementedError

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:  # pragma: no cover - interface
        """Compile ``node``, already checked."""
        raise NotImplementedError

    def eval(self, ctx: Context) -> Match:  # pragma: no cover - interface
        raise NotImplementedError


# --- scope: speaker filter and position -------------------------------------------------

SPEAKER_VALUES = ("agent", "customer", "system", "any")
SCOPE_KEYS = RESERVED_KEYS  # speaker, first, last, within_seconds, after_turn


@dataclass(frozen=True, slots=True)
class Scope:
    speaker: str = "any"
    first: int | None = None
    last: int | None = None
    within_seconds: float | None = None
    after_turn: int | None = None  # only turns with index >= this (e.g. skip the opening)

    def turns(self, prep: Prepared) -> Sequence[int]:
        turns: Sequence[int] = prep.by_speaker[self.speaker]
        if self.after_turn is not None:
            turns = [t for t in turns if t >= self.after_turn]
        if self.first is not None:
            turns = turns[: self.first]
        if self.last is not None:
            turns = turns[-self.last :] if self.last else []
        if self.within_seconds is not None:
            limit = self.within_seconds
            all_turns = prep.turns
            turns = [t for t in turns if (start := all_turns[t].start) is not None and start <= limit]
        return turns


# --- text operators -------------------------------------------------------------------


@register_operator("phrases")
@dataclass(frozen=True, slots=True)
class Phrases(Node):
    """Phrase set with mode any / all / none / at_least N, over the scoped turns."""

    ids: frozenset[int]
    mode: str
    n: int
    scope: Scope

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"phrases", "mode", "n"} | SCOPE_KEYS, path)
        checker.phrase_list(node["phrases"], f"{path}.phrases")
        mode = node.get("mode", "any")
        checker.choice(mode, f"{path}.mode", ("any", "all", "none", "at_least"))
        if mode == "at_least":
            if "n" not in node:
                checker.err(f"{path}.n", "is required with mode at_least")
            else:
                checker.integer(node["n"], f"{path}.n", 1)
        checker.scope(node, path)

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(compiler.ids(node["phrases"]), node.get("mode", "any"), int(node.get("n", 1)), compiler.scope(node))

    def eval(self, ctx: Context) -> Match:
        scope = self.scope
        if scope.within_seconds is not None and not ctx.prep.has_times:
            return NA
        allowed = ctx.scope_mask(scope)
        masks = ctx.masks
        ids = self.ids
        # keys() & ids looks each id up in the dict; ids.intersection(dict)
        # walks the dict instead — slower unless the phrase set is large.
        present = (masks.keys() & ids) if len(ids) <= 100 else ids.intersection(masks)
        mode = self.mode
        hit_mask = 0
        if mode == "any" or mode == "none":
            # Only the union matters: scope it once, not phrase by phrase.
            for pid in present:
                hit_mask |= masks[pid]
            turns = _bits(hit_mask & allowed)
            return Match(bool(turns) if mode == "any" else not turns, turns)
        found = 0
        for pid in present:
            m = masks[pid] & allowed
            if m:
                hit_mask |= m
                found += 1
        turns = _bits(hit_mask)
        if mode == "all":
            ok = found == len(self.ids)
        else:
            ok = found >= self.n
        return Match(ok, turns)


@register_operator("regex")
@dataclass(frozen=True, slots=True)
class Regex(Node):
    """Regular expression on normalised turn text; a turn is dropped when an
    exclusion phrase (or exclusion regex) also occurs in it."""

    pattern: re.Pattern[str]
    exclude_ids: frozenset[int]
    exclude_re: re.Pattern[str] | None
    scope: Scope
    # Phrase ids of regexfast.literal_prefixes(pattern): a turn with none
    # cannot match; with ``exact``, of regexfast.finite_strings(pattern): a
    # turn with one matches.
    need_ids: frozenset[int] | None = None
    fast: re.Pattern[str] | None = None  # regexfast.fast_pattern(pattern)
    exact: bool = False

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"regex", "exclude", "exclude_regex"} | SCOPE_KEYS, path)
        checker.regex(node["regex"], f"{path}.regex")
        if "exclude" in node:
            checker.phrase_list(node["exclude"], f"{path}.exclude")
        if "exclude_regex" in node:
            checker.regex(node["exclude_regex"], f"{path}.exclude_regex")
        checker.scope(node, path)

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        exclude_re = re.compile(node["exclude_regex"]) if "exclude_regex" in node else None
        pattern = re.compile(node["regex"])
        exclude = compiler.ids(node.get("exclude", []))
        scope = compiler.scope(node)
        exact = compiler.literal_ids(regexfast.finite_strings(pattern))
        if exact is not None:  # a set of phrases: the automaton does the work
            return cls(pattern, exclude, exclude_re, scope, exact, None, True)
        prefixes = regexfast.literal_prefixes(pattern)
        if prefixes is not None and min(map(len, prefixes)) < 2:
            prefixes = None  # single characters (digits) would match everywhere: not worth a phrase
        return cls(pattern, exclude, exclude_re, scope, compiler.literal_ids(prefixes), regexfast.fast_pattern(pattern))

    def eval(self, ctx: Context, skip: set[int] | None = None) -> Match:
        """``skip``: turns already known to hold for an enclosing exhaustive
        any_of, which need not be searched again."""
        if self.scope.within_seconds is not None and not ctx.prep.has_times:
            return NA
        norm = ctx.prep.norm
        hits = ctx.hits
        search = (self.fast or self.pattern).search
        need = self.need_ids
        exact = self.exact
        candidates: Sequence[int]
        if need is not None:
            # The scoped turns holding one of the strings (exact) or of the
            # literal prefixes, from the phrase masks: a few int operations
            # instead of a set test on every turn of the scope.
            masks = ctx.masks
            mask = 0
            for pid in masks.keys() & need:
                mask |= masks[pid]
            candidates = _bits(mask & ctx.scope_mask(self.scope)) if mask else _EMPTY
        else:
            candidates = self.scope.turns(ctx.prep)
        turns = []
        for t in candidates:
            if skip and t in skip:
                continue
            text = norm[t]
            if not exact and not search(text):
                continue
            if self.exclude_ids and hits[t] & self.exclude_ids:
                continue
            if self.exclude_re is not None and self.exclude_re.search(text):
                continue
            turns.append(t)
        return Match(bool(turns), tuple(turns))


# --- combinators ----------------------------------------------------------------------


def _union(matches: Sequence[Match]) -> tuple[int, ...]:
    seen: set[int] = set()
    for m in matches:
        seen.update(m.turns)
    return tuple(sorted(seen))


@register_operator("all_of")
@dataclass(frozen=True, slots=True)
class AllOf(Node):
    """Holds when every child holds (stops at the first that does not)."""

    children: tuple[Node, ...]

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.conditions(node, path, "all_of")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(tuple(compiler.node(child) for child in node["all_of"]))

    def eval(self, ctx: Context) -> Match:
        results = []
        for child in self.children:
            m = child.eval(ctx)
            if m.na:
                return NA
            if not m.hit:
                return Match(False, m.turns)
            results.append(m)
        return Match(True, _union(results))


@register_operator("any_of")
@dataclass(frozen=True, slots=True)
class AnyOf(Node):
    """Holds when a child holds.

    By default the first child that holds wins and later children are not
    evaluated, so a rulebook lists cheap conditions (phrases) before costly
    ones (emotion, regex). Where the *turns* matter — under ``count`` and
    ``near`` — the compiler makes it ``exhaustive``: every child is evaluated
    and the evidence is the union of all that hold.
    """

    children: tuple[Node, ...]
    exhaustive: bool = False

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.conditions(node, path, "any_of")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(tuple(compiler.node(child) for child in node["any_of"]), compiler.exhaustive)

    def eval(self, ctx: Context) -> Match:
        judged = []
        hits = []
        covered: set[int] = set()  # exhaustive: turns already in the union
        for child in self.children:
            # A regex need not search the turns already covered: once a child
            # holds, the result is the union of the turns of those that hold.
            m = child.eval(ctx, covered) if covered and type(child) is Regex else child.eval(ctx)
            if m.na:
                continue
            if m.hit:
                if not self.exhaustive:
                    return Match(True, m.turns)
                hits.append(m)
                covered.update(m.turns)
            judged.append(m)
        if not judged:
            return NA
        return Match(bool(hits), _union(hits or judged))


@register_operator("not")
@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"not"}, path)
        checker.node(node["not"], f"{path}.not")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(compiler.node(node["not"]))

    def eval(self, ctx: Context) -> Match:
        m = self.child.eval(ctx)
        return m if m.na else Match(not m.hit, m.turns)


@register_operator("ref")
@dataclass(frozen=True, slots=True)
class Ref(Node):
    """A condition defined under the rulebook's ``defs``, judged once per conversation."""

    name: str
    exhaustive: bool = False

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"ref"}, path)
        if node["ref"] not in checker.defs:
            checker.err(f"{path}.ref", f"unknown definition {node['ref']!r} (define it under defs)")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(node["ref"], compiler.exhaustive)

    def eval(self, ctx: Context) -> Match:
        return ctx.ref(self.name, self.exhaustive)


@register_operator("count")
@dataclass(frozen=True, slots=True)
class Count(Node):
    """Number of turns in which the child matched, between min and max."""

    child: Node
    min: int = 1
    max: int | None = None

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"count", "min", "max"}, path)
        checker.node(node["count"], f"{path}.count")
        for key in ("min", "max"):
            if key in node:
                checker.integer(node[key], f"{path}.{key}")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(compiler.turn_sensitive(node["count"]), node.get("min", 1), node.get("max"))

    def eval(self, ctx: Context) -> Match:
        m = self.child.eval(ctx)
        if m.na:
            return NA
        count = len(m.turns)
        ok = count >= self.min and (self.max is None or count <= self.max)
        return Match(ok, m.turns, detail=f"{count} turns")


@register_operator("near")
@dataclass(frozen=True, slots=True)
class Near(Node):
    """Target matched before / after / around an anchor's turns, within K turns.

    With ``every`` each anchor turn needs its own target (e.g. every apology
    followed by an action); without anchors the question does not arise (na).
    """

    anchor: Node
    target: Node
    relation: str
    within: int
    every: bool = False

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"near"}, path)
        spec = node["near"]
        p = f"{path}.near"
        if not isinstance(spec, dict):
            checker.err(p, "must be a mapping with anchor, target, relation, within")
            return
        checker.unknown(spec, {"anchor", "target", "relation", "within", "every"}, p)
        for key in ("anchor", "target"):
            if key not in spec:
                checker.err(f"{p}.{key}", "is required")
            else:
                checker.node(spec[key], f"{p}.{key}")
        checker.choice(spec.get("relation", "after"), f"{p}.relation", ("after", "before", "around"))
        checker.integer(spec.get("within", 1), f"{p}.within")
        if not isinstance(spec.get("every", False), bool):
            checker.err(f"{p}.every", "must be true or false")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["near"]
        return cls(
            compiler.turn_sensitive(spec["anchor"]), compiler.turn_sensitive(spec["target"]), spec.get("relation", "after"),
            int(spec.get("within", 1)), bool(spec.get("every", False)),
        )

    def eval(self, ctx: Context) -> Match:
        anchor = self.anchor.eval(ctx)
        if anchor.na or not anchor.turns:
            return NA
        target = self.target.eval(ctx)
        if target.na:
            return NA
        targets = sorted(target.turns)
        # For each anchor, the first target within its window (a bisection).
        n = len(targets)
        within = self.within
        relation = self.relation
        if relation == "after":
            low_off, high_off = 0, within
        elif relation == "before":
            low_off, high_off = -within, 0
        else:
            low_off, high_off = -within, within
        close: dict[int, int] = {}  # satisfied anchor → its first close target
        for a in anchor.turns:
            i = bisect_left(targets, a + low_off)
            if i < n and targets[i] <= a + high_off:
                close[a] = targets[i]
        if self.every:
            missing = tuple(a for a in anchor.turns if a not in close)
            return Match(not missing, missing or tuple(close))
        evidence = tuple(sorted(set(close.values())))
        return Match(bool(close), evidence or anchor.turns)



# --- timing ---------------------------------------------------------------------------


@register_operator("answer_delay")
@dataclass(frozen=True, slots=True)
class AnswerDelay(Node):
    """Seconds from ring to answer (events, else the first agent turn)."""

    min: float = 0.0
    max: float | None = None

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.params(node, path, "answer_delay", {"min": "num", "max": "num"})

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["answer_delay"] or {}
        return cls(float(spec.get("min", 0.0)), spec.get("max"))

    def eval(self, ctx: Context) -> Match:
        prep = ctx.prep
        ring = next((e.at for e in prep.conv.events if e.type == "ring"), None)
        answer = next((e.at for e in prep.conv.events if e.type == "answer"), None)
        if answer is None:
            agent_turns = prep.by_speaker["agent"]
            if agent_turns:
                answer = prep.turns[agent_turns[0]].start
        if answer is None:
            return NA
        delay = answer - (ring if ring is not None else 0.0)
        ok = delay >= self.min and (self.max is None or delay <= self.max)
        first = prep.by_speaker["agent"][:1]
        return Match(ok, tuple(first), detail=f"answered after {delay:.1f}s")


@register_operator("silence")
@dataclass(frozen=True, slots=True)
class Silence(Node):
    """Gaps between turns and holds of at least ``min_seconds``.

    ``announced`` is ``no`` (only gaps the agent did not announce with one of
    the announcement phrases in the ``lookback`` agent turns before), or
    ``any``. Evidence is the turn after each gap, so a Near rule can look for
    an apology for the wait right after it.
    """

    min_seconds: float
    announce_ids: frozenset[int]
    announced: str = "no"
    lookback: int = 1

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        spec = checker.params(node, path, "silence", {"min_seconds": "num", "announce": "phrases", "announced": "", "lookback": "int"})
        if spec and "min_seconds" not in spec:
            checker.err(f"{path}.silence.min_seconds", "is required")
        if spec and "announced" in spec:
            checker.choice(spec["announced"], f"{path}.silence.announced", ("no", "any"))
        if spec and spec.get("announced", "no") == "no" and "announce" not in spec:
            checker.err(f"{path}.silence.announce", "is required when announced is no (the phrases that announce a wait)")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["silence"]
        return cls(
            float(spec["min_seconds"]), compiler.ids(spec.get("announce", [])) if spec.get("announce") else frozenset(),
            spec.get("announced", "no"), int(spec.get("lookback", 1)),
        )

    def _gaps(self, ctx: Context) -> list[tuple[float, int]]:
        """(gap start time, index of turn after the gap) of the gaps at least
        ``min_seconds`` long."""
        low = self.min_seconds
        return [(start, after) for length, start, after in ctx.gaps() if length >= low]

    def _announced(self, ctx: Context, gap_start: float, after: int) -> bool:
        prep = ctx.prep
        turns = prep.turns
        agent = prep.by_speaker["agent"]
        lookback = self.lookback
        if lookback < 1:  # [-0:] is every earlier agent turn
            before = [i for i in agent if i < after and (turns[i].start or 0.0) <= gap_start]
        else:
            # The last ``lookback`` agent turns before the gap, found from the
            # end: a gap late in a long call need not filter the whole call.
            before = []
            for i in reversed(agent):
                if i < after and (turns[i].start or 0.0) <= gap_start:
                    before.append(i)
                    if len(before) == lookback:
                        break
        return any(ctx.hits[i] & self.announce_ids for i in before)

    def eval(self, ctx: Context) -> Match:
        if not ctx.prep.has_times and not ctx.prep.conv.events:
            return NA
        gaps = self._gaps(ctx)
        if self.announced == "no":
            gaps = [g for g in gaps if not self._announced(ctx, *g)]
        turns = tuple(sorted({after for _start, after in gaps if after >= 0}))
        return Match(bool(gaps), turns, detail=f"{len(gaps)} gaps")


# Punctuation is not spoken; counting the common marks of normalised text
# with str.count is far cheaper than a per-character filter.
def _spoken_chars(text: str) -> int:
    return len(text) - text.count(" ") - text.count(",") - text.count(".") - text.count("!") - text.count("?")


@register_operator("speech_rate")
@dataclass(frozen=True, slots=True)
class SpeechRate(Node):
    """Characters per minute per turn and overall, skipping short turns.

    Matches (a violation) when any qualifying turn, or the speaker overall, is
    faster than ``max_cpm`` or slower than ``min_cpm``.
    """

    speaker: str
    max_cpm: float | None
    min_cpm: float | None
    min_chars: int
    min_seconds: float

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        spec = checker.params(
            node, path, "speech_rate",
            {"speaker": "speaker", "max_cpm": "num", "min_cpm": "num", "min_chars": "int", "min_seconds": "num"},
        )
        if "max_cpm" not in spec and "min_cpm" not in spec:
            checker.err(f"{path}.speech_rate", "needs max_cpm or min_cpm")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["speech_rate"]
        return cls(
            spec.get("speaker", "agent"), spec.get("max_cpm"), spec.get("min_cpm"),
            int(spec.get("min_chars", 8)), float(spec.get("min_seconds", 1.5)),
        )

    def _bad(self, rate: float) -> bool:
        return (self.max_cpm is not None and rate > self.max_cpm) or (self.min_cpm is not None and rate < self.min_cpm)

    def eval(self, ctx: Context) -> Match:
        prep = ctx.prep
        total_chars = 0
        total_secs = 0.0
        bad = []
        for i in prep.by_speaker[self.speaker]:
            turn = prep.turns[i]
            if turn.start is None or turn.end is None:
                continue
            seconds = turn.end - turn.start
            if seconds < self.min_seconds:  # too short to judge: no need to count
                continue
            chars = _spoken_chars(prep.norm[i])
            if chars < self.min_chars:
                continue
            total_chars += chars
            total_secs += seconds
            if self._bad(chars * 60.0 / seconds):
                bad.append(i)
        if not total_secs:
            return NA
        overall = total_chars * 60.0 / total_secs
        ok = bool(bad) or self._bad(overall)
        return Match(ok, tuple(bad), detail=f"overall {overall:.0f} chars/min")


@register_operator("interruption")
@dataclass(frozen=True, slots=True)
class Interruption(Node):
    """``by`` starts speaking at least ``min_overlap`` seconds before the other
    party's turn has ended."""

    by: str
    min_overlap: float

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.params(node, path, "interruption", {"by": "speaker", "min_overlap": "num"})

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["interruption"] or {}
        return cls(spec.get("by", "agent"), float(spec.get("min_overlap", 0.5)))

    def eval(self, ctx: Context) -> Match:
        prep = ctx.prep
        if not prep.has_times:
            return NA
        bad = []
        last_other_end: float | None = None
        for i, turn in enumerate(prep.turns):
            if turn.speaker == self.by:
                if turn.start is not None and last_other_end is not None and last_other_end - turn.start >= self.min_overlap:
                    bad.append(i)
            elif turn.speaker != "system" and turn.end is not None:
                last_other_end = turn.end
        return Match(bool(bad), tuple(bad))


@register_operator("hangs_up_first")
@dataclass(frozen=True, slots=True)
class HangsUpFirst(Node):
    """Who ended the call: a ``hangup`` event with ``by`` decides."""

    speaker: str

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.unknown(node, {"hangs_up_first"}, path)
        checker.choice(node["hangs_up_first"], f"{path}.hangs_up_first", ("agent", "customer"))

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls(node["hangs_up_first"])

    def eval(self, ctx: Context) -> Match:
        hangups = [e for e in ctx.prep.conv.events if e.type == "hangup" and e.by]
        if not hangups:
            return NA
        first = hangups[0]
        last_turn = tuple(ctx.prep.by_speaker[self.speaker][-1:])
        return Match(first.by == self.speaker, last_turn, detail=f"{first.by} hung up at {first.at:.1f}s")


@register_operator("greeting_time")
@dataclass(frozen=True, slots=True)
class GreetingTime(Node):
    """The agent's first words fit the time of day, and from Chinese New
    Year's Eve to the Lantern Festival include 新年好 (seed 003).

    Needs ``meta.started_at`` (local ISO time of the call); n/a without it.
    Plain 您好 fits any time; only a wrong time-of-day greeting, or a missing
    New Year greeting in the festival, fails.
    """

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        checker.params(node, path, "greeting_time", {})

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        return cls()

    def eval(self, ctx: Context) -> Match:
        started = _started_at(ctx.prep.conv.meta)
        agent = ctx.prep.by_speaker["agent"]
        if started is None or not agent:
            return NA
        first = agent[0]
        text = ctx.prep.norm[first]
        if _in_spring_festival(started.date()):
            ok = any(word in text for word in _NEW_YEAR)
            return Match(ok, (first,), detail="spring festival")
        hour = started.hour
        for word, hours in _TIME_GREETINGS.items():
            if word in text and hour not in hours:
                return Match(False, (first,), detail=f"{word} at {hour}:00")
        return Match(True, (first,))


_NEW_YEAR = ("新年好", "新春快乐", "过年好", "春节快乐", "新年快乐")
_TIME_GREETINGS = {
    "早上好": range(4, 11), "早安": range(4, 11), "上午好": range(7, 12), "中午好": range(11, 14),
    "下午好": range(12, 19), "晚上好": (*range(17, 24), 0, 1, 2, 3),
}


def _started_at(meta: dict[str, Any]) -> datetime | None:
    value = meta.get("started_at")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _in_spring_festival(day: date) -> bool:
    """New Year's Eve (last day of lunar month 12) to lunar 1/15 inclusive."""
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    if lunar.getMonth() == 1 and lunar.getDay() <= 15:
        return True
    tomorrow = day + timedelta(days=1)
    nxt = Solar.fromYmd(tomorrow.year, tomorrow.month, tomorrow.day).getLunar()
    return bool(nxt.getMonth() == 1 and nxt.getDay() == 1)


# --- emotion --------------------------------------------------------------------------


@register_operator("emotion")
@dataclass(frozen=True, slots=True)
class Emotion(Node):
    """Turns of the scope whose polarity is at most ``below`` (or at least ``above``)."""

    scope: Scope
    below: float | None
    above: float | None

    uses_emotion: ClassVar[bool] = True

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        spec = checker.params(
            node, path, "emotion",
            {"speaker": "speaker", "below": "num", "above": "num", "first": "int", "last": "int", "after_turn": "int"},
        )
        if "below" not in spec and "above" not in spec:
            checker.err(f"{path}.emotion", "needs below or above (polarity threshold)")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["emotion"]
        scope = Scope(spec.get("speaker", "customer"), spec.get("first"), spec.get("last"), None, spec.get("after_turn"))
        return cls(scope, spec.get("below"), spec.get("above"))

    def eval(self, ctx: Context) -> Match:
        scoped = self.scope.turns(ctx.prep)
        if not scoped:
            return NA
        emotion = ctx.emotion
        turns = tuple(
            t
            for t in scoped
            if (self.below is not None and emotion(t) <= self.below) or (self.above is not None and emotion(t) >= self.above)
        )
        return Match(bool(turns), turns)


@register_operator("trajectory")
@dataclass(frozen=True, slots=True)
class Trajectory(Node):
    """Did the customer end calmer (or worse) than they started?

    Compares the first and the last customer turn; ``calmer`` also holds when
    the customer ends clearly positive.
    """

    direction: str
    margin: float = 1.0

    uses_emotion: ClassVar[bool] = True

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        spec = checker.params(node, path, "trajectory", {"direction": "", "margin": "num"})
        checker.choice(spec.get("direction", "calmer"), f"{path}.trajectory.direction", ("calmer", "worse"))

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["trajectory"] or {}
        return cls(spec.get("direction", "calmer"), float(spec.get("margin", 1.0)))

    def eval(self, ctx: Context) -> Match:
        turns = ctx.prep.by_speaker["customer"]
        if len(turns) < 2:
            return NA
        first, last = ctx.emotion(turns[0]), ctx.emotion(turns[-1])
        evidence = (turns[0], turns[-1])
        detail = f"customer polarity {first:.1f} → {last:.1f}"
        if self.direction == "calmer":
            ok = last - first >= self.margin or last > self.margin
        else:  # worse
            ok = first - last >= self.margin and last < 0
        return Match(ok, evidence, detail=detail)
