"""Training API: a trainee's assignments, and sitting an exam (start, answer, hand in).

Bad input is a 4xx with a message (422 names the field); a stale answer or a second hand-in is a
409 naming when the winner acted; past the deadline an answer is a 409 and the exam is closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from kefu.accounts.api import caller
from kefu.accounts.roles import Cap
from kefu.accounts.schemas import ACTION_ERRORS, AUTH_ERRORS, MAX_ID, OBJECT_ERRORS
from kefu.lib.errors import NotAllowed
from kefu.training import bank, selectors, services
from kefu.training.models import Answer, ExamAttempt

router = Router(tags=["training"])
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class AssignmentOut(Schema):
    id: int
    kind: str = Field(description="paper (an exam) or scenario (sparring)")
    title: str
    paper: int | None
    scenario: str
    due_at: datetime
    done: bool
    overdue: bool


class QuestionOut(Schema):
    item: str
    position: int
    kind: str = Field(description="single, multiple, truefalse or open")
    category: str
    question: str
    options: list[str]
    version: int = Field(description="Send it back as expected_version when answering (0: not answered yet).")
    response: Any = None


class AttemptOut(Schema):
    id: int
    paper: int
    number: int
    state: str = Field(description="open, submitted or expired")
    started_at: datetime
    deadline_at: datetime
    score: float | None
    passed: bool | None
    questions: list[QuestionOut]


class AnswerIn(Schema):
    item: str = Field(max_length=80)
    response: int | bool | list[int] | str | None = Field(
        description="single: an option index; multiple: a list of indexes; truefalse: true/false; open: text")
    expected_version: int | None = Field(None, ge=0, le=1_000_000)


class AnswerOut(Schema):
    item: str
    version: int
    score: float | None = Field(None, description="Only once the exam is handed in (null while it is open).")
    correct: bool | None = Field(None, description="Only once the exam is handed in (null while it is open).")


def _attempt_out(attempt: ExamAttempt) -> dict[str, Any]:
    questions = []
    for answer in attempt.answers.all():
        item = bank.get_item(answer.item_id)
        if item is None:
            continue
        questions.append({
            "item": item.id, "position": answer.position, "kind": item.kind, "category": item.category_label,
            "question": item.question, "options": list(item.options), "version": answer.version,
            "response": answer.response,
        })
    return {
        "id": attempt.pk, "paper": attempt.paper_id, "number": attempt.number, "state": attempt.state,
        "started_at": attempt.started_at, "deadline_at": attempt.deadline_at,
        "score": float(attempt.score) if attempt.score is not None else None, "passed": attempt.passed,
        "questions": questions,
    }


def _trainee(request: HttpRequest) -> Any:
    user = caller(request)
    if not user.can(Cap.PRACTISE):
        raise NotAllowed(_("Exams are for trainees."))
    return user


@router.get("/assignments", response={200: list[AssignmentOut], **AUTH_ERRORS}, summary="My training assignments")
def assignments(request: HttpRequest) -> list[dict[str, Any]]:
    user = _trainee(request)
    return [
        {"id": r.assignment.pk, "kind": r.assignment.kind, "title": r.assignment.title, "paper": r.assignment.paper_id,
         "scenario": r.assignment.scenario_id, "due_at": r.assignment.due_at, "done": r.done, "overdue": r.overdue}
        for r in selectors.my_assignments(user)
    ]


@router.post("/papers/{paper_id}/attempts", response={201: AttemptOut, **OBJECT_ERRORS},
             summary="Start sitting a paper (or resume the attempt in progress)")
def attempt_start(request: HttpRequest, paper_id: Id) -> Any:
    user = _trainee(request)
    paper = selectors.paper_get(pk=paper_id, user=user)
    attempt = services.attempt_start(paper=paper, trainee=user)
    return Status(201, _attempt_out(attempt))


@router.get("/attempts/{attempt_id}", response={200: AttemptOut, **OBJECT_ERRORS}, summary="An attempt and its questions")
def attempt_get(request: HttpRequest, attempt_id: Id) -> dict[str, Any]:
    attempt = selectors.attempt_get_for_user(pk=attempt_id, user=caller(request))
    return _attempt_out(services.attempt_expire_if_due(attempt))


@router.post("/attempts/{attempt_id}/answers", response={200: AnswerOut, **ACTION_ERRORS},
             summary="Answer one question of an open attempt")
def answer(request: HttpRequest, attempt_id: Id, payload: AnswerIn) -> dict[str, Any]:
    attempt = selectors.attempt_get_for_user(pk=attempt_id, user=caller(request))
    row: Answer = services.answer_save(attempt=attempt, actor=caller(request), item_id=payload.item,
                                       response=payload.response, expected_version=payload.expected_version)
    # While the exam is open an answer is only "saved": telling right from wrong would let a trainee
    # try each option in turn (the web page says only "saved" too).
    attempt.refresh_from_db()
    closed = not attempt.is_open
    return {"item": row.item_id, "version": row.version, "score": row.score if closed else None,
            "correct": row.correct if closed else None}


@router.post("/attempts/{attempt_id}/submit", response={200: AttemptOut, **ACTION_ERRORS}, summary="Hand the exam in")
def submit(request: HttpRequest, attempt_id: Id) -> dict[str, Any]:
    attempt = selectors.attempt_get_for_user(pk=attempt_id, user=caller(request))
    return _attempt_out(services.attempt_submit(attempt=attempt, actor=caller(request)))
