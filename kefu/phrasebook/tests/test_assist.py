"""Agent assist: category, emotion, next step, suggestions, facts and draft warnings."""

from __future__ import annotations

import pytest

from kefu.phrasebook import builtin_library
from kefu.phrasebook.assist import assist, classify_caller, draft_warnings, next_step


def _customer(*texts: str) -> list[dict[str, str]]:
    return [{"speaker": "customer", "text": t} for t in texts]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("请问宽带续费多少钱", "consult"),
        ("我家电视没信号了，怎么办", "help"),
        ("你们乱扣费，我要投诉！", "complaint"),
        ("建议你们营业厅中午多开一个窗口", "suggestion"),
        ("美女你几岁啊，有男朋友吗", "harassment"),
        ("", "consult"),
    ],
)
def test_the_caller_category_follows_what_the_customer_says(text: str, category: str) -> None:
    assert classify_caller([text]) == category


def test_an_angry_complainer_gets_deescalation_first() -> None:
    result = assist(_customer("你们怎么回事！号码停机才三个多月就被收回给别人了！气死我了！"))
    assert result.category == "complaint"
    assert result.emotion == "angry"
    assert result.next_step["code"] == "soothe"
    assert result.suggestions[0].entry == "complaint.deescalate"
    assert 2 <= len(result.suggestions) <= 3


def test_the_policy_fact_that_answers_the_question_is_shown() -> None:
    result = assist(_customer("我想查询一年之前的详单"))
    assert [f.entry for f in result.facts] == ["reg.bill_retention"]
    assert "5个月" in result.facts[0].text


def test_no_fact_is_shown_when_none_answers_the_question() -> None:
    assert assist(_customer("请问你们营业厅几点开门")).facts == ()


def test_the_next_step_moves_on_once_the_agent_has_done_it() -> None:
    turns = [
        *_customer("宽带又断了，修了三次还这样！"),
        {"speaker": "agent", "text": "非常理解您的心情，给您添麻烦了，真对不起。"},
        {"speaker": "customer", "text": "你们到底什么时候能修好？"},
    ]
    result = assist(turns)
    assert result.next_step["code"] == "repeat"
    assert "case.repair_overtime" in [s.entry for s in result.suggestions]


def test_steps_run_to_the_close_and_then_stop() -> None:
    said = [
        "理解您的心情",
        "真对不起",
        "我确认一下，您是说晚上断网，对吗",
        "我查到是光猫故障",
        "我们可以今天安排维护员上门",
        "工单已记录，明天回访",
        "还有其他我能帮助您的吗，感谢您的来电",
    ]
    assert next_step("complaint", said[:3]).code == "clarify"
    assert next_step("complaint", said) is None


def test_known_persona_brings_do_and_dont() -> None:
    result = assist(_customer("快点，直接说能不能修"), persona="老虎")
    assert result.persona["entry"] == "persona.tiger"
    assert "直入主题" in result.persona["do"]
    assert assist(_customer("你好"), persona="unicorn").persona is None


def test_harassment_suggests_the_termination_script_only() -> None:
    result = assist(_customer("美女，陪我聊聊天嘛"))
    assert result.category == "harassment"
    assert result.next_step is None
    assert result.suggestions[0].entry == "harass.terminate"


@pytest.mark.parametrize(
    ("draft", "risk", "better_contains"),
    [
        ("喂，什么事？", "forbidden", "您好"),
        ("这个我不知道。", "forbidden", "马上帮您查询"),
        ("这不归我们管，你打别的电话。", "deflect", "负责"),
        ("谁让你不看短信提醒。", "argue", "一起看看"),
        ("我保证今天一定修好。", "promise", "尽全力"),
        ("您說得很有道理，但是這是規定。", "argue", "同时"),
    ],
)
def test_draft_warnings_name_the_risk_and_give_a_better_phrasing(
    draft: str, risk: str, better_contains: str
) -> None:
    warnings = {w.risk: w for w in draft_warnings(draft)}
    assert risk in warnings
    assert better_contains in warnings[risk].better


def test_a_good_draft_gets_no_warning() -> None:
    draft = "非常理解您的心情，我现在就帮您查一下扣费明细，两分钟内给您答复。"
    assert draft_warnings(draft, history=_customer("话费怎么多了二十块")) == []


def test_wei_only_counts_as_the_first_word() -> None:
    assert [w for w in draft_warnings("您好，请问您家喂养宠物吗") if w.entry == "forbidden.wei_opening"] == []


def test_assist_carries_draft_warnings_and_serialises() -> None:
    result = assist(_customer("我的话费多扣了"), draft="不可能的，系统不会错")
    data = result.to_dict()
    assert data["warnings"][0]["risk"] == "argue"
    assert data["category"] == "complaint"
    assert isinstance(data["elapsed_ms"], float)


def test_traditional_chinese_turns_work() -> None:
    result = assist(_customer("要求查詢一年之前的詳單"))
    assert [f.entry for f in result.facts] == ["reg.bill_retention"]


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("我帮我爸办卡，带了他的身份证复印件可以吗", "calm"),
        ("我想出国半年，号码怎么保留", "calm"),
        ("我家电视没信号了", "unhappy"),
        ("你们怎么回事！气死我了！", "angry"),
        ("好的，谢谢你", "pleased"),
    ],
)
def test_emotion_needs_the_customers_words_to_agree_with_the_model(text: str, emotion: str) -> None:
    assert assist(_customer(text)).emotion == emotion


def test_a_calm_request_for_help_skips_soothing() -> None:
    result = assist(_customer("我买的充值卡过期了怎么办"))
    assert result.category == "help"
    assert result.next_step["code"] == "repeat"
    assert [f.entry for f in result.facts] == ["reg.topup_validity"]


def test_milder_displeasure_gets_empathy_rather_than_the_five_moves() -> None:
    result = assist(_customer("我家电视没信号了"))
    assert result.next_step["entry"] == "technique.empathy_method"
    assert "complaint.deescalate" not in [s.entry for s in result.suggestions]


def test_the_agents_last_sent_turn_is_checked_too() -> None:
    turns = [*_customer("宽带断了"), {"speaker": "agent", "text": "这不归我们管，你打别的电话"}]
    result = assist(turns)
    assert result.warnings == ()
    assert "deflect" in {w.risk for w in result.sent_warnings}


@pytest.mark.parametrize("text", ["送个女朋友的鞋子，便宜好看", "广告层一点就跳出美女陪护"])
def test_merely_mentioning_a_girlfriend_or_beauty_is_not_harassment(text: str) -> None:
    assert classify_caller([text]) != "harassment"


def test_asking_how_much_compensation_is_a_compensation_demand_not_a_bill_query() -> None:
    result = assist(_customer("那你们赔我多少钱？"))
    assert result.category == "complaint"
    assert [i.code for i in result.intents] == ["compensation"]
    entries = [s.entry for s in result.suggestions]
    assert "complaint.compensation" in entries
    assert "consult.bill_query" not in entries


@pytest.mark.parametrize("text", ["我就打12300投诉你们", "再不解决我去工信部告你们"])
def test_a_threat_to_go_to_the_regulator_brings_the_escalation_script(text: str) -> None:
    result = assist(_customer(text))
    assert "regulator" in [i.code for i in result.intents]
    suggested = [s.entry for s in result.suggestions]
    assert "complaint.regulator_threat" in suggested
    script = builtin_library().get("complaint.regulator_threat")
    assert {"complaint.channels", "complaint.authority"} <= set(script.cites)


def test_a_phone_number_with_12345_in_it_is_no_threat() -> None:
    result = assist(_customer("我的号码是13812345678，帮我查一下话费"))
    assert result.intents == ()


def test_scripts_address_the_customer_as_known_or_neutrally() -> None:
    turns = _customer("你们怎么回事！宽带又断了！气死我了！")
    neutral = assist(turns).suggestions[0]
    assert neutral.entry == "complaint.deescalate"
    assert neutral.text.startswith("我非常理解您的感受")
    assert not any(
        word in s.text for s in assist(turns).suggestions for word in ("先生", "女士", "小姐", "{称呼}")
    )
    assert assist(turns, salutation="张女士").suggestions[0].text.startswith("张女士，我非常理解")


def test_no_script_guesses_the_customer_s_gender() -> None:
    guessed = [
        e.id
        for e in builtin_library()
        if e.kind in ("script", "technique", "phrase", "complainer")
        and any(word in e.text for word in ("先生", "女士", "小姐"))
    ]
    assert guessed == []
