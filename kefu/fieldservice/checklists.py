"""Checklists, appointment scripts and the price list: YAML data files, validated at load (pure; no Django).

A mistake in a data file is reported as ``file:line: what is wrong`` (``DataError``), so an operator who
edits a checklist sees where, and nothing half-loaded is ever used.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"
_NORM_ID = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
GATES = {"depart", "arrive", "finish"}


class DataError(ValueError):
    """A data file is malformed: the message starts with ``file:line``."""


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    cites: tuple[str, ...]
    optional: bool = False
    timers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    items: tuple[Item, ...]
    cites: tuple[str, ...]
    after: str = ""  # the action that must have happened first
    before: str = ""  # the action this stage must be done before

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)


@dataclass(frozen=True)
class Checklist:
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def index(self, key: str) -> int:
        return [s.key for s in self.stages].index(key)

    def required_before(self, gate: str) -> list[Stage]:
        return [s for s in self.stages if s.before == gate]


@dataclass(frozen=True)
class Script:
    key: str
    title: str
    opening: str


@dataclass(frozen=True)
class Scripts:
    scripts: dict[str, Script]
    closing: str
    guidance: tuple[str, ...]


@dataclass(frozen=True)
class PriceItem:
    code: str
    name: str
    amount: Decimal


# ---------------------------------------------------------------- node helpers


class _Ctx:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, message: str) -> DataError:
        line = node.start_mark.line + 1 if node is not None else 1
        return DataError(f"{self.path.name}:{line}: {message}")

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = key_node.value
            if key in out:
                raise self.fail(key_node, f"{what}: '{key}' given twice")
            out[key] = value
        return out

    def seq(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list")
        return list(node.value)

    def text(self, node: yaml.Node | None, what: str, *, parent: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node or parent, f"{what} is required text")
        return str(node.value).strip()

    def key(self, node: yaml.Node | None, what: str, *, parent: yaml.Node) -> str:
        value = self.text(node, what, parent=parent)
        if not _KEY.match(value):
            raise self.fail(node, f"{what} '{value}' must be lowercase letters, digits and _")
        return value

    def cites(self, node: yaml.Node | None, *, parent: yaml.Node, known: set[str] | None) -> tuple[str, ...]:
        ids = []
        for item in self.seq(node if node is not None else parent, "cites") if node is not None else []:
            value = self.text(item, "a cited norm id", parent=parent)
            if not _NORM_ID.match(value):
                raise self.fail(item, f"'{value}' is not a norm id")
            if known is not None and value not in known:
                raise self.fail(item, f"'{value}' is not in NORMS.md")
            ids.append(value)
        if not ids:
            raise self.fail(parent, "cites: name at least one NORMS.md id")
        return tuple(ids)

    def only(self, fields: dict[str, yaml.Node], allowed: set[str], what: str) -> None:
        for name, node in fields.items():
            if name not in allowed:
                raise self.fail(node, f"{what}: unknown field '{name}'")


def _root(path: Path) -> tuple[_Ctx, dict[str, yaml.Node]]:
    ctx = _Ctx(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise DataError(f"{path.name}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if node is None:
        raise DataError(f"{path.name}:1: the file is empty")
    root = ctx.mapping(node, "the file")
    version = root.get("version")
    if version is None or getattr(version, "value", None) != "1":
        raise ctx.fail(version or node, "version: 1 is required")
    return ctx, root


# ---------------------------------------------------------------- loaders


def parse_checklist(path: Path, *, known: set[str] | None = None) -> Checklist:
    ctx, root = _root(path)
    ctx.only(root, {"version", "stages"}, "the file")
    stages: list[Stage] = []
    seen: set[str] = set()
    for stage_node in ctx.seq(root.get("stages"), "stages"):
        fields = ctx.mapping(stage_node, "a stage")
        ctx.only(fields, {"key", "title", "items", "cites", "after", "before"}, "a stage")
        key = ctx.key(fields.get("key"), "stage key", parent=stage_node)
        if key in seen:
            raise ctx.fail(fields["key"], f"stage '{key}' is declared twice")
        seen.add(key)
        gates = {}
        for gate_field in ("after", "before"):
            gate = fields.get(gate_field)
            value = ctx.text(gate, gate_field, parent=stage_node) if gate is not None else ""
            if value and value not in GATES:
                raise ctx.fail(gate, f"{gate_field}: '{value}' is not one of {', '.join(sorted(GATES))}")
            gates[gate_field] = value
        items: list[Item] = []
        item_keys: set[str] = set()
        for item_node in ctx.seq(fields.get("items"), f"stage '{key}' items"):
            item = ctx.mapping(item_node, "an item")
            ctx.only(item, {"key", "text", "cites", "optional", "timers"}, "an item")
            item_key = ctx.key(item.get("key"), "item key", parent=item_node)
            if item_key in item_keys:
                raise ctx.fail(item["key"], f"item '{item_key}' is declared twice in stage '{key}'")
            item_keys.add(item_key)
            optional = item.get("optional")
            if optional is not None and optional.value not in ("true", "false"):
                raise ctx.fail(optional, "optional must be true or false")
            timers: list[int] = []
            if "timers" in item:
                for t in ctx.seq(item["timers"], "timers"):
                    if not str(t.value).isdecimal() or not 1 <= int(t.value) <= 3600:
                        raise ctx.fail(t, "a timer is a number of seconds (1–3600)")
                    timers.append(int(t.value))
            items.append(
                Item(
                    key=item_key,
                    text=ctx.text(item.get("text"), "text", parent=item_node),
                    cites=ctx.cites(item.get("cites"), parent=item_node, known=known),
                    optional=optional is not None and optional.value == "true",
                    timers=tuple(timers),
                )
            )
        stages.append(
            Stage(
                key=key,
                title=ctx.text(fields.get("title"), "title", parent=stage_node),
                items=tuple(items),
                cites=ctx.cites(fields.get("cites"), parent=stage_node, known=known),
                after=gates["after"],
                before=gates["before"],
            )
        )
    return Checklist(tuple(stages))


def parse_scripts(path: Path) -> Scripts:
    ctx, root = _root(path)
    ctx.only(root, {"version", "scripts", "closing", "guidance"}, "the file")
    scripts_node = root.get("scripts")
    if scripts_node is None:
        raise ctx.fail(None, "scripts: is required")
    scripts: dict[str, Script] = {}
    for key, node in ctx.mapping(scripts_node, "scripts").items():
        fields = ctx.mapping(node, f"script '{key}'")
        ctx.only(fields, {"title", "opening", "cites"}, f"script '{key}'")
        ctx.cites(fields.get("cites"), parent=node, known=None)
        opening = ctx.text(fields.get("opening"), "opening", parent=node)
        for name in re.findall(r"\{(\w+)\}", opening):
            if name not in {"greeting", "customer", "company", "role", "me", "badge", "equipment"}:
                raise ctx.fail(fields["opening"], f"unknown field {{{name}}}")
        scripts[key] = Script(key, ctx.text(fields.get("title"), "title", parent=node), opening)
    for needed in ("install", "fault"):
        if needed not in scripts:
            raise ctx.fail(scripts_node, f"scripts: '{needed}' is required")
    closing_node = root.get("closing")
    guidance_node = root.get("guidance")
    if closing_node is None or guidance_node is None:
        raise ctx.fail(None, "closing: and guidance: are required")
    closing = ctx.mapping(closing_node, "closing")
    guidance = ctx.mapping(guidance_node, "guidance")
    steps = tuple(ctx.text(s, "a guidance step", parent=guidance_node) for s in ctx.seq(guidance.get("steps"), "steps"))
    return Scripts(scripts, ctx.text(closing.get("text"), "closing text", parent=closing_node), steps)


def parse_prices(path: Path) -> dict[str, PriceItem]:
    ctx, root = _root(path)
    ctx.only(root, {"version", "items", "cites"}, "the file")
    out: dict[str, PriceItem] = {}
    for node in ctx.seq(root.get("items"), "items"):
        fields = ctx.mapping(node, "a price item")
        ctx.only(fields, {"code", "name", "amount"}, "a price item")
        code = ctx.key(fields.get("code"), "code", parent=node)
        if code in out:
            raise ctx.fail(fields["code"], f"price item '{code}' is declared twice")
        raw = ctx.text(fields.get("amount"), "amount", parent=node)
        try:
            amount = Decimal(raw)
        except InvalidOperation as exc:
            raise ctx.fail(fields["amount"], f"amount '{raw}' is not a number") from exc
        if not amount.is_finite() or amount < 0 or amount > 100000:
            raise ctx.fail(fields["amount"], "amount must be between 0 and 100000")
        out[code] = PriceItem(code, ctx.text(fields.get("name"), "name", parent=node), amount.quantize(Decimal("0.01")))
    return out


@functools.cache
def onsite() -> Checklist:
    return parse_checklist(DATA / "checklists.yaml")


@functools.cache
def counter() -> Checklist:
    return parse_checklist(DATA / "counter.yaml")


@functools.cache
def scripts() -> Scripts:
    return parse_scripts(DATA / "scripts.yaml")


@functools.cache
def prices() -> dict[str, PriceItem]:
    return parse_prices(DATA / "prices.yaml")


def fill(template: str, values: dict[str, Any]) -> str:
    """A script with its fields filled in (a missing value leaves the field visible, never an error)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)
