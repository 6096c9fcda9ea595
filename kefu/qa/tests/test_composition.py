"""Default scoring = the channel's rulebook + the complaint-handling rules,
applied when a complaint is detected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kefu.qa import Engine, LiveSession, check_draft
from kefu.qa.rulebook import RulebookError, check_rulebook_data, default_rulebook, load_rulebook
from kefu.qa.tests.helpers import conv

EVENTS = [{"type": "ring", "at": 0}, {"type": "answer", "at": 6}, {"type": "hangup", "at": 200, "by": "customer"}]

# A hotline complaint, in Traditional characters with full-width digits.
COMPLAINT_CALL = [
    "A:您好，客服中心工號１２３４為您服務，請問有什麼可以幫您？",
    "C:我家寬帶這個月斷了好幾次，太差了，我要投訴！",
    "A:非常理解您的心情，給您帶來不便非常抱歉。請問是什麼時候開始斷的？",
    "C:上週開始，晚上都上不了網。",
    "A:您反映的是晚上寬帶頻繁斷線，對嗎？我幫您查一下，請您稍等。",
    "A:已經為您查到，原因是小區設備故障，我已為您提交工單，維修人員會在２４小時內聯繫您上門處理，您看這樣可以嗎？",
    "C:好的，謝謝。",
    "A:感謝您的反映，我們會跟進回訪。請問還有其他可以幫您的嗎？",
    "C:沒有了。",
    "A:非常感謝您的來電，祝您生活愉快，再見。",
]

# A plain consultation, in Simplified characters.
CONSULTATION_CALL = [
    "A:您好，客服中心工号1234为您服务，请问有什么可以帮您？",
    "C:我想查一下我现在的套餐还剩多少流量。",
    "A:好的，请问您是机主本人吗？",
    "C:是的。",
    "A:已经为您查到，您本月还剩3.5G国内流量，月底清零。",
    "C:好的，谢谢。",
    "A:请问还有其他可以帮您的吗？",
    "C:没有了。",
    "A:感谢您的来电，祝您生活愉快，再见。",
]


def call(lines: list[str]) -> dict[str, Any]:
    return conv(*lines, channel="hotline", timed=True, events=EVENTS)


def added(card: Any) -> list[Any]:
    return [h for h in card.hits if h.rule.startswith(("complaint.", "technique."))]


def test_a_hotline_complaint_gets_the_complaint_rules_by_default() -> None:
    card = Engine().score(call(COMPLAINT_CALL))
    assert card.rulebook == "hotline+complaint"
    assert card.complaint_detected is True
    outcomes = {h.rule: h.outcome for h in added(card)}
    for rule in ("complaint.mood_first", "complaint.steps.in_order", "complaint.deescalate", "complaint.apology_not_guilt",
                 "complaint.ten_wrong.apology_only", "technique.guided_inquiry"):
        assert outcomes[rule] == "pass", rule
    assert "complaint" in card.categories
    assert card.to_dict()["complaint_detected"] is True


def test_a_plain_consultation_does_not_get_them() -> None:
    conversation = call(CONSULTATION_CALL)
    card = Engine().score(conversation)
    assert card.rulebook == "hotline+complaint"
    assert card.complaint_detected is False
    assert added(card) and all(h.outcome == "na" and h.points == 0 for h in added(card))
    assert "complaint" not in card.categories
    alone = Engine("hotline").score(conversation)  # exactly as the channel's rulebook alone
    assert (card.score, card.passed, card.categories) == (alone.score, alone.passed, alone.categories)
    assert alone.complaint_detected is False


def test_a_chat_complaint_in_traditional_characters_gets_them_too() -> None:
    card = Engine().score(conv("C:你們的客服態度太差了，到底怎麼回事？", "A:您說得對，但是公司就這麼規定的。"))
    assert card.rulebook == "chat+complaint"
    assert card.complaint_detected is True
    assert card.hit("technique.understanding").outcome == "fail"


def test_an_explicit_rulebook_is_used_alone() -> None:
    card = Engine("hotline").score(call(COMPLAINT_CALL))
    assert card.rulebook == "hotline"
    assert not added(card)
    assert card.complaint_detected is True  # recorded, though its rules are not applied


def test_complaint_rules_carry_their_weight_of_the_score() -> None:
    conversation = call(COMPLAINT_CALL)
    book = default_rulebook("hotline")
    card = Engine().score(conversation)
    part_of = {r.id: (r.part, r.counted_in) for r in book.rules}
    sums: dict[str, list[int]] = {"": [0, 0], "complaint": [0, 0]}
    for hit in card.hits:
        part, counted_in = part_of[hit.rule]
        if hit.outcome != "na" and not counted_in:
            sums[part][0] += max(hit.points, 0)
            sums[part][1] += abs(hit.points)
    channel, complaint = (100 * e / p for e, p in sums.values())
    assert card.score == round(0.75 * channel + 0.25 * complaint)
    assert Engine("hotline").score(conversation).score == round(channel)


def test_the_same_fault_is_deducted_once() -> None:
    lines = [*COMPLAINT_CALL[:2], "A:这是你自己的问题，请您拨打10000咨询。", "C:什么态度！"]
    card = Engine().score(call(lines))
    assert card.critical == ["phone.manner.no_argue"]
    assert card.score == 0 and not card.passed
    blame = card.hit("complaint.ten_wrong.blame")
    assert (blame.outcome, blame.points) == ("fail", 0)
    assert blame.detail.startswith("counted in phone.manner.no_argue")
    assert card.hit("complaint.no_deflection").points == 0
    assert card.hit("phone.manner.no_ball_kicking").points < 0


def test_live_session_checks_what_batch_scoring_does() -> None:
    session = LiveSession()
    assert session.book.name == "hotline+complaint"
    # No complaint yet: the complaint-handling prohibitions are silent.
    assert session.add_turn({"speaker": "customer", "text": "我想问一下套餐。", "start": 0, "end": 2}) == []
    assert session.add_turn({"speaker": "agent", "text": "您确定吗？", "start": 3, "end": 4}) == []
    session.add_turn({"speaker": "customer", "text": "太差了，我要投訴！", "start": 5, "end": 7})
    alerts = session.add_turn({"speaker": "agent", "text": "你為什麼不早點說？", "start": 8, "end": 10})
    assert [a.rule for a in alerts] == ["complaint.ten_wrong.interrogate"]
    turns = [{"speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end} for t in session.turns]
    batch = Engine().score({"id": "live", "channel": "hotline", "turns": turns})
    live = session.scorecard()
    assert (live.rulebook, live.score, live.complaint_detected) == (batch.rulebook, batch.score, True)
    assert [(h.rule, h.outcome, h.points) for h in live.hits] == [(h.rule, h.outcome, h.points) for h in batch.hits]


def test_live_session_does_not_repeat_an_alert_counted_in_another_rule() -> None:
    session = LiveSession()
    session.add_turn({"speaker": "customer", "text": "太差了，我要投诉！"})
    alerts = session.add_turn({"speaker": "agent", "text": "这是你自己的问题。"})
    assert [a.rule for a in alerts] == ["phone.manner.no_argue"]


def test_check_draft_with_the_default_rulebook_gates_the_complaint_rules() -> None:
    book = default_rulebook("chat")
    calm = [{"speaker": "customer", "text": "请问怎么开通国际漫游？"}]
    angry = [{"speaker": "customer", "text": "太差了，我要投诉！"}]
    assert "complaint.ten_wrong.dodge" not in [a.rule for a in check_draft("这不是我们的责任。", calm, book)]
    rules = [a.rule for a in check_draft("这不是我们的责任。请私信我们。", angry, book)]
    assert "complaint.ten_wrong.dodge" in rules
    assert rules.count("substance.no_deflection") == 1 and "complaint.no_deflection" not in rules


def test_composition_is_compiled_once_and_cached() -> None:
    book = default_rulebook("hotline")
    assert book is load_rulebook("hotline+complaint") is default_rulebook("phone")
    assert len(book.phrases) == len(set(book.phrases))
    assert book.automaton is not load_rulebook("hotline").automaton
    assert {r.id for r in load_rulebook("hotline").rules} | {r.id for r in load_rulebook("complaint").rules} == {r.id for r in book.rules}


@pytest.mark.parametrize(
    ("compose", "expected"),
    [
        ({"into": ["hotline"], "weight": 0}, "compose.weight: is required"),
        ({"into": [], "weight": 25}, "compose.into: is required"),
        ({"into": ["hotline"], "weight": 25, "when": 1}, "compose.when: unknown field"),
        ("hotline", "compose: must be a mapping"),
    ],
)
def test_compose_schema_errors(compose: Any, expected: str) -> None:
    data = {"name": "mine", "applies_when": {"phrases": ["投诉"]}, "compose": compose,
            "rules": [{"id": "x.y", "title": "标题", "category": "skill", "points": 5, "cites": ["skill.ask"], "detect": {"phrases": ["您好"]}}]}
    assert any(e.startswith(expected) for e in check_rulebook_data(data))


def test_compose_needs_applies_when() -> None:
    data = {"name": "mine", "compose": {"into": ["hotline"], "weight": 25},
            "rules": [{"id": "x.y", "title": "标题", "category": "skill", "points": 5, "cites": ["skill.ask"], "detect": {"phrases": ["您好"]}}]}
    assert any(e.startswith("compose: needs a rulebook-level applies_when") for e in check_rulebook_data(data))


def test_composing_rulebooks_that_disagree_is_an_error(tmp_path: Path) -> None:
    rule = "rules:\n  - {id: mine.a, title: 标题, category: skill, points: 5, cites: [skill.ask], detect: {ref: refusal}}\n"
    base = tmp_path / "base.yaml"
    base.write_text("name: base\ndefs:\n  refusal: {phrases: [不行]}\n" + rule, encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook(f"{base}+complaint")
    assert "defs.refusal: defined differently" in str(info.value)
    plain = tmp_path / "plain.yaml"
    plain.write_text(rule.replace("{ref: refusal}", "{phrases: [您好]}"), encoding="utf-8")
    plain.write_text("name: plain\n" + plain.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook(f"complaint+{plain}")
    assert "needs one" in str(info.value)
