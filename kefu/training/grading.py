"""Grading one answer to one bank item, with the reasons a trainee reads (pure: no Django).

Choice and true/false items are right or wrong. An open answer ("what do you say when …") earns
the share of its required phrase groups it meets — the same phrase sets the QA rulebooks listen
for — and nothing when the QA engine's draft check finds a problem in it (a forbidden phrase,
arguing, deflection, a rash promise …), because in a live call that one sentence would fail the
rule. It counts as right only when every group is met and the draft check is clean.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from kefu.lib.textnorm import to_simplified
from kefu.training.bank import Item

MAX_OPEN_CHARS = 2000
# An exam answer is one sentence at one moment of a call: "apology without action" judges a whole
# reply to a complaint, and the action an apology leads to comes in the next sentence.
NOT_FOR_ONE_SENTENCE = frozenset({"substance.apology_with_action"})


@dataclass(frozen=True)
class Line:
    ok: bool
    text: str


@dataclass(frozen=True)
class Grade:
    score: float  # 0…1
    correct: bool
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "correct": self.correct, "lines": [{"ok": ln.ok, "text": ln.text} for ln in self.lines]}


def _texts(item: Item, indexes: tuple[int, ...] | list[int]) -> str:
    """Options named by their words, not letters: the exam shows each sitting's options in its own order."""
    return "、".join(f"“{item.options[i]}”" for i in indexes)


def option_order(item: Item, seed: int) -> list[int]:
    """The order one sitting shows ``item``'s options in: shuffled per attempt, the same on every reload."""
    order = list(range(len(item.options)))
    random.Random(f"{seed}:{item.id}").shuffle(order)
    return order


def normalise_response(item: Item, raw: Any) -> Any:
    """The response in its canonical form, or None when it is no answer; raises ValueError for nonsense."""
    if raw is None or raw == "" or raw == []:
        return None
    if item.kind == "single":
        value = int(raw[0] if isinstance(raw, list) and len(raw) == 1 else raw)
        if not 0 <= value < len(item.options):
            raise ValueError("no such option")
        return value
    if item.kind == "multiple":
        values = sorted({int(v) for v in (raw if isinstance(raw, list) else [raw])})
        if any(not 0 <= v < len(item.options) for v in values):
            raise ValueError("no such option")
        return values
    if item.kind == "truefalse":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "对", "正确", "yes"):
            return True
        if text in ("false", "0", "错", "错误", "no"):
            return False
        raise ValueError("answer true or false")
    text = str(raw).strip()
    if len(text) > MAX_OPEN_CHARS:
        raise ValueError(f"at most {MAX_OPEN_CHARS} characters")
    return text or None


def grade(item: Item, response: Any) -> Grade:
    """Grade a normalised ``response`` (see :func:`normalise_response`); None is an unanswered item."""
    if item.kind == "open":
        return _grade_open(item, response)
    if response is None:
        key = "正确" if item.truth else "错误"
        if item.kind != "truefalse":
            key = _texts(item, item.answer)
        return Grade(0.0, False, (Line(False, f"未作答。正确答案：{key}。{item.explain}"),))
    if item.kind == "truefalse":
        right = response == item.truth
        said = "正确" if item.truth else "错误"
        return Grade(1.0 if right else 0.0, right, (Line(right, f"本题说法{said}。{item.explain}"),))
    chosen = (response,) if item.kind == "single" else tuple(response)
    right = tuple(sorted(chosen)) == item.answer
    head = f"正确答案：{_texts(item, item.answer)}；你的答案：{_texts(item, chosen)}。"
    return Grade(1.0 if right else 0.0, right, (Line(right, head + item.explain),))


def _grade_open(item: Item, response: Any) -> Grade:
    if not response:
        return Grade(0.0, False, (Line(False, "未作答。"), Line(True, f"参考说法：{item.model}")))
    text = to_simplified(str(response))
    lines: list[Line] = []
    met = 0
    for req in item.require:
        found = next((p for p in req.phrases if p in text), None)
        if found:
            met += 1
            lines.append(Line(True, f"{req.label}：做到了（说了“{found}”）。"))
        else:
            examples = "、".join(f"“{p}”" for p in req.phrases[:3])
            lines.append(Line(False, f"{req.label}：没有做到，可以说{examples}等。"))
    alerts = _draft_alerts(text)
    for alert in alerts:
        better = f"更好的说法：“{alert.suggest}”" if alert.suggest else ""
        lines.append(Line(False, f"质检草稿检查发现问题：{alert.title}。{better}"))
    share = met / len(item.require)
    score = 0.0 if alerts else round(share, 2)
    correct = not alerts and met == len(item.require)
    summary = (
        f"得分 {score:.0%}：满足 {met}/{len(item.require)} 项要求"
        + ("；质检草稿检查未通过，本题不得分。" if alerts else "。")
    )
    lines.insert(0, Line(correct, summary))
    lines.append(Line(True, f"参考说法：{item.model}"))
    if item.explain:
        lines.append(Line(True, item.explain))
    return Grade(score, correct, tuple(lines))


def _draft_alerts(text: str) -> list[Any]:
    from kefu.qa.engine import check_draft

    return [a for a in check_draft(text) if a.rule not in NOT_FOR_ONE_SENTENCE]
