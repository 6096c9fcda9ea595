"""Import conversations (idempotent on the source's id), score them, store the scorecards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.complaints.models import Complaint
from kefu.lib import dates
from kefu.lib.errors import NotAllowed
from kefu.lib.textnorm import to_simplified
from kefu.qa import Conversation as QaConversation
from kefu.qa import ConversationError, Engine, parse_conversation
from kefu.quality.formats import Item
from kefu.quality.models import Conversation, Scorecard

MAX_TURNS = 2000
MAX_TURN_CHARS = 5000
CHANNELS = ("hotline", "outbound", "chat", "counter", "onsite")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


class RecordError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def _agent(value: Any, cache: dict[str, User | None] | None = None) -> User | None:
    if value in (None, ""):
        return None
    name = str(value).strip()
    if cache is not None and name in cache:
        found = cache[name]
    else:
        found = User.objects.filter(Q(username=name) | Q(employee_no=name)).first()
        if cache is not None:
            cache[name] = found
    if found is None:
        raise RecordError("agent", _("unknown agent “%(name)s” (a user name or an employee number)") % {"name": name})
    return found


def _clean(record: dict[str, Any], agents: dict[str, User | None] | None = None) -> dict[str, Any]:
    """The record checked and normalised, or RecordError naming the field."""
    conv_id = str(record.get("id") or "").strip()
    if not conv_id:
        raise RecordError("id", _("the conversation needs its own id"))
    if len(conv_id) > 120:
        raise RecordError("id", _("at most 120 characters"))
    channel = str(record.get("channel") or "chat").strip()
    if channel not in CHANNELS:
        raise RecordError("channel", _("must be one of %(channels)s") % {"channels": "、".join(CHANNELS)})
    turns = record.get("turns")
    if not isinstance(turns, list) or not turns:
        raise RecordError("turns", _("a conversation needs at least one turn"))
    if len(turns) > MAX_TURNS:
        raise RecordError("turns", _("at most %(n)d turns") % {"n": MAX_TURNS})
    previous = None
    for i, turn in enumerate(turns):
        if isinstance(turn, dict) and isinstance(turn.get("text"), str):
            if len(turn["text"]) > MAX_TURN_CHARS:
                raise RecordError(f"turns[{i}].text", _("at most %(n)d characters") % {"n": MAX_TURN_CHARS})
            turn["text"] = to_simplified(turn["text"])
            start = turn.get("start")
            if isinstance(start, int | float) and previous is not None and start < previous:
                raise RecordError(f"turns[{i}].start", _("starts before the turn before it"))
            previous = start if isinstance(start, int | float) else previous
    try:
        parsed = parse_conversation({"id": conv_id, "channel": channel, "turns": turns})
    except ConversationError as exc:
        raise RecordError(exc.path, exc.message) from exc
    started = record.get("started_at")
    when: datetime | None = None
    if started:
        try:
            when = parse_datetime(str(started))
        except ValueError:  # well formed but impossible, such as 2026-02-30
            when = None
        if when is None or not dates.in_range(when):  # year 1 would overflow when stored in UTC
            raise RecordError("started_at", _("not a date and time such as 2026-11-29T10:05:00+08:00"))
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    complaint = None
    if record.get("complaint"):
        complaint = Complaint.objects.filter(number=str(record["complaint"]).strip()).first()
        if complaint is None:
            raise RecordError("complaint", _("no complaint with this number"))
    clean_turns = [
        {k: v for k, v in {"speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end}.items() if v is not None}
        for t in parsed.turns
    ]
    return {
        "source_id": conv_id,
        "channel": channel,
        "agent": _agent(record.get("agent"), agents),
        "started_at": when or timezone.now(),
        "complaint": complaint,
        "customer": complaint.customer if complaint else None,
        "turns": clean_turns,
        "labels": record["labels"] if isinstance(record.get("labels"), dict) else {},
        "parsed": parsed,
    }


def _digest(values: dict[str, Any]) -> str:
    payload = json.dumps(
        [values["channel"], values["agent"].pk if values["agent"] else None, values["turns"]],
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _check_importer(actor: User) -> None:
    if not actor.can(Cap.QA_INSPECT):
        raise NotAllowed(_("Only quality inspectors import conversations."))


def conversations_import(
    *, actor: User, items: Iterable[Item], score: bool = True, engine: Engine | None = None
) -> ImportReport:
    """Import each record in its own savepoint: a bad line is reported with its number and the rest
    is imported; nothing of a bad record is written. The same source id again changes nothing unless
    its content changed (then it is updated and scored again)."""
    from kefu.quality import learning
    from kefu.quality.rulebooks import AppEngine

    _check_importer(actor)
    report = ImportReport()
    agents: dict[str, User | None] = {}
    engine = engine or AppEngine()
    using = learning.predictor() if score else None
    batch: list[tuple[int, dict[str, Any] | str]] = []
    for line, item in items:
        batch.append((line, item))
        if len(batch) >= IMPORT_BATCH:
            _import_batch(actor, batch, report, agents, engine, score, using)
            batch = []
    if batch:
        _import_batch(actor, batch, report, agents, engine, score, using)
    return report


IMPORT_BATCH = 200


def _import_batch(
    actor: User, batch: list[tuple[int, dict[str, Any] | str]], report: ImportReport,
    agents: dict[str, User | None], engine: Engine, score: bool, using: Any = None,
) -> None:
    """Validate every record first (errors by line, nothing written for them); then write the batch's
    new conversations and their scorecards with a few bulk statements in one transaction. Changed
    conversations, and a batch that meets a concurrent import, go record by record in savepoints."""
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for line, item in batch:
        if isinstance(item, str):
            report.errors.append((line, item))
            continue
        try:
            cleaned.append((line, _clean(item, agents)))
        except RecordError as exc:
            report.errors.append((line, f"{exc.path}: {exc.message}" if exc.path else exc.message))
    if not cleaned:
        return
    try:
        with transaction.atomic():
            rest = _bulk_new(actor, cleaned, report, engine, score, using)
    except IntegrityError:  # someone imported some of these ids meanwhile: one by one
        rest = cleaned
    changed: list[Conversation] = []
    with transaction.atomic():
        for _line, values in rest:
            parsed = values.pop("parsed", None)
            try:
                with transaction.atomic():
                    outcome, conversation = _store(actor, values)
                    if score and outcome != "unchanged":
                        conversation_score(conversation, engine=engine, parsed=parsed, fresh=outcome == "created")
                        changed.append(conversation)
            except IntegrityError:
                report.unchanged += 1
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.conversation_ids.append(conversation.pk)
        if changed and using is not None:
            from kefu.quality import learning

            learning.predict(changed, using)


def _bulk_new(
    actor: User, cleaned: list[tuple[int, dict[str, Any]]], report: ImportReport, engine: Engine, score: bool,
    using: Any = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Create the batch's new conversations (and score them) in bulk; return the records that already exist."""
    ids = [values["source_id"] for _line, values in cleaned]
    known = {sid: (pk, digest) for sid, pk, digest in
             Conversation.objects.filter(source_id__in=ids).values_list("source_id", "pk", "digest")}
    new: list[tuple[dict[str, Any], Any]] = []
    rest: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for line, values in cleaned:
        if values["source_id"] in known or values["source_id"] in seen:
            pk, digest = known.get(values["source_id"], (None, ""))
            if pk is not None and digest == _digest(values):
                report.unchanged += 1
                report.conversation_ids.append(pk)
            else:
                rest.append((line, values))
            continue
        seen.add(values["source_id"])
        parsed = values.pop("parsed")
        new.append((values, parsed))
    rows = Conversation.objects.bulk_create(
        [Conversation(**values, digest=_digest(values), imported_by=actor) for values, _parsed in new]
    )
    if score and rows:
        cards = []
        for row, (_values, parsed) in zip(rows, new, strict=True):
            card = engine.score(parsed)
            cards.append(Scorecard(
                conversation=row, kind=Scorecard.Kind.AUTO, rulebook=card.rulebook,
                rulebook_version=card.rulebook_version, score=round(card.score, 1), passed=card.passed,
                critical=bool(card.critical), data=card.to_dict(),
            ))
        Scorecard.objects.bulk_create(cards)
        from kefu.quality.reviews import critical_alert

        for row, stored in zip(rows, cards, strict=True):
            if stored.critical:
                critical_alert(row, stored)
        if using is not None:
            from kefu.quality import learning

            learning.predict(rows, using)
    report.created += len(rows)
    report.conversation_ids.extend(row.pk for row in rows)
    return rest


@transaction.atomic
def _store(actor: User, values: dict[str, Any]) -> tuple[str, Conversation]:
    digest = _digest(values)
    existing = Conversation.objects.select_for_update().filter(source_id=values["source_id"]).first()
    if existing is not None and existing.digest == digest:
        return "unchanged", existing
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.digest = digest
        existing.save()
        return "updated", existing
    return "created", Conversation.objects.create(**values, digest=digest, imported_by=actor)


def qa_record(conversation: Conversation) -> dict[str, Any]:
    """The conversation as the QA engine reads it."""
    return {"id": conversation.source_id, "channel": conversation.channel, "turns": conversation.turns}


@transaction.atomic
def conversation_score(
    conversation: Conversation, *, engine: Engine | None = None, parsed: QaConversation | None = None,
    fresh: bool = False,
) -> Scorecard:
    """Score with the channel's rulebooks and store the card as the current automatic one (older kept).

    ``parsed``: the conversation as the engine already read it (an import validated it); ``fresh``:
    it was just created, so there is no older card to retire."""
    from kefu.quality.rulebooks import AppEngine

    card = (engine or AppEngine()).score(parsed if parsed is not None else qa_record(conversation))
    if not fresh:
        Scorecard.objects.filter(conversation=conversation, kind=Scorecard.Kind.AUTO, current=True).update(
            current=False
        )
    stored = Scorecard.objects.create(
        conversation=conversation,
        kind=Scorecard.Kind.AUTO,
        rulebook=card.rulebook,
        rulebook_version=card.rulebook_version,
        score=round(card.score, 1),
        passed=card.passed,
        critical=bool(card.critical),
        data=card.to_dict(),
    )
    from kefu.quality.reviews import critical_alert

    critical_alert(conversation, stored)
    return stored
