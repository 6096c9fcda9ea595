"""Rulebooks in the app (规则库): versions of the operator's YAML, activated per channel, used to score.

* Every version is kept (name, number, content hash, who, when, where it came from); the built-in
  rulebooks (kefu/qa/rulebooks) appear as read-only versions.
* A channel is scored with its activated versions: the base rulebook (the channel's own) plus the
  rulebooks composed into it by name (the complaint rules), each the activated version when there
  is one, else the built-in file. Without any activation a channel is scored exactly as the
  command line scores it.
* Uploads and edits are validated first: every error in Chinese with its line number.
* Re-scoring a period and calibrating the rule points from reviewed scores are background jobs;
  a calibration stores new versions with their cross-validated agreement and activates nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.jobs.registry import Progress
from kefu.lib import dates
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.qa import Engine, Rulebook, RulebookError, load_rulebook
from kefu.qa.model import Conversation as QaConversation
from kefu.qa.rulebook import (
    BUILTIN_DIR,
    _resolve_includes,
    builtin_names,
    check_rulebook_data,
    compile_rulebook,
    default_rulebook,
    rulebook_for_channel,
)
from kefu.quality.models import Conversation, RulebookActivation, RulebookVersion, Scorecard

MAX_CHARS = 512 * 1024
CHANNELS = ("hotline", "outbound", "chat", "counter", "onsite")


def _check_lead(actor: User) -> None:
    if not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("Only the QA lead manages rulebooks."))


# ---------------------------------------------------------------- validation, in Chinese with line numbers

_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"^a condition needs exactly one operator of .* \(found none\)$",
         gettext_lazy("unknown operator: a condition uses one known operator (such as phrases, regex, all_of, "
                      "any_of, not, near, ref)")),
        (r"^a condition needs exactly one operator of .* \(found (.*)\)$",
         gettext_lazy("a condition uses one operator only; here there are several: %(a)s")),
        (r"^a condition must be a mapping", gettext_lazy("a condition is written as “operator: parameters”")),
        (r"^unknown field \(allowed: (.*)\)$", gettext_lazy("unknown field (fields allowed: %(a)s)")),
        (r"^is required: an integer (\d+)…(\d+), got (.*)$", gettext_lazy("must be a whole number from %(a)s to %(b)s, not %(c)s")),
        (r"^is required: a non-empty list of NORMS.md ids$",
         gettext_lazy("a required field is missing: a list of the norms the rule enforces")),
        (r"^is required", gettext_lazy("a required field is missing")),
        (r"^must be an integer >= (\d+), got (.*)$", gettext_lazy("must be a whole number of at least %(a)s, not %(b)s")),
        (r"^must be a number, got (.*)$", gettext_lazy("must be a number, not %(a)s")),
        (r"^must be one of (.*), got (.*)$", gettext_lazy("must be one of %(a)s, not %(b)s")),
        (r"^must be true or false$", gettext_lazy("must be true or false")),
        (r"^must be a string$", gettext_lazy("must be text")),
        (r"^invalid regular expression: (.*)$", gettext_lazy("invalid regular expression: %(a)s")),
        (r"^must be a non-empty regular expression string$", gettext_lazy("must be a regular expression, not empty")),
        (r"^unknown phrase set '?(.*?)'? \(define it under phrase_sets\)$",
         gettext_lazy("phrase set %(a)s is not defined (define it under phrase_sets)")),
        (r"^must be a non-empty list", gettext_lazy("must be a list, not empty")),
        (r"^unknown norm id '?(.*?)'? \(see NORMS.md\)$", gettext_lazy("unknown norm id %(a)s")),
        (r"^duplicate rule id '?(.*?)'?$", gettext_lazy("rule id used twice: %(a)s")),
        (r"^circular reference: (.*)$", gettext_lazy("circular reference: %(a)s")),
        (r"^a rule must be a mapping$", gettext_lazy("each rule is a mapping (field: value)")),
        (r"^a rulebook must be a mapping", gettext_lazy("a rulebook is a mapping with at least name and rules")),
        (r"^must be a mapping", gettext_lazy("must be a mapping (field: value)")),
    )
)


def _first_translation(
    table: tuple[tuple[re.Pattern[str], Any], ...], message: str, *, blank: str | None = None
) -> str | None:
    """The text of the first pattern in ``table`` found in ``message``, its groups filled in as %(a)s, %(b)s, %(c)s.

    With ``blank``, a group that reads "None" (a field left empty) is shown as ``blank``.
    """
    for pattern, text in table:
        found = pattern.search(message)
        if found:
            values = [blank if blank is not None and value == "None" else value for value in found.groups()]
            return str(text) % dict(zip("abc", values, strict=False))
    return None


def _chinese(message: str) -> str:
    """The checker's message in the reader's language (Chinese by default)."""
    return _first_translation(_MESSAGES, message, blank=_("(not filled in)")) or message


# PyYAML's problems, said in Chinese: the ones a hand-edited rulebook runs into.
_YAML_PROBLEMS: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"(<stream end>|end of stream)", gettext_lazy("the file ends here: a bracket or quote is not closed")),
        (r"^mapping values are not allowed here", gettext_lazy("no second colon here; put a value containing a colon in quotes")),
        (r"^expected <block end>", gettext_lazy("the indentation does not line up")),
        (r"^found character '\\t'", gettext_lazy("indent with spaces, not Tab")),
        (r"^found undefined alias '?(.*?)'?$", gettext_lazy("refers to an undefined anchor %(a)s")),
        (r"^expected ',' or '\]'", gettext_lazy("a [ ] list is not closed or lacks a comma")),
        (r"^expected ',' or '\}'", gettext_lazy("a { } mapping is not closed or lacks a comma")),
    )
)


def _yaml_problem(problem: str) -> str:
    return _first_translation(_YAML_PROBLEMS, problem) or (
        _("the text cannot be read as YAML (%(problem)s)") % {"problem": problem}
    )


def _line_of(root: yaml.Node | None, path: str) -> int | None:
    """The 1-based line of the YAML node at a checker path such as ``rules[3].detect.any_of[0]``."""
    if root is None:
        return None
    node: yaml.Node = root
    rest = "" if path == "(root)" else path
    line: int = int(node.start_mark.line) + 1
    while rest:
        if rest.startswith("["):
            found = re.match(r"^\[(\d+)\]\.?", rest)
            if not found or not isinstance(node, yaml.SequenceNode) or int(found.group(1)) >= len(node.value):
                break
            node = node.value[int(found.group(1))]
            rest = rest[found.end():]
        elif isinstance(node, yaml.MappingNode):
            best = None
            for key, value in node.value:
                name = str(key.value)
                if rest == name or rest.startswith(name + ".") or rest.startswith(name + "["):
                    if best is None or len(name) > len(best[0]):
                        best = (name, key, value)
            if best is None:
                break
            name, key, value = best
            rest = rest[len(name):].lstrip(".")
            line = int(key.start_mark.line) + 1
            node = value
            if not rest:
                return line
            continue
        else:
            break
        line = int(node.start_mark.line) + 1
    return line


MAX_NODES = 200_000  # a rulebook of MAX_CHARS holds far fewer; counted with aliases expanded


def _expands_within(root: yaml.Node | None, budget: int) -> bool:
    """Whether the document, each alias counted as a copy of what it names, has at most ``budget`` nodes."""
    stack: list[yaml.Node] = [root] if root is not None else []
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > budget:
            return False
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return True


def _too_large() -> str:
    return _("The rulebook is larger than %(kb)d KB.") % {"kb": MAX_CHARS // 1024}


def validate(text: str) -> tuple[dict[str, Any] | None, list[tuple[int | None, str]]]:
    """The decoded rulebook, or every problem as (line, Chinese message)."""
    if len(text) > MAX_CHARS:
        return None, [(None, _too_large())]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if not _expands_within(root, MAX_NODES):
            # Aliases ("billion laughs") make a small text a huge document that every check would walk.
            return None, [(None, _too_large())]
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [(mark.line + 1 if mark else None, _("Not valid YAML: %(problem)s") % {"problem": _yaml_problem(problem)})]
    if not isinstance(data, dict):
        return None, [(1, _chinese("a rulebook must be a mapping"))]
    try:
        data = _resolve_includes(data, BUILTIN_DIR / "uploaded.yaml")
    except RulebookError as exc:
        return None, [(_line_of(root, "include"), _("include: no such shared fragment"))] if exc.errors else []
    problems = []
    for error in check_rulebook_data(data):
        path, _sep, message = error.partition(": ")
        problems.append((_line_of(root, path), _("%(field)s: %(problem)s") % {"field": path, "problem": _chinese(message)}))
    return (data if not problems else None), problems


def format_problems(problems: list[tuple[int | None, str]]) -> list[str]:
    return [
        (_("line %(line)d: %(error)s") % {"line": line, "error": message}) if line else message
        for line, message in problems
    ]


# ---------------------------------------------------------------- versions


def builtin_sync() -> None:
    """Make sure each built-in rulebook's current file is listed as a (read-only) version."""
    for name in builtin_names():
        book = load_rulebook(name)
        if RulebookVersion.objects.filter(name=name, digest=book.version, source=RulebookVersion.Source.BUILTIN).exists():
            continue
        content = (BUILTIN_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        _new_version(name=name, title=book.title, content=content, digest=book.version,
                     source=RulebookVersion.Source.BUILTIN, actor=None, note=_("Shipped with Kefu"))


def _new_version(*, name: str, title: str, content: str, digest: str, source: str, actor: User | None,
                 note: str = "", metrics: dict[str, Any] | None = None) -> RulebookVersion:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                latest = RulebookVersion.objects.filter(name=name).aggregate(n=Max("number"))["n"] or 0
                return RulebookVersion.objects.create(
                    name=name, title=title[:200], number=latest + 1, content=content, digest=digest, source=source,
                    note=note, metrics=metrics or {}, created_by=actor,
                )
        except IntegrityError:
            continue
    raise InvalidInput(_("Several versions were saved at once; try again."))


def rulebook_save(*, actor: User, text: str, source: str = RulebookVersion.Source.UPLOAD, note: str = "") -> RulebookVersion:
    """Store an uploaded or edited rulebook as the next version of its name; nothing when it has errors."""
    _check_lead(actor)
    if source not in (RulebookVersion.Source.UPLOAD, RulebookVersion.Source.EDIT):
        raise InvalidInput(_("Unknown source."))
    data, problems = validate(text)
    if data is None:
        lines = format_problems(problems)
        raise InvalidInput(_("The rulebook has %(n)d error(s).") % {"n": len(lines)},
                           errors={str(i): line for i, line in enumerate(lines)})
    book = compile_rulebook(data, "upload")
    same = RulebookVersion.objects.filter(name=book.name, digest=book.version).order_by("-number").first()
    if same is not None:
        return same  # the same content again: no new version
    return _new_version(name=book.name, title=book.title, content=text, digest=book.version, source=source,
                        actor=actor, note=note)


def rulebook_activate(*, actor: User, version: RulebookVersion, channel: str) -> RulebookActivation:
    """Score ``channel`` with ``version`` from now on (re-scoring older conversations is a separate job)."""
    _check_lead(actor)
    if channel not in CHANNELS:
        raise InvalidInput(_("Unknown channel."), errors={"channel": channel})
    with transaction.atomic():
        if not _is_part(version.name):
            # one base rulebook per channel: another base activated before gives way
            others = RulebookActivation.objects.filter(channel=channel).exclude(name=version.name)
            others.exclude(name__in=_part_names()).delete()
        activation, _created = RulebookActivation.objects.update_or_create(
            channel=channel, name=version.name,
            defaults={"version": version, "activated_by": actor, "activated_at": timezone.now()},
        )
    return activation


def _part_names() -> list[str]:
    return [n for n in builtin_names() if load_rulebook(n).compose_into]


def _is_part(name: str) -> bool:
    return name in _part_names()


# ---------------------------------------------------------------- scoring with the activated versions


def _path(version: RulebookVersion) -> str:
    """The version as a file the engine can load (written once, named by its content hash)."""
    if version.source == RulebookVersion.Source.BUILTIN and load_rulebook(version.name).version == version.digest:
        return version.name
    folder = Path(settings.VAR_DIR) / "rulebooks"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9_]", "_", version.name.lower())[:40]
    path = folder / f"{safe}-{version.digest}.yaml"
    if not path.exists():
        part = path.with_suffix(".part")
        part.write_text(version.content, encoding="utf-8")
        part.replace(path)
    return str(path)


def channel_book(channel: str, activations: dict[str, RulebookVersion] | None = None) -> Rulebook:
    """The rulebook that scores ``channel``: its activated versions, else the built-in default."""
    acts = activations if activations is not None else {
        a.name: a.version for a in RulebookActivation.objects.filter(channel=channel).select_related("version")
    }
    if not acts:
        return default_rulebook(channel)
    parts = _part_names()
    base = next((v for name, v in acts.items() if name not in parts), None)
    base_name = base.name if base is not None else rulebook_for_channel(channel).name
    keys = [_path(base) if base is not None else base_name]
    for name in parts:
        if base_name in load_rulebook(name).compose_into:
            keys.append(_path(acts[name]) if name in acts else name)
    return load_rulebook("+".join(keys)) if len(keys) > 1 else load_rulebook(keys[0])


def default_names(channel: str, activated: set[str]) -> list[str]:
    """The built-in rulebooks still scoring ``channel`` given the names activated for it."""
    parts = _part_names()
    base_activated = any(name not in parts for name in activated)
    base = rulebook_for_channel(channel).name
    names = [] if base_activated else [base]
    base_name = next((n for n in activated if n not in parts), base)
    if base_activated:
        return [n for n in parts if n not in activated and base_name in load_rulebook(n).compose_into]
    return names + [n for n in parts if n not in activated and base in load_rulebook(n).compose_into]


class AppEngine(Engine):
    """The engine scoring with the app's activated rulebook versions (read once, when built)."""

    def __init__(self) -> None:
        super().__init__()
        self._acts: dict[str, dict[str, RulebookVersion]] = {}
        for act in RulebookActivation.objects.select_related("version"):
            self._acts.setdefault(act.channel, {})[act.name] = act.version
        self._books: dict[str, Rulebook] = {}

    def book_for(self, conv: QaConversation) -> Rulebook:
        book = self._books.get(conv.channel)
        if book is None:
            acts = self._acts.get(conv.channel)
            book = channel_book(conv.channel, acts) if acts else default_rulebook(conv.channel)
            self._books[conv.channel] = book
        return book


# ---------------------------------------------------------------- jobs: re-score a period, calibrate


def _day(value: Any) -> datetime | None:
    """Midnight of a posted day, or None when it is missing, impossible (2026-02-31) or out of range."""
    raw = str(value or "")
    if len(raw) > 20:
        return None
    try:
        found = parse_date(raw)
    except ValueError:
        return None
    if found is None or not dates.in_range(found):
        return None
    return dates.day_start(found)


def rescore_job(params: dict[str, Any], progress: Progress) -> str:
    """Score again every conversation of a period (``start``…``end`` dates, optional ``channel``)."""
    from kefu.quality import services

    start, end = _day(params.get("start")), _day(params.get("end"))
    if start is None or end is None or end < start:
        return _("No period given: nothing was re-scored.")
    qs = Conversation.objects.filter(started_at__gte=start, started_at__lt=end + timedelta(days=1))
    if params.get("channel") in CHANNELS:
        qs = qs.filter(channel=params["channel"])
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    progress(0, total)
    engine = AppEngine()
    changed = 0
    for i in range(0, total, 200):
        for conv in Conversation.objects.filter(pk__in=ids[i : i + 200]):
            before = Scorecard.objects.filter(conversation=conv, kind=Scorecard.Kind.AUTO, current=True).first()
            card = services.conversation_score(conv, engine=engine)
            changed += before is None or before.score != card.score
        progress(min(total, i + 200), total)
    return _("%(n)d conversations re-scored; %(changed)d scores changed.") % {"n": total, "changed": changed}


def calibrate_job(params: dict[str, Any], progress: Progress) -> str:
    """Learn the rule points of ``channel``'s rulebooks from reviewed scores: new versions, not activated."""
    from kefu.qa.learn import Rated, calibrate, calibrated_texts
    from kefu.quality import services

    channel = params.get("channel", "")
    if channel not in CHANNELS:
        return _("Unknown channel.")
    actor = User.objects.filter(pk=params.get("actor", 0)).first()
    reviewed = Scorecard.objects.filter(kind=Scorecard.Kind.REVIEWED, current=True, conversation__channel=channel)
    rated = [
        Rated(parse_qa(services.qa_record(card.conversation)), {"S": float(card.score)})
        for card in reviewed.select_related("conversation")
    ]
    progress(0, 2)
    book = channel_book(channel)
    folds = 5 if len(rated) >= 50 else 2
    if len(rated) < 2 * folds:  # kefu.qa.learn.calibrate's own floor, said before it raises in English
        return _("Calibrating needs at least %(min)d reviewed conversations of this channel; there are %(n)d. "
                 "Have the inspectors review more of them first.") % {"min": 2 * folds, "n": len(rated)}
    try:
        result = calibrate(book, rated, "S", folds=folds)
    except ValueError:
        return _("Cannot calibrate on %(n)d reviewed conversations: try again once more of them are reviewed.") % {
            "n": len(rated)}
    progress(1, 2)
    texts = calibrated_texts(result, _("reviewed scores in Kefu"))
    cv_before = sum(result.cv_before) / len(result.cv_before)
    cv_after = sum(result.cv_after) / len(result.cv_after)
    metrics = {"channel": channel, "n": result.n, "cv_before": round(cv_before, 4), "cv_after": round(cv_after, 4),
               "k": folds, "changed": len(result.changed)}
    made = []
    for text in texts.values():
        data = yaml.safe_load(text)
        compiled = compile_rulebook(_resolve_includes(data, BUILTIN_DIR / "calibrated.yaml"), "calibrated")
        if RulebookVersion.objects.filter(name=compiled.name, digest=compiled.version).exists():
            continue
        made.append(_new_version(
            name=compiled.name, title=compiled.title, content=text, digest=compiled.version,
            source=RulebookVersion.Source.CALIBRATED, actor=actor, metrics=metrics,
            note=_("Calibrated for %(channel)s from %(n)d reviewed scores") % {"channel": channel, "n": result.n},
        ))
    progress(2, 2)
    return _("Cross-validated agreement with reviewed scores: %(before).2f with the current points, %(after).2f "
             "learned; %(made)d new version(s) stored, not activated.") % {
        "before": cv_before, "after": cv_after, "made": len(made)}


def parse_qa(record: dict[str, Any]) -> QaConversation:
    from kefu.qa import parse_conversation

    return parse_conversation(record)
