"""The NORMS.md ids the phrasebook validates ``cites`` against, the ids it must cover, and their Chinese names.

One catalogue for the whole project: :mod:`kefu.qa.norms` reads the shared
``NORMS.md`` when it is beside the repository and falls back to the copy it
ships, so rulebooks and phrasebook entries are checked against the same ids.
``norm_names.yaml`` gives each id a short Chinese name, grouped by the
catalogue's sections, so people pick norms by name rather than by id.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kefu.qa.norms import all_norm_ids, load_norms

NAMES_FILE = Path(__file__).resolve().parent / "norm_names.yaml"


def known_norm_ids() -> frozenset[str]:
    return all_norm_ids()


def script_or_knowledge_ids() -> list[str]:
    """Ids whose row says S (script) or K (knowledge entry): the phrasebook must cite each."""
    return sorted(norm for norm, codes in load_norms().items() if "S" in codes or "K" in codes)


@lru_cache(maxsize=1)
def norm_sections() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``((section name, ((norm id, Chinese name), …)), …)`` in the catalogue's order."""
    data: Any = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8")) or {}
    sections = []
    for section in data.get("sections") or []:
        norms = section.get("norms") or {}
        sections.append((str(section["name"]), tuple((str(k), str(v)) for k, v in norms.items())))
    return tuple(sections)


@lru_cache(maxsize=1)
def norm_names() -> dict[str, str]:
    """Every norm id with its Chinese name."""
    return {norm: name for _section, norms in norm_sections() for norm, name in norms}


def norm_name(norm: str) -> str:
    """The Chinese name of ``norm``; the id itself for an id the catalogue does not name."""
    return norm_names().get(norm, norm)
