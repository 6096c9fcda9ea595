"""One source of phrases: agent assist listens with the QA rulebooks' phrase sets, not its own lists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kefu.phrasebook import assist as assist_module
from kefu.phrasebook.assist import (
    COMPLAINT_STEPS,
    CONSULT_STEPS,
    SUGGESTION_STEPS,
    classify_caller,
    customer_emotion,
)
from kefu.qa.phrases import UnknownPhraseSet, phrase_set, phrase_sets
from kefu.qa.rulebook import load_rulebook

ASSIST_SOURCE = Path(assist_module.__file__).read_text(encoding="utf-8")


def _string_collections(source: str) -> list[tuple[int, list[str]]]:
    """Tuple, list and set literals of three or more strings, with their line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(strings) >= 3 and len(strings) == len(node.elts):
                found.append((node.lineno, strings))
    return found


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_assist_has_no_phrase_lists_of_its_own() -> None:
    phrase_lists = [(line, s) for line, s in _string_collections(ASSIST_SOURCE) if any(map(_has_cjk, s))]
    assert phrase_lists == [], "cue phrases belong in kefu/qa/rulebooks/_common.yaml phrase_sets"


def test_every_set_assist_names_is_defined_once_in_the_common_rulebook() -> None:
    named = {name for _weight, sets in assist_module._CATEGORY_CUES.values() for name in sets}
    named |= {*assist_module._ANGER_SETS, *assist_module._UNHAPPY_SETS, *assist_module._PLEASED_SETS}
    named |= {name for step in (*COMPLAINT_STEPS, *CONSULT_STEPS, *SUGGESTION_STEPS) for name in step.sets}
    assert named <= set(phrase_sets())


def test_a_caller_complains_in_the_words_the_qa_rules_call_a_complaint() -> None:
    for phrase in phrase_set("complaint_words"):
        assert classify_caller([phrase]) == "complaint", phrase


def test_harassment_is_the_same_set_for_assist_and_qa() -> None:
    book = load_rulebook("hotline")
    assert assist_module._CATEGORY_CUES["harassment"][1] == ("harass",)
    for phrase in phrase_set("harass"):
        assert classify_caller([f"{phrase}啊"]) == "harassment", phrase
    assert "美女" not in phrase_set("harass")  # an advert's 美女陪护 is not harassment, in QA either
    assert book.rules  # the rulebook still compiles with the shared set


def test_anger_needs_words_from_the_anger_set() -> None:
    word = phrase_set("anger")[0]
    assert customer_emotion([f"你们{word}，我要投诉，气死了"])[0] == "angry"


@pytest.mark.parametrize(
    ("extra", "base"),
    [
        ("complaint_cues", ("complaint_words",)),
        ("soothing", ("empathy",)),
        ("apology_more", ("apology",)),
        ("asking", ("repeat_confirm",)),
        ("following", ("followup", "record")),
        ("call_thanks", ("more_help", "farewell")),
    ],
)
def test_a_set_that_extends_another_does_not_repeat_its_phrases(extra: str, base: tuple[str, ...]) -> None:
    repeated = set(phrase_set(extra)) & {p for name in base for p in phrase_set(name)}
    assert repeated == set()


def test_an_unknown_set_is_a_clear_error() -> None:
    with pytest.raises(UnknownPhraseSet, match="no_such_set"):
        phrase_set("no_such_set")
