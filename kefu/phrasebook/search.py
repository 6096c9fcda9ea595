"""Chinese and pinyin-initial search over phrasebook entries.

Chinese has no spaces, and agents type fragments (应答后杂音太大) or whole
customer sentences (怎么会用这么多电呢), so the index works on characters:
every run of CJK characters gives its bigrams (the main signal) and its
non-stop-word unigrams (a weak fallback for one-character matches); ASCII
runs (90, 10086, 3f) are whole tokens. Text goes through the shared
normaliser first, so Traditional input finds Simplified entries.

Scoring is BM25 with field weights (BM25F-lite): a hit in a title or a
situation counts more than a hit in an example dialogue. Each posting's
contribution is precomputed at build time, so a query is a handful of list
walks — about a millisecond over 10,000 entries.

A query of Latin letters only (``hfcx``) is also matched against the pinyin
initials of titles, situations, tags and keywords (话费查询 → hfcx).
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict
from pypinyin.seg import mmseg

from kefu.lib.textnorm import normalize
from kefu.phrasebook.schema import Entry

# Field weights: where a match says the most about the entry's situation.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "situations": 3.0,
    "keywords": 2.5,
    "tags": 2.0,
    "id": 1.5,
    "phrases": 1.5,
    "traits": 1.0,
    "text": 1.0,
    "when": 0.8,
    "need": 0.6,
    "explanation": 0.6,
    "steps": 0.6,
    "alternative": 0.6,
    "do": 0.5,
    "dont": 0.5,
    "talk": 0.5,
    "example": 0.4,
}
# Fields whose pinyin initials are indexed, with their weight.
PINYIN_FIELDS: dict[str, float] = {"title": 3.0, "keywords": 2.5, "situations": 2.0, "tags": 2.0}

UNIGRAM_FACTOR = 0.25  # a single shared character is weak evidence
# Terms in more than this share of entries say almost nothing (BM25 idf < 0.3)
# but cost a walk over a quarter of the index; skipped unless nothing else matches.
COMMON_SHARE = 0.25
K1 = 1.2
B = 0.5

# Function words that carry no topic on their own (only dropped as unigrams;
# bigrams such as 不能 or 怎么 keep them).
STOP_CHARS = frozenset("的了吗呢吧啊呀么嘛哦哈我你您他她它们是在有和就都也还要会这那个一不很把被给让对说吧")

# Question scaffolding that says nothing about the situation; dropped from queries only
# (the index keeps them), so 充值卡过期了怎么办 is not pulled towards 电表被偷了怎么办.
QUERY_STOP_PHRASES = re.compile("怎么办|怎么样|怎么|请问|一下|你们|我们|这个|那个|什么|可以吗|是不是")

_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_IS_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTERS = re.compile(r"^[a-z]{2,}$")


def terms(text: str) -> list[str]:
    """Index terms of ``text``: CJK bigrams, CJK unigrams (prefixed ``1:``), ASCII words."""
    out: list[str] = []
    for run in _CJK_OR_WORD.findall(normalize(text)):
        if not _IS_CJK.match(run):
            out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.extend("1:" + ch for ch in run if ch not in STOP_CHARS)
    return out


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """Pinyin initials of the CJK characters of ``text``; ASCII letters and digits kept.

    Uses pypinyin's dictionaries directly (max-match segmentation, phrase
    readings for polyphones such as 重新 → cx, else a character's first
    reading): the same letters as ``lazy_pinyin(style=FIRST_LETTER)`` at a
    tenth of the cost, which matters when indexing 10,000 entries.
    """
    letters: list[str] = []
    for word in mmseg.seg.cut(normalize(text)):
        readings = phrases_dict.get(word)
        if readings and len(readings) == len(word):
            letters.extend(_first_letter(r[0]) for r in readings)
            continue
        for ch in word:
            reading = pinyin_dict.get(ord(ch))
            letters.append(_first_letter(reading.split(",")[0]) if reading else ch)
    return "".join(ch for ch in "".join(letters).lower() if ch.isascii() and ch.isalnum())


def _first_letter(reading: str) -> str:
    # Readings carry tone marks (ā, é); NFKD splits the mark off the letter.
    return unicodedata.normalize("NFKD", reading)[:1]


@lru_cache(maxsize=32768)
def _term_counts(text: str) -> Counter[str]:
    # Cached: operator libraries repeat boilerplate sentences across entries.
    return Counter(terms(text))


def _field_texts(entry: Entry, name: str) -> list[str]:
    if name == "id":
        return [entry.id.replace(".", " ").replace("_", " ")]
    value = getattr(entry, name)
    if isinstance(value, tuple):
        return list(value)
    return [value] if value else []


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    via: str = "text"  # "text" or "pinyin"


class SearchIndex:
    """An immutable inverted index over a sequence of entries."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._postings: dict[str, tuple[list[int], list[float]]] = {}
        self._common: set[str] = set()
        self._initials: list[list[tuple[str, float]]] = []
        self._initial_grams: dict[str, set[int]] = defaultdict(set)
        self._build()

    def __len__(self) -> int:
        return len(self.entries)

    # -- building -------------------------------------------------------------
    def _build(self) -> None:
        # Pass 1: weighted term frequencies straight into per-term lists.
        tf_docs: dict[str, list[int]] = defaultdict(list)
        tf_values: dict[str, list[float]] = defaultdict(list)
        lengths: list[float] = []
        for doc, entry in enumerate(self.entries):
            tf: dict[str, float] = defaultdict(float)
            length = 0.0
            for name, weight in FIELD_WEIGHTS.items():
                for text in _field_texts(entry, name):
                    counted = _term_counts(text)
                    for term, n in counted.items():
                        tf[term] += weight * n
                    length += weight * counted.total()
            for term, freq in tf.items():
                tf_docs[term].append(doc)
                tf_values[term].append(freq)
            lengths.append(length)
            self._index_initials(doc, entry)
        # Pass 2: each posting's BM25 contribution, one list comprehension per term.
        count = len(self.entries) or 1
        avg = (sum(lengths) / count) or 1.0
        norms = [K1 * (1 - B + B * length / avg) for length in lengths]
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for term, docs in tf_docs.items():
            n = len(docs)
            idf = math.log(1 + (count - n + 0.5) / (n + 0.5))
            scores = [idf * f * (K1 + 1) / (f + norms[d]) for d, f in zip(docs, tf_values[term], strict=True)]
            postings[term] = (docs, scores)
        self._postings = postings
        self._common = {t for t, docs in tf_docs.items() if len(docs) > COMMON_SHARE * count and count >= 40}

    def _index_initials(self, doc: int, entry: Entry) -> None:
        fields: list[tuple[str, float]] = []
        for name, weight in PINYIN_FIELDS.items():
            for text in _field_texts(entry, name):
                code = initials(text)
                if len(code) >= 2:
                    fields.append((code, weight))
                    for i in range(len(code) - 1):
                        self._initial_grams[code[i : i + 2]].add(doc)
        self._initials.append(fields)

    # -- querying -------------------------------------------------------------
    def search(self, query: str, *, limit: int = 10, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Best entries for ``query``, best first; ``kinds`` restricts the entry kinds."""
        allowed = frozenset(kinds) if kinds else None
        scores = self._text_scores(query)
        via_pinyin: set[int] = set()
        folded = normalize(query).replace(" ", "")
        if _LETTERS.match(folded):
            pinyin = self._pinyin_scores(folded)
            # Letters only: a pinyin-initial match is what the agent meant, so it outranks text hits.
            top = max(scores.values(), default=0.0)
            for doc, value in pinyin.items():
                scores[doc] += top + value
            via_pinyin = set(pinyin)
        items = scores.items()
        if allowed is not None:
            items = [(doc, score) for doc, score in items if self.entries[doc].kind in allowed]  # type: ignore[assignment]
        best = heapq.nsmallest(limit, items, key=lambda item: (-item[1], self.entries[item[0]].id))
        return [
            Hit(self.entries[doc], score, "pinyin" if doc in via_pinyin else "text") for doc, score in best
        ]

    def _query_terms(self, query: str) -> set[str]:
        """Bigrams and ASCII words of the query, plus unigrams for characters no matched bigram covers.

        A character inside a matched bigram already counts through it; its
        unigram posting (thousands of entries for 客 or 理) would only add
        noise and time.
        """
        out: set[str] = set()
        folded = normalize(query)
        stripped = QUERY_STOP_PHRASES.sub(" ", folded)
        # A query made only of scaffolding (怎么办) still searches for it.
        for run in _CJK_OR_WORD.findall(stripped if stripped.strip() else folded):
            if not _IS_CJK.match(run):
                out.add(run)
                continue
            matched = [run[i : i + 2] in self._postings for i in range(len(run) - 1)]
            out.update(run[i : i + 2] for i, hit in enumerate(matched) if hit)
            for i, ch in enumerate(run):
                covered = (i > 0 and matched[i - 1]) or (i < len(matched) and matched[i])
                if not covered and ch not in STOP_CHARS:
                    out.add("1:" + ch)
        return out

    def _text_scores(self, query: str) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        wanted = [t for t in self._query_terms(query) if t in self._postings]
        rare = [t for t in wanted if t not in self._common]
        for term in rare or wanted:
            factor = UNIGRAM_FACTOR if term.startswith("1:") else 1.0
            docs, contributions = self._postings[term]
            for doc, value in zip(docs, contributions, strict=True):
                scores[doc] += factor * value
        return scores

    def _pinyin_scores(self, code: str) -> dict[int, float]:
        candidates: set[int] | None = None
        for i in range(len(code) - 1):
            docs = self._initial_grams.get(code[i : i + 2], set())
            candidates = set(docs) if candidates is None else candidates & docs
            if not candidates:
                return {}
        found: dict[int, float] = {}
        for doc in candidates or ():
            best = 0.0
            for text, weight in self._initials[doc]:
                if code in text:
                    # Prefer fields the code covers most of (话费查询 over 话费查询渠道说明).
                    best = max(best, weight * len(code) / len(text) + (1.0 if text.startswith(code) else 0.0))
            if best:
                found[doc] = best
        return found
