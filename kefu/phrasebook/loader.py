"""Load phrasebook YAML files and build a :class:`Library`.

A file is either a list of entries or a mapping with an ``entries`` list::

    entries:
      - id: counter.form_error
        kind: script
        ...

The built-in library is every ``data/*.yaml`` in this package. Operators add
their own files; an operator entry with the id of a built-in one replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from kefu.phrasebook.schema import Entry, PhrasebookError, Problem, validate_entry

DATA_DIR = Path(__file__).resolve().parent / "data"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line where each mapping starts (for error messages)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    # Keys are whatever the YAML says (usually text); the schema reports the unknown ones.
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _raw_entries(text: str, source: str) -> list[Any]:
    try:
        document = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PhrasebookError([Problem.of(source, "-", "-", "bad_yaml", line, error=exc)]) from exc
    if isinstance(document, dict):
        document.pop("__line__", None)
        extra = set(document) - {"entries"}
        if extra or not isinstance(document.get("entries"), list):
            raise PhrasebookError([Problem.of(source, "-", "entries", "bad_file")])
        entries: list[Any] = document["entries"]
        return entries
    if isinstance(document, list):
        return document
    raise PhrasebookError([Problem.of(source, "-", "-", "bad_file")])


def parse_entries(text: str, *, source: str, origin: str = "builtin") -> list[Entry]:
    """Validate YAML ``text``; return its entries or raise with every problem found."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(_raw_entries(text, source), start=1):
        line = raw.pop("__line__", None) if isinstance(raw, dict) else None
        entry, found = validate_entry(raw, source=source, position=position, line=line, origin=origin)
        problems.extend(found)
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(
                Problem.of(source, f"#{position} ({entry.id})", "id", "duplicate", line, first=seen[entry.id])
            )
            continue
        seen[entry.id] = position
        entries.append(entry)
    if problems:
        raise PhrasebookError(problems)
    return entries


def load_file(path: str | Path, *, origin: str = "operator") -> list[Entry]:
    """Read and validate one YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhrasebookError([Problem.of(str(path), "-", "-", "unreadable", error=exc)]) from exc
    return parse_entries(text, source=str(path), origin=origin)


@dataclass(frozen=True, eq=False)  # identity hash: caches keyed on a library stay O(1)
class Library:
    """An immutable set of entries with lookup by id and kind, and a lazily built search index."""

    entries: tuple[Entry, ...]
    by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def of_kind(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]

    def cited_norms(self) -> set[str]:
        return {norm for e in self.entries for norm in e.cites}

    @cached_property
    def index(self):  # type: ignore[no-untyped-def]  # SearchIndex; imported late to keep this module light
        from kefu.phrasebook.search import SearchIndex

        return SearchIndex(self.entries)

    def search(self, query: str, *, limit: int = 10, kinds: Iterable[str] | None = None):  # type: ignore[no-untyped-def]
        return self.index.search(query, limit=limit, kinds=kinds)

    def merged(self, extra: Iterable[Entry]) -> Library:
        """A new library where ``extra`` entries replace same-id entries and add the rest."""
        combined = dict(self.by_id)
        for entry in extra:
            combined[entry.id] = entry
        return Library(tuple(combined.values()))


def builtin_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


@lru_cache(maxsize=1)
def builtin_library() -> Library:
    """The library shipped in ``data/``; ids must be unique across files."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for path in builtin_files():
        try:
            found = load_file(path, origin="builtin")
        except PhrasebookError as exc:
            problems.extend(exc.problems)
            continue
        for entry in found:
            if entry.id in owner:
                problems.append(Problem.of(str(path), entry.id, "id", "defined_twice", file=owner[entry.id]))
                continue
            owner[entry.id] = path.name
            entries.append(entry)
    if problems:
        raise PhrasebookError(problems)
    return Library(tuple(entries))


def load_library(extra_files: Iterable[str | Path] = ()) -> Library:
    """The built-in library plus operator files (operator entries win on equal ids)."""
    library = builtin_library()
    for path in extra_files:
        library = library.merged(load_file(path))
    return library
