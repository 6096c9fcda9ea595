"""Index terms for Chinese free-text search — pure, no Django.

Chinese has no spaces, so a word index cannot find 话费 inside 本月话费多扣了.
Instead every document is indexed by *overlapping n-grams*, and a query is
turned into the n-grams that must all be present:

* a run of Chinese (any non-ASCII letters) gives its character bigrams plus its
  last character alone: 宽带断网 → 宽带 带断 断网 网. Any 2+-character query is
  covered by its bigrams; a 1-character query is a *prefix* query (宽*) that
  matches every bigram starting with it — and the lone last character, which is
  why it is emitted.
* a run of digits gives every 4-gram plus its short tail: 13812345678 → 1381
  3812 … 5678 678 78 8. A query of 4+ digits is covered by 4-grams (a partial
  phone number such as 5678 or 1381234 is selective); a shorter one is a prefix
  query over the same tokens.
* an ASCII word (adsl, iptv, ts20261122000001) is kept whole for prefix search,
  and its digit parts get the digit treatment (so 000001 finds the complaint).

The index only narrows the candidates: n-grams carry no positions, so 宽带费用
would also match a text that has 宽带, 带费 and 费用 apart. Callers verify each
candidate by substring match on the stored normalised text (``matches``).

Texts and queries must already be normalised (``kefu.lib.textnorm.normalize``:
Simplified, half-width, lower-case) — this module does no normalisation itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Query", "Token", "document_terms", "highlight", "matches", "parse_query"]

CJK_N = 2
DIGIT_N = 4

# Runs of token characters: ASCII letters/digits, or any other letter/digit (Chinese, kana, …).
_RUN = re.compile(r"[a-z0-9]+|[^\W_a-z0-9]+", re.UNICODE)
_DIGITS = re.compile(r"[0-9]+")
# A query made only of digits and phone punctuation is one phone number: 138-1234-5678.
_PHONE_LIKE = re.compile(r"^[+0-9][0-9\s\-+()]*$")
_COUNTRY_PREFIX = re.compile(r"^(?:0086|86)(1[0-9]{10})$")


def _grams(run: str, n: int) -> list[str]:
    """Every n-gram, then the shrinking tail, so each position starts exactly one token."""
    return [run[i : i + n] for i in range(len(run))]


def document_terms(text: str) -> str:
    """The space-separated, de-duplicated index terms of a normalised text."""
    terms: list[str] = []
    for run in _RUN.findall(text.lower()):
        if not run.isascii():
            terms += _grams(run, CJK_N)
        elif run.isdigit():
            terms += _grams(run, DIGIT_N)
        else:
            terms.append(run)
            for digits in _DIGITS.findall(run):
                terms += _grams(digits, DIGIT_N)
    return " ".join(dict.fromkeys(terms))


@dataclass(frozen=True)
class Token:
    """One index condition: an exact term, or every term starting with ``text``."""

    text: str
    prefix: bool = False


def _cover(run: str, n: int) -> list[Token]:
    """Tokens that must all be present for ``run`` to occur: non-overlapping n-grams plus the last."""
    if len(run) < n:
        return [Token(run, prefix=True)]
    starts = list(range(0, len(run) - n + 1, n))
    if starts[-1] != len(run) - n:
        starts.append(len(run) - n)
    return [Token(run[i : i + n]) for i in starts]


def _query_tokens(term: str) -> list[Token]:
    tokens: list[Token] = []
    for run in _RUN.findall(term):
        if not run.isascii():
            tokens.extend(_cover(run, CJK_N))
        elif run.isdigit():
            tokens.extend(_cover(run, DIGIT_N))
        else:
            tokens.append(Token(run, prefix=True))
    return tokens


@dataclass(frozen=True)
class Query:
    """A parsed query: ``terms`` must all occur in a document (AND); ``tokens`` find the candidates."""

    raw: str
    terms: tuple[str, ...]
    tokens: tuple[Token, ...] = field(default=())
    is_phone: bool = False

    def __bool__(self) -> bool:
        return bool(self.tokens)

    @property
    def phrase(self) -> str:
        """The whole query as one phrase, for ranking exact phrase matches first."""
        return "".join(self.terms)


def _national(digits: str) -> str:
    """A mobile number without its +86 / 0086 country prefix, as numbers are stored."""
    match = _COUNTRY_PREFIX.match(digits)
    return match.group(1) if match else digits


def parse_query(normalised: str) -> Query:
    """Split a normalised query into AND-ed terms (by spaces and punctuation) and their tokens."""
    text = normalised.strip().lower()
    if _PHONE_LIKE.match(text) and (any(ch in text for ch in " -+()") or _COUNTRY_PREFIX.match(text)):
        digits = _national(re.sub(r"\D", "", text))
        return Query(raw=text, terms=(digits,), tokens=tuple(_cover(digits, DIGIT_N)), is_phone=True)
    terms: list[str] = []
    for term in _RUN.findall(text):
        if term not in terms:
            terms.append(term)
    tokens: dict[Token, None] = {}
    for term in terms:
        for token in _query_tokens(term):
            tokens.setdefault(token, None)
    is_phone = len(terms) == 1 and terms[0].isdigit() and len(terms[0]) >= DIGIT_N
    return Query(raw=text, terms=tuple(terms), tokens=tuple(tokens), is_phone=is_phone)


def matches(text: str, query: Query) -> bool:
    """True when every term of ``query`` occurs in the normalised ``text`` (removes n-gram false hits)."""
    return all(term in text for term in query.terms)


def highlight(text: str, terms: tuple[str, ...] | list[str], *, normalised: str | None = None,
              width: int = 0) -> list[tuple[str, bool]]:
    """Split ``text`` into (segment, is_match) pieces for rendering with <mark>.

    Matching runs on ``normalised`` (defaults to ``text``), which must be the
    same length as ``text`` for the spans to line up; ``textnorm.normalize`` is
    length-preserving for almost all input and callers fall back to showing the
    normalised text when it is not. With ``width`` the result is cut to a window
    of about that many characters around the first match, with … at cut ends.
    """
    haystack = normalised if normalised is not None else text
    if len(haystack) != len(text):
        text = haystack
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = haystack.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = haystack.find(term, start + len(term))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    lo, hi = 0, len(text)
    if width and len(text) > width:
        first = merged[0][0] if merged else 0
        lo = max(0, min(first - width // 3, len(text) - width))
        hi = min(len(text), lo + width)
    pieces: list[tuple[str, bool]] = []
    if lo > 0:
        pieces.append(("…", False))
    cursor = lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < hi:
        pieces.append((text[cursor:hi], False))
    if hi < len(text):
        pieces.append(("…", False))
    return pieces
