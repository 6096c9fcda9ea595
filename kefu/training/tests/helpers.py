"""Answers for tests: the key of a bank item, and a wrong answer to it."""

from __future__ import annotations

from typing import Any

from kefu.training.bank import Item


def right(item: Item) -> Any:
    if item.kind == "single":
        return item.answer[0]
    if item.kind == "multiple":
        return list(item.answer)
    if item.kind == "truefalse":
        return item.truth
    return item.model


def wrong(item: Item) -> Any:
    if item.kind == "single":
        return (item.answer[0] + 1) % len(item.options)
    if item.kind == "multiple":
        return [item.answer[0]]
    if item.kind == "truefalse":
        return not item.truth
    return "不知道，你找别人吧"
