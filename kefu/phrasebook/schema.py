"""The phrasebook entry schema and its validator.

An entry is one thing an agent can look up: a script for a situation (话术),
a technique, a warm phrase, persona guidance, a difficult-complainer type, a
policy fact, a forbidden phrase with its better alternative, or a piece of
background knowledge. Every kind shares the common fields; some kinds
require more (see ``REQUIRED_BY_KIND``).

Validation collects every problem instead of stopping at the first, so an
operator fixing a YAML file sees the whole list at once. Each problem has a
``code`` and its ``params`` besides the English message the command line
prints; the web UI and the API say it in the user's language from the code
(``kefu.knowledge.problems``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pypinyin import Style, lazy_pinyin

from kefu.lib.textnorm import to_simplified
from kefu.phrasebook.norms import known_norm_ids

KINDS: dict[str, str] = {
    "script": "话术",
    "technique": "技巧",
    "phrase": "暖心话",
    "persona": "客户性格",
    "complainer": "难应付投诉者",
    "fact": "政策依据",
    "forbidden": "服务忌语",
    "knowledge": "知识",
}

CHANNELS = ("phone", "outbound", "counter", "chat", "onsite")

# Every problem a phrasebook file or entry can have, by code, as the command line says it.
MESSAGES: dict[str, str] = {
    "not_mapping": "an entry must be a mapping of field: value",
    "unknown_field": "unknown field (known: %(known)s)",
    "bad_id": "required; lower-case dotted words such as counter.form_error",
    "bad_kind": "required; one of %(kinds)s",
    "not_text": "must be text",
    "not_text_list": "must be a list of non-empty texts",
    "required": "required and must not be empty",
    "id_too_long": "at most %(max)d characters",
    "too_long": "at most %(max)d characters",
    "list_too_long": "at most %(items)d items of at most %(max)d characters",
    "required_list": "required: a non-empty list",
    "unknown_norm": "unknown norm id '%(norm)s' (see NORMS.md)",
    "unknown_channel": "unknown channel '%(channel)s'; one of %(channels)s",
    "required_for_kind": "required for kind '%(kind)s'",
    "bad_risk": "one of %(risks)s",
    "bad_yaml": "not valid YAML: %(error)s",
    "bad_file": "the file must be a list of entries or a mapping with 'entries:'",
    "duplicate": "duplicate of entry #%(first)s",
    "unreadable": "cannot read: %(error)s",
    "defined_twice": "also defined in %(file)s",
}

# What a draft warning is about; only used on ``forbidden`` entries.
RISKS: dict[str, str] = {
    "forbidden": "服务忌语",
    "argue": "与客户争辩或指责客户",
    "deflect": "推诿（踢皮球）",
    "promise": "轻率承诺",
}

REQUIRED_BY_KIND: dict[str, tuple[str, ...]] = {
    "script": ("text",),
    "technique": ("text", "when", "steps"),
    "phrase": ("text",),
    "persona": ("traits", "need", "do", "dont", "talk"),
    "complainer": ("traits", "do", "dont", "text"),
    "fact": ("text", "explanation"),
    "forbidden": ("phrases", "alternative", "risk"),
    "knowledge": ("text",),
}

ID_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

_STR_FIELDS = ("title", "text", "example", "explanation", "when", "need", "alternative", "risk", "source")
_LIST_FIELDS = (
    "cites",
    "tags",
    "situations",
    "channels",
    "steps",
    "traits",
    "do",
    "dont",
    "talk",
    "phrases",
    "keywords",
)
_KNOWN_FIELDS = frozenset(("id", "kind", *_STR_FIELDS, *_LIST_FIELDS))


@dataclass(frozen=True, slots=True)
class Entry:
    """One phrasebook entry; lists are tuples so entries can be shared and cached."""

    id: str
    kind: str
    title: str
    cites: tuple[str, ...]
    tags: tuple[str, ...]
    situations: tuple[str, ...]
    example: str
    text: str = ""
    explanation: str = ""
    when: str = ""
    need: str = ""
    alternative: str = ""
    risk: str = ""
    source: str = ""
    channels: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    traits: tuple[str, ...] = ()
    do: tuple[str, ...] = ()
    dont: tuple[str, ...] = ()
    talk: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    origin: str = field(default="builtin", compare=False)

    @property
    def kind_label(self) -> str:
        """The kind's Chinese name, for display (话术, 技巧, …)."""
        return KINDS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with only the fields that are set (for YAML/JSON output)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title}
        for name in ("cites", "tags", "situations", "channels"):
            out[name] = list(getattr(self, name))
        for name in (*_STR_FIELDS, *_LIST_FIELDS):
            if name in out or name == "title":
                continue
            value = getattr(self, name)
            if value:
                out[name] = list(value) if isinstance(value, tuple) else value
        out["example"] = self.example
        return out


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem, located by file, entry and field.

    ``message`` is English (for the command line and logs); ``code`` and
    ``params`` let a user interface say the same in the user's language.
    """

    source: str
    entry: str
    field: str
    message: str
    line: int | None = None
    code: str = ""
    # dataclasses.field in full: ``field`` here is the attribute above.
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(
        cls, source: str, entry: str, field_name: str, code: str, line: int | None = None, **params: Any
    ) -> Problem:
        """The problem ``code`` (a key of :data:`MESSAGES`) with its message filled in."""
        return cls(source, entry, field_name, MESSAGES[code] % params, line, code, params)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: entry {self.entry}: field '{self.field}': {self.message}"


class PhrasebookError(ValueError):
    """Raised when a phrasebook file does not validate; carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _simplify(value: str) -> str:
    # Library content is Simplified Chinese; operators may paste Traditional.
    return to_simplified(value.strip())


def _strip(value: str) -> str:
    return value.strip()


# What one entry may hold: the database's column sizes and a generous bound on every text.
MAX_ID_LENGTH = 120
MAX_TITLE_LENGTH = 200
MAX_TEXT_LENGTH = 5000
MAX_LIST_ITEMS = 200


def validate_entry(
    raw: Any,
    *,
    source: str,
    position: int,
    line: int | None = None,
    origin: str = "builtin",
    simplify: bool = True,
) -> tuple[Entry | None, list[Problem]]:
    """Check one raw mapping and build an ``Entry``; return it (or None) with its problems.

    ``simplify=False`` skips the Traditional→Simplified conversion, for data
    that was converted when it was written (the database): it is most of the
    cost when thousands of stored entries are loaded.
    """
    convert = _simplify if simplify else _strip
    label = f"#{position}"
    if not isinstance(raw, dict):
        return None, [Problem.of(source, label, "-", "not_mapping", line)]
    if isinstance(raw.get("id"), str) and raw["id"]:
        label = f"#{position} ({raw['id']})"
    problems: list[Problem] = []

    def bad(name: str, code: str, **params: Any) -> None:
        problems.append(Problem.of(source, label, name, code, line, **params))

    # YAML keys may be numbers or null (``1: x``): compare them as text.
    for name in sorted(set(raw) - _KNOWN_FIELDS, key=str):
        bad(str(name), "unknown_field", known=", ".join(sorted(_KNOWN_FIELDS)))

    values: dict[str, Any] = {}
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        bad("id", "bad_id")
    kind = raw.get("kind")
    if kind not in KINDS:
        bad("kind", "bad_kind", kinds=", ".join(KINDS))

    for name in _STR_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            bad(name, "not_text")
            continue
        values[name] = convert(str(value))
    for name in _LIST_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
            bad(name, "not_text_list")
            continue
        values[name] = tuple(convert(str(v)) for v in value)

    for name in ("title", "example"):
        if not values.get(name):
            bad(name, "required")
    if isinstance(entry_id, str) and len(entry_id) > MAX_ID_LENGTH:
        bad("id", "id_too_long", max=MAX_ID_LENGTH)
    if len(values.get("title", "")) > MAX_TITLE_LENGTH:
        bad("title", "too_long", max=MAX_TITLE_LENGTH)
    for name in _STR_FIELDS:
        if name != "title" and len(values.get(name, "")) > MAX_TEXT_LENGTH:
            bad(name, "too_long", max=MAX_TEXT_LENGTH)
    for name in _LIST_FIELDS:
        items = values.get(name, ())
        if len(items) > MAX_LIST_ITEMS or any(len(item) > MAX_TEXT_LENGTH for item in items):
            bad(name, "list_too_long", items=MAX_LIST_ITEMS, max=MAX_TEXT_LENGTH)
    for name in ("cites", "tags", "situations"):
        if not values.get(name):
            bad(name, "required_list")
    known = known_norm_ids()
    for norm in values.get("cites", ()):
        if norm not in known:
            bad("cites", "unknown_norm", norm=norm)
    for channel in values.get("channels", ()):
        if channel not in CHANNELS:
            bad("channels", "unknown_channel", channel=channel, channels=", ".join(CHANNELS))
    if kind in REQUIRED_BY_KIND:
        for name in REQUIRED_BY_KIND[kind]:
            if not values.get(name):
                bad(name, "required_for_kind", kind=kind)
    if "risk" in values and values["risk"] not in RISKS:
        bad("risk", "bad_risk", risks=", ".join(RISKS))

    if problems:
        return None, problems
    entry = Entry(id=entry_id, kind=kind, origin=origin, **values)  # type: ignore[arg-type]
    return entry, []


def _slug(title: str) -> str:
    """Lower-case pinyin and Latin words of ``title``, joined by ``_`` (宽带掉线安抚 → kuan_dai_diao_xian_an_fu)."""
    words = lazy_pinyin(title, style=Style.NORMAL, errors="default")
    parts = re.findall(r"[a-z0-9]+", " ".join(words).lower())
    return "_".join(parts)


def new_entry_id(kind: str, title: str, taken: Callable[[str], bool]) -> str:
    """A fresh id for an entry people only gave a title: ``<kind>.<pinyin of the title>``.

    ``taken(id)`` says whether an id is in use; a number is added until one is free.
    """
    slug = _slug(to_simplified(title))[: MAX_ID_LENGTH - len(kind) - 8].strip("_") or "entry"
    base = f"{kind}.{slug}"
    candidate, number = base, 2
    while taken(candidate):
        candidate, number = f"{base}_{number}", number + 1
    return candidate
