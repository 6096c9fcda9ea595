"""Made-up rated chat conversations for the learning tests (no shared data needed)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

OPEN = ["我的宽带断了三天了", "话费怎么多扣了五十块", "快递一直没到，怎么回事", "你们的客服电话打不通", "订单被取消了也没人通知我"]
REPLY = [
    "您好，已为您查询，故障已修复，请重启路由器试试。", "请私信我们您的联系方式。", "非常抱歉给您带来不便。",
    "亲，多扣的费用已为您退回，预计24小时内到账。", "这个不归我们管，请联系当地营业厅。", "您好，我们会尽快处理。",
]
FOLLOW = ["还是不行啊", "我已经说了好几遍了", "好的", "那要等多久"]
PLEASED = ["好的，谢谢，问题解决了", "非常满意，辛苦了", "可以了，谢谢你们"]
DISPLEASED = ["太差了，我要投诉你们", "还是没解决，很失望", "算了，不指望你们了"]
THANKS = "感谢您的反馈，祝您生活愉快！"


def conversations(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Short Weibo-style chats: a problem, one or two replies, the customer's
    last words (pleased or not, ``meta.pleased``), sometimes the agent's thanks
    (``meta.thanked``)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        turns = [{"speaker": "customer", "text": rng.choice(OPEN)}, {"speaker": "agent", "text": rng.choice(REPLY)}]
        if rng.random() < 0.5:
            turns += [{"speaker": "customer", "text": rng.choice(FOLLOW)}, {"speaker": "agent", "text": rng.choice(REPLY)}]
        pleased = rng.random() < 0.5
        turns.append({"speaker": "customer", "text": rng.choice(PLEASED if pleased else DISPLEASED)})
        thanked = rng.random() < 0.5
        if thanked:
            turns.append({"speaker": "agent", "text": THANKS})
        out.append({"id": f"s{i}", "turns": turns, "meta": {"pleased": pleased, "thanked": thanked}})
    return out


def rated(convs: list[dict[str, Any]], ratings: dict[str, list[float]]) -> list[dict[str, Any]]:
    """The conversations with ``labels.quality`` as in the STC-3 dialogues."""
    return [
        {**conv, "labels": {"quality": {key: {"mean": values[i]} for key, values in ratings.items()}}}
        for i, conv in enumerate(convs)
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
