"""A draft scenario from a reviewed complaint (案例库 → 陪练场景)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from kefu.lib.textnorm import to_simplified
from kefu.simulator.vocab import COMPLAINERS

# The complaint's category → the difficult-type-free scenario category and norms.
_CHINESE_COMPLAINERS = {label: key for key, label in COMPLAINERS.items()}
# The complaint record's own spellings (kefu.complaints.choices.ComplainerType).
_ALIASES = {"abuses_justice": "justice", "well_prepared": "prepared"}
_SPLIT = re.compile(r"[,，;；、\n]+")


def _text(value: Any, limit: int = 280) -> str:
    text = to_simplified(str(value or "")).strip()
    return text[:limit]


def _items(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        parts = [_text(v, 120) for v in value]
    else:
        parts = [_text(p, 120) for p in _SPLIT.split(str(value or ""))]
    return [p for p in parts if p][:6]


def _complainer(value: Any) -> str | None:
    raw = str(value or "").strip()
    raw = _ALIASES.get(raw, raw)
    if raw in COMPLAINERS:
        return raw
    return _CHINESE_COMPLAINERS.get(to_simplified(raw))


def _cues(text: str) -> list[str]:
    # A starting point the trainer edits: the remedy's first words.
    words = [w for w in re.split(r"[，,。.、\s]+", text) if w]
    head = words[0] if words else text
    return [head[:8] or "处理"]


def _slug(value: Any) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", str(value or "").lower()).strip("_")
    return slug[:30] or "complaint"


def draft_from_complaint(complaint: Mapping[str, Any]) -> str:
    """A draft scenario YAML from a reviewed complaint for the trainer to edit.

    Reads ``summary``, ``cause``, ``demands`` (text or list), ``complainer_type``
    (a key such as ``emotional`` or the Chinese 感情用事者), ``remedy``,
    ``category`` and, when present, ``id``. Missing fields get placeholders;
    the result always parses with :func:`kefu.simulator.parse_scenario`.
    """
    summary = _text(complaint.get("summary")) or "（请填写投诉经过）"
    cause = _text(complaint.get("cause"))
    demands = _items(complaint.get("demands") or complaint.get("customer_demands")) or ["把问题解决了"]
    remedy = _text(complaint.get("remedy"), 120) or "（请填写客户可接受的处理方案）"
    complainer = _complainer(complaint.get("complainer_type") or complaint.get("complainer"))
    category_label = _text(complaint.get("category"), 20)
    ident = complaint.get("id")
    scenario_id = f"draft.{_slug(ident)}"
    data: dict[str, Any] = {
        "id": scenario_id,
        "title": (summary[:24] + ("…" if len(summary) > 24 else "")),
        "category": "difficult" if complainer else "case",
        "difficulty": 3 if complainer else 2,
        "norm_ids": ["complaint.cases", "complaint.improve.casebook"]
        + (["complaint.difficult_types"] if complainer else []),
        "persona": "tiger" if complainer in ("prepared", "connected") else "dove",
    }
    if complainer:
        data["complainer"] = complainer
    data["summary"] = f"{summary}{'（投诉类别：' + category_label + '）' if category_label else ''}"
    data["customer"] = {"name": "客户"}
    data["opening"] = [f"我要投诉！{summary}"[:280]]
    data["facts"] = [
        {
            "id": "cause", "title": "问题原因", "ask": ["原因", "怎么回事", "什么情况"],
            "reveal": [cause or "（请填写客户被问到时说出的情况）"], "required": True,
        }
    ]
    data["demands"] = demands
    data["remedies"] = [{"id": "agreed", "title": remedy[:40], "say": remedy, "cues": _cues(remedy)}]
    data["mood"] = {"anger": 70 if complainer else 55, "patience": 70, "trust": 35}
    data["goals"] = [
        {"id": "empathy", "title": "先处理心情：表达理解", "norm_ids": ["complaint.mood_first"], "check": {"made": "empathy"}},
        {"id": "ask_first", "title": "先问清情况再给方案", "norm_ids": ["phone.question.open_first"],
         "check": {"before": ["fact:cause", "remedy"]}},
        {"id": "two_options", "title": "给出两种方案供客户选择", "norm_ids": ["complaint.deescalate", "technique.guided_inquiry"],
         "check": {"made": "options"}},
        {"id": "no_flat_no", "title": "不说“不行”而不给替代方案", "norm_ids": ["technique.sandwich"],
         "check": {"avoided": "flat_no"}},
    ]
    header = "# 由投诉案例生成的陪练场景草稿：请核对隐藏事实、客户诉求和可接受方案的关键词（cues）后发布。\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
