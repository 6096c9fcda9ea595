"""The NORMS.md ids the phrasebook validates ``cites`` against, and the ids it must cover.

One catalogue for the whole project: :mod:`kefu.qa.norms` reads the shared
``NORMS.md`` when it is beside the repository and falls back to the copy it
ships, so rulebooks and phrasebook entries are checked against the same ids.
"""

from __future__ import annotations

from kefu.qa.norms import all_norm_ids, load_norms


def known_norm_ids() -> frozenset[str]:
    return all_norm_ids()


def script_or_knowledge_ids() -> list[str]:
    """Ids whose row says S (script) or K (knowledge entry): the phrasebook must cite each."""
    return sorted(norm for norm, codes in load_norms().items() if "S" in codes or "K" in codes)
