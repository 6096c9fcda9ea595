"""Quality inspection API: bring conversations in (one, or JSON lines in bulk) and read their scorecards."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from kefu.accounts.api import caller
from kefu.accounts.schemas import ACTION_ERRORS, AUTH_ERRORS, MAX_ID, OBJECT_ERRORS
from kefu.lib.errors import Conflict, InvalidInput
from kefu.quality import formats, selectors, services
from kefu.quality.models import Scorecard

router = Router(tags=["quality"])


class TurnIn(Schema):
    speaker: str = Field(description="agent, customer or system")
    text: str
    start: float | None = Field(None, description="seconds from the start of the call")
    end: float | None = None


class ConversationIn(Schema):
    id: str = Field(description="The conversation's id in the source system (importing it again changes nothing).")
    channel: str = "chat"
    agent: str | None = Field(None, description="The agent's user name or employee number.")
    started_at: str | None = None
    complaint: str | None = Field(None, description="A complaint number this conversation is about.")
    turns: list[TurnIn]
    labels: dict[str, Any] | None = Field(
        None, description='Ratings people gave it, to train the satisfaction predictor: {"satisfaction": 0-100} '
        'or {"quality": {"S": {"mean": -2..2}}} as in STC-3.')


class ScorecardOut(Schema):
    conversation: int
    source_id: str
    kind: str
    current: bool
    rulebook: str
    rulebook_version: str
    score: float
    passed: bool
    critical: bool
    card: dict[str, Any] = Field(description="The whole scorecard: every rule's outcome, evidence and norms cited.")


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]] = Field(description="[{line, error}] for the records not imported.")


def _out(card: Scorecard) -> dict[str, Any]:
    return {
        "conversation": card.conversation_id, "source_id": card.conversation.source_id, "kind": card.kind,
        "current": card.current, "rulebook": card.rulebook, "rulebook_version": card.rulebook_version,
        "score": float(card.score), "passed": card.passed, "critical": card.critical, "card": card.data,
    }


@router.post("/conversations", response={201: ScorecardOut, 200: ScorecardOut, **ACTION_ERRORS},
             summary="Import one conversation and score it")
def conversation_create(request: HttpRequest, payload: ConversationIn) -> Any:
    report = services.conversations_import(actor=caller(request), items=[(1, payload.dict())])
    if report.errors:
        _line, error = report.errors[0]
        path, _sep, message = error.partition(": ")
        raise InvalidInput(_("The conversation was not imported."), errors={path if message else "body": message or error})
    card = (
        Scorecard.objects.select_related("conversation")
        .filter(conversation__source_id=payload.id.strip(), kind="auto", current=True)
        .first()
    )
    if card is None:  # a concurrent import of the same id is still scoring it
        raise Conflict(_("This conversation is being imported by someone else at this moment; ask again shortly."))
    return Status(201 if report.created else 200, _out(card))


@router.post("/conversations/bulk", response={200: ImportOut, **AUTH_ERRORS},
             summary="Import JSON lines (one conversation per line); bad lines are reported, the rest imported")
def conversations_bulk(request: HttpRequest) -> Any:
    try:
        items = list(formats.read_jsonl(request.body))
    except formats.FormatError as exc:
        raise InvalidInput(str(exc)) from exc
    report = services.conversations_import(actor=caller(request), items=items)
    return {
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "errors": [{"line": line, "error": error} for line, error in report.errors],
    }


@router.get("/conversations/{conversation_id}/scorecard", response={200: ScorecardOut, **OBJECT_ERRORS},
            summary="The current automatic scorecard of a conversation")
def scorecard_get(request: HttpRequest, conversation_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
    conversation = selectors.conversation_get_for_user(pk=conversation_id, user=caller(request))
    card = Scorecard.objects.select_related("conversation").filter(
        conversation=conversation, kind="auto", current=True
    ).first()
    if card is None:
        raise InvalidInput(_("This conversation has not been scored yet."))
    return _out(card)
