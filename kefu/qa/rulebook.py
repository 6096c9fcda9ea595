"""Rulebooks: YAML data, a schema checked at load time, compiled once.

A rulebook file::

    name: hotline                # identifier
    title: 热线通话质检
    channels: [hotline, phone]   # channels it is the default for (optional)
    pass_score: 80               # optional, default 80
    scoring: {veto: zero}        # optional: what a failed critical rule does (see "Scoring")
    applies_when: <node>         # optional: the whole rulebook is n/a otherwise
    compose: {into: [hotline, chat], weight: 25}   # optional, see "Composition"
    phrase_sets: {apology: [抱歉, 对不起]}     # reusable lists, "@apology" in phrases
    defs: {complaint: <node>}    # reusable conditions, {ref: complaint}
    rules:
      - id: phone.open.greeting_first
        title: 开场首句问候"您好"
        category: opening        # opening attitude skill process closing substance timing emotion complaint
        points: 5                # weight: earned when the rule passes
        expect: present          # present: the detection must hold; absent: it must not
        critical: false          # veto: a failure fails the conversation (scoring.veto)
        applies_when: <node>     # optional: otherwise the outcome is na
        cites: [phone.open.greeting]
        suggest: 您好，这里是……   # optional better phrasing, for agent assist
        detect: <node>

Nodes are mappings with exactly one operator key. Phrases and regular
expressions match *normalised* text (Simplified, half-width, ASCII
punctuation, lower case), so write them that way.

=================  ==========================================================
operator           meaning (holds when …)
=================  ==========================================================
phrases: [..]      any / all / none / at_least ``n`` of the phrases occur
                   (``mode``, ``n``); "@name" expands a phrase set
regex: "..."       the pattern occurs in a turn without ``exclude`` phrases /
                   ``exclude_regex`` in that turn
(scope keys)       ``speaker`` agent|customer|system|any, ``first`` N / ``last`` N
                   turns of that speaker, ``after_turn`` i, ``within_seconds`` s
all_of/any_of/not  boolean combination (any_of stops at the first that holds)
count: node        the node matched in ``min`` … ``max`` turns
near: {...}        ``target`` ``after``/``before``/``around`` an ``anchor`` within
                   ``within`` turns; ``every: true`` — for every anchor turn
answer_delay       ring → answer in ``min`` … ``max`` seconds
silence            a gap or hold ≥ ``min_seconds`` (``announced: no`` — only those
                   the agent did not announce with an ``announce`` phrase)
speech_rate        a turn (≥ ``min_chars``, ≥ ``min_seconds``) or the speaker
                   overall faster than ``max_cpm`` / slower than ``min_cpm``
interruption       ``by`` starts ≥ ``min_overlap`` s before the other party ends
hangs_up_first     the hangup event's ``by`` is this speaker
greeting_time      first agent words fit ``meta.started_at`` (新年好 at Spring
                   Festival)
emotion            a scoped turn's polarity ≤ ``below`` / ≥ ``above`` (log-odds)
trajectory         the customer ended ``calmer`` / ``worse`` than they started
ref: name          a condition defined under ``defs``
=================  ==========================================================

Each operator is one class in :mod:`kefu.qa.operators` holding its schema
check, compile step and evaluation; a new one is registered with
:func:`kefu.qa.registry.register_operator` and is then usable here.

A node that lacks what it needs (no timestamps, no anchor) is *n/a*, and so
is the rule: it neither earns nor loses points. :func:`check_rulebook` returns every error with the
path of the offending field; :func:`load_rulebook` raises
:class:`RulebookError` carrying the same list.

Scoring
-------

Everything that weighs is data. The score (0–100, the *compliance* score) is
the points earned over the points of the rules judged (pass or fail); a
composition weighs each part by ``compose.weight`` (below). A failed
``critical`` rule vetoes: the conversation does not pass, and with
``scoring.veto: zero`` (the default) its score is 0, with ``fail`` the score
stands. A conversation with no rule judged scores 100.

Composition
-----------

A rulebook with an ``applies_when`` (the complaint-handling rulebook) can be
*added* to a channel's rulebook: ``load_rulebook("hotline+complaint")``
compiles both into one rulebook (one automaton, one pass) whose added rules
are gated on the added rulebook's ``applies_when`` — n/a when no complaint
is detected. The added rulebook's ``compose.into`` names the channel
rulebooks that default scoring (:func:`default_rulebook`) composes it into,
and ``compose.weight`` the share (percent) of the 0–100 score its rules carry
when the gate holds (25 when it has no ``compose``); the channel's own rules
carry the rest. So a complaint
call is judged 75 % on the channel's checklist and 25 % on complaint
handling, and a plain consultation exactly as by the channel rulebook alone.
An added rule whose detection is the same as one of the channel's (arguing,
deflection) is still reported but its points and veto count once, under the
channel's rule (its hit's ``detail`` names it): one fault, one deduction.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from kefu.lib.textnorm import normalize
from kefu.qa import operators as op
from kefu.qa.norms import all_norm_ids
from kefu.qa.registry import OPERATORS

BUILTIN_DIR = Path(__file__).resolve().parent / "rulebooks"
SPEAKER_VALUES = op.SPEAKER_VALUES
SCOPE_KEYS = op.SCOPE_KEYS
RULE_KEYS = {
    "id", "title", "category", "points", "expect", "critical", "applies_when", "channels", "cites",
    "suggest", "description", "detect", "draft",
}
RULEBOOK_KEYS = {
    "name", "title", "description", "version", "channels", "pass_score", "applies_when", "phrase_sets", "defs", "rules",
    "include", "compose", "scoring",
}
# What a failed critical rule does to the score (scoring.veto); the first is the default.
VETO_EFFECTS = ("zero", "fail")
# The share (percent) of an added rulebook without compose.weight.
DEFAULT_PART_WEIGHT = 25
CATEGORIES = ("opening", "attitude", "skill", "process", "closing", "substance", "timing", "emotion", "complaint")
_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


class RulebookError(ValueError):
    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(f"  - {e}" for e in errors))
        self.source = source
        self.errors = errors


# --- schema ---------------------------------------------------------------------------


class Checker:
    """Walks a decoded rulebook and collects errors as ``path: message``.

    Operators' ``check`` methods (:mod:`kefu.qa.registry`) report through
    :meth:`err` and the typed helpers below, and check nested conditions with
    :meth:`node`.
    """

    def __init__(self, data: Any) -> None:
        self.data = data
        self.errors: list[str] = []
        self.phrase_sets: dict[str, Any] = {}
        self.defs: dict[str, Any] = {}

    def err(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # small typed checks -------------------------------------------------------------
    def integer(self, value: Any, path: str, low: int = 0) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.err(path, f"must be an integer >= {low}, got {value!r}")

    def number(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(path, f"must be a number, got {value!r}")

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> None:
        if value not in choices:
            self.err(path, f"must be one of {', '.join(choices)}, got {value!r}")

    def unknown(self, node: dict[str, Any], allowed: set[str] | frozenset[str], path: str) -> None:
        """An error for every key of ``node`` not in ``allowed``."""
        for key in node:
            if key not in allowed:
                self.err(f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def regex(self, value: Any, path: str) -> None:
        if not isinstance(value, str) or not value:
            self.err(path, "must be a non-empty regular expression string")
            return
        try:
            re.compile(value)
        except re.error as exc:
            self.err(path, f"invalid regular expression: {exc}")

    def phrase_list(self, value: Any, path: str) -> None:
        """A non-empty list of phrases, "@name" naming a phrase set."""
        if not isinstance(value, list) or not value:
            self.err(path, "must be a non-empty list of phrases")
            return
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.err(f"{path}[{i}]", f"must be a non-empty string, got {item!r}")
            elif item.startswith("@") and item[1:] not in self.phrase_sets:
                self.err(f"{path}[{i}]", f"unknown phrase set {item!r} (define it under phrase_sets)")

    def scope(self, node: dict[str, Any], path: str) -> None:
        """The scope fields (speaker, first, last, after_turn, within_seconds)."""
        if "speaker" in node:
            self.choice(node["speaker"], f"{path}.speaker", SPEAKER_VALUES)
        for key in ("first", "last", "after_turn"):
            if key in node:
                self.integer(node[key], f"{path}.{key}")
        if "within_seconds" in node:
            self.number(node["within_seconds"], f"{path}.within_seconds")

    def params(self, node: dict[str, Any], path: str, key: str, allowed: dict[str, str]) -> dict[str, Any]:
        """An operator whose value is a mapping of parameters, each of a kind
        (num, int, speaker, phrases; "" for one the caller checks): the
        mapping, or {} when it is not one."""
        self.unknown(node, {key}, path)
        spec = node[key]
        p = f"{path}.{key}"
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            self.err(p, f"must be a mapping ({', '.join(allowed)})")
            return {}
        self.unknown(spec, set(allowed), p)
        for name, kind in allowed.items():
            if name not in spec:
                continue
            value = spec[name]
            if kind == "num":
                self.number(value, f"{p}.{name}")
            elif kind == "int":
                self.integer(value, f"{p}.{name}")
            elif kind == "speaker":
                self.choice(value, f"{p}.{name}", ("agent", "customer"))
            elif kind == "phrases":
                self.phrase_list(value, f"{p}.{name}")
        return spec

    # nodes ----------------------------------------------------------------------------
    def node(self, node: Any, path: str) -> None:
        """A condition: a mapping with exactly one registered operator key."""
        keys = ", ".join(OPERATORS)
        if not isinstance(node, dict):
            self.err(path, f"a condition must be a mapping with one operator ({keys}), got {node!r}")
            return
        ops = [key for key in node if key in OPERATORS]
        if len(ops) != 1:
            found = ", ".join(ops) if ops else "none"
            self.err(path, f"a condition needs exactly one operator of {keys} (found {found})")
            return
        OPERATORS[ops[0]].check(self, node, path)

    def conditions(self, node: dict[str, Any], path: str, key: str) -> None:
        """``key``: a non-empty list of conditions (all_of, any_of)."""
        self.unknown(node, {key}, path)
        children = node[key]
        if not isinstance(children, list) or not children:
            self.err(f"{path}.{key}", "must be a non-empty list of conditions")
            return
        for i, child in enumerate(children):
            self.node(child, f"{path}.{key}[{i}]")

    # the whole file -------------------------------------------------------------------
    def rulebook(self) -> None:
        data = self.data
        if not isinstance(data, dict):
            self.err("(root)", "a rulebook must be a mapping with name and rules")
            return
        self.unknown(data, RULEBOOK_KEYS, "(root)")
        name = data.get("name")
        if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_-]*$", name or ""):
            self.err("name", f"is required: a lower-case identifier, got {name!r}")
        if "pass_score" in data:
            self.integer(data["pass_score"], "pass_score")
        if "channels" in data and not (isinstance(data["channels"], list) and all(isinstance(c, str) for c in data["channels"])):
            self.err("channels", "must be a list of channel names")
        sets = data.get("phrase_sets") or {}
        if not isinstance(sets, dict):
            self.err("phrase_sets", "must be a mapping of name → list of phrases")
            sets = {}
        self.phrase_sets = sets
        for key, value in sets.items():
            if not isinstance(value, list) or not all(isinstance(v, str) and v and not v.startswith("@") for v in value):
                self.err(f"phrase_sets.{key}", "must be a non-empty list of literal phrases")
        defs = data.get("defs") or {}
        if not isinstance(defs, dict):
            self.err("defs", "must be a mapping of name → condition")
            defs = {}
        self.defs = defs
        for key, value in defs.items():
            self.node(value, f"defs.{key}")
        self._ref_cycles(defs)
        if "applies_when" in data:
            self.node(data["applies_when"], "applies_when")
        if "compose" in data:
            self._compose(data["compose"], "applies_when" in data)
        if "scoring" in data:
            self._scoring(data["scoring"])
        rules = data.get("rules")
        if not isinstance(rules, list) or not rules:
            self.err("rules", "is required: a non-empty list of rules")
            return
        seen: set[str] = set()
        for i, rule in enumerate(rules):
            self.rule(rule, f"rules[{i}]", seen)

    def _scoring(self, spec: Any) -> None:
        if not isinstance(spec, dict):
            self.err("scoring", "must be a mapping such as {veto: zero}")
            return
        self.unknown(spec, {"veto"}, "scoring")
        if "veto" in spec:
            self.choice(spec["veto"], "scoring.veto", VETO_EFFECTS)

    def _compose(self, spec: Any, gated: bool) -> None:
        if not isinstance(spec, dict):
            self.err("compose", "must be a mapping with into (rulebook names) and weight (percent)")
            return
        self.unknown(spec, {"into", "weight"}, "compose")
        into = spec.get("into")
        if not isinstance(into, list) or not into or not all(isinstance(n, str) and n for n in into):
            self.err("compose.into", "is required: a non-empty list of rulebook names such as hotline, chat")
        weight = spec.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 < weight < 100:
            self.err("compose.weight", f"is required: the percent of the score (1…99) its rules carry, got {weight!r}")
        if not gated:
            self.err("compose", "needs a rulebook-level applies_when: the condition under which its rules are added")

    def _ref_cycles(self, defs: dict[str, Any]) -> None:
        def refs(node: Any) -> set[str]:
            found: set[str] = set()
            if isinstance(node, dict):
                if isinstance(node.get("ref"), str):
                    found.add(node["ref"])
                for value in node.values():
                    found |= refs(value)
            elif isinstance(node, list):
                for value in node:
                    found |= refs(value)
            return found

        graph = {name: refs(node) for name, node in defs.items()}

        def visit(name: str, stack: tuple[str, ...]) -> None:
            for nxt in graph.get(name, ()):
                if nxt in stack:
                    self.err(f"defs.{stack[0]}", f"circular reference: {' → '.join((*stack, nxt))}")
                    return
                visit(nxt, (*stack, nxt))

        for name in graph:
            visit(name, (name,))

    def rule(self, rule: Any, path: str, seen: set[str]) -> None:
        if not isinstance(rule, dict):
            self.err(path, "a rule must be a mapping")
            return
        self.unknown(rule, RULE_KEYS, path)
        rid = rule.get("id")
        if not isinstance(rid, str) or not _ID_RE.match(rid):
            self.err(f"{path}.id", f"is required: dotted lower-case id like phone.open.greeting, got {rid!r}")
        elif rid in seen:
            self.err(f"{path}.id", f"duplicate rule id {rid!r}")
        else:
            seen.add(rid)
        if not isinstance(rule.get("title"), str) or not rule.get("title"):
            self.err(f"{path}.title", "is required (Chinese title shown to inspectors)")
        self.choice(rule.get("category"), f"{path}.category", CATEGORIES)
        points = rule.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= 100:
            self.err(f"{path}.points", f"is required: an integer 1…100, got {points!r}")
        self.choice(rule.get("expect", "present"), f"{path}.expect", ("present", "absent"))
        if not isinstance(rule.get("critical", False), bool):
            self.err(f"{path}.critical", "must be true or false")
        self._cites(rule.get("cites"), f"{path}.cites")
        if "detect" not in rule:
            self.err(f"{path}.detect", "is required (the condition to detect)")
        else:
            self.node(rule["detect"], f"{path}.detect")
        if "applies_when" in rule:
            self.node(rule["applies_when"], f"{path}.applies_when")
        for key in ("suggest", "description"):
            if key in rule and not isinstance(rule[key], str):
                self.err(f"{path}.{key}", "must be a string")
        if "draft" in rule and not isinstance(rule["draft"], bool):
            self.err(f"{path}.draft", "must be true or false")

    def _cites(self, cites: Any, path: str) -> None:
        if not isinstance(cites, list) or not cites:
            self.err(path, "is required: a non-empty list of NORMS.md ids")
            return
        known = all_norm_ids()
        for i, cite in enumerate(cites):
            if cite not in known:
                self.err(f"{path}[{i}]", f"unknown norm id {cite!r} (see NORMS.md)")


# --- compiled form --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    category: str
    points: int
    expect: str
    critical: bool
    cites: tuple[str, ...]
    detect: op.Node
    applies_when: op.Node | None = None
    suggest: str = ""
    draft: bool = False
    part: str = ""  # in a composed rulebook: the added rulebook this rule comes from
    counted_in: str = ""  # the same detection as this channel rule: reported, counted there


@dataclass(frozen=True, slots=True)
class Part:
    """A rulebook added to a channel's: its rules apply when ``gate`` holds."""

    name: str
    weight: int  # percent of the score its rules carry when they apply
    gate: str  # the name of the gate's definition in the composed rulebook's defs


@dataclass
class Rulebook:
    name: str
    title: str
    rules: tuple[Rule, ...]
    automaton: Any
    defs: dict[tuple[str, bool], op.Node]
    pass_score: int = 80
    channels: tuple[str, ...] = ()
    applies_when: op.Node | None = None
    source: str = ""
    phrases: tuple[str, ...] = field(default=(), repr=False)
    uses_emotion: bool = False
    parts: tuple[Part, ...] = ()  # the added rulebooks of a composition
    compose_into: tuple[str, ...] = ()
    compose_weight: int = 0
    # Content hash of everything that was compiled (see content_version).
    version: str = ""
    veto: str = VETO_EFFECTS[0]  # what a failed critical rule does (scoring.veto)

    @property
    def id(self) -> str:
        """The rulebook's identifier: its name, ``hotline+complaint`` for a
        composition. With :attr:`version` it names exactly what scored a
        conversation."""
        return self.name

    @property
    def cites(self) -> set[str]:
        return {c for rule in self.rules for c in rule.cites}


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data: mapping keys as strings, and YAML's
    other scalars (dates, say) as their text."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return f"{type(value).__name__}:{value}"


def content_version(data: Any) -> str:
    """A short hash of decoded rulebook data, the same in every process:
    it changes when any rule, phrase, weight or condition does (comments
    and key order do not count)."""
    text = json.dumps(_canonical(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Compiler:
    """Compiles checked conditions; operators' ``build`` methods
    (:mod:`kefu.qa.registry`) use its helpers."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.sets: dict[str, list[str]] = data.get("phrase_sets") or {}
        self.phrase_ids: dict[str, int] = {}
        self.uses_emotion = False
        # Whether the node being built is one whose *turns* matter (under
        # count / near): any_of and ref then evaluate every child.
        self.exhaustive = False

    def ids(self, phrases: list[str]) -> frozenset[int]:
        """Automaton ids of phrases ("@name" expands a phrase set), normalised."""
        out = set()
        for item in phrases:
            expanded = self.sets[item[1:]] if item.startswith("@") else [item]
            for phrase in expanded:
                key = normalize(phrase)
                out.add(self.phrase_ids.setdefault(key, len(self.phrase_ids)))
        return frozenset(out)

    @staticmethod
    def scope(node: dict[str, Any]) -> op.Scope:
        return op.Scope(
            speaker=node.get("speaker", "any"),
            first=node.get("first"),
            last=node.get("last"),
            within_seconds=node.get("within_seconds"),
            after_turn=node.get("after_turn"),
        )

    def node(self, node: dict[str, Any]) -> op.Node:
        operator = OPERATORS[next(k for k in node if k in OPERATORS)]
        if operator.uses_emotion:
            self.uses_emotion = True
        return operator.build(self, node)

    def literal_ids(self, literals: frozenset[str] | None) -> frozenset[int] | None:
        """Phrase ids for literals a pattern's matches start with or consist
        of, found by the automaton (see :class:`kefu.qa.operators.Regex`)."""
        if literals is None or any(normalize(lit) != lit for lit in literals):
            return None  # the automaton sees normalised phrases: only exact ones
        return frozenset(self.phrase_ids.setdefault(lit, len(self.phrase_ids)) for lit in literals)

    def turn_sensitive(self, node: dict[str, Any]) -> op.Node:
        """Compile a node whose *turns* matter (under count / near)."""
        saved, self.exhaustive = self.exhaustive, True
        try:
            return self.node(node)
        finally:
            self.exhaustive = saved

    def automaton(self) -> Any:
        if not self.phrase_ids:
            return None
        automaton = ahocorasick.Automaton()
        for phrase, pid in self.phrase_ids.items():
            automaton.add_word(phrase, pid)
        automaton.make_automaton()
        return automaton


def check_rulebook_data(data: Any) -> list[str]:
    """Every schema error of a decoded rulebook, each naming its field path."""
    checker = Checker(data)
    checker.rulebook()
    return checker.errors


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RulebookError(str(path), [f"(yaml) {where}{getattr(exc, 'problem', None) or exc}"]) from None
    except OSError as exc:
        raise RulebookError(str(path), [f"(file) cannot read: {exc.strerror or exc}"]) from None


def check_rulebook(path: str | Path) -> list[str]:
    """Every error of a rulebook file (YAML syntax, includes, schema)."""
    try:
        data = _resolve_includes(_read_yaml(Path(path)), Path(path))
    except RulebookError as exc:
        return exc.errors
    return check_rulebook_data(data)


def compile_rulebook(data: Any, source: str = "<data>") -> Rulebook:
    """Validate and compile; raises :class:`RulebookError` listing every problem."""
    errors = check_rulebook_data(data)
    if errors:
        raise RulebookError(source, errors)
    comp = Compiler(data)
    # Each definition twice: short-circuiting, and exhaustive for count/near.
    defs: dict[tuple[str, bool], op.Node] = {}
    for name, node in (data.get("defs") or {}).items():
        defs[(name, False)] = comp.node(node)
        exhaustive = comp.turn_sensitive(node)
        # The same node when nothing in it short-circuits: one memo serves both.
        defs[(name, True)] = defs[(name, False)] if exhaustive == defs[(name, False)] else exhaustive
    rules = []
    for raw in data["rules"]:
        rules.append(
            Rule(
                id=raw["id"], title=raw["title"], category=raw["category"], points=int(raw["points"]),
                expect=raw.get("expect", "present"), critical=bool(raw.get("critical", False)),
                cites=tuple(raw["cites"]), detect=comp.node(raw["detect"]),
                applies_when=comp.node(raw["applies_when"]) if "applies_when" in raw else None,
                suggest=raw.get("suggest", ""), draft=bool(raw.get("draft", False)),
            )
        )
    applies = comp.node(data["applies_when"]) if "applies_when" in data else None
    return Rulebook(
        name=data["name"], title=data.get("title", data["name"]), rules=tuple(rules), automaton=comp.automaton(),
        defs=defs, pass_score=int(data.get("pass_score", 80)), channels=tuple(data.get("channels", ())),
        applies_when=applies, source=source, phrases=tuple(comp.phrase_ids), uses_emotion=comp.uses_emotion,
        compose_into=tuple((data.get("compose") or {}).get("into", ())),
        compose_weight=int((data.get("compose") or {}).get("weight", 0)), version=content_version(data),
        veto=_veto(data),
    )


def _veto(data: dict[str, Any]) -> str:
    return str((data.get("scoring") or {}).get("veto", VETO_EFFECTS[0]))


_CACHE: dict[str, Rulebook] = {}


def builtin_names() -> list[str]:
    # Files starting with "_" are shared fragments for ``include``, not rulebooks.
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def _resolve_includes(data: Any, base: Path) -> Any:
    """Merge ``include``d fragments' phrase_sets and defs (the file's own win).

    A fragment name is looked up beside the including file, then among the
    built-in fragments, so an operator's rulebook can include ``_common``.
    """
    if not isinstance(data, dict) or "include" not in data:
        return data
    includes = data["include"]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise RulebookError(str(base), ["include: must be a list of fragment names such as _common"])
    merged = dict(data)
    sets: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for name in includes:
        candidates = [base.parent / f"{name}.yaml", BUILTIN_DIR / f"{name}.yaml"]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise RulebookError(str(base), [f"include: no fragment {name!r} beside the file or built in"])
        fragment = _read_yaml(path) or {}
        sets.update(fragment.get("phrase_sets") or {})
        defs.update(fragment.get("defs") or {})
    sets.update(data.get("phrase_sets") or {})
    defs.update(data.get("defs") or {})
    merged["phrase_sets"] = sets
    merged["defs"] = defs
    return merged


def _rulebook_path(key: str) -> Path:
    path = Path(key)
    if not path.suffix and key in builtin_names():
        return BUILTIN_DIR / f"{key}.yaml"
    if not path.exists():
        raise RulebookError(key, [f"(file) no such rulebook: not a built-in ({', '.join(builtin_names())}) nor a file"])
    return path


def _rulebook_data(key: str) -> tuple[Any, Path]:
    path = _rulebook_path(key)
    return _resolve_includes(_read_yaml(path), path), path


def load_rulebook(name_or_path: str | Path) -> Rulebook:
    """A built-in rulebook by name, or an operator's YAML file by path; cached.

    ``"hotline+complaint"`` composes rulebooks (see *Composition* above).
    """
    key = str(name_or_path)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if "+" in key and not Path(key).exists():
        base, *added = key.split("+")
        book = compose_rulebooks(base, added)
    else:
        data, path = _rulebook_data(key)
        book = compile_rulebook(data, str(path))
    _CACHE[key] = book
    return book


def _merge_named(into: dict[str, Any], more: dict[str, Any], what: str, source: str) -> None:
    for name, value in more.items():
        if name in into and into[name] != value:
            raise RulebookError(source, [f"{what}.{name}: defined differently in the rulebooks being composed"])
        into[name] = value


def compose_rulebooks(base: str, added: list[str]) -> Rulebook:
    """``base`` (a channel's rulebook) plus the rules of each ``added`` rulebook,
    gated on its ``applies_when`` and carrying its ``compose.weight`` percent of
    the score, compiled once into one rulebook named ``base+added…``."""
    base_data, base_path = _rulebook_data(base)
    errors = check_rulebook_data(base_data)
    if errors:
        raise RulebookError(str(base_path), errors)
    data = {k: v for k, v in base_data.items() if k not in ("include", "compose")}
    data["phrase_sets"] = dict(base_data.get("phrase_sets") or {})
    data["defs"] = dict(base_data.get("defs") or {})
    data["rules"] = list(base_data["rules"])
    sources = [str(base_path)]
    components = [base_data]
    parts: list[tuple[str, int, str, int]] = []  # name, weight, gate def, first rule index
    for name in added:
        extra, path = _rulebook_data(name)
        components.append(extra)
        errors = check_rulebook_data(extra)
        if errors:
            raise RulebookError(str(path), errors)
        if "applies_when" not in extra:
            raise RulebookError(str(path), ["applies_when: a rulebook added to another needs one (when do its rules apply?)"])
        _merge_named(data["phrase_sets"], extra.get("phrase_sets") or {}, "phrase_sets", str(path))
        _merge_named(data["defs"], extra.get("defs") or {}, "defs", str(path))
        if _veto(extra) != _veto(base_data):
            raise RulebookError(str(path), [f"scoring.veto: {_veto(extra)!r} here, {_veto(base_data)!r} in {base_path}: "
                                            "the rulebooks being composed must veto alike"])
        gate = f"applies.{extra['name']}"
        data["defs"][gate] = extra["applies_when"]
        weight = int((extra.get("compose") or {}).get("weight", DEFAULT_PART_WEIGHT))
        parts.append((extra["name"], weight, gate, len(data["rules"])))
        for rule in extra["rules"]:
            own = rule.get("applies_when") if isinstance(rule, dict) else None
            condition: dict[str, Any] = {"ref": gate} if own is None else {"all_of": [{"ref": gate}, own]}
            data["rules"].append({**rule, "applies_when": condition} if isinstance(rule, dict) else rule)
        sources.append(str(path))
    source = " + ".join(sources)
    book = compile_rulebook(data, source)
    rules = list(book.rules)
    channel_rules = rules[: parts[0][3]] if parts else rules
    for i, (name, _weight, gate, first) in enumerate(parts):
        end = parts[i + 1][3] if i + 1 < len(parts) else len(rules)
        gated = op.Ref(gate)
        # Counted in a channel rule: the same detection, judged whenever this
        # one is (no condition of its own; the channel rule's none or the gate).
        judged_alike = (None, gated, book.defs[(gate, False)])
        for r in range(first, end):
            rule = rules[r]
            same = next(
                (c for c in channel_rules
                 if c.detect == rule.detect and c.expect == rule.expect and rule.applies_when == gated
                 and c.applies_when in judged_alike),
                None,
            )
            rules[r] = replace(rule, part=name, counted_in=same.id if same else "")
    book.rules = tuple(rules)
    book.name = "+".join([book.name, *(p[0] for p in parts)])
    book.version = content_version({"compose": components})
    book.parts = tuple(Part(name, weight, gate) for name, weight, gate, _ in parts)
    return book


def rulebook_for_channel(channel: str) -> Rulebook:
    """The built-in rulebook that claims ``channel`` (chat when none does)."""
    for name in builtin_names():
        book = load_rulebook(name)
        if channel in book.channels:
            return book
    return load_rulebook("chat")


_DEFAULTS: dict[str, Rulebook] = {}


def default_rulebook(channel: str) -> Rulebook:
    """What default scoring uses for ``channel``: the channel's rulebook plus
    every built-in rulebook that names it under ``compose.into`` (the
    complaint-handling rules, applied when a complaint is detected)."""
    book = _DEFAULTS.get(channel)
    if book is None:
        base = rulebook_for_channel(channel)
        added = [n for n in builtin_names() if base.name in load_rulebook(n).compose_into]
        book = load_rulebook("+".join([base.name, *added])) if added else base
        _DEFAULTS[channel] = book
    return book


def default_rulebooks() -> list[Rulebook]:
    """Every rulebook default scoring can pick (to build before forking workers)."""
    names = {ch for name in builtin_names() for ch in load_rulebook(name).channels}
    return list({id(b): b for b in map(default_rulebook, sorted(names | {"chat"}))}.values())
