"""Text normalisation shared by the QA engine and the phrasebook.

Kefu receives Traditional and Simplified Chinese, full- and half-width forms,
and Chinese or ASCII punctuation. Everything that *matches* text (phrase sets,
regular expressions, lexicons) runs on the output of :func:`normalize`, so a
rule author writes one Simplified, half-width spelling and it matches every
variant.

``normalize`` is pure and cached. It is *nearly* length-preserving: OpenCC's
t2s conversion and the punctuation folding map one character to one
character, so offsets into the normalised text usually line up with the
original; only NFKC compatibility decompositions (rare: ``㈱``, ``①``…) change
the length, and callers that need exact evidence quote the original text.

Steps, in order:

1. Traditional → Simplified with OpenCC ``t2s`` (phrase-aware, so 乾淨 → 干净
   but 乾隆 stays).
2. Full-width ASCII → half-width (ＡＢＣ１２３ → abc123) and NFKC when the text
   still has compatibility characters.
3. Chinese punctuation folded to ASCII (，。！？：；“”「」（） → , . ! ? : ; " " ( )).
4. ASCII lower-cased; every whitespace character becomes a plain space.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["fold_width", "normalize", "to_simplified"]

# One converter per process: building it parses OpenCC's dictionaries (~ms),
# converting is a cheap C++ call. The lock only guards lazy construction.
_converter = None
_converter_lock = threading.Lock()


def _opencc() -> Any:
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII block U+FF01..U+FF5E maps onto U+0021..U+007E.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    # Chinese punctuation that NFKC leaves alone; one char → one char so
    # offsets stay aligned with the original text.
    punct = {
        "。": ".", "｡": ".", "、": ",", "，": ",", "；": ";", "：": ":", "？": "?", "！": "!",
        "“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"', "〝": '"', "〞": '"',
        "‘": "'", "’": "'", "（": "(", "）": ")", "【": "[", "】": "]", "〔": "[", "〕": "]",
        "《": "<", "》": ">", "〈": "<", "〉": ">", "…": ".", "—": "-", "–": "-", "～": "~",
        "·": ".", "・": ".", "﹏": "_",
    }
    for src, dst in punct.items():
        table[ord(src)] = dst
    for ws in "\t\n\r\x0b\x0c\u3000\u00a0\u2002\u2003\u2009\u200b\u202f\u205f":
        table[ord(ws)] = " "
    return table


_FOLD = _build_fold_table()


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s); other text unchanged."""
    if text.isascii():
        return text
    try:
        return str(_opencc().convert(text))
    except UnicodeEncodeError:  # a lone surrogate cannot reach OpenCC's UTF-8: replace it, convert the rest
        return str(_opencc().convert(text.encode("utf-8", "replace").decode("utf-8")))


def fold_width(text: str) -> str:
    """Full-width → half-width, NFKC, punctuation folding, ASCII lower case."""
    folded = text.translate(_FOLD)
    # NFKC is the slow step; most CJK text is already NFKC after folding.
    if not unicodedata.is_normalized("NFKC", folded):
        folded = unicodedata.normalize("NFKC", folded).translate(_FOLD)
    return folded


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Return the canonical matching form of ``text`` (see module docstring).

    Pure and cached: call it freely, the same string is converted once.
    """
    return fold_width(to_simplified(text))
