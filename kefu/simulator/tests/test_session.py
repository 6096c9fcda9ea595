"""The simulated customer's reactions, determinism, replay and bad turns."""

from __future__ import annotations

import json

import pytest

from kefu.qa import Engine
from kefu.simulator import (
    MAX_TURN_CHARS,
    EmptyTurn,
    Session,
    SessionEnded,
    TurnError,
    TurnTooLong,
    get_scenario,
    load_scenarios,
)
from kefu.simulator.session import defaults
from kefu.simulator.tests.trainees import bad_trainee, good_trainee

GREET = "您好，客服中心，工号1024为您服务，请问有什么可以帮您？"


@pytest.fixture
def bank() -> Session:
    return Session.start(get_scenario("case.bank_deduction"), seed=3)


def test_the_customer_speaks_first(bank: Session) -> None:
    assert [t.speaker for t in bank.transcript] == ["customer"]
    assert bank.transcript[0].text in get_scenario("case.bank_deduction").opening
    assert bank.outcome is None and bank.mood_curve == [bank.scenario.mood]


def test_the_same_seed_and_turns_give_the_same_conversation() -> None:
    scenario = get_scenario("difficult.emotional")
    turns = good_trainee(scenario, 1)
    first = Session.replay(scenario, 11, turns)
    second = Session.replay(scenario, 11, turns)
    assert first.transcript == second.transcript
    assert first.mood_curve == second.mood_curve
    assert first.report() == second.report()


def test_different_seeds_vary_the_customer_lines() -> None:
    scenario = get_scenario("case.bank_deduction")
    transcripts = {tuple(t.text for t in Session.replay(scenario, seed, good_trainee(scenario, 0)).transcript) for seed in range(8)}
    assert len(transcripts) > 1


def test_replay_from_the_trainee_turns_alone_rebuilds_the_session() -> None:
    scenario = get_scenario("case.repair_overtime")
    live = Session.start(scenario, 5)
    for i, text in enumerate(good_trainee(scenario, 2)):
        live.say(text, at=10.0 * i)  # times are recorded, never change the customer
    replayed = Session.replay(scenario, 5, live.agent_texts())
    assert [(t.speaker, t.text) for t in replayed.transcript] == [(t.speaker, t.text) for t in live.transcript]
    assert replayed.outcome == live.outcome == "resolved"
    assert [t.t for t in live.transcript if t.speaker == "agent"] == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0][: len(live.agent_texts())]


def test_replay_refuses_turns_after_the_customer_hung_up() -> None:
    scenario = get_scenario("case.bank_deduction")
    with pytest.raises(SessionEnded):
        Session.replay(scenario, 0, [*bad_trainee(scenario, 0), "您好"])


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\u200b\u200b", "\ufeff \x00"])
def test_an_empty_turn_is_refused_in_chinese_and_changes_nothing(bank: Session, text: str) -> None:
    with pytest.raises(EmptyTurn) as caught:
        bank.say(text)
    assert caught.value.message == "发言不能为空。"
    assert isinstance(caught.value, ValueError)
    assert len(bank.transcript) == 1 and len(bank.mood_curve) == 1


def test_a_ten_thousand_character_turn_is_refused_whole(bank: Session) -> None:
    with pytest.raises(TurnTooLong) as caught:
        bank.say("您好" * 5000)
    assert str(MAX_TURN_CHARS) in caught.value.message
    assert len(bank.transcript) == 1
    bank.say("您" * MAX_TURN_CHARS)  # the limit itself is accepted
    assert len(bank.transcript) == 3


def test_traditional_chinese_is_stored_and_understood_as_simplified(bank: Session) -> None:
    bank.say("您好，客服中心，工號1024為您服務，請問有什麼可以幫您？")
    reply = bank.say("非常理解您的心情，給您添麻煩了。我確認一下，您是說銀行卡被重複扣了話費，對嗎？")
    assert bank.transcript[-2].text.startswith("非常理解您的心情，给您添麻烦了")
    assert {"empathy", "repeat_confirm"} <= bank.agent_moves[-1]
    assert reply.mood.anger < bank.scenario.mood.anger


def test_emoji_are_tolerated(bank: Session) -> None:
    reply = bank.say("🙂🙂")
    assert reply.text in defaults().lines["unclear"]
    reply = bank.say("您好🙂，非常理解您的心情👍")
    assert "empathy" in bank.agent_moves[-1] and not reply.ended


def test_wei_and_arguing_raise_anger_and_empathy_lowers_it(bank: Session) -> None:
    start = bank.mood.anger
    bank.say("喂，什么事？")
    after_wei = bank.mood.anger
    assert after_wei > start
    bank.say("非常理解您的心情，给您添麻烦了。")
    assert bank.mood.anger < after_wei
    calm = bank.mood.anger
    bank.say("这是你自己的问题。")
    assert bank.mood.anger > calm


def test_a_vague_promise_lowers_trust(bank: Session) -> None:
    bank.say(GREET)
    before = bank.mood.trust
    reply = bank.say("我们会尽快处理的。")
    assert bank.mood.trust < before
    assert reply.text in defaults().lines["vague"]


def test_two_options_let_the_customer_choose_one_it_accepts() -> None:
    scenario = get_scenario("case.bank_deduction")
    turns = good_trainee(scenario, 0)
    session = Session.start(scenario, 0)
    for text in turns[:-2]:
        reply = session.say(text)
    chosen = session.accepted_remedy
    assert chosen is not None and chosen.title in reply.text
    assert chosen in scenario.remedies


def test_deflection_and_a_bare_no_are_answered_as_such() -> None:
    calm = Session.start(get_scenario("case.real_name"), 0)
    calm.say(GREET)
    assert calm.say("您去营业厅问吧。").text in defaults().lines["deflected"]
    assert "deflect" in calm.agent_moves[-1]
    assert calm.say("不行。").text in defaults().lines["refused"]
    assert "flat_no" in calm.agent_moves[-1]
    assert calm.mood.anger > calm.scenario.mood.anger + 30


def test_an_angry_customer_asks_for_a_supervisor_and_a_handover_ends_escalated() -> None:
    session = Session.start(get_scenario("case.bank_deduction"), 1)
    session.say("喂？")
    reply = session.say("你自己的问题，跟我们没关系。")
    assert reply.text in defaults().lines["supervisor"]
    reply = session.say("好的，我马上请我们主管来跟您说。")
    assert reply.ended and session.outcome == "escalated"


def test_a_justice_type_threatens_the_regulator() -> None:
    session = Session.start(get_scenario("difficult.justice"), 1)
    session.say("喂？")
    assert session.say("你有完没完？").text in defaults().lines["threaten"]


def test_a_customer_pushed_past_its_limit_hangs_up() -> None:
    scenario = get_scenario("case.outage_damage")
    session = Session.start(scenario, 0)
    for text in bad_trainee(scenario, 0):
        if session.ended:
            break
        session.say(text)
    assert session.ended and session.outcome == "hung_up"
    with pytest.raises(SessionEnded):
        session.say("您好")


def test_a_trainee_who_never_speaks_ends_unresolved_at_the_time_limit(bank: Session) -> None:
    assert bank.finish("timeout") == "unresolved"
    report = bank.report()
    assert report["finish_reason_label"] == "时间到" and report["outcome_label"] == "未解决"
    assert bank.finish("trainee") == "unresolved"  # a finished call keeps its outcome


def test_finish_names_its_reasons(bank: Session) -> None:
    with pytest.raises(TurnError):
        bank.finish("lunch")


def test_the_report_is_json_with_the_live_qa_scorecard_goals_mood_and_better_phrases() -> None:
    scenario = get_scenario("case.bank_deduction")
    session = Session.replay(scenario, 2, ["喂，什么事？", "不行，这个办不了。"])
    session.finish("trainee")
    report = json.loads(json.dumps(session.report(), ensure_ascii=False))
    assert report["scorecard"] == Engine().score(session.conversation()).to_dict()
    assert [g["id"] for g in report["goals"]] == [g.id for g in scenario.goals]
    assert len(report["mood"]) == len(session.mood_curve)
    wei = next(m for m in report["mistakes"] if m["rule"] == "phone.open.no_wei")
    assert wei["said"] == "喂，什么事？" and wei["better"]["text"].startswith("您好")
    assert all(m["title"] for m in report["mistakes"])


def test_every_scenario_opens_differently_for_some_seed() -> None:
    for scenario in load_scenarios():
        if len(scenario.opening) > 1:
            openings = {Session.start(scenario, seed).transcript[0].text for seed in range(12)}
            assert len(openings) > 1, scenario.id


def test_a_forbidden_phrase_gets_the_phrasebooks_alternative() -> None:
    session = Session.replay(get_scenario("case.real_name"), 0, [GREET, "这个我不知道。"])
    mistake = next(m for m in session.report()["mistakes"] if m["rule"] == "phone.manner.no_forbidden")
    assert mistake["better"]["source"] == "“不知道”“不清楚”"
    assert mistake["better"]["text"].startswith("这个问题我马上帮您查询")


def test_one_argument_can_be_recovered_from_but_the_qa_veto_still_fails_the_run() -> None:
    scenario = get_scenario("case.bank_deduction")
    good = good_trainee(scenario, 0)
    session = Session.replay(scenario, 0, [*good[:2], "这是你自己的问题。", *good[2:]])
    report = session.report()
    assert session.outcome == "resolved"
    assert "phone.manner.no_argue" in report["scorecard"]["critical"]
    assert report["passed"] is False


def test_quoting_the_customer_back_is_not_held_against_the_trainee() -> None:
    session = Session.start(get_scenario("case.hotline_unreachable"), 0)
    session.say(GREET)
    reply = session.say("我确认一下，您是说客服热线半天打不进来，对吗？")
    assert "deflect" not in session.agent_moves[-1]
    assert reply.text not in defaults().lines["deflected"]
    assert not [a for a in session.alerts if a.rule == "phone.manner.no_ball_kicking"]
    session.say("客服热线您自己再打吧。")
    assert "deflect" in session.agent_moves[-1]



def test_a_better_phrase_shows_the_phrasebook_blanks_as_blanks_to_fill() -> None:
    from kefu.simulator.report import _slots_shown

    assert _slots_shown("已为您登记{地址}的{故障}，{时间}内上门。") == "已为您登记【地址】的【故障】，【时间】内上门。"
    assert _slots_shown("没有空位的话术") == "没有空位的话术"
