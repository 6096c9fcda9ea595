"""The scenario schema (陪练场景) and its validator.

A scenario is one YAML mapping. Validation collects every problem, each with
the line it is on and what is wrong in Chinese (``message``, for the web page
where a trainer uploads a file) and English (``message_en``, for the command
line and logs). :func:`parse_scenario` raises :class:`ScenarioError` carrying
them all; its ``line`` and ``message`` are the first problem's.

Field reference (see ``scenarios/case_bank_deduction.yaml`` for a full one)::

    id: case.bank_deduction        # lower-case dotted words, unique
    title: 银行卡被重复扣了话费      # Chinese
    category: case                 # case | counter | difficult | persona | harassment | appointment
    difficulty: 2                  # 1 easy … 3 hard
    channel: hotline               # QA rulebook channel: hotline | counter | appointment (default by category)
    norm_ids: [complaint.cases]    # NORMS.md ids the scenario exercises
    persona: tiger                 # dove 鸽子 | peacock 孔雀 | tiger 老虎 | owl 猫头鹰
    complainer: emotional          # optional difficult type (complaint.difficult_types)
    summary: 客户来电……              # what the trainee is told
    customer: {name: 王先生}         # how the trainee should address them
    opening: [第一句, …]              # the customer's first line (one is drawn per seed)
    facts:                          # hidden until the trainee asks
      - {id: card, title: 扣款银行卡, ask: [银行卡, 卡号], reveal: [尾号6212。], required: true}
    demands: [退回多扣的钱]
    remedies:                       # solutions the customer would accept
      - {id: refund, title: 退回重复扣款, say: 把重复扣的58元退回您的银行卡, cues: [退回, 退还]}
    refused_remedies: [...]         # same shape: offers the customer turns down
    needs: [empathy]                # moves required before any remedy is accepted (added to the type's)
    mood: {anger: 60, patience: 70, trust: 40}
    accept: {anger: 45, trust: 35}  # thresholds for accepting (defaults by difficulty)
    goals:
      - {id: two_options, title: 给出两种方案, norm_ids: [complaint.deescalate], check: {made: options}}
    lines: {accept: [好吧，那就{remedy}吧。], …}   # per-situation customer lines, over the defaults

Goal checks: ``{made: MOVE}``, ``{avoided: MOVE}``, ``{asked: FACT_ID}``,
``{before: [EVENT, EVENT]}`` (an event is ``move:MOVE``, ``fact:FACT_ID`` or
``remedy``), ``{resolved: true}``, ``{qa: QA_RULE_ID}`` (the rule passed).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kefu.lib.textnorm import to_simplified
from kefu.simulator.vocab import (
    CATEGORIES,
    CHANNELS,
    COMPLAINERS,
    DEFAULT_CHANNEL,
    MOVES,
    PERSONAS,
    SITUATIONS,
)

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
# What a customer line may fill in (kefu.simulator.session).
PLACEHOLDERS = ("name", "surname", "demand", "remedy")
MAX_LINE_CHARS = 300
MAX_SCENARIO_BYTES = 200_000

# Every problem by code: (Chinese, English). Params are %-formatted.
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_yaml": ("不是有效的 YAML：%(error)s", "not valid YAML: %(error)s"),
    "too_big": ("文件过大（最多 %(max)d 字节）", "file too large (at most %(max)d bytes)"),
    "too_complex": ("结构过于复杂（最多 %(nodes)d 个节点、%(depth)d 层嵌套）", "too complex (at most %(nodes)d nodes, %(depth)d levels deep)"),
    "not_mapping": ("场景必须是“字段: 值”的映射", "a scenario must be a mapping of field: value"),
    "unknown_field": ("未知字段“%(field)s”（可用：%(known)s）", "unknown field '%(field)s' (known: %(known)s)"),
    "required": ("“%(field)s”必填且不能为空", "'%(field)s' is required and must not be empty"),
    "bad_id": ("“%(field)s”须为小写英文点分词，如 case.bank_deduction", "'%(field)s' must be lower-case dotted words such as case.bank_deduction"),
    "not_text": ("“%(field)s”须为文字", "'%(field)s' must be text"),
    "too_long": ("“%(field)s”最多 %(max)d 字", "'%(field)s' is at most %(max)d characters"),
    "not_text_list": ("“%(field)s”须为非空文字列表", "'%(field)s' must be a non-empty list of texts"),
    "not_list": ("“%(field)s”须为列表", "'%(field)s' must be a list"),
    "bad_choice": ("“%(field)s”须为以下之一：%(choices)s", "'%(field)s' must be one of %(choices)s"),
    "bad_number": ("“%(field)s”须为 %(low)d 到 %(high)d 的整数", "'%(field)s' must be an integer from %(low)d to %(high)d"),
    "unknown_norm": ("未知的规范编号“%(norm)s”（见 NORMS.md）", "unknown norm id '%(norm)s' (see NORMS.md)"),
    "duplicate": ("“%(field)s”重复：%(value)s", "duplicate '%(field)s': %(value)s"),
    "bad_check": ("目标检查须为 made/avoided/asked/before/resolved/qa 之一", "a goal check is one of made/avoided/asked/before/resolved/qa"),
    "unknown_move": ("未知的学员动作“%(move)s”（可用：%(known)s）", "unknown trainee move '%(move)s' (known: %(known)s)"),
    "unknown_fact": ("没有编号为“%(fact)s”的隐藏事实", "no hidden fact with id '%(fact)s'"),
    "bad_event": ("事件须为 move:动作、fact:事实编号 或 remedy", "an event is move:MOVE, fact:FACT_ID or remedy"),
    "unknown_situation": ("未知的客户台词情境“%(situation)s”（可用：%(known)s）", "unknown line situation '%(situation)s' (known: %(known)s)"),
    "no_remedy": ("至少需要一个客户可接受的方案（remedies）", "at least one acceptable remedy is required (remedies)"),
    "duplicate_id": ("场景编号“%(id)s”与 %(other)s 重复", "scenario id '%(id)s' also defined in %(other)s"),
    "not_a_directory": ("场景目录不存在或不是目录", "not a directory"),
    "bad_placeholder": ("占位符有误，只能用 %(known)s", "bad placeholder; only %(known)s may be used"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario file."""

    line: int  # 1-based; 0 when the whole file is at fault
    path: str  # field path such as ``facts[1].ask``
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def message(self) -> str:
        return self._say(0)

    @property
    def message_en(self) -> str:
        return self._say(1)

    def _say(self, lang: int) -> str:
        text = MESSAGES[self.code][lang] % dict(self.params)
        if self.path:
            return f"{self.path}: {text}"
        return text


class ScenarioError(ValueError):
    """A scenario file is invalid. ``line`` and ``message`` (Chinese) are the
    first problem's; ``problems`` lists them all; ``str()`` is English with
    ``source:line`` for each."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0]
        self.line = first.line
        self.message = first.message
        self.message_en = first.message_en
        super().__init__("\n".join(f"{source}:{p.line}: {p.message_en}" for p in problems))

    def messages(self) -> list[str]:
        """Each problem in Chinese, prefixed with its line (``第3行：…``)."""
        return [f"第{p.line}行：{p.message}" if p.line else p.message for p in self.problems]


@dataclass(frozen=True, slots=True)
class Goal:
    """One of the scenario's own goals (e.g. "offered two options")."""

    id: str
    title: str
    norm_ids: tuple[str, ...]
    check: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fact:
    """A hidden fact the customer reveals when asked about it."""

    id: str
    title: str
    ask: tuple[str, ...]
    reveal: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True, slots=True)
class Remedy:
    """A solution; ``cues`` detect the trainee offering it, ``say`` is a sample wording."""

    id: str
    title: str
    say: str
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mood:
    """The customer's mood, each 0–100: anger (怒气), patience (耐心), trust (信任)."""

    anger: int
    patience: int
    trust: int

    def to_dict(self) -> dict[str, int]:
        return {"anger": self.anger, "patience": self.patience, "trust": self.trust}


@dataclass(frozen=True)
class Scenario:
    """A sparring scenario (陪练场景). Build one with :func:`parse_scenario`."""

    id: str
    title: str
    category: str
    difficulty: int
    norm_ids: tuple[str, ...]
    persona: str
    summary: str
    goals: tuple[Goal, ...]
    channel: str
    complainer: str | None
    customer_name: str
    opening: tuple[str, ...]
    facts: tuple[Fact, ...]
    demands: tuple[str, ...]
    remedies: tuple[Remedy, ...]
    refused_remedies: tuple[Remedy, ...]
    needs: tuple[str, ...]
    mood: Mood
    accept_anger: int
    accept_trust: int
    lines: Mapping[str, tuple[str, ...]]
    source: str = "<text>"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    @property
    def persona_label(self) -> str:
        return PERSONAS[self.persona]

    @property
    def complainer_label(self) -> str | None:
        return COMPLAINERS[self.complainer] if self.complainer else None

    @property
    def difficulty_label(self) -> str:
        return {1: "初级", 2: "中级", 3: "高级"}[self.difficulty]

    def all_norm_ids(self) -> set[str]:
        """The scenario's norm ids and its goals' together."""
        return set(self.norm_ids) | {n for g in self.goals for n in g.norm_ids}

    def to_yaml(self) -> str:
        """The scenario as YAML that :func:`parse_scenario` reads back equal."""
        return yaml.safe_dump(dict(self.raw), allow_unicode=True, sort_keys=False, width=120)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (what a list page or ``kefu train scenarios`` shows)."""
        return {
            "id": self.id, "title": self.title, "category": self.category, "category_label": self.category_label,
            "difficulty": self.difficulty, "persona": self.persona, "persona_label": self.persona_label,
            "complainer": self.complainer, "complainer_label": self.complainer_label, "channel": self.channel,
            "norm_ids": list(self.norm_ids), "summary": self.summary,
            "goals": [{"id": g.id, "title": g.title, "norm_ids": list(g.norm_ids)} for g in self.goals],
        }


# --- YAML with line numbers ------------------------------------------------------------


MAX_NODES = 20_000
MAX_DEPTH = 20


class _TooComplex(Exception):
    pass


def _load(text: str) -> tuple[Any, dict[str, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        _walk_lines(node, "", lines, [0], 0)
        data = loader.construct_document(node)
        return data, lines
    finally:
        loader.dispose()


def _walk_lines(node: yaml.Node, path: str, lines: dict[str, int], count: list[int], depth: int) -> None:
    # Aliases make the node graph a DAG that can be exponentially large to walk
    # ("billion laughs"); a scenario is small, so cap the walk.
    count[0] += 1
    if count[0] > MAX_NODES or depth > MAX_DEPTH:
        raise _TooComplex
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = f"{path}.{key}" if path else str(key)
            lines[child] = key_node.start_mark.line + 1
            _walk_lines(value_node, child, lines, count, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_lines(item, f"{path}[{i}]", lines, count, depth + 1)


# --- validation --------------------------------------------------------------------------

TOP_KEYS = (
    "id", "title", "category", "difficulty", "channel", "norm_ids", "persona", "complainer", "summary",
    "customer", "opening", "facts", "demands", "remedies", "refused_remedies", "needs", "mood", "accept",
    "goals", "lines",
)
FACT_KEYS = ("id", "title", "ask", "reveal", "required")
REMEDY_KEYS = ("id", "title", "say", "cues")
GOAL_KEYS = ("id", "title", "norm_ids", "check")
CHECKS = ("made", "avoided", "asked", "before", "resolved", "qa")


class _Checker:
    def __init__(self, data: Mapping[str, Any], lines: dict[str, int], known_norms: frozenset[str]) -> None:
        self.data = data
        self.lines = lines
        self.known_norms = known_norms
        self.problems: list[Problem] = []

    def err(self, path: str, code: str, **params: Any) -> None:
        # A missing field is reported on the line of the mapping that lacks it.
        where = path
        while where and where not in self.lines:
            parent = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", where)
            where = "" if parent == where else parent
        line = self.lines.get(where, self.lines.get("", 1))
        self.problems.append(Problem(line, path, code, tuple(sorted(params.items()))))

    def unknown(self, node: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in node:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.err(where, "unknown_field", field=key, known=", ".join(allowed))

    def text(self, node: Mapping[str, Any], key: str, path: str, *, required: bool = True, max_len: int = MAX_LINE_CHARS) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(where, "required", field=key)
            return
        if not isinstance(value, str):
            self.err(where, "not_text", field=key)
        elif len(value) > max_len:
            self.err(where, "too_long", field=key, max=max_len)

    def ident(self, node: Mapping[str, Any], key: str, path: str) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if value is None or value == "":
            self.err(where, "required", field=key)
        elif not isinstance(value, str) or not ID_RE.match(value) or len(value) > 80:
            self.err(where, "bad_id", field=key)

    def texts(self, node: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if value is None:
            if required:
                self.err(where, "required", field=key)
            return
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.err(where, "not_text_list", field=key)
            return
        for i, v in enumerate(value):
            if len(v) > MAX_LINE_CHARS:
                self.err(f"{where}[{i}]", "too_long", field=key, max=MAX_LINE_CHARS)

    def choice(self, node: Mapping[str, Any], key: str, path: str, choices: Mapping[str, str], *, required: bool = True) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if value is None:
            if required:
                self.err(where, "required", field=key)
            return
        if value not in choices:
            self.err(where, "bad_choice", field=key, choices=", ".join(choices))

    def number(self, node: Mapping[str, Any], key: str, path: str, low: int, high: int, *, required: bool = True) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if value is None:
            if required:
                self.err(where, "required", field=key)
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.err(where, "bad_number", field=key, low=low, high=high)

    def norms(self, node: Mapping[str, Any], key: str, path: str) -> None:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.err(where, "not_text_list", field=key)
            return
        for i, norm in enumerate(value):
            if self.known_norms and norm not in self.known_norms:
                self.err(f"{where}[{i}]", "unknown_norm", norm=norm)

    def items(self, key: str, keys: tuple[str, ...], required: bool) -> list[tuple[str, Mapping[str, Any]]]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.err(key, "required", field=key)
            return []
        if not isinstance(value, list):
            self.err(key, "not_list", field=key)
            return []
        out: list[tuple[str, Mapping[str, Any]]] = []
        seen: set[Any] = set()
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.err(where, "not_mapping")
                continue
            self.unknown(item, keys, where)
            self.ident(item, "id", where)
            if item.get("id") in seen:
                self.err(f"{where}.id", "duplicate", field="id", value=item.get("id"))
            seen.add(item.get("id"))
            self.text(item, "title", where)
            out.append((where, item))
        return out

    def check_all(self) -> None:
        d = self.data
        self.unknown(d, TOP_KEYS, "")
        self.ident(d, "id", "")
        self.text(d, "title", "", max_len=60)
        self.choice(d, "category", "", CATEGORIES)
        self.number(d, "difficulty", "", 1, 3)
        self.choice(d, "channel", "", CHANNELS, required=False)
        self.norms(d, "norm_ids", "")
        self.choice(d, "persona", "", PERSONAS)
        self.choice(d, "complainer", "", COMPLAINERS, required=False)
        self.text(d, "summary", "", max_len=600)
        customer = d.get("customer")
        if customer is not None:
            if not isinstance(customer, dict):
                self.err("customer", "not_mapping")
            else:
                self.unknown(customer, ("name",), "customer")
                self.text(customer, "name", "customer", max_len=20)
        self.texts(d, "opening", "")
        self.texts(d, "demands", "", required=False)
        facts = self.items("facts", FACT_KEYS, required=False)
        fact_ids = {item.get("id") for _, item in facts}
        for where, item in facts:
            self.texts(item, "ask", where)
            self.texts(item, "reveal", where)
            if "required" in item and not isinstance(item["required"], bool):
                self.err(f"{where}.required", "bad_choice", field="required", choices="true, false")
        remedies = self.items("remedies", REMEDY_KEYS, required=True)
        if "remedies" in d and isinstance(d.get("remedies"), list) and not d["remedies"]:
            self.err("remedies", "no_remedy")
        for key in ("remedies", "refused_remedies"):
            for where, item in remedies if key == "remedies" else self.items(key, REMEDY_KEYS, required=False):
                self.text(item, "say", where)
                self.texts(item, "cues", where)
        needs = d.get("needs")
        if needs is not None:
            if not isinstance(needs, list):
                self.err("needs", "not_list", field="needs")
            else:
                for i, move in enumerate(needs):
                    if move not in MOVES:
                        self.err(f"needs[{i}]", "unknown_move", move=move, known=", ".join(MOVES))
        for key, names in (("mood", ("anger", "patience", "trust")), ("accept", ("anger", "trust"))):
            node = d.get(key)
            if node is None:
                if key == "mood":
                    self.err(key, "required", field=key)
                continue
            if not isinstance(node, dict):
                self.err(key, "not_mapping")
                continue
            self.unknown(node, names, key)
            for name in names:
                self.number(node, name, key, 0, 100, required=key == "mood")
        for where, goal in self.items("goals", GOAL_KEYS, required=True):
            self.norms(goal, "norm_ids", where)
            self.goal_check(goal.get("check"), f"{where}.check", fact_ids)
        lines = d.get("lines")
        if lines is not None:
            if not isinstance(lines, dict):
                self.err("lines", "not_mapping")
            else:
                for situation in lines:
                    if situation not in SITUATIONS:
                        self.err(f"lines.{situation}", "unknown_situation", situation=situation, known=", ".join(SITUATIONS))
                    else:
                        self.texts(lines, situation, "lines")
                        self.placeholders(lines[situation], f"lines.{situation}")

    def placeholders(self, texts: Any, path: str) -> None:
        if not isinstance(texts, list):
            return
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        for i, text in enumerate(texts):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(str(text)) if name is not None}
            except ValueError:
                names = {"?"}
            if names - set(PLACEHOLDERS):
                self.err(f"{path}[{i}]", "bad_placeholder", known=known)

    def goal_check(self, check: Any, path: str, fact_ids: set[Any]) -> None:
        if not isinstance(check, dict) or len(check) != 1 or next(iter(check)) not in CHECKS:
            self.err(path, "bad_check")
            return
        kind, value = next(iter(check.items()))
        where = f"{path}.{kind}"
        if kind in ("made", "avoided") and value not in MOVES:
            self.err(where, "unknown_move", move=value, known=", ".join(MOVES))
        elif kind == "asked" and value not in fact_ids:
            self.err(where, "unknown_fact", fact=value)
        elif kind == "before":
            if not isinstance(value, list) or len(value) != 2:
                self.err(where, "bad_event")
                return
            for event in value:
                self.event(event, where, fact_ids)
        elif kind == "resolved" and value is not True:
            self.err(where, "bad_check")
        elif kind == "qa" and (not isinstance(value, str) or not ID_RE.match(value)):
            self.err(where, "bad_id", field="qa")

    def event(self, event: Any, path: str, fact_ids: set[Any]) -> None:
        if event == "remedy":
            return
        if not isinstance(event, str) or ":" not in event:
            self.err(path, "bad_event")
            return
        kind, name = event.split(":", 1)
        if kind == "move" and name not in MOVES:
            self.err(path, "unknown_move", move=name, known=", ".join(MOVES))
        elif kind == "fact" and name not in fact_ids:
            self.err(path, "unknown_fact", fact=name)
        elif kind not in ("move", "fact"):
            self.err(path, "bad_event")


def _known_norms() -> frozenset[str]:
    from kefu.qa.norms import all_norm_ids

    return all_norm_ids()


def check_scenario_data(data: Any, lines: dict[str, int] | None = None) -> list[Problem]:
    """Every problem with already-parsed scenario data (empty when valid)."""
    if not isinstance(data, dict):
        return [Problem(1, "", "not_mapping")]
    checker = _Checker(data, lines or {}, _known_norms())
    checker.check_all()
    return checker.problems


def _remedies(items: Any) -> tuple[Remedy, ...]:
    return tuple(
        Remedy(str(r["id"]), str(r["title"]), str(r["say"]), tuple(str(c) for c in r["cues"])) for r in items or ()
    )


def _default_accept(difficulty: int) -> tuple[int, int]:
    # Harder customers must be calmer and trust more before they accept.
    return {1: (60, 25), 2: (50, 35), 3: (40, 45)}[difficulty]


def build_scenario(data: Mapping[str, Any], source: str) -> Scenario:
    """A :class:`Scenario` from data :func:`check_scenario_data` found valid."""
    difficulty = int(data["difficulty"])
    accept = data.get("accept") or {}
    anger, trust = _default_accept(difficulty)
    mood = data["mood"]
    return Scenario(
        id=str(data["id"]),
        title=str(data["title"]),
        category=str(data["category"]),
        difficulty=difficulty,
        norm_ids=tuple(data["norm_ids"]),
        persona=str(data["persona"]),
        summary=str(data["summary"]).strip(),
        goals=tuple(
            Goal(str(g["id"]), str(g["title"]), tuple(g["norm_ids"]), dict(g["check"])) for g in data["goals"]
        ),
        channel=str(data.get("channel") or DEFAULT_CHANNEL[str(data["category"])]),
        complainer=data.get("complainer"),
        customer_name=str((data.get("customer") or {}).get("name") or ""),
        opening=tuple(data["opening"]),
        facts=tuple(
            Fact(str(f["id"]), str(f["title"]), tuple(f["ask"]), tuple(f["reveal"]), bool(f.get("required", False)))
            for f in data.get("facts") or ()
        ),
        demands=tuple(data.get("demands") or ()),
        remedies=_remedies(data["remedies"]),
        refused_remedies=_remedies(data.get("refused_remedies")),
        needs=tuple(data.get("needs") or ()),
        mood=Mood(int(mood["anger"]), int(mood["patience"]), int(mood["trust"])),
        accept_anger=int(accept.get("anger", anger)),
        accept_trust=int(accept.get("trust", trust)),
        lines={k: tuple(v) for k, v in (data.get("lines") or {}).items()},
        source=source,
        raw=dict(data),
    )


def parse_scenario(text: str, source: str = "<text>") -> Scenario:
    """Parse and validate one scenario from YAML text (an upload in the UI,
    or a file; Traditional Chinese is read as Simplified). Raises
    :class:`ScenarioError` naming the line of every problem."""
    if len(text.encode("utf-8", "replace")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(source, [Problem(0, "", "too_big", (("max", MAX_SCENARIO_BYTES),))])
    text = to_simplified(text)  # a scenario written in Traditional Chinese is stored and shown Simplified
    try:
        data, lines = _load(text)
    except (_TooComplex, RecursionError):
        raise ScenarioError(source, [Problem(0, "", "too_complex", (("nodes", MAX_NODES), ("depth", MAX_DEPTH)))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = str(getattr(exc, "problem", None) or exc).strip()
        raise ScenarioError(source, [Problem(line, "", "bad_yaml", (("error", reason),))]) from None
    problems = check_scenario_data(data, lines)
    if problems:
        raise ScenarioError(source, problems)
    assert isinstance(data, dict)
    return build_scenario(data, source)
