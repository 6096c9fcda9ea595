"""The simulated customer: its state machine and reaction rules.

One :class:`Session` per sparring run. The customer speaks first (its
opening line is ``transcript[0]``); each :meth:`Session.say` adds the
trainee's turn, reads the trainee's moves (:mod:`kefu.simulator.moves`),
updates the mood, and answers.

Reaction rules, in order of precedence for the line the customer says:

1. patience at 0 or too many turns → hangs up (``hung_up``); anger at 100
   → hangs up (``escalated`` when it threatened the regulator, else ``hung_up``);
2. anger crossing 85 → asks for a supervisor or threatens 12300 (once);
   when it has, the trainee handing over to a supervisor ends the call
   ``escalated``;
3. 喂, arguing, a forbidden phrase or interrogating → provoked; 踢皮球 →
   deflected; a bare 不行 → refused;
4. a solution: one the customer would accept (``remedies``), offered with
   the hidden facts marked ``required`` known, after the moves it ``needs``,
   with anger at or below and trust at or above the ``accept`` thresholds →
   accepted (with two options offered, it chooses one); else premature /
   not yet / rejected (``refused_remedies``);
5. a vague or rash promise → doubts it;
6. after acceptance: "anything else?" → nothing else; thanks / farewell →
   says goodbye, the call ends ``resolved``;
7. a question about a hidden fact → reveals it; repeating back → confirms;
   empathy / apology → calmer; otherwise it vents or pushes for a solution.

Determinism: every random choice is drawn from ``random.Random`` seeded with
(seed, scenario id, turn number, situation), so the same seed and trainee
turns give the same conversation (:meth:`Session.replay`). The time stamps
passed as ``at`` are recorded but never change what the customer does.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kefu.lib.textnorm import normalize, to_simplified
from kefu.qa import LiveSession
from kefu.qa.phrases import phrase_set
from kefu.simulator.moves import ALERT_MOVES, alert_moves, detect, quoted_only, said_any
from kefu.simulator.schema import Mood, Remedy, Scenario
from kefu.simulator.vocab import FINISH_REASONS, MOVES

DEFAULTS_FILE = Path(__file__).resolve().parent / "scenarios" / "_defaults.yaml"
MAX_TURN_CHARS = 2000
MAX_AGENT_TURNS = 30
ESCALATE_AT = 85
HANG_UP_AT = 100
PROVOKING = ("wei", "argue", "forbidden", "interrogate", "shouting")
_HAS_WORDS = re.compile(r"[\w\u4e00-\u9fff]")


class TurnError(ValueError):
    """A trainee turn that cannot be taken; ``message`` is Chinese. The session is unchanged."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class EmptyTurn(TurnError):
    pass


class TurnTooLong(TurnError):
    pass


class SessionEnded(TurnError):
    pass


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str  # customer | agent
    text: str
    t: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "text": self.text, "t": self.t}


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    mood: Mood
    ended: bool
    outcome: str | None


@dataclass(frozen=True)
class Defaults:
    effects: Mapping[str, Mapping[str, int]]
    calming: frozenset[str]
    personas: Mapping[str, Mapping[str, Any]]
    complainers: Mapping[str, Mapping[str, Any]]
    threatens: frozenset[str]
    lines: Mapping[str, tuple[str, ...]]
    persona_lines: Mapping[str, Mapping[str, tuple[str, ...]]]


@lru_cache(maxsize=1)
def defaults() -> Defaults:
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return Defaults(
        effects=data["effects"],
        calming=frozenset(data["calming"]),
        personas=data["personas"],
        complainers=data["complainers"],
        threatens=frozenset(data["threatens"]),
        lines={k: tuple(v) for k, v in data["lines"].items()},
        persona_lines={p: {k: tuple(v) for k, v in d.items()} for p, d in data["persona_lines"].items()},
    )


def _visible(text: str) -> bool:
    """Whether a turn shows anything: whitespace, zero-width and control characters do not."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


@dataclass
class _State:
    anger: float
    patience: float
    trust: float
    accepted: Remedy | None = None
    escalation: str | None = None  # supervisor | threaten
    ended: bool = False
    outcome: str | None = None
    revealed: dict[str, int] = field(default_factory=dict)  # fact id → agent turn
    move_counts: dict[str, int] = field(default_factory=dict)
    used_lines: dict[str, set[int]] = field(default_factory=dict)
    accepted_at: int | None = None

    def mood(self) -> Mood:
        return Mood(_clamp(self.anger), _clamp(self.patience), _clamp(self.trust))


class Session:
    """One sparring run against a simulated customer (see the module docstring)."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.transcript: list[Turn] = []
        self.mood_curve: list[Mood] = []
        self.agent_moves: list[frozenset[str]] = []  # per trainee turn
        self.alerts: list[Any] = []  # kefu.qa.Alert of the trainee's turns
        self.finish_reason: str | None = None
        m = scenario.mood
        self._state = _State(float(m.anger), float(m.patience), float(m.trust))
        self._live = LiveSession(channel=scenario.channel, conv_id=f"sim-{scenario.id}-{seed}")
        d = defaults()
        persona = d.personas[scenario.persona]
        self._weights: Mapping[str, float] = persona.get("weights") or {}
        self._patience_rate = float(persona.get("patience_per_turn", 4))
        self._long_turn = int(persona.get("long_turn", 0))
        needs = list(persona.get("needs") or ())
        if scenario.complainer:
            needs += list(d.complainers[scenario.complainer].get("needs") or ())
        self.needs: tuple[str, ...] = tuple(dict.fromkeys([*needs, *scenario.needs]))

    # --- public API --------------------------------------------------------------------

    @classmethod
    def start(cls, scenario: Scenario, seed: int) -> Session:
        """A new session; the customer's opening line is ``transcript[0]``."""
        session = cls(scenario, seed)
        opening = session._rng("opening").choice(scenario.opening)
        session._customer(opening, None)
        session.mood_curve.append(session._state.mood())
        return session

    @classmethod
    def replay(cls, scenario: Scenario, seed: int, agent_texts: Sequence[str]) -> Session:
        """The session that the same seed and trainee turns produce (deterministic).
        A turn after the customer ended the call raises :class:`SessionEnded`."""
        session = cls.start(scenario, seed)
        for text in agent_texts:
            session.say(text)
        return session

    @property
    def outcome(self) -> str | None:
        """resolved | escalated | hung_up | unresolved; None while the call runs."""
        return self._state.outcome

    @property
    def ended(self) -> bool:
        return self._state.ended

    @property
    def mood(self) -> Mood:
        return self._state.mood()

    @property
    def revealed_facts(self) -> dict[str, int]:
        return dict(self._state.revealed)

    @property
    def accepted_remedy(self) -> Remedy | None:
        return self._state.accepted

    def say(self, text: str, at: float | None = None) -> Reply:
        """The trainee says ``text``; returns the customer's reply.

        Raises :class:`EmptyTurn` (blank), :class:`TurnTooLong` (over
        ``MAX_TURN_CHARS`` characters — refused whole, never truncated) or
        :class:`SessionEnded`, each a ``ValueError`` with a Chinese
        ``message``, leaving the session unchanged. Traditional Chinese is
        stored and read as Simplified; emoji are kept and ignored.
        """
        if not isinstance(text, str) or not _visible(text):
            raise EmptyTurn("发言不能为空。")
        if len(text) > MAX_TURN_CHARS:
            raise TurnTooLong(f"单次发言最多{MAX_TURN_CHARS}字，请分几次说。")
        if self._state.ended:
            raise SessionEnded("通话已结束，不能再发言。")
        text = to_simplified("".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t").strip())
        self.transcript.append(Turn("agent", text, at))
        alerts = self._live.add_turn({"speaker": "agent", "text": text})
        norm = normalize(text)
        quoted = quoted_only(norm)
        # The feedback lists the trainee's mistakes, not the customer's words quoted back.
        self.alerts.extend(a for a in alerts if ALERT_MOVES.get(a.rule) not in quoted)
        moves = self._moves(norm, alerts)
        self.agent_moves.append(frozenset(moves))
        line = self._react(moves, norm, len(text))
        self._customer(line, None)
        self.mood_curve.append(self._state.mood())
        return Reply(line, self._state.mood(), self._state.ended, self._state.outcome)

    def finish(self, reason: str) -> str:
        """End the call: ``trainee`` (the trainee hung up) or ``timeout`` (time
        limit reached, also when the trainee never spoke). Returns the outcome;
        a call that already ended keeps its outcome."""
        if reason not in FINISH_REASONS:
            raise TurnError(f"结束原因须为：{'、'.join(FINISH_REASONS)}。")
        if not self._state.ended:
            self.finish_reason = reason
            self._end(self._open_outcome())
        assert self._state.outcome is not None
        return self._state.outcome

    def report(self) -> dict[str, Any]:
        """The feedback (see :func:`kefu.simulator.report.build_report`)."""
        from kefu.simulator.report import build_report

        return build_report(self)

    def agent_texts(self) -> list[str]:
        return [t.text for t in self.transcript if t.speaker == "agent"]

    def conversation(self) -> dict[str, Any]:
        """The transcript as a QA conversation (kefu.qa.model)."""
        turns = []
        for turn in self.transcript:
            item: dict[str, Any] = {"speaker": turn.speaker, "text": turn.text}
            turns.append(item)
        return {"id": f"sim-{self.scenario.id}-{self.seed}", "channel": self.scenario.channel, "turns": turns}

    # --- internals ---------------------------------------------------------------------

    def _rng(self, situation: str) -> random.Random:
        return random.Random(f"{self.seed}|{self.scenario.id}|{len(self.transcript)}|{situation}")

    def _customer(self, text: str, at: float | None) -> None:
        self.transcript.append(Turn("customer", text, at))
        self._live.add_turn({"speaker": "customer", "text": text})

    def _moves(self, norm: str, alerts: Sequence[Any]) -> set[str]:
        # An alert raised only by the customer's own words quoted back is not the trainee's move.
        moves = detect(norm) | (alert_moves(alerts) - quoted_only(norm))
        # A refusal word inside a question or a repeat-back ("宽带无法上网，对吗？") is not a refusal.
        if moves & {"question", "repeat_confirm"} and not said_any(norm, phrase_set("flat_no")):
            moves.discard("flat_no")
        offered = self._offered(norm, self.scenario.remedies)
        if offered:
            moves.add("remedy")
            # "您可以到营业厅办理退款" offers the remedy; only the QA rule calls it deflection.
            if "deflect" not in alert_moves(alerts):
                moves.discard("deflect")
            moves.discard("flat_no")
        if self._offered(norm, self.scenario.refused_remedies):
            moves.add("refused_remedy")
        if "supervisor" in moves and self._state.escalation is None and offered:
            moves.discard("supervisor")
        return moves

    @staticmethod
    def _offered(norm: str, remedies: Sequence[Remedy]) -> list[Remedy]:
        return [r for r in remedies if said_any(norm, r.cues)]

    def _line(self, situation: str, **values: str) -> str:
        d = defaults()
        pool = (
            self.scenario.lines.get(situation)
            or d.persona_lines.get(self.scenario.persona, {}).get(situation)
            or d.lines.get(situation)
            or ("……",)
        )
        used = self._state.used_lines.setdefault(situation, set())
        fresh = [i for i in range(len(pool)) if i not in used] or list(range(len(pool)))
        if len(fresh) == len(pool):
            used.clear()
        index = self._rng(situation).choice(fresh)
        used.add(index)
        demand = self.scenario.demands[0] if self.scenario.demands else "把问题解决了"
        surname = _surname(self.scenario.customer_name)
        line = pool[index] if surname else _NO_SURNAME.sub("", pool[index])
        fill = {"name": self.scenario.customer_name or "我", "demand": demand, "remedy": "", "surname": surname, **values}
        return line.format_map(_Blank(fill))

    def _apply(self, moves: set[str], length: int) -> None:
        d = defaults()
        st = self._state
        for move in sorted(moves):
            effect = d.effects.get(move)
            if not effect:
                continue
            count = st.move_counts.get(move, 0)
            weight = float(self._weights.get(move, 1.0))
            # A calming move repeated is worth half as much each time.
            factor = weight * (0.5**count if move in d.calming else 1.0)
            st.anger += effect.get("anger", 0) * factor
            st.trust += effect.get("trust", 0) * factor
            st.patience += effect.get("patience", 0) * factor
        for move in moves:
            st.move_counts[move] = st.move_counts.get(move, 0) + 1
        st.patience -= self._patience_rate
        if st.anger >= 70:
            st.patience -= 3
        if self._long_turn and length > self._long_turn:
            st.patience -= 6
        st.anger, st.trust, st.patience = (max(0.0, min(100.0, v)) for v in (st.anger, st.trust, st.patience))

    def _made(self, move: str) -> bool:
        return self._state.move_counts.get(move, 0) > 0

    def _end(self, outcome: str) -> None:
        self._state.ended = True
        self._state.outcome = outcome

    def _open_outcome(self) -> str:
        st = self._state
        if st.accepted is not None:
            return "resolved"
        if st.escalation is not None:
            return "escalated"
        return "unresolved"

    def _react(self, moves: set[str], norm: str, length: int) -> str:
        st = self._state
        scenario = self.scenario
        first = len(self.agent_moves) == 1
        self._apply(moves, length)
        provoked = moves & set(PROVOKING)
        if not _HAS_WORDS.search(norm):
            return self._line("unclear")

        # 1. it has had enough — though it first asks for a supervisor or threatens (2.)
        if st.anger >= HANG_UP_AT and st.escalation is None and st.patience > 0:
            st.anger = float(ESCALATE_AT + 10)
        if st.anger >= HANG_UP_AT:
            self._end("escalated" if st.escalation == "threaten" else "hung_up")
            return self._line("hang_up")
        if (st.patience <= 0 and st.accepted is None) or len(self.agent_moves) >= MAX_AGENT_TURNS:
            self._end("escalated" if st.escalation == "threaten" else "hung_up")
            return self._line("tired")
        # 2. escalation
        if st.escalation is not None and "supervisor" in moves and st.accepted is None:
            self._end("escalated")
            return self._line("transferred")
        if st.anger >= ESCALATE_AT and st.escalation is None:
            kind = "threaten" if scenario.complainer in defaults().threatens else "supervisor"
            st.escalation = kind
            st.accepted = None
            return self._line(kind)
        # 3. provocations
        if provoked:
            return self._line("provoked")
        if "deflect" in moves:
            return self._line("deflected")
        if "flat_no" in moves:
            return self._line("refused")
        # 4. solutions (a turn that proposes is not asking: its words reveal no fact)
        offered = self._offered(norm, scenario.remedies)
        if offered and st.accepted is None:
            return self._consider(offered, moves)
        revealed = self._reveal(norm, moves)
        if "refused_remedy" in moves and st.accepted is None and not revealed:
            st.anger = min(100.0, st.anger + 5)
            return self._line("reject")
        # 5. doubtful promises
        if "vague_promise" in moves and st.accepted is None:
            return self._line("vague")
        if "rash_promise" in moves and st.accepted is None:
            return self._line("rash")
        # 6. closing after a solution was accepted
        if st.accepted is not None:
            if moves & {"thanks", "farewell"} and not moves & {"more_help"}:
                self._end("resolved")
                return self._line("goodbye")
            if "more_help" in moves:
                return self._line("nothing_else")
        # 7. facts, listening, venting
        parts: list[str] = []
        if "repeat_confirm" in moves:
            parts.append(self._line("confirm"))
        elif moves & {"empathy", "apology", "praise"} and st.anger < 80:
            parts.append(self._line("calmer"))
        parts.extend(revealed)
        if not revealed and "confirm_identity" in moves and "question" in moves and scenario.category != "harassment":
            parts.append(self._line("identity"))
        if parts:
            return "".join(parts)
        if first and "greeting" in moves:
            return self._line("greeted")
        if "question" in moves and st.anger < 60 and scenario.category != "harassment" and not moves & {"offer_help", "more_help"}:
            return self._line("unknown_question")
        if scenario.category == "harassment":
            return self._line("harass")
        if st.anger >= 60:
            return self._line("vent")
        return self._line("push")

    def _reveal(self, norm: str, moves: set[str]) -> list[str]:
        st = self._state
        out = []
        asking = "question" in moves or "repeat_confirm" in moves
        for fact in self.scenario.facts:
            if fact.id in st.revealed or not asking or not said_any(norm, fact.ask):
                continue
            st.revealed[fact.id] = len(self.agent_moves) - 1
            st.trust = min(100.0, st.trust + 3)
            out.append(self._rng(f"fact:{fact.id}").choice(fact.reveal))
        return out

    def _consider(self, offered: list[Remedy], moves: set[str]) -> str:
        st = self._state
        scenario = self.scenario
        missing_facts = [f for f in scenario.facts if f.required and f.id not in st.revealed]
        if missing_facts:
            st.trust = max(0.0, st.trust - 5)
            return self._line("premature")
        # A harasser needs nothing but the polite, mechanical end (harass.terminate).
        needs = () if scenario.category == "harassment" else self.needs
        missing_needs = [m for m in needs if not self._made(m)]
        if missing_needs or st.anger > scenario.accept_anger or st.trust < scenario.accept_trust:
            return self._line("not_yet")
        choice = offered[self._rng("choice").randrange(len(offered))] if len(offered) > 1 else offered[0]
        st.accepted = choice
        st.accepted_at = len(self.agent_moves) - 1
        st.anger = max(0.0, st.anger - 20)
        st.trust = min(100.0, st.trust + 10)
        situation = "choose" if ("options" in moves or len(offered) > 1) else "accept"
        line = self._line(situation, remedy=choice.title)
        if scenario.category == "harassment":
            self._end("resolved")
        return line


_HONORIFICS = ("先生", "女士", "小姐", "阿姨", "大爷", "奶奶", "叔叔", "老师", "总", "工")
_NO_SURNAME = re.compile(r"[，,]?我?姓\{surname\}")


def _surname(name: str) -> str:
    """王先生 → 王; a name without an honorific gives no surname."""
    for honorific in _HONORIFICS:
        if name.endswith(honorific) and len(name) - len(honorific) == 1:
            return name[0]
    return ""


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def move_label(move: str) -> str:
    return MOVES.get(move, move)
