"""Small builders so test conversations read like transcripts."""

from __future__ import annotations

from typing import Any

from kefu.qa.engine import Engine, Scorecard

SPEAKER = {"A": "agent", "C": "customer", "S": "system"}


def conv(*lines: str, channel: str = "chat", timed: bool = False, gaps: dict[int, float] | None = None,
         events: list[dict[str, Any]] | None = None, cpm: float = 240.0, start: float = 6.0) -> dict[str, Any]:
    """``conv("A:您好", "C:我要投诉")`` → conversation dict.

    With ``timed`` each turn lasts len(text) / cpm minutes, turns follow each
    other after 0.5 s, and ``gaps`` adds extra seconds of silence before turn i.
    """
    turns = []
    t = start
    for i, line in enumerate(lines):
        who, text = line.split(":", 1)
        turn: dict[str, Any] = {"speaker": SPEAKER[who], "text": text}
        if timed:
            t += (gaps or {}).get(i, 0.0)
            duration = max(1.0, len(text) * 60.0 / cpm)
            turn.update(start=round(t, 2), end=round(t + duration, 2))
            t += duration + 0.5
        turns.append(turn)
    out: dict[str, Any] = {"id": "t", "channel": channel, "turns": turns}
    if events is not None:
        out["events"] = events
    return out


def score(book: str, conversation: dict[str, Any]) -> Scorecard:
    return Engine(book).score(conversation)


def outcome(book: str, rule: str, conversation: dict[str, Any]) -> str:
    return score(book, conversation).outcome(rule)
