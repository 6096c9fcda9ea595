"""Each detection operator, through a one-rule rulebook: a conversation that
must match it and one that must not."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.qa.engine import Engine
from kefu.qa.rulebook import compile_rulebook
from kefu.qa.tests.helpers import conv


def judge(detect: dict[str, Any], conversation: dict[str, Any], **extra: Any) -> str:
    """Outcome of a one-rule rulebook (expect present): pass = the operator matched."""
    data = {
        "name": "t",
        "phrase_sets": {"apology": ["抱歉", "对不起"]},
        "defs": {"greeted": {"phrases": ["您好"], "speaker": "agent"}},
        "rules": [{"id": "r", "title": "测试", "category": "skill", "points": 1, "cites": ["skill.ask"], "detect": detect, **extra}],
    }
    return Engine(compile_rulebook(data)).score(conversation).outcome("r")


HELLO = conv("A:您好，請問有什麼可以幫您？", "C:我的寬帶斷了", "A:好的，我幫您查一下")


@pytest.mark.parametrize(
    ("detect", "expected"),
    [
        ({"phrases": ["请问"]}, "pass"),  # Traditional input, Simplified phrase
        ({"phrases": ["退款"]}, "fail"),
        ({"phrases": ["您好", "宽带"], "mode": "all"}, "pass"),
        ({"phrases": ["您好", "退款"], "mode": "all"}, "fail"),
        ({"phrases": ["退款", "投诉"], "mode": "none"}, "pass"),
        ({"phrases": ["您好", "投诉"], "mode": "none"}, "fail"),
        ({"phrases": ["您好", "宽带", "查一下", "退款"], "mode": "at_least", "n": 3}, "pass"),
        ({"phrases": ["您好", "宽带", "投诉", "退款"], "mode": "at_least", "n": 3}, "fail"),
        ({"phrases": ["宽带"], "speaker": "customer"}, "pass"),
        ({"phrases": ["宽带"], "speaker": "agent"}, "fail"),
        ({"phrases": ["您好"], "speaker": "agent", "first": 1}, "pass"),
        ({"phrases": ["查一下"], "speaker": "agent", "first": 1}, "fail"),
        ({"phrases": ["查一下"], "speaker": "agent", "last": 1}, "pass"),
        ({"phrases": ["您好"], "speaker": "agent", "last": 1}, "fail"),
        ({"phrases": ["查一下"], "after_turn": 1}, "pass"),
        ({"phrases": ["您好"], "after_turn": 1}, "fail"),
        ({"phrases": ["@apology"]}, "fail"),
        ({"ref": "greeted"}, "pass"),
    ],
)
def test_phrase_sets_speaker_and_position(detect: dict[str, Any], expected: str) -> None:
    assert judge(detect, HELLO) == expected


def test_phrases_match_full_width_input() -> None:
    assert judge({"phrases": ["vip客户"]}, conv("C:我是ＶＩＰ客戶")) == "pass"


def test_within_seconds_uses_turn_start_times() -> None:
    timed = conv("A:请稍等", "A:您好", timed=True, gaps={1: 40.0})
    assert judge({"phrases": ["请稍等"], "within_seconds": 20}, timed) == "pass"
    assert judge({"phrases": ["您好"], "within_seconds": 20}, timed) == "fail"
    assert judge({"phrases": ["您好"], "within_seconds": 20}, conv("A:您好")) == "na"


def test_regex_with_exclusions() -> None:
    detect = {"regex": "不(能|可以)", "exclude": ["不过我们可以"], "speaker": "agent"}
    assert judge(detect, conv("A:这个不能办理。")) == "pass"
    assert judge(detect, conv("A:这个不能直接办理，不过我们可以帮您申请。")) == "fail"
    detect_re = {"regex": "不能", "exclude_regex": "可以.{0,4}申请"}
    assert judge(detect_re, conv("A:不能办，可以帮您申请")) == "fail"


def test_boolean_combinations() -> None:
    assert judge({"all_of": [{"phrases": ["您好"]}, {"phrases": ["宽带"]}]}, HELLO) == "pass"
    assert judge({"all_of": [{"phrases": ["您好"]}, {"phrases": ["退款"]}]}, HELLO) == "fail"
    assert judge({"any_of": [{"phrases": ["退款"]}, {"phrases": ["宽带"]}]}, HELLO) == "pass"
    assert judge({"any_of": [{"phrases": ["退款"]}, {"phrases": ["投诉"]}]}, HELLO) == "fail"
    assert judge({"not": {"phrases": ["退款"]}}, HELLO) == "pass"
    assert judge({"not": {"phrases": ["宽带"]}}, HELLO) == "fail"


def test_count_of_turns() -> None:
    many = conv("C:还是不行", "A:好的", "C:还是不行", "C:还是不行")
    assert judge({"count": {"phrases": ["还是不行"]}, "min": 3}, many) == "pass"
    assert judge({"count": {"phrases": ["还是不行"]}, "min": 4}, many) == "fail"
    assert judge({"count": {"phrases": ["还是不行"]}, "min": 0, "max": 2}, many) == "fail"


@pytest.mark.parametrize(
    ("relation", "within", "every", "expected"),
    [("after", 1, False, "pass"), ("after", 0, False, "fail"), ("before", 2, False, "fail"), ("around", 1, False, "pass"), ("after", 3, True, "fail")],
)
def test_near_anchor(relation: str, within: int, every: bool, expected: str) -> None:
    talk = conv("A:抱歉", "A:已经为您处理", "C:好", "C:好", "A:对不起", "C:嗯")
    detect = {"near": {"anchor": {"phrases": ["@apology"]}, "target": {"phrases": ["已经为您"]}, "relation": relation, "within": within, "every": every}}
    assert judge(detect, talk) == expected


def test_near_without_anchor_is_na() -> None:
    detect = {"near": {"anchor": {"phrases": ["@apology"]}, "target": {"phrases": ["已经"]}}}
    assert judge(detect, conv("A:您好")) == "na"


def test_answer_delay_from_events_or_first_agent_turn() -> None:
    ring = [{"type": "ring", "at": 0}, {"type": "answer", "at": 8}]
    assert judge({"answer_delay": {"min": 2, "max": 15}}, conv("A:您好", timed=True, events=ring)) == "pass"
    assert judge({"answer_delay": {"max": 5}}, conv("A:您好", timed=True, events=ring)) == "fail"
    assert judge({"answer_delay": {"min": 2}}, conv("A:您好", timed=True, start=0.5)) == "fail"  # picked up instantly
    assert judge({"answer_delay": {"max": 15}}, conv("A:您好")) == "na"


def test_silence_unannounced_and_holds() -> None:
    announced = conv("A:我帮您查一下，请稍候", "A:让您久等了", timed=True, gaps={1: 30})
    silent = conv("A:好的", "A:查到了", timed=True, gaps={1: 30})
    detect = {"silence": {"min_seconds": 10, "announce": ["请稍候"]}}
    assert judge(detect, announced) == "fail"  # no unannounced silence
    assert judge(detect, silent) == "pass"
    hold = conv("A:好的", "A:查到了", timed=True, events=[{"type": "hold_start", "at": 8}, {"type": "hold_end", "at": 50}])
    assert judge(detect, hold) == "pass"
    assert judge({"silence": {"min_seconds": 60, "announced": "any"}}, hold) == "fail"


def test_speech_rate_skips_short_turns() -> None:
    detect = {"speech_rate": {"speaker": "agent", "max_cpm": 300, "min_chars": 10}}
    long_text = "A:您好这里是客服中心请问有什么可以帮您的吗"
    assert judge(detect, conv(long_text, timed=True, cpm=450)) == "pass"
    assert judge(detect, conv(long_text, timed=True, cpm=200)) == "fail"
    assert judge(detect, conv("A:好的", timed=True, cpm=2000)) == "na"  # too short to judge


def test_interruption_threshold() -> None:
    talk = conv("C:我想问一下我的账单为什么这么高", "A:您好", timed=True)
    talk["turns"][1]["start"] = talk["turns"][0]["end"] - 1.5
    assert judge({"interruption": {"by": "agent", "min_overlap": 1.0}}, talk) == "pass"
    assert judge({"interruption": {"by": "agent", "min_overlap": 2.0}}, talk) == "fail"
    assert judge({"interruption": {"by": "agent"}}, conv("C:你好", "A:您好")) == "na"


def test_who_hangs_up_first() -> None:
    events = [{"type": "hangup", "at": 10, "by": "customer"}]
    assert judge({"hangs_up_first": "customer"}, conv("A:再见", timed=True, events=events)) == "pass"
    assert judge({"hangs_up_first": "agent"}, conv("A:再见", timed=True, events=events)) == "fail"
    assert judge({"hangs_up_first": "agent"}, conv("A:再见")) == "na"


def test_emotion_per_turn_and_trajectory() -> None:
    angry_then_happy = conv("C:太差了，垃圾，气死我了！", "A:抱歉，已经为您处理", "C:好的，解决了，非常满意，谢谢！")
    happy_then_angry = conv("C:你好，谢谢，很满意。", "A:好的", "C:太差了，垃圾，气死我了！")
    assert judge({"emotion": {"speaker": "customer", "below": -3}}, angry_then_happy) == "pass"
    assert judge({"emotion": {"speaker": "customer", "below": -3, "last": 1}}, angry_then_happy) == "fail"
    assert judge({"emotion": {"speaker": "customer", "above": 3, "last": 1}}, angry_then_happy) == "pass"
    assert judge({"trajectory": {"direction": "calmer"}}, angry_then_happy) == "pass"
    assert judge({"trajectory": {"direction": "calmer"}}, happy_then_angry) == "fail"
    assert judge({"trajectory": {"direction": "worse"}}, happy_then_angry) == "pass"
    assert judge({"trajectory": {"direction": "worse"}}, conv("C:你好")) == "na"
    assert judge({"emotion": {"speaker": "agent", "below": -5}}, conv("A:真是垃圾，烦死了，恶心，太差劲")) == "pass"


def test_rule_applicability() -> None:
    only_when_apology = {"applies_when": {"phrases": ["@apology"]}}
    assert judge({"phrases": ["您好"]}, HELLO, **only_when_apology) == "na"
    assert judge({"phrases": ["您好"]}, conv("A:您好，抱歉"), **only_when_apology) == "pass"


def test_greeting_fits_time_of_day_and_spring_festival() -> None:
    def at(text: str, when: str | None) -> dict[str, Any]:
        data = conv(f"A:{text}")
        if when:
            data["meta"] = {"started_at": when}
        return data

    assert judge({"greeting_time": {}}, at("晚上好，请问有什么可以帮您", "2026-05-06T20:30:00")) == "pass"
    assert judge({"greeting_time": {}}, at("早上好", "2026-05-06T20:30:00")) == "fail"
    assert judge({"greeting_time": {}}, at("您好", "2026-02-20T09:00:00")) == "fail"  # lunar 1/4: 新年好 expected
    assert judge({"greeting_time": {}}, at("新年好！", "2026-02-20T09:00:00")) == "pass"
    assert judge({"greeting_time": {}}, at("您好", None)) == "na"


def test_count_and_near_see_every_branch_of_any_of() -> None:
    talk = conv("C:还是不行", "A:好的", "C:一直掉线")
    either = {"any_of": [{"phrases": ["还是不行"]}, {"phrases": ["一直"]}]}
    assert judge({"count": either, "min": 2}, talk) == "pass"
    near = {"near": {"anchor": {"phrases": ["好的"]}, "target": either, "relation": "after", "within": 1}}
    assert judge(near, talk) == "pass"
