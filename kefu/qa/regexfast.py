"""Regex acceleration for the ``regex`` operator, from CPython's private parser.

Three analyses of a pattern, each optional — ``None`` means "no shortcut,
search the plain pattern", which is always correct, only slower:

* :func:`finite_strings` — the few literal strings one of which occurs in a
  text exactly when the pattern does (most rulebook patterns are alternations
  of literals): the rulebook then finds them in its one Aho-Corasick pass and
  never runs the pattern;
* :func:`literal_prefixes` — strings every match starts with: the pattern is
  run only on the turns where one of them occurs;
* :func:`fast_pattern` — the same pattern behind a lookahead on its possible
  first characters, for patterns ``re`` cannot skip ahead on by itself.

They read the parse tree of ``re._parser`` (and two helpers of
``re._compiler``), which are private to CPython and may change in any
release. So the internals are loaded once, through :func:`internals`, and
only used after a self-check on known patterns gives the known answers; when
they are missing, fail, or answer differently, every function here returns
``None`` and rulebooks compile without the shortcuts.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Any, NamedTuple

PREFIX_LEN = 3
PREFIX_MAX = 400
EXPAND_MAX = 1000


class Internals(NamedTuple):
    """The pieces of CPython's ``re`` internals the analyses use."""

    parse: Callable[[str, int], Any]  # re._parser.parse
    literal_prefix: Callable[[Any, int], Any]  # re._compiler._get_literal_prefix
    charset_prefix: Callable[[Any, int], Any]  # re._compiler._get_charset_prefix
    constants: Any  # re._constants: the opcodes of the parse tree


def _load() -> Internals | None:
    try:
        parser = importlib.import_module("re._parser")
        compiler = importlib.import_module("re._compiler")
        constants = importlib.import_module("re._constants")
        loaded = Internals(parser.parse, compiler._get_literal_prefix, compiler._get_charset_prefix, constants)
    except (ImportError, AttributeError):
        return None
    return loaded if _self_check(loaded) else None


@functools.cache
def internals() -> Internals | None:
    """CPython's ``re`` internals when present and behaving as this module
    expects, else None (checked once per process)."""
    return _load()


# Known patterns and what the analyses must say about them: one for each kind
# of parse-tree item the analyses read. Any other answer means the internals
# changed shape, and then no shortcut is taken.
_DIGITS = "0123456789"
_CHECKS: tuple[tuple[str, str, object], ...] = (
    ("finite", "(对吗|是吗)", frozenset({"对吗", "是吗"})),
    ("finite", "[0-9]+(个)?天", frozenset(f"{d}{x}天" for d in _DIGITS for x in ("", "个"))),
    ("finite", "[a-c]{1,2}?x", frozenset({"ax", "bx", "cx", *(a + b + "x" for a in "abc" for b in "abc")})),
    ("finite", "天[0-9]+", None),
    ("finite", "^您好", None),
    ("prefixes", "(编辑|发送)[^,]{0,3}到", frozenset({"编辑", "发送", "编辑到", "发送到"})),
    ("prefixes", "(?:您|你)好吗?", frozenset({"您好", "你好", "您好吗", "你好吗"})),
    ("prefixes", ".*您好", None),
    ("fast", "([0-9]+|一)(小时|天)|今天", f"(?=[{_DIGITS}一今])(?:([0-9]+|一)(小时|天)|今天)"),
    ("fast", "您好|你好", None),
    ("fast", "^(您|你)好", None),
)


def _self_check(found: Internals) -> bool:
    try:
        for kind, source, expected in _CHECKS:
            pattern = re.compile(source)
            if kind == "finite":
                answer: object = _finite_strings(found, pattern)
            elif kind == "prefixes":
                answer = _literal_prefixes(found, pattern)
            else:
                fast = _fast_pattern(found, pattern)
                answer = None if fast is None else fast.pattern
            if answer != expected:
                return False
    except Exception:  # anything unexpected from private code: do without it
        return False
    return True


# --- possible starts of a match --------------------------------------------------------

# A pattern item's possible starts: (text, complete) — complete when the text
# is the whole of what the item matched, so what follows may extend it.
_Starts = set[tuple[str, bool]]


def _seq_starts(c: Any, seq: Any) -> _Starts | None:
    out: _Starts = {("", True)}
    for code, av in seq:
        growing = {s for s, complete in out if complete and len(s) < PREFIX_LEN}
        if not growing:
            break
        item = _item_starts(c, code, av)
        if item is None:  # cannot look further: what we have is a prefix only
            return {(s, complete and s not in growing) for s, complete in out}
        grown = {((s + t)[:PREFIX_LEN], complete and len(s + t) < PREFIX_LEN) for s in growing for t, complete in item}
        out = {(s, c) for s, c in out if s not in growing or not c} | grown
        if len(out) > PREFIX_MAX:
            return None
    return out


def _item_starts(c: Any, code: Any, av: Any) -> _Starts | None:
    if code is c.LITERAL:
        return {(chr(av), True)}
    if code is c.IN:
        chars: set[str] = set()
        for item, arg in av:
            if item is c.LITERAL:
                chars.add(chr(arg))
            elif item is c.RANGE and arg[1] - arg[0] < 64:
                chars.update(map(chr, range(arg[0], arg[1] + 1)))
            else:  # NEGATE, CATEGORY (\d, \w), wide ranges
                return None
        return {(ch, True) for ch in chars}
    if code is c.SUBPATTERN:
        return _seq_starts(c, av[-1])
    if code is c.BRANCH:
        out: _Starts = set()
        for branch in av[1]:
            starts = _seq_starts(c, branch)
            if starts is None:
                return None
            out |= starts
        return out
    if code in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, body = av
        starts = _seq_starts(c, body)
        if starts is None:
            return None
        once = starts if low == high == 1 else {(s, False) for s, _ in starts}  # more repeats may follow
        return once | {("", True)} if low == 0 else once
    if code is c.AT:  # ^ $ \b: zero-width
        return {("", True)}
    return None  # any character, lookarounds, group references


def literal_prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings (up to three characters) one of which every match of
    ``pattern`` starts with; None when there is no such small set (a match
    may be empty, or start with any character) or the internals are unusable.

    These go into the rulebook's Aho-Corasick automaton, so the ``regex``
    operator runs a pattern only on the turns where one of them occurs — the
    classic literal prefilter: the same verdicts, without running e.g. the
    concrete-time pattern over every agent turn of every call.
    """
    found = internals()
    if found is None:
        return None
    try:
        return _literal_prefixes(found, pattern)
    except Exception:  # a pattern the private parser handles differently: do without
        return None


def _literal_prefixes(found: Internals, pattern: re.Pattern[str]) -> frozenset[str] | None:
    if pattern.flags & re.IGNORECASE:
        return None
    starts = _seq_starts(found.constants, found.parse(pattern.pattern, pattern.flags).data)
    if not starts or any(not s for s, _ in starts):
        return None
    return frozenset(s for s, _ in starts)


# --- the whole set of matched strings -----------------------------------------------


def _expand_seq(c: Any, seq: Any, leading: bool) -> set[str] | None:
    out = {""}
    for i, (code, av) in enumerate(seq):
        item = _expand_item(c, code, av, leading and i == 0)
        if item is None:
            return None
        out = {a + b for a in out for b in item}
        if len(out) > EXPAND_MAX:
            return None
    return out


def _expand_item(c: Any, code: Any, av: Any, leading: bool) -> set[str] | None:
    if code is c.LITERAL:
        return {chr(av)}
    if code is c.IN:
        starts = _item_starts(c, code, av)
        return None if starts is None else {s for s, _ in starts}
    if code is c.SUBPATTERN:
        return _expand_seq(c, av[-1], leading)
    if code is c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _expand_seq(c, branch, leading)
            if strings is None:
                return None
            out |= strings
        return out
    if code in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, body = av
        if high is c.MAXREPEAT:
            # Only at the start of the match, where "B+ R occurs" is the same
            # as "B R occurs" (the last B of the run and what follows).
            if not leading or low < 1:
                return None
            high = low
        if high > 6 or high - low > 3:
            return None
        once = _expand_seq(c, body, leading)
        if once is None:
            return None
        out, layer = set(), {""}
        for n in range(high + 1):
            if n >= low:
                out |= layer
            if n < high:
                layer = {a + b for a in layer for b in once}
                if len(layer) > EXPAND_MAX:
                    return None
        return out
    return None  # anchors, any character, negated classes, lookarounds


def finite_strings(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The strings of which one occurs in a text exactly when ``pattern``
    occurs in it — when there are few (≤ 1,000) and none is empty; else None
    (also when the internals are unusable).

    Most rulebook patterns are alternations of literals, and a leading
    ``[0-9]+`` occurs exactly where one digit followed by the rest does, so
    such a pattern becomes a set of phrases for the rulebook's one
    Aho-Corasick pass, and the ``regex`` operator need not run it at all.
    """
    found = internals()
    if found is None:
        return None
    try:
        strings = _finite_strings(found, pattern)
    except Exception:  # a pattern the private parser handles differently: do without
        return None
    # Each string must itself hold the pattern, or the analysis misread it.
    if strings is not None and not all(pattern.search(s) for s in strings):
        return None
    return strings


def _finite_strings(found: Internals, pattern: re.Pattern[str]) -> frozenset[str] | None:
    if pattern.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE):
        return None
    strings = _expand_seq(found.constants, found.parse(pattern.pattern, pattern.flags).data, True)
    if not strings or "" in strings:
        return None
    return frozenset(strings)


# --- first-character lookahead --------------------------------------------------------


def _first_chars(c: Any, seq: Any) -> set[str] | None:
    """The characters every match of a parsed pattern starts with; None when
    unknown or when it can match the empty string."""
    starts = _seq_starts(c, seq)
    if starts is None or any(not s for s, _ in starts):
        return None
    return {s[0] for s, _ in starts}


def fast_pattern(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The same pattern, led by a lookahead on its possible first characters,
    when Python's ``re`` cannot skip ahead by itself; None when it can (or the
    internals are unusable).

    ``re`` skips to candidate positions only for a pattern that starts with a
    literal or an alternation of single literals; one such as
    ``([0-9]+|一|两)(个)?(小时|天)|今天|明天`` is tried branch by branch at
    every position. ``(?=[0-9一两今明])(?:…)`` matches exactly the same text
    but rejects most positions with one character-class test: about 2.5×
    faster on such patterns.
    """
    found = internals()
    if found is None:
        return None
    try:
        return _fast_pattern(found, pattern)
    except Exception:  # private helpers changed, or inline flags: do without
        return None


def _fast_pattern(found: Internals, pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    if pattern.flags & re.IGNORECASE:
        return None
    parsed = found.parse(pattern.pattern, pattern.flags)
    if found.literal_prefix(parsed, pattern.flags)[0] or found.charset_prefix(parsed, pattern.flags):
        return None  # re already skips ahead
    if parsed.data and parsed.data[0][0] is found.constants.AT:
        return None  # anchored: re tries few positions anyway
    chars = _first_chars(found.constants, parsed.data)
    if not chars:
        return None
    lead = "".join(re.escape(ch) for ch in sorted(chars))
    return re.compile(f"(?=[{lead}])(?:{pattern.pattern})", pattern.flags)
