"""An operator is declared once — schema check, compile and evaluation in one
class — and registering it makes it usable in any rulebook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kefu.qa.engine import Engine
from kefu.qa.operators import Context, Match, Node
from kefu.qa.registry import OPERATORS, register_operator, unregister_operator
from kefu.qa.rulebook import Checker, Compiler, check_rulebook_data, compile_rulebook
from kefu.qa.tests.helpers import conv


@dataclass(frozen=True, slots=True)
class MentionsNumber(Node):
    """A turn of ``speaker`` holds at least ``digits`` digits in a row."""

    speaker: str
    digits: int

    @classmethod
    def check(cls, checker: Checker, node: dict[str, Any], path: str) -> None:
        spec = checker.params(node, path, "mentions_number", {"speaker": "speaker", "digits": "int"})
        if "digits" not in spec:
            checker.err(f"{path}.mentions_number.digits", "is required")

    @classmethod
    def build(cls, compiler: Compiler, node: dict[str, Any]) -> Node:
        spec = node["mentions_number"]
        return cls(spec.get("speaker", "agent"), spec["digits"])

    def eval(self, ctx: Context) -> Match:
        turns = tuple(t for t in ctx.prep.by_speaker[self.speaker] if _longest_digit_run(ctx.prep.norm[t]) >= self.digits)
        return Match(bool(turns), turns)


def _longest_digit_run(text: str) -> int:
    best = run = 0
    for ch in text:
        run = run + 1 if ch.isdigit() else 0
        best = max(best, run)
    return best


@pytest.fixture
def mentions_number() -> Iterator[None]:
    register_operator("mentions_number")(MentionsNumber)
    yield
    unregister_operator("mentions_number")


def rulebook(detect: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "t",
        "rules": [{"id": "r", "title": "报工号", "category": "opening", "points": 1, "cites": ["skill.ask"], "detect": detect}],
    }


@pytest.mark.usefixtures("mentions_number")
def test_a_registered_operator_is_checked_compiled_and_evaluated_in_a_rulebook() -> None:
    engine = Engine(compile_rulebook(rulebook({"mentions_number": {"digits": 4}})))
    card = engine.score(conv("A:您好，工號１２３４為您服務", "C:你好"))  # full-width digits are normalised first
    assert card.outcome("r") == "pass"
    assert [e.turn for e in card.hit("r").evidence] == [0]
    assert engine.score(conv("A:您好，工号12为您服务", "C:1234")).outcome("r") == "fail"


@pytest.mark.usefixtures("mentions_number")
def test_a_registered_operator_nests_and_reports_its_own_schema_errors() -> None:
    nested = {"all_of": [{"phrases": ["您好"]}, {"not": {"mentions_number": {"digits": 2, "speaker": "customer"}}}]}
    assert check_rulebook_data(rulebook(nested)) == []
    assert Engine(compile_rulebook(rulebook(nested))).score(conv("A:您好", "C:我的号码是123")).outcome("r") == "fail"
    errors = check_rulebook_data(rulebook({"not": {"mentions_number": {"speaker": "boss", "digts": 1}}}))
    assert errors == [
        "rules[0].detect.not.mentions_number.digts: unknown field (allowed: digits, speaker)",
        "rules[0].detect.not.mentions_number.speaker: must be one of agent, customer, got 'boss'",
        "rules[0].detect.not.mentions_number.digits: is required",
    ]


def test_an_unregistered_key_is_not_an_operator() -> None:
    assert "mentions_number" not in OPERATORS
    errors = check_rulebook_data(rulebook({"mentions_number": {"digits": 4}}))
    assert len(errors) == 1 and errors[0].startswith("rules[0].detect: a condition needs exactly one operator of phrases, regex")


@pytest.mark.parametrize("key", ["phrases", "speaker", "Mentions", "two words"])
def test_a_taken_or_malformed_key_cannot_be_registered(key: str) -> None:
    with pytest.raises(ValueError, match="operator key"):
        register_operator(key)


def test_every_builtin_operator_declares_check_build_and_eval_itself() -> None:
    # Not the interface's stubs, which raise NotImplementedError.
    for key, operator in OPERATORS.items():
        for method in ("check", "build", "eval"):
            assert getattr(operator, method).__qualname__.startswith(operator.__name__ + "."), (key, method)
