"""Conversation model: parsing and validating the JSON input, and the
normalised view the matchers run on.

A conversation is::

    {"id", "channel"?, "turns": [{"speaker", "text", "start"?, "end"?}],
     "events"?: [{"type", "at", "by"?}], "meta"?: {...}}

A turn's speaker is ``agent``, ``customer`` or ``system`` (an IVR prompt, a
transfer notice). Times are seconds from the start of the call, optional,
finite and never negative, and a turn does not end before it starts. A
conversation without a channel is online chat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kefu.lib.textnorm import normalize

SPEAKERS = ("agent", "customer", "system")
EVENT_TYPES = ("ring", "answer", "hold_start", "hold_end", "transfer", "hangup")
CHAT = "chat"
# Separator between turns in the joined text: survives normalisation
# unchanged and never appears in a phrase, so no match spans two turns.
SEP = "\x1f"


class ConversationError(ValueError):
    """Invalid conversation JSON; ``path`` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn; built directly or by :func:`parse_turn`, it is checked either
    way (:class:`ConversationError` names the offending field)."""

    speaker: str  # agent | customer | system
    text: str
    start: float | None = None  # seconds from the start of the call
    end: float | None = None

    def __post_init__(self) -> None:
        if self.speaker not in SPEAKERS:
            raise ConversationError("speaker", f"must be one of {', '.join(SPEAKERS)}, got {self.speaker!r}")
        if not isinstance(self.text, str):
            raise ConversationError("text", "must be a string")
        _number(self.start, "start")
        _number(self.end, "end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ConversationError("end", f"ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    at: float
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]
    channel: str = CHAT
    events: tuple[Event, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_call(self) -> bool:
        return self.channel != CHAT


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConversationError(path, f"must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ConversationError(path, f"must be a finite number of seconds >= 0, got {value!r}")
    return float(value)


def _seconds(value: Any) -> Any:
    # Whole seconds as floats, so a scorecard's times read the same however
    # the input spelled them; anything else is left for Turn to refuse.
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def parse_turn(raw: Any, index: int = 0) -> Turn:
    """Validate one decoded turn ``{"speaker", "text", "start"?, "end"?}``,
    the ``index``-th of its conversation (errors name ``turns[index]``)."""
    path = f"turns[{index}]"
    if not isinstance(raw, Mapping):
        raise ConversationError(path, "must be an object with speaker and text")
    speaker: Any = raw.get("speaker")
    text: Any = raw.get("text")
    try:
        return Turn(speaker, text, _seconds(raw.get("start")), _seconds(raw.get("end")))
    except ConversationError as exc:
        raise ConversationError(f"{path}.{exc.path}", exc.message) from None


def _parse_event(raw: Any, index: int) -> Event:
    path = f"events[{index}]"
    if not isinstance(raw, dict):
        raise ConversationError(path, "must be an object with type and at")
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        raise ConversationError(f"{path}.type", f"must be one of {', '.join(EVENT_TYPES)}, got {kind!r}")
    at = _number(raw.get("at"), f"{path}.at")
    if at is None:
        raise ConversationError(f"{path}.at", "is required (seconds from the start of the call)")
    by = raw.get("by")
    if by is not None and by not in SPEAKERS:
        raise ConversationError(f"{path}.by", f"must be one of {', '.join(SPEAKERS)}, got {by!r}")
    return Event(kind, at, by)


def parse_conversation(raw: Any) -> Conversation:
    """Validate decoded JSON and build a :class:`Conversation`.

    Raises :class:`ConversationError` naming the first offending field.
    """
    if not isinstance(raw, dict):
        raise ConversationError("", "a conversation must be a JSON object")
    conv_id = raw.get("id")
    if not isinstance(conv_id, str | int) or isinstance(conv_id, bool) or conv_id == "":
        raise ConversationError("id", "is required (a non-empty string)")
    channel = raw.get("channel") or CHAT
    if not isinstance(channel, str):
        raise ConversationError("channel", "must be a string such as hotline or chat")
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list):
        raise ConversationError("turns", "is required (a list of turns)")
    turns = tuple(parse_turn(t, i) for i, t in enumerate(turns_raw))
    events_raw = raw.get("events") or []
    if not isinstance(events_raw, list):
        raise ConversationError("events", "must be a list")
    events = tuple(sorted((_parse_event(e, i) for i, e in enumerate(events_raw)), key=lambda e: e.at))
    meta = raw.get("meta") or {}
    if not isinstance(meta, dict):
        raise ConversationError("meta", "must be an object")
    return Conversation(str(conv_id), turns, channel, events, meta)


class Prepared:
    """A conversation normalised once, with per-speaker indexes.

    Everything the matchers need is computed here a single time and shared
    by every rule of every rulebook that scores this conversation.
    """

    __slots__ = ("by_speaker", "conv", "joined", "norm", "offsets", "turns")

    def __init__(self, conv: Conversation, norm: list[str] | None = None) -> None:
        self.conv = conv
        self.turns = conv.turns
        if norm is None:
            raw = SEP.join([t.text for t in conv.turns])
            if raw.count(SEP) >= len(conv.turns):  # a turn holds the separator itself: blank it
                raw = SEP.join(t.text.replace(SEP, " ") for t in conv.turns)
            self.joined = normalize(raw)
            norm = self.joined.split(SEP) if conv.turns else []
            if len(norm) != len(conv.turns):  # pragma: no cover - defensive
                norm = [normalize(t.text.replace(SEP, " ")) for t in conv.turns]
                self.joined = SEP.join(norm)
        else:
            # Live sessions normalise each turn as it arrives and pass them in.
            self.joined = SEP.join(norm)
        self.norm: list[str] = norm
        offsets = []
        pos = 0
        for text in self.norm:
            offsets.append(pos)
            pos += len(text) + 1
        self.offsets = offsets
        by_speaker: dict[str, list[int]] = {"agent": [], "customer": [], "system": []}
        for i, turn in enumerate(conv.turns):
            by_speaker[turn.speaker].append(i)
        by_speaker["any"] = list(range(len(conv.turns)))
        self.by_speaker = by_speaker

    @property
    def has_times(self) -> bool:
        return any(t.start is not None for t in self.turns)
