"""The scorecard (质检结果): what scoring one conversation produced, as data.

A scorecard names the rulebook that made it (``rulebook`` id and its content
``rulebook_version``), so a stored one can be told apart from a rescore by an
edited rulebook. :meth:`Scorecard.to_dict` gives plain JSON data and
:meth:`Scorecard.from_dict` reads it back::

    Scorecard.from_dict(json.loads(json.dumps(card.to_dict()))) == card

Its JSON form::

    {"id", "rulebook", "rulebook_version",
     "score": 0-100,            # the compliance score: points earned / judged, by part weights
     "passed", "veto": null | "zero" | "fail",   # the veto applied by a failed critical rule
     "critical": [rule ids],    # the failed critical rules
     "categories": {category: 0-100},
     "hits": [{"rule", "title", "category", "cites", "outcome": "pass" | "fail" | "na",
               "points",        # earned (pass) or lost (negative, fail); 0 when na
               "critical", "detail",
               "evidence": [{"turn", "start", "end", "text", "span": null | [from, to]}]}],
     "emotion": {"start", "end", "trajectory": "calmer" | "worse" | "same", "min",
                 "customer_turns": {turn: polarity}, "agent_negative_turns": [turn]},
     "applicable", "complaint_detected": null | bool}

Evidence ``start``/``end`` are the turn's times (seconds) when the
conversation has them; ``text`` is the turn's first 200 characters; ``span``
the characters ``[from, to)`` of the turn's whole text that the rule's first
phrase set or pattern found there (the leftmost, then longest, phrase) —
null when the rule matched no text in that turn (a silence, an emotion) or
normalising changed the turn's length (offsets would not line up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("pass", "fail", "na")
VETOES = ("zero", "fail")


class ScorecardError(ValueError):
    """A scorecard's JSON cannot be read back; ``path`` names the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


_REQUIRED: Any = object()


def _field(data: Mapping[str, Any], key: str, kinds: tuple[type, ...], path: str, default: Any = _REQUIRED) -> Any:
    """``data[key]`` when it is one of ``kinds`` (None allowed only when listed)."""
    where = f"{path}.{key}" if path else key
    if key not in data:
        if default is _REQUIRED:
            raise ScorecardError(where, "is required")
        return default
    value = data[key]
    # bool is an int to isinstance, but not a number of points or a turn.
    if isinstance(value, bool) and bool not in kinds:
        raise ScorecardError(where, f"must be {_kinds(kinds)}, got {value!r}")
    if not isinstance(value, kinds):
        raise ScorecardError(where, f"must be {_kinds(kinds)}, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScorecardError(where, f"must be a finite number, got {value!r}")
    return value


def _kinds(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
             dict: "an object", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScorecardError(path, f"must be an object, got {type(value).__name__}")
    return value


def _strings(value: list[Any], path: str) -> list[str]:
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ScorecardError(f"{path}[{i}]", f"must be a string, got {type(item).__name__}")
    return list(value)


def _choice(value: Any, choices: tuple[str, ...], path: str) -> Any:
    if value not in choices:
        raise ScorecardError(path, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


@dataclass(slots=True)
class Evidence:
    """A turn that shows a hit: its index, its times when known, its text
    (the first 200 characters) and, when known, the span ``(from, to)`` of
    what matched in the turn's whole text.

    Not frozen only because a scorecard makes dozens and a frozen dataclass
    costs four times as much to build: treat it as read-only.
    """

    turn: int
    text: str
    start: float | None = None
    end: float | None = None
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        span = None if self.span is None else [self.span[0], self.span[1]]
        return {"turn": self.turn, "start": self.start, "end": self.end, "text": self.text, "span": span}

    @classmethod
    def from_dict(cls, data: Any, path: str = "evidence") -> Evidence:
        data = _mapping(data, path)
        span = _field(data, "span", (list, type(None)), path, None)
        if span is not None:
            if len(span) != 2 or not all(isinstance(i, int) and not isinstance(i, bool) for i in span):
                raise ScorecardError(f"{path}.span", f"must be [from, to] character offsets, got {span!r}")
            span = (span[0], span[1])
        return cls(
            turn=_field(data, "turn", (int,), path), text=_field(data, "text", (str,), path),
            start=_field(data, "start", (int, float, type(None)), path, None),
            end=_field(data, "end", (int, float, type(None)), path, None), span=span,
        )


@dataclass(slots=True)
class Hit:
    """One rule's outcome on one conversation."""

    rule: str
    title: str
    category: str
    cites: tuple[str, ...]
    outcome: str  # pass | fail | na
    points: int  # earned (pass) or lost (fail, negative); 0 when na
    critical: bool  # a veto rule
    evidence: tuple[Evidence, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "category": self.category, "cites": list(self.cites),
            "outcome": self.outcome, "points": self.points, "critical": self.critical,
            "evidence": [e.to_dict() for e in self.evidence], "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Any, path: str = "hit") -> Hit:
        data = _mapping(data, path)
        evidence = _field(data, "evidence", (list,), path, [])
        return cls(
            rule=_field(data, "rule", (str,), path), title=_field(data, "title", (str,), path, ""),
            # Scorecards written before category and critical were serialised lack them.
            category=_field(data, "category", (str,), path, ""),
            cites=tuple(_strings(_field(data, "cites", (list,), path, []), f"{path}.cites")),
            outcome=_choice(_field(data, "outcome", (str,), path), OUTCOMES, f"{path}.outcome"),
            points=_field(data, "points", (int,), path), critical=_field(data, "critical", (bool,), path, False),
            evidence=tuple(Evidence.from_dict(e, f"{path}.evidence[{i}]") for i, e in enumerate(evidence)),
            detail=_field(data, "detail", (str,), path, ""),
        )


@dataclass
class Scorecard:
    """The result of scoring one conversation (see the module docstring)."""

    id: str
    rulebook: str  # the rulebook's id
    score: int  # the compliance score, 0–100
    passed: bool
    critical: list[str]  # the failed critical (veto) rules
    categories: dict[str, int]
    hits: list[Hit]
    emotion: dict[str, Any] = field(default_factory=dict)
    applicable: bool = True
    # Whether the customer complained (the ``complaint`` definition); None
    # for a rulebook that does not define it.
    complaint_detected: bool | None = None
    rulebook_version: str = ""  # the rulebook's content hash
    veto: str | None = None  # None, or what a failed critical rule did: zero | fail

    def hit(self, rule_id: str) -> Hit:
        return next(h for h in self.hits if h.rule == rule_id)

    def outcome(self, rule_id: str) -> str:
        return self.hit(rule_id).outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "rulebook": self.rulebook, "rulebook_version": self.rulebook_version, "score": self.score,
            "passed": self.passed, "veto": self.veto, "critical": list(self.critical), "categories": dict(self.categories),
            "hits": [h.to_dict() for h in self.hits], "emotion": self.emotion, "applicable": self.applicable,
            "complaint_detected": self.complaint_detected,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Scorecard:
        """Read back :meth:`to_dict`'s output (e.g. a stored scorecard);
        raises :class:`ScorecardError` naming the first field that is wrong."""
        data = _mapping(data, "(scorecard)")
        categories = _mapping(_field(data, "categories", (dict,), "", {}), "categories")
        for name, value in categories.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScorecardError(f"categories.{name}", f"must be an integer, got {value!r}")
        critical = _strings(_field(data, "critical", (list,), "", []), "critical")
        # Before rulebooks chose their veto, a failed critical rule zeroed the score.
        veto = _field(data, "veto", (str, type(None)), "", "zero" if critical else None)
        return cls(
            id=_field(data, "id", (str,), ""), rulebook=_field(data, "rulebook", (str,), ""),
            score=_field(data, "score", (int,), ""), passed=_field(data, "passed", (bool,), ""),
            critical=critical, categories=dict(categories),
            hits=[Hit.from_dict(h, f"hits[{i}]") for i, h in enumerate(_field(data, "hits", (list,), ""))],
            emotion=dict(_mapping(_field(data, "emotion", (dict,), "", {}), "emotion")),
            applicable=_field(data, "applicable", (bool,), "", True),
            complaint_detected=_field(data, "complaint_detected", (bool, type(None)), "", None),
            rulebook_version=_field(data, "rulebook_version", (str,), "", ""),
            veto=None if veto is None else _choice(veto, VETOES, "veto"),
        )
