"""Writes: operator entries (create, edit, archive, restore, YAML import) and assist sessions.

Every entry write checks ``Cap.KNOWLEDGE_EDIT``, validates against the
phrasebook schema, and adds a ``KnowledgeRevision`` row; edits are
conditional updates on ``version`` so two people saving the same entry give
one winner and one ``Conflict``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.complaints.models import Complaint
from kefu.customers.models import Customer
from kefu.knowledge.errors import Conflict, InvalidInput, NotAllowed
from kefu.knowledge.models import (
    AssistChannel,
    AssistSession,
    AssistTurn,
    KnowledgeEntry,
    KnowledgeRevision,
    RevisionAction,
    Speaker,
)
from kefu.knowledge.problems import problem_message, problem_text
from kefu.knowledge.selectors import site_library
from kefu.phrasebook.assist import PERSONA_ALIASES, AssistResult, assist, draft_warnings
from kefu.phrasebook.loader import parse_entries
from kefu.phrasebook.schema import KINDS, Entry, PhrasebookError, new_entry_id, validate_entry
from kefu.workflow import versioned

MAX_TURN_LENGTH = 2000
MAX_SALUTATION_LENGTH = 20


def _require_editor(actor: User) -> None:
    if not actor.can(Cap.KNOWLEDGE_EDIT):
        raise NotAllowed(_("You are not allowed to edit the phrasebook."))


def _validated(data: dict[str, Any]) -> Entry:
    entry, problems = validate_entry(data, source="form", position=1, origin="operator")
    if entry is None:
        errors: dict[str, str] = {}
        for problem in problems:
            message = problem_message(problem)
            errors[problem.field] = f"{errors[problem.field]} {message}" if problem.field in errors else message
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return entry


def _revision(row: KnowledgeEntry, action: str, actor: User | None, comment: str) -> None:
    KnowledgeRevision.objects.create(
        entry=row, version=row.version, action=action, data=row.data, actor=actor, comment=comment[:500]
    )


def _insert(**fields: Any) -> KnowledgeEntry:
    """Create an entry row; a concurrent writer who created the same id first makes this a ``Conflict``."""
    try:
        with transaction.atomic():
            return KnowledgeEntry.objects.create(**fields)
    except IntegrityError as exc:
        raise Conflict(_("Someone else changed this entry; reload it and try again.")) from exc


def _id_taken(entry_id: str) -> bool:
    return site_library().get(entry_id) is not None or KnowledgeEntry.objects.filter(entry_id=entry_id).exists()


@transaction.atomic
def entry_create(*, actor: User, data: dict[str, Any], comment: str = "") -> KnowledgeEntry:
    """Add an operator entry, or the first operator version of a built-in entry (same id replaces it).

    Without an ``id`` the entry gets a fresh one from its kind and title
    (``script.kuan_dai_diao_xian_an_fu``): people name entries in Chinese and
    never type an id. A given id that is in use is a ``Conflict``.
    """
    _require_editor(actor)
    generated = not data.get("id")
    for _attempt in range(5):
        if generated:
            kind = data.get("kind") if data.get("kind") in KINDS else "entry"
            data = {**data, "id": new_entry_id(str(kind), str(data.get("title") or ""), _id_taken)}
        entry = _validated(data)
        if KnowledgeEntry.objects.filter(entry_id=entry.id).exists():
            if generated:
                continue
            raise Conflict(_("An entry with this id already exists; edit it instead."))
        now = timezone.now()
        try:
            row = _insert(
                entry_id=entry.id, kind=entry.kind, title=entry.title, data=entry.to_dict(),
                created_by=actor, updated_by=actor, created_at=now, updated_at=now,
            )
        except Conflict as exc:  # a concurrent create of the same id won
            if generated:
                continue  # the next free id
            raise Conflict(_("An entry with this id already exists; edit it instead.")) from exc
        _revision(row, RevisionAction.CREATE, actor, comment)
        return row
    raise Conflict(_("Someone else changed this entry; reload it and try again."))


def _versioned_update(row: KnowledgeEntry, expected_version: int | None, **changes: Any) -> None:
    """Save ``changes`` if the entry is still at ``expected_version`` (required: edits start from a read)."""
    if expected_version is None:
        raise versioned.conflict(versioned.last_change_by(KnowledgeEntry, row.pk)(), what=_("entry"))
    versioned.versioned_update(
        KnowledgeEntry,
        pk=row.pk,
        version=expected_version,
        changes=changes,
        last_change=versioned.last_change_by(KnowledgeEntry, row.pk),
        what=_("entry"),
    )
    row.refresh_from_db()


@transaction.atomic
def entry_update(
    *, actor: User, entry_id: str, data: dict[str, Any], expected_version: int | None, comment: str = ""
) -> KnowledgeEntry:
    """Save a new version of an entry.

    For a built-in entry not yet in the database, ``expected_version`` is None
    and the first operator version is created. The id cannot change.
    """
    _require_editor(actor)
    entry = _validated({**data, "id": entry_id})
    row = KnowledgeEntry.objects.filter(entry_id=entry_id).first()
    if row is None:
        if site_library().get(entry_id) is None:
            raise InvalidInput(_("No such entry."), errors={"id": _("No such entry.")})
        return entry_create(actor=actor, data=entry.to_dict(), comment=comment)
    _versioned_update(
        row,
        expected_version,
        kind=entry.kind,
        title=entry.title,
        data=entry.to_dict(),
        updated_by=actor,
        is_active=True,
    )
    _revision(row, RevisionAction.EDIT, actor, comment)
    return row


@transaction.atomic
def entry_set_active(
    *, actor: User, entry_id: str, active: bool, expected_version: int | None, comment: str = ""
) -> KnowledgeEntry:
    """Archive (hide from the library) or restore an entry; archiving a built-in stores a hiding row."""
    _require_editor(actor)
    row = KnowledgeEntry.objects.filter(entry_id=entry_id).first()
    if row is None:
        builtin = site_library().get(entry_id)
        if builtin is None:
            # A concurrent editor may have archived it a moment ago (the site library hides it now).
            raced = KnowledgeEntry.objects.filter(entry_id=entry_id).first()
            if raced is not None:
                raise versioned.conflict(versioned.last_change_by(KnowledgeEntry, raced.pk)(), what=_("entry"))
        if builtin is None or active:
            raise InvalidInput(_("No such entry."), errors={"id": _("No such entry.")})
        now = timezone.now()
        row = _insert(
            entry_id=entry_id,
            kind=builtin.kind,
            title=builtin.title,
            data=builtin.to_dict(),
            is_active=False,
            created_by=actor,
            updated_by=actor,
            created_at=now,
            updated_at=now,
        )
        _revision(row, RevisionAction.ARCHIVE, actor, comment)
        return row
    _versioned_update(row, expected_version, is_active=active, updated_by=actor)
    _revision(row, RevisionAction.RESTORE if active else RevisionAction.ARCHIVE, actor, comment)
    return row


@transaction.atomic
def entries_import(
    *, actor: User, text: str, source: str = "upload.yaml", comment: str = ""
) -> list[KnowledgeEntry]:
    """Import a phrasebook YAML file: all entries or none (the file must validate as a whole)."""
    _require_editor(actor)
    try:
        entries = parse_entries(text, source=source, origin="operator")
    except PhrasebookError as exc:
        raise InvalidInput(
            _("The file does not validate."), errors={"file": "\n".join(problem_text(p) for p in exc.problems)}
        ) from exc
    rows = []
    now = timezone.now()
    for entry in entries:
        row = KnowledgeEntry.objects.select_for_update().filter(entry_id=entry.id).first()
        if row is None:
            row = _insert(
                entry_id=entry.id,
                kind=entry.kind,
                title=entry.title,
                data=entry.to_dict(),
                created_by=actor,
                updated_by=actor,
                created_at=now,
                updated_at=now,
            )
        else:
            KnowledgeEntry.objects.filter(pk=row.pk).update(
                kind=entry.kind,
                title=entry.title,
                data=entry.to_dict(),
                version=F("version") + 1,
                updated_by=actor,
                updated_at=now,
                is_active=True,
            )
            row.refresh_from_db()
        _revision(row, RevisionAction.IMPORT, actor, comment or source)
        rows.append(row)
    return rows


# ---------------------------------------------------------------- assist sessions


def _salutation(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_SALUTATION_LENGTH:
        raise InvalidInput(
            _("Please correct the errors below."),
            errors={"salutation": _("At most 20 characters, e.g. 张女士.")},
        )
    return value


def assist_session_start(
    *,
    actor: User,
    channel: str = AssistChannel.PHONE,
    persona: str = "",
    title: str = "",
    customer: Customer | None = None,
    complaint: Complaint | None = None,
    salutation: str = "",
) -> AssistSession:
    """Start a live conversation, optionally about a customer or a complaint.

    The caller has already checked that ``actor`` may see ``customer`` and
    ``complaint``. A complaint brings its customer when none is given.
    """
    if channel not in AssistChannel.values:
        raise InvalidInput(_("Please correct the errors below."), errors={"channel": _("Unknown channel.")})
    persona = persona.strip()
    if persona and persona.lower() not in PERSONA_ALIASES and not persona.startswith("persona."):
        raise InvalidInput(
            _("Please correct the errors below."), errors={"persona": _("Unknown customer type.")}
        )
    salutation = _salutation(salutation)
    if customer is None and complaint is not None:
        customer = complaint.customer
    if not title.strip():
        title = customer.name if customer is not None else (complaint.complainant_name if complaint else "")
    return AssistSession.objects.create(
        agent=actor,
        channel=channel,
        persona=persona,
        title=title.strip()[:200],
        customer=customer,
        complaint=complaint,
        salutation=salutation,
    )


def _require_session_agent(session: AssistSession, actor: User) -> None:
    if session.agent_id != actor.pk:
        raise NotAllowed(_("Only the agent on this conversation can change it; you can read it."))


def assist_session_link(
    *,
    session: AssistSession,
    actor: User,
    customer: Customer | None = None,
    complaint: Complaint | None = None,
    salutation: str | None = None,
) -> AssistSession:
    """Link a session to the customer or complaint it is about, or say how to address the customer.

    None leaves a value as it is. Only the session's agent may; the caller has
    already checked that ``actor`` may see ``customer`` and ``complaint``.
    """
    _require_session_agent(session, actor)
    changed: list[str] = []
    if salutation is not None:
        session.salutation = _salutation(salutation)
        changed.append("salutation")
    if complaint is not None:
        session.complaint = complaint
        changed.append("complaint")
        if customer is None and session.customer_id is None and complaint.customer_id is not None:
            customer = complaint.customer
    if customer is not None:
        session.customer = customer
        changed.append("customer")
    if changed:
        session.save(update_fields=changed)
    return session


def _history(session: AssistSession) -> list[dict[str, str]]:
    return [{"speaker": t.speaker, "text": t.text} for t in session.turns.all()]


def assist_session_result(*, session: AssistSession, draft: str = "") -> AssistResult:
    persona = session.persona or (session.customer.persona if session.customer else "")
    return assist(
        _history(session),
        persona=persona or None,
        draft=draft or None,
        channel=session.channel,
        library=site_library(),
        salutation=session.salutation,
    )


@transaction.atomic
def assist_turn_add(*, session: AssistSession, actor: User, speaker: str, text: str) -> AssistTurn:
    """Append a turn said on ``session``'s call; only its agent may.

    The sequence number is taken under a row lock on the session (SQLite: the
    IMMEDIATE transaction's write lock), so concurrent posts each get their own
    number, in the order they commit.
    """
    _require_session_agent(session, actor)
    if speaker not in Speaker.values:
        raise InvalidInput(_("Please correct the errors below."), errors={"speaker": _("Unknown speaker.")})
    text = text.strip()
    if not text:
        raise InvalidInput(
            _("This turn is empty: type what the customer or you said."),
            errors={"text": _("This turn is empty: type what the customer or you said.")},
        )
    if len(text) > MAX_TURN_LENGTH:
        raise InvalidInput(
            _("Please correct the errors below."),
            errors={"text": _("Enter the words said (up to 2000 characters).")},
        )
    AssistSession.objects.select_for_update().filter(pk=session.pk).first()
    last = session.turns.aggregate(m=Max("seq"))["m"] or 0
    return AssistTurn.objects.create(session=session, seq=last + 1, speaker=speaker, text=text)


def assist_draft_check(*, session: AssistSession, draft: str) -> list[Any]:
    return draft_warnings(draft, history=_history(session), channel=session.channel, library=site_library())
