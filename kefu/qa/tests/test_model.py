"""Turns: who spoke, what, and when — checked however a turn is made."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.qa.model import ConversationError, Turn, parse_conversation, parse_turn


@pytest.mark.parametrize(
    ("raw", "path", "message"),
    [
        ({"speaker": "Agent", "text": "x"}, "turns[3].speaker", "must be one of agent, customer, system, got 'Agent'"),
        ({"text": "x"}, "turns[3].speaker", "must be one of agent, customer, system, got None"),
        ({"speaker": "system", "text": 5}, "turns[3].text", "must be a string"),
        ({"speaker": "agent", "text": "x", "start": "00:05"}, "turns[3].start", "must be a number of seconds, got str"),
        ({"speaker": "agent", "text": "x", "end": True}, "turns[3].end", "must be a number of seconds, got bool"),
        ({"speaker": "agent", "text": "x", "start": -1}, "turns[3].start", "must be a finite number of seconds >= 0, got -1.0"),
        ({"speaker": "agent", "text": "x", "end": float("nan")}, "turns[3].end", "must be a finite number of seconds >= 0, got nan"),
        ({"speaker": "agent", "text": "x", "start": float("inf")}, "turns[3].start", "must be a finite number of seconds >= 0"),
        ({"speaker": "agent", "text": "x", "start": 5, "end": 2.5}, "turns[3].end", "ends (2.5) before it starts (5.0)"),
        (["agent", "x"], "turns[3]", "must be an object with speaker and text"),
    ],
)
def test_a_bad_turn_is_refused_with_its_field_and_why(raw: Any, path: str, message: str) -> None:
    with pytest.raises(ConversationError) as info:
        parse_turn(raw, 3)
    assert info.value.path == path
    assert info.value.message.startswith(message)


def test_a_turn_built_directly_is_checked_too() -> None:
    with pytest.raises(ConversationError, match=r"^speaker: must be one of agent, customer, system"):
        Turn("bot", "您好")
    with pytest.raises(ConversationError, match=r"^end: ends \(1.0\) before it starts \(2.0\)"):
        Turn("agent", "您好", 2.0, 1.0)
    with pytest.raises(ConversationError, match=r"^start: must be a finite number"):
        Turn("agent", "您好", float("nan"))


def test_agent_customer_and_system_turns_with_or_without_times() -> None:
    conv = parse_conversation({"id": 7, "channel": "hotline", "turns": [
        {"speaker": "system", "text": "您的来电将被录音", "start": 0, "end": 2},
        {"speaker": "agent", "text": "您好", "start": 3},
        {"speaker": "customer", "text": "你好"},
    ]})
    assert [(t.speaker, t.start, t.end) for t in conv.turns] == [("system", 0.0, 2.0), ("agent", 3.0, None), ("customer", None, None)]
    assert all(isinstance(t.start, float) for t in conv.turns[:2])  # whole seconds read as floats
    assert conv.id == "7"
