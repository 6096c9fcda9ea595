"""Every built-in rule has a conversation that must pass it and one that must fail it.

Each rulebook has a "golden" conversation that passes every rule it can
judge; the rules it leaves n/a get their own passing case. Failing cases are
minimal edits of the golden one, or short conversations of their own.
"""

from __future__ import annotations

from typing import Any

import pytest

from kefu.qa.rulebook import builtin_names, load_rulebook
from kefu.qa.tests.helpers import conv, outcome, score

EVENTS = [{"type": "ring", "at": 0}, {"type": "answer", "at": 6}, {"type": "hangup", "at": 300, "by": "customer"}]

HOTLINE = [
    "A:您好，客服中心工號１２３４為您服務，請問有什麼可以幫您？",  # Traditional and full-width on purpose
    "C:我家宽带这两天老掉线，太差了，到底怎么回事？",
    "A:非常理解您的心情，给您带来不便非常抱歉。请问您是机主王先生吗？",
    "C:是我。你是说要查一下线路，对吗？",
    "A:对的，您反映的是晚上宽带频繁掉线，我帮您查一下，请您稍等。",
    "A:抱歉让您久等了，已经为您查到，原因是小区光交箱设备老化。",
    "C:那什么时候能修好？",
    "A:我已为您提交了故障工单并记录下来，维修人员会在24小时内联系您上门处理，您也可以选择周六上门，您看哪种更合适？",
    "C:好的，那就明天吧，谢谢你。",
    "A:好的。温馨提示您，维修前请保持电话畅通。请问还有其他可以帮您的吗？",
    "C:没有了。",
    "A:非常感谢您的来电，祝您生活愉快，再见。",
    "C:再见。",
]

CHAT = [
    "A:您好，请问有什么可以帮您？",
    "C:我的流量怎么用得这么快，太坑了，到底怎么回事？",
    "A:非常理解您的心情，给您带来不便很抱歉。我帮您查了一下，原因是您开启了视频自动播放，已经为您关闭了这个功能。",
    "C:好的，解决了，谢谢！",
    "A:感谢您的反馈，祝您生活愉快！",
]

APPOINTMENT = [
    "A:您好，请问是李女士吗？我是广电网络鼓楼分公司的维护员张明，想和您预约一下上门安装机顶盒的时间，现在方便吗？",
    "C:是我，方便的。",
    "A:那我们约明天上午10点上门，行吗？",
    "C:行。",
    "A:好的，非常感谢您的配合，我会按时上门为您服务，再见。",
    "C:再见。",
]


COUNTER = [
    "A:您好，欢迎光临，请坐。",
    "C:我想补办一张手机卡。",
    "A:您是要补办手机卡对吗？请出示您的身份证。",
    "C:对，给你。",
    "A:已经为您补办好了，温馨提示您，旧卡已经失效。麻烦您对我的服务做个评价。",
    "C:好的，很满意。",
    "A:请拿好您的证件，请慢走，再见！",
]


def hotline(lines: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("gaps", {5: 25.0})
    kw.setdefault("events", EVENTS)
    return conv(*(lines or HOTLINE), channel="hotline", timed=True, **kw)


def edit(lines: list[str], index: int, text: str | None) -> list[str]:
    """Replace (or with None, drop) one line of a transcript."""
    out = list(lines)
    if text is None:
        del out[index]
    else:
        out[index] = text
    return out


def chat(*lines: str) -> dict[str, Any]:
    return conv(*lines)


def appointment(lines: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("events", [{"type": "hangup", "at": 120, "by": "customer"}])
    return conv(*(lines or APPOINTMENT), channel="appointment", timed=True, **kw)


def with_meta(data: dict[str, Any], started_at: str) -> dict[str, Any]:
    data["meta"] = {"started_at": started_at}
    return data


def overlapping() -> dict[str, Any]:
    data = hotline()
    turns = data["turns"]
    turns[2]["start"] = turns[1]["end"] - 2.0  # the agent starts 2 s before the customer has finished
    return data


GOLDEN = {"counter": conv(*COUNTER, channel="counter"), "hotline": hotline(), "complaint": hotline(), "chat": chat(*CHAT), "appointment": appointment()}

SHORT_SOLUTION = chat("A:您好，工号1234为您服务。", "C:宽带掉线了。", "A:已经为您派单处理。")
DEFLECT = chat("A:您好，请问有什么可以帮您？", "C:宽带坏了。", "A:请您拨打10000咨询当地营业厅。")
ANGRY_NO_EMPATHY = chat("A:您好。", "C:太差了，到底怎么回事！", "A:已经为您派单处理。")

# (rulebook, rule, conversation) that must PASS — for rules the golden one leaves n/a.
PASS_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("hotline", "phone.unclear.ask_repeat", hotline(edit(HOTLINE, 4, "A:不好意思，信号不太好，请您再说一遍可以吗？"))),
    ("hotline", "phone.unclear.no_shouting", hotline(edit(HOTLINE, 3, "C:听不清，你说什么？"))),
    ("hotline", "harass.identify", chat("A:您好，请问有什么可以帮您？", "C:美女，你多大了，陪我聊天吧。", "A:您好，对不起线路故障，请稍后再拨。")),
    ("complaint", "technique.sandwich", chat("C:太差了，我要退款！", "A:非常抱歉，这个按规定无法退款，不过我们可以为您申请一张流量券。")),
    ("appointment", "appointment.late_apology", appointment(edit(APPOINTMENT, 4, "A:路上堵车可能晚到十分钟，非常抱歉，感谢您的配合，再见。"))),
    ("hotline", "phone.open.time_greeting", with_meta(hotline(edit(HOTLINE, 0, "A:下午好，工号1234为您服务，请问有什么可以帮您？")), "2026-05-06T15:00:00")),
    ("hotline", "phone.open.time_greeting", with_meta(hotline(edit(HOTLINE, 0, "A:新年好，工号1234为您服务，请问有什么可以帮您？")), "2026-02-16T10:00:00")),
    # Naming the hotline one works for is not sending the caller elsewhere.
    ("hotline", "phone.manner.no_ball_kicking", chat("A:您好，这里是客服热线，工号1234为您服务，请问有什么可以帮您？", "C:我想问一下套餐。", "A:好的，请您稍等。")),
]

# (rulebook, rule, conversation) that must FAIL.
FAIL_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("hotline", "phone.open.answer_fast", hotline(events=[{"type": "ring", "at": 0}, {"type": "answer", "at": 30}])),
    ("hotline", "phone.open.greeting_first", hotline(edit(HOTLINE, 0, "A:客服中心工号1234为您服务，请问有什么可以帮您？"))),
    ("hotline", "phone.open.greeting_first", hotline(edit(HOTLINE, 0, "A:喂，您好，客服中心工号1234为您服务。"))),
    ("hotline", "phone.open.no_wei", hotline(edit(HOTLINE, 0, "A:喂，您好，客服中心工号1234为您服务，请问有什么可以帮您？"))),
    ("hotline", "phone.open.identify", hotline(edit(HOTLINE, 0, "A:您好，请问有什么可以帮您？"))),
    ("hotline", "phone.open.offer_help", hotline(edit(HOTLINE, 0, "A:您好，客服中心工号1234为您服务。"))),
    ("hotline", "phone.open.confirm_identity", hotline(edit(HOTLINE, 2, "A:非常理解您的心情，给您带来不便非常抱歉。"))),
    ("hotline", "phone.hold.announce", hotline(edit(HOTLINE, 4, "A:对的，您反映的是晚上宽带频繁掉线。"))),
    ("hotline", "phone.hold.minimise", hotline(gaps={5: 70.0})),
    ("hotline", "phone.hold.apologise", hotline(edit(HOTLINE, 5, "A:已经为您查到，原因是小区光交箱设备老化。"))),
    ("hotline", "phone.voice.rate", hotline(cpm=420.0)),
    ("hotline", "phone.manner.no_interrupt", overlapping()),
    ("hotline", "phone.unclear.ask_repeat", hotline(edit(HOTLINE, 4, "A:信号不太好，我猜您是要办宽带吧。"))),
    ("hotline", "phone.unclear.no_shouting", hotline(edit(edit(HOTLINE, 3, "C:听不清，你说什么？"), 4, "A:喂喂，听到没有？"))),
    ("hotline", "phone.manner.no_argue", hotline(edit(HOTLINE, 9, "A:这是你自己的问题，跟我们没关系。"))),
    ("hotline", "phone.manner.no_forbidden", hotline(edit(HOTLINE, 9, "A:这个我不清楚。请问还有其他可以帮您的吗？"))),
    ("hotline", "phone.manner.no_ball_kicking", DEFLECT),
    ("hotline", "phone.manner.options", SHORT_SOLUTION),
    ("hotline", "phone.manner.record", hotline(edit(HOTLINE, 7, "A:维修人员会在24小时内联系您上门处理，您也可以选择周六上门，您看哪种更合适？"))),
    ("hotline", "phone.manner.affirm", hotline(edit(HOTLINE, 4, "A:您反映的是晚上宽带频繁掉线，我帮您查一下，请您稍等。"))),
    ("hotline", "phone.manner.concise", hotline(edit(HOTLINE, 9, "A:" + "关于宽带的使用说明如下，" * 20))),
    ("hotline", "phone.manner.promise_kept", chat("C:宽带坏了。", "A:我们会尽快处理的。")),
    ("hotline", "phone.manner.no_rash_promise", hotline(edit(HOTLINE, 9, "A:我保证明天肯定没问题。请问还有其他可以帮您的吗？"))),
    ("hotline", "phone.question.open_first", SHORT_SOLUTION),
    ("hotline", "skill.repeat_confirm", hotline(edit(HOTLINE, 4, "A:对的，我帮您查一下，请您稍等。"))),
    ("hotline", "skill.acknowledge", SHORT_SOLUTION),
    ("hotline", "skill.empathy", ANGRY_NO_EMPATHY),
    ("hotline", "skill.one_more_sentence", SHORT_SOLUTION),
    ("hotline", "etiquette.customer_name", SHORT_SOLUTION),
    ("hotline", "substance.solution_given", DEFLECT),
    ("hotline", "substance.apology_with_action", chat("C:宽带坏了。", "A:非常抱歉。", "C:然后呢？", "A:真的很抱歉。")),
    ("hotline", "substance.last_words_not_negative", hotline(edit(HOTLINE, 12, "C:太差了，垃圾服务，我要投诉！"))),
    ("hotline", "emotion.customer_not_worse", chat("C:你好，我想问一下套餐，谢谢。", "A:好的。", "C:什么破服务，气死我了，垃圾！")),
    ("hotline", "harass.identify", chat("A:您好。", "C:美女，你多大了，陪我聊天吧。", "A:呵呵，你猜。")),
    ("hotline", "phone.close.more_help", hotline(edit(HOTLINE, 9, "A:好的。温馨提示您，维修前请保持电话畅通。"))),
    ("hotline", "phone.close.thanks", hotline(edit(HOTLINE, 11, "A:祝您生活愉快，再见。"))),
    ("hotline", "phone.close.farewell", hotline(edit(HOTLINE, 11, "A:非常感谢您的来电。"))),
    ("hotline", "phone.open.time_greeting", with_meta(hotline(edit(HOTLINE, 0, "A:早上好，工号1234为您服务，请问有什么可以帮您？")), "2026-05-06T20:00:00")),
    # 2026-02-16 is Chinese New Year's Eve; 2026-03-03 the Lantern Festival.
    ("hotline", "phone.open.time_greeting", with_meta(hotline(), "2026-03-03T10:00:00")),
    ("hotline", "phone.close.hang_up_last", hotline(events=[{"type": "ring", "at": 0}, {"type": "answer", "at": 6}, {"type": "hangup", "at": 300, "by": "agent"}])),
    # complaint handling
    ("complaint", "complaint.mood_first", ANGRY_NO_EMPATHY),
    ("complaint", "complaint.steps.in_order", ANGRY_NO_EMPATHY),
    ("complaint", "complaint.deescalate", ANGRY_NO_EMPATHY),
    ("complaint", "complaint.ten_wrong.apology_only", chat("C:太差了！", "A:非常抱歉。", "C:然后呢？", "A:真的很抱歉。")),
    ("complaint", "complaint.ten_wrong.blame", chat("C:太差了！", "A:这是你自己的问题。")),
    ("complaint", "complaint.ten_wrong.dodge", chat("C:太差了！", "A:这不是我们的责任，是系统的问题。")),
    ("complaint", "complaint.ten_wrong.interrogate", chat("C:太差了！", "A:你为什么不早点说？")),
    ("complaint", "complaint.ten_wrong.ignore_feelings", ANGRY_NO_EMPATHY),
    ("complaint", "complaint.ten_wrong.broken_promise", chat("C:太差了！", "A:我们会尽快处理的。")),
    ("complaint", "complaint.apology_not_guilt", chat("C:太差了！", "A:非常抱歉，已经为您派单。")),
    ("complaint", "technique.sandwich", chat("C:太差了，我要退款！", "A:这个无法退款。")),
    ("complaint", "technique.understanding", chat("C:太差了！", "A:您说得对，但是公司就这么定的。")),
    ("complaint", "technique.guided_inquiry", ANGRY_NO_EMPATHY),
    ("complaint", "complaint.customer_calmer", chat("C:太差了！", "A:已经为您派单。", "C:还是不行，垃圾，气死我了，我要投诉到工信部！")),
    ("complaint", "complaint.no_deflection", chat("C:太差了！", "A:请您拨打10000咨询。")),
    # chat
    ("chat", "substance.solution_given", DEFLECT),
    ("chat", "substance.no_deflection", DEFLECT),
    ("chat", "substance.apology_with_action", chat("C:宽带坏了。", "A:非常抱歉。", "C:然后呢？", "A:真的很抱歉。")),
    ("chat", "substance.no_vague_promise", chat("C:宽带坏了。", "A:我们会尽快处理的。")),
    ("chat", "substance.last_words_not_negative", chat(*CHAT[:3], "C:还是不行，太差了，垃圾！")),
    ("chat", "substance.last_words_positive", chat(*CHAT[:3], "C:还是不行，太差了。")),
    ("chat", "substance.customer_satisfied_at_end", chat(*CHAT[:3], "C:好的，但还是不行。")),
    ("chat", "substance.problem_not_repeated", chat(*CHAT[:3], "C:还是一直掉线。")),
    ("hotline", "phone.manner.no_ball_kicking", chat("A:您好，请问有什么可以帮您？", "C:话费怎么多扣了？", "A:这个您拨打客服热线问一下吧。")),
    ("chat", "substance.no_follow_up_question", chat(*CHAT[:3], "C:那关了以后之前多扣的流量怎么算？")),
    ("chat", "substance.customer_not_pressing", chat(*CHAT[:3], "C:关了有什么用，之前多扣的流量给我退回来！")),
    ("chat", "emotion.customer_not_worse", chat("C:你好，我想问一下套餐，谢谢。", "A:好的。", "C:什么破服务，气死我了，垃圾！")),
    ("chat", "emotion.agent_not_negative", chat("C:问一下。", "A:太差劲了，真是垃圾，烦死了，恶心，失望。")),
    ("chat", "attitude.no_argue", chat("C:问一下。", "A:你听不懂吗？")),
    ("chat", "attitude.no_forbidden_phrases", chat("C:问一下。", "A:没办法。")),
    ("chat", "attitude.no_rash_promise", chat("C:问一下。", "A:百分之百给您解决。")),
    ("chat", "attitude.empathy_on_complaint", ANGRY_NO_EMPATHY),
    ("chat", "opening.greeting", chat("A:请问有什么问题？", "C:没有。")),
    ("chat", "closing.thanks", chat("A:您好。", "C:问一下。", "A:已经为您处理。")),
    # counter
    ("counter", "counter.greet", conv(*edit(COUNTER, 0, "A:请坐。"), channel="counter")),
    ("counter", "counter.invite_seat", conv(*edit(COUNTER, 0, "A:您好，欢迎光临。"), channel="counter")),
    ("counter", "counter.confirm", conv(*edit(COUNTER, 2, "A:请出示您的身份证。"), channel="counter")),
    ("counter", "counter.process", conv(*edit(COUNTER, 4, "A:已经为您补办好了。麻烦您对我的服务做个评价。"), channel="counter")),
    ("counter", "counter.evaluate", conv(*edit(COUNTER, 4, "A:已经为您补办好了，温馨提示您，旧卡已经失效。"), channel="counter")),
    ("counter", "counter.send_off", conv(*edit(COUNTER, 6, "A:好了。"), channel="counter")),
    ("counter", "counter.no_argue", conv(*edit(COUNTER, 6, "A:你有完没完？"), channel="counter")),
    ("counter", "counter.not_my_post", conv(*edit(COUNTER, 2, "A:这个不归我管，你去别的窗口。"), channel="counter")),
    # appointment
    ("appointment", "appointment.no_wei", appointment(edit(APPOINTMENT, 0, "A:喂，请问是李女士吗？我是广电网络的维护员张明，想预约上门安装，现在方便吗？"))),
    ("appointment", "appointment.greet_identify", appointment(edit(APPOINTMENT, 0, "A:请问是李女士吗？想预约上门安装，现在方便吗？"))),
    ("appointment", "appointment.confirm_customer", appointment(edit(APPOINTMENT, 0, "A:您好，我是广电网络的维护员张明，想预约上门安装，现在方便吗？"))),
    ("appointment", "appointment.convenient", appointment(edit(APPOINTMENT, 0, "A:您好，请问是李女士吗？我是广电网络的维护员张明，想预约上门安装。"))),
    ("appointment", "appointment.purpose", appointment(edit(APPOINTMENT, 0, "A:您好，请问是李女士吗？我是广电网络的张明，现在方便吗？"))),
    ("appointment", "appointment.concrete_time", appointment(edit(APPOINTMENT, 2, "A:那我们过阵子再约，行吗？"))),
    ("appointment", "appointment.late_apology", appointment(edit(APPOINTMENT, 4, "A:路上堵车可能晚到十分钟，感谢您的配合，再见。"))),
    ("appointment", "appointment.no_extra_fees", appointment(edit(APPOINTMENT, 2, "A:那我们约明天上午10点上门，上门费另外收50元。"))),
    ("appointment", "appointment.customer_rules", appointment(edit(APPOINTMENT, 2, "A:明天上午10点上门，我保证绝对修好。"))),
    ("appointment", "appointment.closing", appointment(edit(APPOINTMENT, 4, "A:好的，再见。"))),
    ("appointment", "appointment.hang_up_last", appointment(events=[{"type": "hangup", "at": 120, "by": "agent"}])),
]

NA_IN_GOLDEN = {case[1] for case in PASS_CASES}


@pytest.mark.parametrize("book", sorted(GOLDEN))
def test_golden_conversation_passes_every_rule_it_can_judge(book: str) -> None:
    card = score(book, GOLDEN[book])
    problems = [(h.rule, h.outcome) for h in card.hits if h.outcome != "pass" and h.rule not in NA_IN_GOLDEN]
    assert problems == []
    assert card.score == 100 and card.passed


@pytest.mark.parametrize(("book", "rule", "conversation"), PASS_CASES, ids=[f"{b}:{r}" for b, r, _ in PASS_CASES])
def test_rule_passes(book: str, rule: str, conversation: dict[str, Any]) -> None:
    assert outcome(book, rule, conversation) == "pass"


@pytest.mark.parametrize(("book", "rule", "conversation"), FAIL_CASES, ids=[f"{b}:{r}" for b, r, _ in FAIL_CASES])
def test_rule_fails(book: str, rule: str, conversation: dict[str, Any]) -> None:
    card = score(book, conversation)
    hit = card.hit(rule)
    assert hit.outcome == "fail"
    assert hit.points < 0


def test_every_builtin_rule_has_a_passing_and_a_failing_case() -> None:
    passing = {(b, r) for b, r, _ in PASS_CASES}
    failing = {(b, r) for b, r, _ in FAIL_CASES}
    missing = []
    for name in builtin_names():
        golden_pass = {h.rule for h in score(name, GOLDEN[name]).hits if h.outcome == "pass"}
        for rule in load_rulebook(name).rules:
            if rule.id not in golden_pass and (name, rule.id) not in passing:
                missing.append(f"{name}:{rule.id} (no passing case)")
            if (name, rule.id) not in failing:
                missing.append(f"{name}:{rule.id} (no failing case)")
    assert missing == []


def test_a_critical_failure_zeroes_the_score() -> None:
    card = score("hotline", hotline(edit(HOTLINE, 9, "A:这是你自己的问题，跟我们没关系。")))
    assert card.score == 0
    assert not card.passed
    assert card.critical == ["phone.manner.no_argue"]


def test_complaint_rulebook_is_not_applicable_without_a_complaint() -> None:
    card = score("complaint", chat("C:你好，我想查一下套餐。", "A:好的，您的套餐是58元套餐。", "C:好的，谢谢。"))
    assert not card.applicable
    assert {h.outcome for h in card.hits} == {"na"}


def test_timing_rules_are_na_without_timestamps() -> None:
    card = score("hotline", conv(*HOTLINE, channel="hotline"))
    for rule in ("phone.open.answer_fast", "phone.hold.announce", "phone.voice.rate", "phone.manner.no_interrupt", "phone.close.hang_up_last"):
        assert card.outcome(rule) == "na", rule


HARASSMENT = [
    "C:美女你好啊，无聊，陪我聊聊天呗。",
    "A:您好，这里是客服中心，我是1098号客服，请问有什么可以帮您？",
    "C:别这么严肃嘛，陪我聊聊天。",
    "A:您好，听得到吗？对不起线路故障，请稍后再拨，再见。",
]


def test_a_harassment_call_is_judged_by_its_polite_end_not_by_the_serving_rules() -> None:
    card = score("hotline", conv(*HARASSMENT, channel="hotline"))
    assert card.outcome("harass.identify") == "pass"
    for rule in ("skill.repeat_confirm", "substance.solution_given", "phone.close.thanks", "phone.close.more_help"):
        assert card.outcome(rule) == "na", rule
    assert card.score == 100


def test_without_a_harassment_cue_the_same_short_call_is_held_to_the_serving_rules() -> None:
    ordinary = [line.replace("美女你好啊，无聊，陪我聊聊天呗。", "你好，我想问问套餐。").replace(
        "别这么严肃嘛，陪我聊聊天。", "那我的套餐怎么改？") for line in HARASSMENT]
    card = score("hotline", conv(*ordinary, channel="hotline"))
    assert card.outcome("harass.identify") == "na"
    assert card.outcome("phone.close.thanks") == "fail"
    assert card.score < 80
