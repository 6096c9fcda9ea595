"""A scorecard serialises completely and reads back equal: what the QA
workbench stores is what the engine said."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.qa import Engine, Evidence, Scorecard, ScorecardError
from kefu.qa.rulebook import compile_rulebook, default_rulebook, load_rulebook
from kefu.qa.tests.helpers import conv
from kefu.qa.tests.test_composition import COMPLAINT_CALL, call


def round_trip(card: Scorecard) -> Scorecard:
    return Scorecard.from_dict(json.loads(json.dumps(card.to_dict(), ensure_ascii=False)))


def test_a_complaint_call_reads_back_equal_with_everything_it_said() -> None:
    card = Engine().score(call(COMPLAINT_CALL))
    assert Scorecard.from_dict(card.to_dict()) == card
    assert round_trip(card) == card
    data = card.to_dict()
    book = default_rulebook("hotline")
    assert (data["rulebook"], data["rulebook_version"]) == (book.id, book.version) == ("hotline+complaint", book.version)
    assert data["veto"] is None and data["critical"] == [] and data["applicable"] is True
    assert data["emotion"]["trajectory"] in ("calmer", "worse", "same")
    hit = next(h for h in data["hits"] if h["rule"] == "phone.manner.no_argue")
    assert (hit["category"], hit["critical"]) == ("attitude", True)
    greeting = next(h for h in data["hits"] if h["rule"] == "phone.open.greeting_first")
    evidence = greeting["evidence"][0]
    turn = call(COMPLAINT_CALL)["turns"][0]
    assert (evidence["turn"], evidence["start"], evidence["end"]) == (0, turn["start"], turn["end"])
    assert evidence["span"] == [0, 2] and turn["text"][0:2] == "您好"


turn_strategy = st.fixed_dictionaries(
    {"speaker": st.sampled_from(["agent", "customer", "system"]),
     "text": st.sampled_from(["您好，请问有什么可以帮您？", "我要投诉，太差了！", "這是你自己的問題", "已经为您处理，24小时内恢复", "请稍等", "再见"])
     | st.text(max_size=30)},
    optional={"start": st.floats(min_value=0, max_value=600)},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turns=st.lists(turn_strategy, max_size=10), book=st.sampled_from([None, "hotline", "chat", "complaint", "counter"]))
def test_every_scorecard_reads_back_equal(turns: list[dict[str, Any]], book: str | None) -> None:
    card = Engine(book).score({"id": "h", "channel": "hotline", "turns": turns})
    assert Scorecard.from_dict(card.to_dict()) == card
    assert round_trip(card) == card


def test_a_vetoed_card_reads_back_with_its_veto() -> None:
    card = Engine("chat").score(conv("C:宽带又断了", "A:这是你自己的问题"))
    assert card.veto == "zero" and card.critical and card.score == 0
    assert round_trip(card) == card
    assert round_trip(card).to_dict()["veto"] == "zero"


def test_evidence_spans_point_into_the_original_text() -> None:
    card = Engine("hotline").score(conv("C:寬帶斷了", "A:喂，這是你自己的問題，您可以重啟路由器", channel="hotline"))
    text = "喂，這是你自己的問題，您可以重啟路由器"
    argue = card.hit("phone.manner.no_argue").evidence[0]
    # The leftmost phrase of the rule's set (是你自己), in the Traditional original.
    assert argue.span == (3, 7) and text[3:7] == "是你自己"
    wei = card.hit("phone.open.no_wei").evidence[0]
    assert wei.span == (0, 1)


def test_a_span_is_left_out_when_normalising_changed_the_turns_length() -> None:
    # NFKC spells ㈱ as (株): offsets into the normalised text would be off.
    card = Engine("chat").score(conv("C:㈱公司的宽带断了", "A:这是你自己的问题"))
    assert card.hit("attitude.no_argue").evidence[0].span is not None
    book = compile_rulebook({"name": "t", "rules": [
        {"id": "r", "title": "宽带", "category": "skill", "points": 1, "cites": ["skill.ask"], "detect": {"phrases": ["宽带"]}},
    ]})
    evidence = Engine(book).score(conv("C:㈱公司的宽带断了")).hit("r").evidence[0]
    assert (evidence.turn, evidence.span) == (0, None)


def test_a_regex_span_is_the_whole_match() -> None:
    book = compile_rulebook({"name": "t", "rules": [
        {"id": "r", "title": "时限", "category": "substance", "points": 1, "cites": ["skill.ask"],
         "detect": {"regex": "[0-9]+(个)?(小时|天)内", "speaker": "agent"}},
    ]})
    evidence = Engine(book).score(conv("A:我们会在２４小时内处理")).hit("r").evidence[0]
    assert evidence.span == (4, 9) and "我们会在２４小时内处理"[4:9] == "２４小时内"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.pop("score"), "score: is required"),
        (lambda d: d.update(score="80"), "score: must be an integer, got str"),
        (lambda d: d.update(passed=1), "passed: must be true or false, got int"),
        (lambda d: d.update(veto="halve"), "veto: must be one of zero, fail, got 'halve'"),
        (lambda d: d["hits"][1].update(outcome="maybe"), "hits[1].outcome: must be one of pass, fail, na"),
        (lambda d: d["hits"][1]["evidence"][0].update(span=[1]), "hits[1].evidence[0].span: must be [from, to]"),
        (lambda d: d["categories"].update(opening=True), "categories.opening: must be an integer, got True"),
    ],
)
def test_a_damaged_scorecard_names_the_field(change: Any, path: str) -> None:
    data = Engine("hotline").score(conv("A:您好，请问有什么可以帮您？", "C:谢谢", channel="hotline")).to_dict()
    change(data)
    with pytest.raises(ScorecardError) as info:
        Scorecard.from_dict(data)
    assert str(info.value).startswith(path)


def test_a_card_written_before_the_full_format_still_reads() -> None:
    old = {
        "id": "c1", "rulebook": "chat", "score": 0, "passed": False, "critical": ["attitude.no_argue"],
        "categories": {"attitude": 0}, "emotion": {}, "complaint_detected": True,
        "hits": [{"rule": "attitude.no_argue", "title": "不与客户争辩", "cites": ["phone.manner.no_argue"], "outcome": "fail",
                  "points": -10, "evidence": [{"turn": 1, "start": None, "end": None, "text": "这是你自己的问题"}]}],
    }
    card = Scorecard.from_dict(old)
    assert card.veto == "zero" and card.rulebook_version == "" and card.hits[0].category == ""
    assert card.hits[0].evidence == (Evidence(1, "这是你自己的问题"),)


def test_load_rulebook_version_matches_the_card() -> None:
    card = Engine("counter").score(conv("A:您好", channel="counter"))
    assert (card.rulebook, card.rulebook_version) == ("counter", load_rulebook("counter").version)
