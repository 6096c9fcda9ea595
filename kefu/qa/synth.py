"""Synthetic but realistic hotline transcripts for benchmarks and smoke tests.

Calls follow the shape of a telecom hotline call (greeting, identity check,
problem, lookup with a hold, explanation, proposal, closing) with varied
wording, numbers and timing, so matchers see text much like production's.
"""

from __future__ import annotations

import random
from typing import Any

_AGENT_OPEN = [
    "您好，很高兴为您服务，工号{n}，请问有什么可以帮您？",
    "您好，客服中心{n}号为您服务，请问您遇到什么问题了？",
    "喂，你好，这里是客服，请讲。",
]
_CUSTOMER_PROBLEM = [
    "我家的宽带从昨天晚上开始就一直掉线，打游戏根本没法玩，已经报修过一次了还是不行。",
    "我这个月的话费怎么扣了{m}元，我根本没有订过什么增值业务，你们是不是乱扣费啊？",
    "我的手机信号特别差，在家里打电话经常断，到底怎么回事？",
    "我想问一下我现在的套餐流量是多少，每个月都不够用，有没有更划算的套餐？",
    "我上周申请的携号转网到现在都没有办好，你们到底什么时候能给我处理？",
]
_AGENT_MIDDLE = [
    "好的，先生，非常理解您的心情，给您带来不便非常抱歉。",
    "请问您是机主本人吗？麻烦您提供一下机主的姓名和身份证后四位。",
    "好的，我这边帮您查询一下，请您稍等。",
    "抱歉让您久等了，我这边查到您的账户在{d}号开通了一个{m}元的视频会员业务。",
    "您反映的情况是宽带频繁掉线，对吗？",
    "嗯，是的，我明白。",
    "原因是您所在小区的光交箱设备老化，导致信号不稳定。",
    "我已经为您提交了故障工单，维修人员会在{h}小时内联系您上门处理。",
    "我们可以为您把这个业务退订，同时把本月扣的{m}元退还到您的账户，您看这样可以吗？",
    "您也可以选择升级到{m}元的套餐，每月流量有{g}G，或者加一个流量包，您看哪种更合适？",
    "温馨提示您，以后如果收到不明短信，可以回复TD退订。",
    "好的，已经给您记录下来了，我们会持续跟进，处理完成后会短信通知您。",
    "这个我不清楚，你去营业厅问吧。",
]
_CUSTOMER_MIDDLE = [
    "是的，我是机主，身份证后四位是{n}。",
    "对，就是这样，一到晚上就掉线。",
    "好的，那我等一下。",
    "我根本没订过这个业务，怎么会开通的？",
    "那要多久才能修好啊？我明天还要在家办公。",
    "嗯，那就退订吧，钱要退给我。",
    "听不清，你大声点。",
    "行吧，那你们快点处理。",
    "這個業務我從來沒有辦過，請你們查清楚。",
]
_AGENT_CLOSE = [
    "请问还有其他可以帮您的吗？",
    "非常感谢您的来电，祝您生活愉快，再见。",
    "感谢您的耐心，再见。",
]
_CUSTOMER_CLOSE = ["没有了，谢谢。", "好的，谢谢你，再见。", "行，麻烦了。", "算了，我还是要投诉。"]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(n=rng.randint(1000, 9999), m=rng.choice([10, 15, 20, 30, 58, 88]), d=rng.randint(1, 28), h=rng.choice([2, 4, 24, 48]), g=rng.choice([10, 20, 40]))


def hotline_call(rng: random.Random, call_id: str, turns: int = 60) -> dict[str, Any]:
    """One call of about ``turns`` turns (≈50 characters each) with timestamps."""
    script: list[tuple[str, str]] = [("agent", _fill(rng, rng.choice(_AGENT_OPEN))), ("customer", _fill(rng, rng.choice(_CUSTOMER_PROBLEM)))]
    while len(script) < turns - 4:
        # Real turns often run two or three sentences together (≈50 chars).
        agent = "".join(_fill(rng, rng.choice(_AGENT_MIDDLE)) for _ in range(rng.choice([2, 2, 3, 3])))
        customer = "".join(_fill(rng, rng.choice(_CUSTOMER_MIDDLE)) for _ in range(rng.choice([1, 2, 3])))
        script.append(("agent", agent))
        script.append(("customer", customer))
    script += [("agent", _AGENT_CLOSE[0]), ("customer", rng.choice(_CUSTOMER_CLOSE)), ("agent", rng.choice(_AGENT_CLOSE[1:])), ("customer", "再见。")]
    ring = 0.0
    t = rng.uniform(2.0, 14.0)
    out = []
    for speaker, text in script:
        duration = max(1.0, len(text) / rng.uniform(3.0, 5.5))  # ≈180–330 chars/min
        out.append({"speaker": speaker, "text": text, "start": round(t, 2), "end": round(t + duration, 2)})
        gap = rng.choice([0.3, 0.6, 1.0, 1.5]) if rng.random() > 0.03 else rng.uniform(15, 70)
        if rng.random() < 0.05:
            gap = -rng.uniform(0.5, 2.0)  # overlap: someone talks over the other
        t = max(t + 0.2, t + duration + gap)
    end = t
    events = [
        {"type": "ring", "at": ring},
        {"type": "answer", "at": out[0]["start"]},
        {"type": "hangup", "at": end, "by": rng.choice(["customer", "customer", "agent"])},
    ]
    return {"id": call_id, "channel": "hotline", "turns": out, "events": events}


def hotline_calls(n: int, seed: int = 7, turns: int = 60) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [hotline_call(rng, f"call-{i:05d}", turns) for i in range(n)]
