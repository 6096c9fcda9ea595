"""The regex accelerations (literal prefilter, finite patterns as phrases,
first-character lookahead) give exactly the verdicts of a plain search."""

from __future__ import annotations

import dataclasses
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.qa import operators as op
from kefu.qa import regexfast
from kefu.qa.engine import Engine
from kefu.qa.model import Prepared, parse_conversation
from kefu.qa.rulebook import builtin_names, compile_rulebook, load_rulebook
from kefu.qa.synth import hotline_calls
from kefu.qa.tests.helpers import conv


def regex_nodes(book: Any) -> list[op.Regex]:
    found: list[op.Regex] = []

    def walk(node: object) -> None:
        if isinstance(node, op.Regex):
            found.append(node)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                for child in value if isinstance(value, tuple) else (value,):
                    walk(child)

    for rule in book.rules:
        walk(rule)
    for node in book.defs.values():
        walk(node)
    return found


def builtin_patterns() -> list[str]:
    found = {node.pattern.pattern: None for name in builtin_names() for node in regex_nodes(load_rulebook(name))}
    return list(found)


PATTERNS = builtin_patterns()
# Characters the built-in patterns are made of, plus some they are not.
ALPHABET = "".join(sorted({ch for p in PATTERNS for ch in p if not ch.isascii() or ch.isalnum()})) + "0123456789.,!? 的了"


def test_examples_of_each_acceleration() -> None:
    assert regexfast.finite_strings(re.compile("(对吗|是吗)")) == {"对吗", "是吗"}
    # A leading [0-9]+ occurs exactly where one digit and the rest do.
    assert regexfast.finite_strings(re.compile("[0-9]+(个)?天")) == {f"{d}{x}天" for d in "0123456789" for x in ("", "个")}
    assert regexfast.finite_strings(re.compile("天[0-9]+")) is None  # not leading: unbounded
    assert regexfast.finite_strings(re.compile("^您好")) is None  # anchored
    prefixes = regexfast.literal_prefixes(re.compile("(编辑|发送)[^,]{0,3}到"))
    assert prefixes is not None and {"编辑", "发送"} <= prefixes and all(x.startswith(("编辑", "发送")) for x in prefixes)
    assert regexfast.literal_prefixes(re.compile(".*您好")) is None
    fast = regexfast.fast_pattern(re.compile("([0-9]+|一)(小时|天)|今天"))
    assert fast is not None and fast.pattern.startswith("(?=[")
    assert regexfast.fast_pattern(re.compile("您好|你好")) is None  # re skips ahead by itself


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=40), which=st.integers(min_value=0, max_value=len(PATTERNS) - 1))
def test_accelerated_regex_verdicts_equal_a_plain_search(text: str, which: int) -> None:
    pattern = PATTERNS[which]
    data: dict[str, Any] = {
        "name": "t",
        "rules": [{"id": "r", "title": "测试", "category": "skill", "points": 1, "cites": ["skill.ask"],
                   "detect": {"regex": pattern, "speaker": "agent"}}],
    }
    book = compile_rulebook(data)
    conversation = conv("C:你好", f"A:{text}", "A:好的")
    card = Engine(book).score(conversation)
    prep = Prepared(parse_conversation(conversation))
    expected = any(re.search(pattern, prep.norm[t]) for t in prep.by_speaker["agent"])
    assert card.outcome("r") == ("pass" if expected else "fail")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_builtin_pattern_keeps_its_verdicts_on_realistic_text(pattern: str) -> None:
    book = compile_rulebook({
        "name": "t",
        "rules": [{"id": "r", "title": "测试", "category": "skill", "points": 1, "cites": ["skill.ask"],
                   "detect": {"regex": pattern}}],
    })
    node = book.rules[0].detect
    assert isinstance(node, op.Regex)
    for call in hotline_calls(8, seed=4):
        prep = Prepared(parse_conversation(call))
        ctx = op.Context(prep, book.automaton, book.defs)
        expected = tuple(t for t, text in enumerate(prep.norm) if re.search(pattern, text))
        assert node.eval(ctx).turns == expected


# --- without CPython's private re internals ----------------------------------------------


@pytest.fixture
def fresh_internals() -> Iterator[None]:
    """Each test loads the internals afresh, and the next test too."""
    regexfast.internals.cache_clear()
    yield
    regexfast.internals.cache_clear()


def _broken_parser() -> types.ModuleType:
    module = types.ModuleType("re._parser")

    def parse(pattern: str, flags: int = 0) -> Any:
        raise RuntimeError("the private parser changed")

    module.parse = parse
    return module


def _renamed_opcodes() -> types.ModuleType:
    # The parser still answers, but its opcodes are no longer the ones the
    # analyses compare against: they would silently misread every pattern.
    import re._constants as real

    module = types.ModuleType("re._constants")
    for name in dir(real):
        setattr(module, name, getattr(real, name))
    for name in ("LITERAL", "IN", "BRANCH", "SUBPATTERN", "MAX_REPEAT", "AT"):
        setattr(module, name, object())
    return module


@pytest.mark.usefixtures("fresh_internals")
@pytest.mark.parametrize(
    ("module", "replacement"),
    [("re._parser", None), ("re._compiler", None), ("re._parser", _broken_parser()), ("re._constants", _renamed_opcodes())],
    ids=["parser-missing", "compiler-missing", "parser-raises", "opcodes-changed"],
)
def test_without_usable_internals_the_operators_match_the_same_without_shortcuts(
    monkeypatch: pytest.MonkeyPatch, module: str, replacement: types.ModuleType | None
) -> None:
    monkeypatch.setitem(sys.modules, module, replacement)  # type: ignore[arg-type]
    assert regexfast.internals() is None
    assert regexfast.finite_strings(re.compile("(对吗|是吗)")) is None
    assert regexfast.literal_prefixes(re.compile("(编辑|发送)到")) is None
    assert regexfast.fast_pattern(re.compile("([0-9]+|一)(小时|天)|今天")) is None
    book = compile_rulebook({
        "name": "t",
        "rules": [{"id": f"r{i}", "title": "测试", "category": "skill", "points": 1, "cites": ["skill.ask"],
                   "detect": {"regex": pattern}} for i, pattern in enumerate(PATTERNS)],
    })
    nodes = [rule.detect for rule in book.rules]
    assert all(isinstance(n, op.Regex) and n.need_ids is None and n.fast is None and not n.exact for n in nodes)
    for call in hotline_calls(6, seed=4):
        prep = Prepared(parse_conversation(call))
        ctx = op.Context(prep, book.automaton, book.defs)
        for pattern, node in zip(PATTERNS, nodes, strict=True):
            assert node.eval(ctx).turns == tuple(t for t, text in enumerate(prep.norm) if re.search(pattern, text))


@pytest.mark.usefixtures("fresh_internals")
def test_with_working_internals_the_shortcuts_are_taken() -> None:
    # The counterpart of the test above: on this CPython the self-check
    # passes, so a rulebook gets its prefilters (else the speed is lost silently).
    assert regexfast.internals() is not None
    book = load_rulebook("hotline")
    regexes = regex_nodes(book)
    assert any(n.exact for n in regexes) and any(n.need_ids is not None and not n.exact for n in regexes)

