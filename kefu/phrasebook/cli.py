"""``kefu knowledge …`` — the phrasebook from the command line, without Django.

kefu knowledge check FILE [FILE …]      validate operator YAML files (exit 1 on any problem)
kefu knowledge search QUERY [--kind K] [--limit N] [--file F]
kefu knowledge show ID
kefu knowledge greet --company C [--department D] --agent A [--channel phone] [--at 2026-02-17T09:00]
kefu knowledge assist CONVERSATION.json [--persona tiger] [--draft TEXT] [--salutation 张女士]
kefu knowledge stats
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from kefu.phrasebook.loader import Library, builtin_library, load_file, load_library
from kefu.phrasebook.schema import KINDS, PhrasebookError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu knowledge", description="Kefu script and knowledge library (话术库)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate phrasebook YAML files")
    check.add_argument("files", nargs="+", type=Path)

    search = sub.add_parser("search", help="search the library (Chinese or pinyin initials)")
    search.add_argument("query")
    search.add_argument("--kind", action="append", choices=sorted(KINDS))
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--file", action="append", type=Path, default=[], help="operator YAML to include")
    search.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="print one entry as YAML-like text")
    show.add_argument("id")
    show.add_argument("--file", action="append", type=Path, default=[])

    greet = sub.add_parser("greet", help="the opening line for now (or --at)")
    greet.add_argument("--company", required=True)
    greet.add_argument("--department", default="")
    greet.add_argument("--agent", required=True)
    greet.add_argument("--customer", default="")
    greet.add_argument("--channel", default="phone", choices=["phone", "outbound", "counter", "chat"])
    greet.add_argument("--at", type=datetime.fromisoformat, default=None, help="ISO time, default now")

    assist = sub.add_parser("assist", help="assist for a conversation JSON file ({turns: [...]} or a list)")
    assist.add_argument("conversation", type=Path)
    assist.add_argument("--persona")
    assist.add_argument("--draft")
    assist.add_argument("--channel", default="phone")
    assist.add_argument("--salutation", default="", help="how to address the customer, e.g. 张女士")

    sub.add_parser("stats", help="entries per kind and norm coverage")
    return parser


def _library(files: list[Path]) -> Library:
    return load_library(files) if files else builtin_library()


def _check(files: list[Path]) -> int:
    failed = 0
    seen: dict[str, Path] = {}
    for path in files:
        try:
            entries = load_file(path)
        except PhrasebookError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        clashes = [e.id for e in entries if e.id in seen]
        for entry_id in clashes:
            # Loaded together, the later file would silently win: say so.
            print(f"{path}: entry {entry_id}: field 'id': also defined in {seen[entry_id]}", file=sys.stderr)
        failed += bool(clashes)
        seen.update((e.id, path) for e in entries if e.id not in seen)
        kinds = Counter(e.kind for e in entries)
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        replaces = sum(1 for e in entries if builtin_library().get(e.id) is not None)
        note = f"; replaces {replaces} built-in" if replaces else ""
        print(f"{path}: {'OK' if not clashes else 'CLASH'}, {len(entries)} entries ({summary}){note}")
    return 1 if failed else 0


def _search(args: argparse.Namespace) -> int:
    hits = _library(args.file).search(args.query, limit=args.limit, kinds=args.kind)
    if args.json:
        print(
            json.dumps(
                [{"id": h.entry.id, "title": h.entry.title, "score": round(h.score, 2)} for h in hits],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not hits:
        print("no match")
        return 0
    for hit in hits:
        print(f"{hit.score:7.2f}  {hit.entry.id:<32} {KINDS[hit.entry.kind]}  {hit.entry.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    entry = _library(args.file).get(args.id)
    if entry is None:
        print(f"no entry {args.id!r}", file=sys.stderr)
        return 1
    for key, value in entry.to_dict().items():
        if isinstance(value, list):
            print(f"{key}:")
            for item in value:
                print(f"  - {item}")
        else:
            print(f"{key}: {value}")
    return 0


def _greet(args: argparse.Namespace) -> int:
    from kefu.phrasebook.greeting import opening

    result = opening(
        moment=args.at or datetime.now(),
        channel=args.channel,
        company=args.company,
        department=args.department,
        agent=args.agent,
        customer=args.customer,
    )
    print(result.text)
    return 0


def _assist(args: argparse.Namespace) -> int:
    from kefu.phrasebook.assist import assist

    try:
        data: Any = json.loads(args.conversation.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{args.conversation}: {exc}", file=sys.stderr)
        return 1
    turns = data.get("turns", []) if isinstance(data, dict) else data
    result = assist(
        turns, persona=args.persona, draft=args.draft, channel=args.channel, salutation=args.salutation
    )
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _stats() -> int:
    from kefu.phrasebook.norms import script_or_knowledge_ids

    library = builtin_library()
    for kind, count in sorted(Counter(e.kind for e in library).items()):
        print(f"{KINDS[kind]:<8} {kind:<11} {count}")
    needed = set(script_or_knowledge_ids())
    missing = sorted(needed - library.cited_norms())
    print(f"entries: {len(library)}; S/K norms cited: {len(needed) - len(missing)}/{len(needed)}")
    for norm in missing:
        print(f"  not cited: {norm}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.files)
        if args.command == "search":
            return _search(args)
        if args.command == "show":
            return _show(args)
        if args.command == "greet":
            return _greet(args)
        if args.command == "assist":
            return _assist(args)
        return _stats()
    except PhrasebookError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
