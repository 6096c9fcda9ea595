"""The exam question bank (题库): YAML files beside this module, each item citing NORMS.md ids.

Pure: imports nothing from Django, so the ``kefu train coverage`` command and tests read it
directly. ``load_items()`` validates every file and raises :class:`BankError` naming the file
and line of the first problem (``bank/technique.yaml:42: …``).

A file looks like::

    category: technique          # the quota key a paper draws by
    label: 投诉处理技巧          # its Chinese name
    items:
      - id: technique.3f.order
        kind: single             # single | multiple | truefalse | open
        cites: [technique.3f]
        question: …
        options: [甲, 乙, 丙, 丁]
        answer: 1                # single: an index; multiple: a list; truefalse: true/false
        explain: …               # why, shown after grading
      - id: counter.busy.say
        kind: open
        cites: [counter.busy_internal]
        question: 当你正在处理内部事务时，客户前来办理业务，你怎么说？
        require:                 # each group is met when the answer holds one of its phrases
          - {label: 先问候, sets: [greeting]}
          - {label: 请客户稍等并说明马上办理, phrases: [稍等, 马上]}
        model: 您好，请您稍等，我马上为您办理。
        explain: …

Open answers are graded by :mod:`kefu.training.grading`: the required phrase groups, plus the
QA engine's draft check (forbidden phrases, arguing, deflection …) on the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

BANK_DIR = Path(__file__).resolve().parent
KINDS = ("single", "multiple", "truefalse", "open")
KIND_LABELS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "open": "情景应答题"}


class BankError(ValueError):
    """A bank file is malformed; ``str()`` is ``file:line: message``."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Requirement:
    """One thing an open answer must say: met when any of ``phrases`` appears in it."""

    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    category: str
    category_label: str
    norm_ids: tuple[str, ...]
    question: str
    explain: str
    options: tuple[str, ...] = ()
    answer: tuple[int, ...] = ()  # choice indexes (single/multiple)
    truth: bool | None = None  # truefalse
    require: tuple[Requirement, ...] = ()
    model: str = ""  # a model answer for open items
    source: str = ""  # file:line

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    items: tuple[Item, ...] = field(default_factory=tuple)


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line (1-based) under the key ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _known_norms() -> frozenset[str]:
    from kefu.qa.norms import all_norm_ids

    return all_norm_ids()


def _phrase_sets() -> Any:
    from kefu.qa.phrases import phrase_sets

    return phrase_sets()


def _text(raw: dict[str, Any], key: str, source: str, line: int, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BankError(source, line, f"{key} must be text")
    value = str(value).strip()
    if required and not value:
        raise BankError(source, line, f"{key} is required")
    return value


def _requirements(raw: Any, source: str, line: int) -> tuple[Requirement, ...]:
    if not isinstance(raw, list) or not raw:
        raise BankError(source, line, "an open item needs require: a list of phrase groups")
    sets = _phrase_sets()
    out = []
    for group in raw:
        gline = group.get("__line__", line) if isinstance(group, dict) else line
        if not isinstance(group, dict):
            raise BankError(source, gline, "each require group is a mapping {label, sets, phrases}")
        label = _text(group, "label", source, gline)
        phrases: list[str] = []
        for name in group.get("sets") or []:
            if str(name) not in sets:
                raise BankError(source, gline, f"unknown phrase set {name!r} (see kefu/qa/rulebooks/_common.yaml)")
            phrases.extend(sets[str(name)])
        for phrase in group.get("phrases") or []:
            if not isinstance(phrase, str | int) or not str(phrase).strip():
                raise BankError(source, gline, "phrases must be non-empty text")
            phrases.append(str(phrase).strip())
        if not phrases:
            raise BankError(source, gline, f"require group {label!r} has no phrases or sets")
        out.append(Requirement(label, tuple(dict.fromkeys(phrases))))
    return tuple(out)


def parse_item(raw: Any, *, category: str, label: str, source: str, known: frozenset[str]) -> Item:
    """One item from its YAML mapping; raises :class:`BankError` at its line."""
    if not isinstance(raw, dict):
        raise BankError(source, 1, "each item is a mapping")
    line = int(raw.get("__line__", 1))
    unknown = set(raw) - {"__line__", "id", "kind", "cites", "question", "options", "answer", "explain", "require", "model"}
    if unknown:
        raise BankError(source, line, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    item_id = _text(raw, "id", source, line)
    kind = _text(raw, "kind", source, line)
    if kind not in KINDS:
        raise BankError(source, line, f"{item_id}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    cites = raw.get("cites")
    if not isinstance(cites, list) or not cites:
        raise BankError(source, line, f"{item_id}: cites must list at least one NORMS.md id")
    for norm in cites:
        if str(norm) not in known:
            raise BankError(source, line, f"{item_id}: {norm!r} is not a NORMS.md id")
    common: dict[str, Any] = {
        "id": item_id, "kind": kind, "category": category, "category_label": label,
        "norm_ids": tuple(str(c) for c in cites), "question": _text(raw, "question", source, line),
        "explain": _text(raw, "explain", source, line), "source": f"{source}:{line}",
    }
    answer = raw.get("answer")
    if kind in ("single", "multiple"):
        options = raw.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str | int) for o in options):
            raise BankError(source, line, f"{item_id}: options must list at least two choices")
        if len({str(o).strip() for o in options}) != len(options):
            raise BankError(source, line, f"{item_id}: two options are the same")
        indexes = [answer] if kind == "single" else answer
        if not isinstance(indexes, list) or not indexes or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(options) for i in indexes
        ):
            raise BankError(
                source, line,
                f"{item_id}: answer must be {'an option index' if kind == 'single' else 'a list of option indexes'} "
                f"from 0 to {len(options) - 1}",
            )
        if kind == "multiple" and len(set(indexes)) < 2:
            raise BankError(source, line, f"{item_id}: a multiple-choice item has at least two right options")
        return Item(**common, options=tuple(str(o).strip() for o in options), answer=tuple(sorted(set(indexes))))
    if kind == "truefalse":
        if not isinstance(answer, bool):
            raise BankError(source, line, f"{item_id}: answer must be true or false")
        return Item(**common, truth=answer)
    return Item(
        **common, require=_requirements(raw.get("require"), source, line), model=_text(raw, "model", source, line)
    )


def parse_bank(text: str, source: str, *, known: frozenset[str] | None = None) -> Category:
    """One bank file's text; ``source`` names it in errors."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise BankError(source, (mark.line + 1) if mark else 1, str(exc.problem or exc)) from None
    except yaml.YAMLError as exc:
        raise BankError(source, 1, str(exc)) from None
    if not isinstance(data, dict):
        raise BankError(source, 1, "a bank file is a mapping with category, label and items")
    key = _text(data, "category", source, 1)
    label = _text(data, "label", source, 1)
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise BankError(source, 1, "items must be a non-empty list")
    norms = known if known is not None else _known_norms()
    parsed = tuple(parse_item(raw, category=key, label=label, source=source, known=norms) for raw in items)
    seen: set[str] = set()
    for item in parsed:
        if item.id in seen:
            raise BankError(source, int(item.source.rsplit(":", 1)[1]), f"duplicate item id {item.id!r}")
        seen.add(item.id)
    return Category(key, label, parsed)


@lru_cache(maxsize=4)
def load_categories(directory: str = str(BANK_DIR)) -> tuple[Category, ...]:
    """Every bank file in ``directory`` (sorted by name), validated; ids unique across files."""
    known = _known_norms()
    cats: list[Category] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        source = f"bank/{path.name}"
        cat = parse_bank(path.read_text(encoding="utf-8"), source, known=known)
        for item in cat.items:
            if item.id in seen:
                file, line = item.source.rsplit(":", 1)
                raise BankError(file, int(line), f"item id {item.id!r} is also used at {seen[item.id]}")
            seen[item.id] = item.source
        if any(c.key == cat.key for c in cats):
            raise BankError(source, 1, f"category {cat.key!r} is defined by another file too")
        cats.append(cat)
    return tuple(cats)


def load_items(directory: str = str(BANK_DIR)) -> tuple[Item, ...]:
    """Every item of the bank, in file order."""
    return tuple(item for cat in load_categories(directory) for item in cat.items)


@lru_cache(maxsize=1)
def items_by_id() -> dict[str, Item]:
    return {item.id: item for item in load_items()}


def get_item(item_id: str) -> Item | None:
    return items_by_id().get(item_id)


def category_labels() -> dict[str, str]:
    return {cat.key: cat.label for cat in load_categories()}
