"""``make norms``: which NORMS.md ids are cited by Kefu's data and code, and which are not yet.

An id counts as cited when it appears as a whole token in any source or data
file under ``kefu/`` (rulebooks, phrasebook entries, checklists, docstrings).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_NORMS = REPO.parent / "shared" / "NORMS.md"
_ROW = re.compile(r"^\|\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\s*\|")
_SECTION = re.compile(r"^##\s+(.*)$")
CATALOGUE_COPY_SHARE = 0.9
_SUFFIXES = {".py", ".yaml", ".yml", ".html", ".json", ".txt", ".md"}


def parse_norms(text: str) -> dict[str, str]:
    """Map every norm id in NORMS.md to the section it is listed under."""
    ids: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if m := _SECTION.match(line):
            section = m.group(1).strip()
        elif m := _ROW.match(line):
            ids[m.group(1)] = section
    return ids


def _files(root: Path) -> Iterable[Path]:
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in _SUFFIXES and "__pycache__" not in path.parts and "tests" not in path.parts:
            yield path


def cited_ids(ids: Iterable[str], root: Path) -> set[str]:
    wanted = set(ids)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(i) for i in sorted(wanted, key=len, reverse=True)) + r")(?![\w])")
    found: set[str] = set()
    for path in _files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        in_file = set(pattern.findall(text))
        # A copy of the catalogue itself (an id list shipped for offline use) cites nothing.
        if len(in_file) >= CATALOGUE_COPY_SHARE * len(wanted):
            continue
        found.update(in_file)
    return found & wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make norms", description=__doc__)
    parser.add_argument("--norms", type=Path, default=DEFAULT_NORMS, help="path to NORMS.md")
    parser.add_argument("--root", type=Path, default=REPO / "kefu", help="tree to search for citations")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.norms.is_file():
        print(f"norms: {args.norms} not found (pass --norms PATH)", file=sys.stderr)
        return 2
    ids = parse_norms(args.norms.read_text(encoding="utf-8"))
    cited = cited_ids(ids, args.root)
    missing = [i for i in ids if i not in cited]
    if args.json:
        print(json.dumps({"total": len(ids), "cited": len(cited), "missing": missing}, ensure_ascii=False))
        return 0
    by_section: dict[str, list[str]] = {}
    for norm_id in missing:
        by_section.setdefault(ids[norm_id], []).append(norm_id)
    for section, names in by_section.items():
        print(f"{section}: {len(names)} not cited")
        for name in names:
            print(f"  {name}")
    print(f"{len(cited)}/{len(ids)} norms cited ({100 * len(cited) / max(len(ids), 1):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
