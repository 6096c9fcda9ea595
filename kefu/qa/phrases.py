"""The shared phrase sets: one list of words per purpose, read by every part of Kefu that listens.

The sets live once, in ``rulebooks/_common.yaml`` under ``phrase_sets``. The
built-in QA rulebooks include that file (``"@apology"`` in a rule), agent
assist classifies callers and reads emotions with it, and the draft check
runs the QA rules built on it — so a word added to a set changes all three.

Pure: imports nothing from Django. The file is read once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

COMMON = Path(__file__).resolve().parent / "rulebooks" / "_common.yaml"


class UnknownPhraseSet(KeyError):
    """Asked for a set ``_common.yaml`` does not define."""


@lru_cache(maxsize=1)
def phrase_sets() -> Mapping[str, tuple[str, ...]]:
    """Every set by name, as read from ``_common.yaml`` (read-only, cached)."""
    data = yaml.safe_load(COMMON.read_text(encoding="utf-8")) or {}
    raw = data.get("phrase_sets") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{COMMON}: phrase_sets must be a mapping of name → list of phrases")
    sets: dict[str, tuple[str, ...]] = {}
    for name, phrases in raw.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str | int) and str(p) for p in phrases):
            raise ValueError(f"{COMMON}: phrase_sets.{name} must be a non-empty list of phrases")
        sets[str(name)] = tuple(str(p) for p in phrases)
    return MappingProxyType(sets)


def phrase_set(name: str) -> tuple[str, ...]:
    """The phrases of one set, in the order written."""
    try:
        return phrase_sets()[name]
    except KeyError:
        raise UnknownPhraseSet(f"no phrase set {name!r} in {COMMON.name}") from None


def phrases(*names: str) -> tuple[str, ...]:
    """The phrases of several sets together, each once, in order."""
    return tuple(dict.fromkeys(p for name in names for p in phrase_set(name)))
