"""Norm ids from ``NORMS.md`` and coverage of the R-marked (QA rule) ids.

The catalogue lives in ``../shared/NORMS.md`` beside the repository. A copy of
its ids and their "implement as" codes ships in ``norm_ids.json`` so the
engine validates ``cites`` and reports coverage without ``shared/``;
:func:`parse_norms` regenerates it (``python -m kefu.qa.norms --write``).
"""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIPPED = HERE / "norm_ids.json"
SHARED = HERE.parents[2] / "shared" / "NORMS.md"
_ROW = re.compile(r"^\|\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\s*\|.*\|\s*([^|]*)\|\s*$")


def parse_norms(markdown: str) -> dict[str, list[str]]:
    """``{norm id: [implement-as codes]}`` from the NORMS.md tables."""
    norms: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        # The "as" column is like "R S" or "R (answer delay from timestamps)".
        codes = re.sub(r"\(.*?\)", "", m.group(2)).split()
        norms[m.group(1)] = [c for c in codes if re.fullmatch(r"[A-Z]", c)]
    return norms


@lru_cache(maxsize=1)
def load_norms() -> dict[str, list[str]]:
    """The shared catalogue when present (it is the source of truth), else the shipped copy."""
    if SHARED.exists():
        parsed = parse_norms(SHARED.read_text(encoding="utf-8"))
        if parsed:
            return parsed
    shipped: dict[str, list[str]] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return shipped


def all_norm_ids() -> frozenset[str]:
    return frozenset(load_norms()) | frozenset(json.loads(SHIPPED.read_text(encoding="utf-8")))


def r_ids() -> list[str]:
    return sorted(nid for nid, codes in load_norms().items() if "R" in codes)


def coverage(cited: set[str]) -> tuple[float, list[str], list[str]]:
    """(fraction of R ids cited, covered ids, missing ids)."""
    required = r_ids()
    covered = [nid for nid in required if nid in cited]
    missing = [nid for nid in required if nid not in cited]
    return (len(covered) / len(required) if required else 1.0), covered, missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["--write"]:
        norms = parse_norms(SHARED.read_text(encoding="utf-8"))
        SHIPPED.write_text(json.dumps(norms, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {len(norms)} ids to {SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
