"""Phrasebook over the API (``/api/v1/knowledge/…``): search, entries with history, YAML check and
import, the opening greeting, stateless assist, and live assist sessions a connected system posts turns to.

Endpoints parse input, call a selector or service and shape the answer; the
services check ``Cap.KNOWLEDGE_EDIT`` and versions (403/409/422 via ``kefu.api``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from kefu.accounts.api import caller
from kefu.accounts.models import User
from kefu.accounts.schemas import ACTION_ERRORS, AUTH_ERRORS, MAX_ID, OBJECT_ERRORS
from kefu.accounts.validators import InputDateTime
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import complaint_get_for_user
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_get_for_user
from kefu.knowledge import selectors, services
from kefu.knowledge.errors import InvalidInput
from kefu.knowledge.models import AssistSession
from kefu.knowledge.problems import problem_text
from kefu.phrasebook.greeting import CHANNELS as GREETING_CHANNELS
from kefu.phrasebook.greeting import opening
from kefu.phrasebook.loader import parse_entries
from kefu.phrasebook.schema import CHANNELS, KINDS, Entry, PhrasebookError

router = Router(tags=["knowledge"])

EntryId = Annotated[str, Path(max_length=120, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID)]


# ---------------------------------------------------------------- schemas


class EntryOut(Schema):
    id: str
    kind: str
    kind_label: str
    title: str
    origin: str  # builtin | operator
    version: int | None = None
    entry: dict[str, Any]


class HitOut(Schema):
    id: str
    kind: str
    title: str
    score: float
    text: str


class SearchFilters(Schema):
    q: str = Field("", max_length=200)
    kind: str | None = Field(None, pattern="^(" + "|".join(KINDS) + ")$")
    channel: str | None = Field(None, pattern="^(" + "|".join(CHANNELS) + ")$")
    limit: int = Field(10, ge=1, le=100)


class EntryIn(Schema):
    entry: dict[str, Any]
    comment: str = Field("", max_length=500)


class EntryUpdateIn(EntryIn):
    expected_version: int | None = None


class ArchiveIn(Schema):
    expected_version: int | None = None
    comment: str = Field("", max_length=500)


class RevisionOut(Schema):
    version: int
    action: str
    actor: str | None
    comment: str
    at: datetime
    entry: dict[str, Any]


class YamlIn(Schema):
    text: str = Field(..., max_length=2_000_000)
    comment: str = Field("", max_length=500)


class CheckOut(Schema):
    ok: bool
    entries: int
    problems: list[str]


class GreetingFilters(Schema):
    channel: str = Field("phone", pattern="^(" + "|".join(GREETING_CHANNELS) + ")$")
    at: InputDateTime | None = None
    company: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    agent: str | None = Field(None, max_length=100)
    customer: str = Field("", max_length=100)


class GreetingOut(Schema):
    greeting: str
    text: str
    festival: bool
    cites: list[str]


class TurnIn(Schema):
    speaker: str = Field(..., pattern="^(customer|agent|system)$")
    text: str = Field(..., max_length=2000)


class AssistIn(Schema):
    turns: list[TurnIn] = Field(..., max_length=500)
    persona: str | None = Field(None, max_length=40)
    draft: str | None = Field(None, max_length=2000)
    channel: str = Field("phone", pattern="^(phone|chat)$")


class SessionLinksIn(Schema):
    customer: int | None = Field(
        None, ge=1, le=MAX_ID, description="a known customer: their observed persona applies"
    )
    complaint: int | None = Field(
        None, ge=1, le=MAX_ID, description="the complaint the call is about (brings its customer)"
    )
    salutation: str | None = Field(
        None, max_length=20, description="how scripts address the customer, e.g. 张女士; blank: 您"
    )


class SessionIn(SessionLinksIn):
    channel: str = Field("phone", pattern="^(phone|chat)$")
    persona: str = Field("", max_length=40)
    title: str = Field("", max_length=200)


class SessionOut(Schema):
    id: int
    agent: str
    channel: str
    persona: str
    customer: int | None
    complaint: int | None
    salutation: str
    title: str
    created_at: datetime
    turns: list[dict[str, Any]]


class SessionTurnIn(Schema):
    speaker: str = Field(..., pattern="^(customer|agent)$")
    text: str = Field(..., min_length=1, max_length=2000)


class DraftIn(Schema):
    draft: str = Field(..., min_length=1, max_length=2000)


# ---------------------------------------------------------------- helpers


def _entry_out(entry: Entry) -> dict[str, Any]:
    row = selectors.entry_row(entry.id) if entry.origin == "operator" else None
    return {
        "id": entry.id,
        "kind": entry.kind,
        "kind_label": KINDS[entry.kind],
        "title": entry.title,
        "origin": entry.origin,
        "version": row.version if row else None,
        "entry": entry.to_dict(),
    }


def _session_out(session: AssistSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "agent": session.agent.username,
        "channel": session.channel,
        "persona": session.persona,
        "customer": session.customer_id,
        "complaint": session.complaint_id,
        "salutation": session.salutation,
        "title": session.title,
        "created_at": session.created_at,
        "turns": [
            {"seq": t.seq, "speaker": t.speaker, "text": t.text, "at": t.at} for t in session.turns.all()
        ],
    }


# ---------------------------------------------------------------- library


@router.get(
    "/entries",
    response={200: list[HitOut], **AUTH_ERRORS},
    summary="Search (Chinese or pinyin initials) or list, by kind and channel",
)
def entry_list(request: HttpRequest, filters: Query[SearchFilters]) -> list[dict[str, Any]]:
    caller(request)
    kinds = [filters.kind] if filters.kind else None
    if filters.q.strip():
        hits = selectors.entry_search(q=filters.q, kinds=kinds, channel=filters.channel, limit=filters.limit)
        return [
            {
                "id": h.entry.id,
                "kind": h.entry.kind,
                "title": h.entry.title,
                "score": round(h.score, 3),
                "text": h.entry.text or h.entry.alternative,
            }
            for h in hits
        ]
    entries = selectors.entries_of_kind(filters.kind, filters.channel)[: filters.limit]
    return [
        {"id": e.id, "kind": e.kind, "title": e.title, "score": 0.0, "text": e.text or e.alternative}
        for e in entries
    ]


@router.get("/entries/{entry_id}", response={200: EntryOut, **OBJECT_ERRORS}, summary="One entry")
def entry_detail(request: HttpRequest, entry_id: EntryId) -> dict[str, Any]:
    caller(request)
    return _entry_out(selectors.entry_get(entry_id))


@router.post(
    "/entries",
    response={201: EntryOut, **ACTION_ERRORS},
    summary="Add an operator entry (without an id, one is made from its kind and title)",
)
def entry_create(request: HttpRequest, payload: EntryIn) -> Status:
    row = services.entry_create(actor=caller(request), data=payload.entry, comment=payload.comment)
    return Status(201, _entry_out(selectors.entry_get(row.entry_id)))


@router.put(
    "/entries/{entry_id}",
    response={200: EntryOut, **ACTION_ERRORS},
    summary="Save a new version (expected_version: the version you saw; null for a built-in not yet edited)",
)
def entry_update(request: HttpRequest, entry_id: EntryId, payload: EntryUpdateIn) -> dict[str, Any]:
    row = services.entry_update(
        actor=caller(request),
        entry_id=entry_id,
        data=payload.entry,
        expected_version=payload.expected_version,
        comment=payload.comment,
    )
    return _entry_out(selectors.entry_get(row.entry_id))


@router.post("/entries/{entry_id}/archive", response={204: None, **ACTION_ERRORS}, summary="Hide an entry")
def entry_archive(request: HttpRequest, entry_id: EntryId, payload: ArchiveIn) -> Status:
    services.entry_set_active(
        actor=caller(request),
        entry_id=entry_id,
        active=False,
        expected_version=payload.expected_version,
        comment=payload.comment,
    )
    return Status(204, None)


@router.get(
    "/entries/{entry_id}/history",
    response={200: list[RevisionOut], **OBJECT_ERRORS},
    summary="Edits, newest first",
)
def entry_history(request: HttpRequest, entry_id: EntryId) -> list[dict[str, Any]]:
    caller(request)
    return [
        {
            "version": r.version,
            "action": r.action,
            "actor": r.actor.username if r.actor else None,
            "comment": r.comment,
            "at": r.at,
            "entry": r.data,
        }
        for r in selectors.entry_history(entry_id)
    ]


@router.post("/check", response={200: CheckOut, **AUTH_ERRORS}, summary="Validate a phrasebook YAML file")
def check_yaml(request: HttpRequest, payload: YamlIn) -> dict[str, Any]:
    caller(request)
    try:
        entries = parse_entries(payload.text, source="upload.yaml", origin="operator")
    except PhrasebookError as exc:
        return {"ok": False, "entries": 0, "problems": [problem_text(p) for p in exc.problems]}
    return {"ok": True, "entries": len(entries), "problems": []}


@router.post(
    "/import", response={201: list[EntryOut], **ACTION_ERRORS}, summary="Import a YAML file (all or nothing)"
)
def import_yaml(request: HttpRequest, payload: YamlIn) -> Status:
    rows = services.entries_import(actor=caller(request), text=payload.text, comment=payload.comment)
    return Status(201, [_entry_out(selectors.entry_get(r.entry_id)) for r in rows])


@router.get(
    "/greeting", response={200: GreetingOut, **AUTH_ERRORS}, summary="The opening line for channel and time"
)
def greeting(request: HttpRequest, filters: Query[GreetingFilters]) -> dict[str, Any]:
    user = caller(request)
    moment = (
        timezone.localtime(filters.at)
        if filters.at and timezone.is_aware(filters.at)
        else (filters.at or timezone.localtime())
    )
    department = (
        filters.department
        if filters.department is not None
        else (user.department.name if user.department else "")
    )
    result = opening(
        moment=moment,
        channel=filters.channel,
        company=filters.company or settings.KEFU_COMPANY_NAME,
        department=department,
        agent=filters.agent or user.full_name or user.username,
        customer=filters.customer,
    )
    return {
        "greeting": result.greeting,
        "text": result.text,
        "festival": result.festival,
        "cites": list(result.cites),
    }


# ---------------------------------------------------------------- assist


@router.post(
    "/assist", response={200: dict[str, Any], **AUTH_ERRORS}, summary="Assist for a conversation sent whole"
)
def assist_once(request: HttpRequest, payload: AssistIn) -> dict[str, Any]:
    from kefu.phrasebook.assist import assist

    caller(request)
    result = assist(
        [t.dict() for t in payload.turns],
        persona=payload.persona,
        draft=payload.draft,
        channel=payload.channel,
        library=selectors.site_library(),
    )
    return result.to_dict()


def _links(user: User, payload: SessionLinksIn) -> tuple[Customer | None, Complaint | None]:
    """The customer and complaint a body names, as ``user`` may see them; a field error otherwise."""
    errors: dict[str, str] = {}
    customer = complaint = None
    if payload.customer:
        try:
            customer = customer_get_for_user(pk=payload.customer, user=user)
        except (Http404, PermissionDenied):
            # A reference in a body: a field error, not a 404 of the endpoint.
            errors["customer"] = _("No such record.")
    if payload.complaint:
        try:
            complaint = complaint_get_for_user(pk=payload.complaint, user=user)
        except Http404:
            errors["complaint"] = _("No such record.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return customer, complaint


@router.post("/sessions", response={201: SessionOut, **ACTION_ERRORS}, summary="Start a live conversation")
def session_start(request: HttpRequest, payload: SessionIn) -> Status[dict[str, Any]]:
    user = caller(request)
    customer, complaint = _links(user, payload)
    session = services.assist_session_start(
        actor=user,
        channel=payload.channel,
        persona=payload.persona,
        title=payload.title,
        customer=customer,
        complaint=complaint,
        salutation=payload.salutation or "",
    )
    return Status(201, _session_out(session))


@router.patch(
    "/sessions/{session_id}",
    response={200: SessionOut, **ACTION_ERRORS},
    summary="Link the conversation to its customer or complaint, or set the form of address",
)
def session_links(request: HttpRequest, session_id: SessionId, payload: SessionLinksIn) -> dict[str, Any]:
    user = caller(request)
    session = selectors.session_get_for_user(user, session_id)
    customer, complaint = _links(user, payload)
    services.assist_session_link(
        session=session, actor=user, customer=customer, complaint=complaint, salutation=payload.salutation
    )
    return _session_out(session)


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **OBJECT_ERRORS},
    summary="A conversation and its turns",
)
def session_detail(request: HttpRequest, session_id: SessionId) -> dict[str, Any]:
    return _session_out(selectors.session_get_for_user(caller(request), session_id))


@router.post(
    "/sessions/{session_id}/turns",
    response={201: dict[str, Any], **OBJECT_ERRORS},
    summary="Post a turn; the answer is the assist for the conversation so far",
)
def session_turn(
    request: HttpRequest, session_id: SessionId, payload: SessionTurnIn
) -> Status[dict[str, Any]]:
    user = caller(request)
    session = selectors.session_get_for_user(user, session_id)
    turn = services.assist_turn_add(session=session, actor=user, speaker=payload.speaker, text=payload.text)
    result = services.assist_session_result(session=session).to_dict()
    return Status(
        201, {"turn": {"seq": turn.seq, "speaker": turn.speaker, "text": turn.text}, "assist": result}
    )


@router.post(
    "/sessions/{session_id}/draft",
    response={200: dict[str, Any], **OBJECT_ERRORS},
    summary="Check a draft reply",
)
def session_draft(request: HttpRequest, session_id: SessionId, payload: DraftIn) -> dict[str, Any]:
    from dataclasses import asdict

    session = selectors.session_get_for_user(caller(request), session_id)
    warnings = services.assist_draft_check(session=session, draft=payload.draft)
    return {"warnings": [asdict(w) for w in warnings]}
