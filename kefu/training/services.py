"""Training writes: papers, assignments, exam attempts and answers, sparring sessions, operator scenarios.

Every service checks the actor's capability itself (views check too). Attempts, answers and
sparring sessions change only by conditional updates on a ``version`` (or a unique sequence
number), inside ``transaction.atomic`` with the attempt row locked, so two tabs produce one
winner per question and one submission, and the loser is told who won and when.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Cap
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.textnorm import to_simplified
from kefu.notifications.models import Kind
from kefu.notifications.services import Notice, notify
from kefu.training import bank, grading
from kefu.training.models import (
    Answer,
    Assignment,
    AssignmentEvent,
    AttemptEvent,
    ExamAttempt,
    OperatorScenario,
    Paper,
    PaperEvent,
    ScenarioEvent,
    SessionEvent,
    SparringSession,
    SparringTurn,
)

MAX_QUESTIONS = 100
MAX_TIME_LIMIT = 240
MAX_TURN_CHARS = 500
MAX_TURNS = 60
SPARRING_MINUTES = 15


def _hhmmss(at: datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M:%S")


def _require(actor: User, cap: Cap, message: str) -> None:
    if not actor.can(cap):
        raise NotAllowed(message)


def _event(model: Any, fk: str, record: Any, *, actor: User, action: str, from_state: str = "", to_state: str = "",
           reason: str = "", data: dict[str, Any] | None = None, at: datetime | None = None) -> Any:
    """Append the record's next event row (call inside the transaction that changed it)."""
    last = model.objects.filter(**{fk: record}).aggregate(m=Max("seq"))["m"] or 0
    return model.objects.create(**{fk: record}, seq=last + 1, action=action, from_state=from_state, to_state=to_state,
                                actor=actor, reason=reason, data=data or {}, at=at or timezone.now())


# ---------------------------------------------------------------- papers


def _clean_quotas(quotas: Mapping[str, Any]) -> dict[str, int]:
    cats = {c.key: c for c in bank.load_categories()}
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key, raw in quotas.items():
        if key not in cats:
            errors[f"quota_{key}"] = _("There is no question category “%(key)s”.") % {"key": key}
            continue
        try:
            count = int(str(raw).strip() or 0)
        except ValueError:
            errors[f"quota_{key}"] = _("Enter a whole number.")
            continue
        available = len(cats[key].items)
        if count < 0 or count > available:
            errors[f"quota_{key}"] = _("Between 0 and %(n)d (the bank has %(n)d questions in this category).") % {
                "n": available}
            continue
        if count:
            clean[key] = count
    if errors:
        raise InvalidInput(_("Check the number of questions per category."), errors=errors)
    total = sum(clean.values())
    if total == 0:
        raise InvalidInput(_("A paper needs at least one question."), errors={"quotas": _("Draw at least one question.")})
    if total > MAX_QUESTIONS:
        raise InvalidInput(_("A paper has at most %(n)d questions.") % {"n": MAX_QUESTIONS},
                           errors={"quotas": _("At most %(n)d questions.") % {"n": MAX_QUESTIONS}})
    return clean


@transaction.atomic
def paper_create(*, actor: User, title: str, quotas: Mapping[str, Any], time_limit_minutes: Any, pass_mark: Any,
                 description: str = "") -> Paper:
    """Build a paper (trainers only): per-category quotas drawn at random for each attempt."""
    _require(actor, Cap.TRAIN, _("Only trainers build exam papers."))
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the paper a title.")
    elif len(title) > 80:
        errors["title"] = _("At most 80 characters.")
    try:
        minutes = int(str(time_limit_minutes).strip())
        if not 1 <= minutes <= MAX_TIME_LIMIT:
            raise ValueError
    except ValueError:
        errors["time_limit_minutes"] = _("Between 1 and %(n)d minutes.") % {"n": MAX_TIME_LIMIT}
        minutes = 0
    try:
        mark = int(str(pass_mark).strip())
        if not 1 <= mark <= 100:
            raise ValueError
    except ValueError:
        errors["pass_mark"] = _("A percentage between 1 and 100.")
        mark = 0
    try:
        clean = _clean_quotas(quotas)
    except InvalidInput as exc:
        errors.update(exc.errors)
        clean = {}
    if errors:
        raise InvalidInput(_("The paper was not saved."), errors=errors)
    paper = Paper.objects.create(title=title, description=(description or "").strip()[:2000], quotas=clean,
                                 time_limit_minutes=minutes, pass_mark=mark, created_by=actor)
    _event(PaperEvent, "paper", paper, actor=actor, action="create", to_state="active", data={"quotas": clean})
    return paper


def draw_items(quotas: Mapping[str, int], *, rng: random.Random, avoid: Iterable[str] = ()) -> list[str]:
    """Item ids for one attempt: ``quotas[category]`` items of each category at random, preferring
    items not in ``avoid`` (what the trainee was asked before), so a retake draws new questions."""
    seen = set(avoid)
    drawn: list[str] = []
    for cat in bank.load_categories():
        count = int(quotas.get(cat.key, 0))
        if not count:
            continue
        fresh = [i.id for i in cat.items if i.id not in seen]
        used = [i.id for i in cat.items if i.id in seen]
        rng.shuffle(fresh)
        rng.shuffle(used)
        drawn.extend((fresh + used)[:count])
    return drawn


# ---------------------------------------------------------------- assignments


def _trainees(users: Iterable[User], department: Department | None) -> list[User]:
    people = {u.pk: u for u in users}
    if department is not None:
        for member in User.objects.filter(department=department, is_active=True):
            people.setdefault(member.pk, member)
    from kefu.training.selectors import trainee_roles

    roles = set(trainee_roles())
    return sorted((u for u in people.values() if u.can(Cap.PRACTISE) and u.role in roles), key=lambda u: u.pk)


@transaction.atomic
def assignment_create(*, actor: User, kind: str, due_at: datetime | None, paper: Paper | None = None,
                      scenario_id: str = "", trainees: Iterable[User] = (), department: Department | None = None,
                      note: str = "", now: datetime | None = None) -> Assignment:
    """Give a paper or a scenario to trainees (named, and/or every trainee of a department) by a due date;
    each trainee is notified (Kind.TRAINING)."""
    _require(actor, Cap.TRAIN, _("Only trainers assign training."))
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title = ""
    if kind == Assignment.Kind.PAPER:
        if paper is None or not paper.is_active:
            errors["paper"] = _("Choose an exam paper.")
        else:
            title = paper.title
    elif kind == Assignment.Kind.SCENARIO:
        from kefu.training import scenarios

        found = scenarios.find(scenario_id) if scenario_id else None
        if found is None:
            errors["scenario_id"] = _("Choose a sparring scenario.")
        else:
            title = found.title
    else:
        errors["kind"] = _("Choose an exam or a sparring scenario.")
    if due_at is None:
        errors["due_at"] = _("Give a due date.")
    elif due_at <= now:
        errors["due_at"] = _("The due date must be in the future.")
    people = _trainees(trainees, department)
    if not people:
        errors["trainees"] = _("Choose at least one trainee or a department with trainees.")
    if errors:
        raise InvalidInput(_("The assignment was not saved."), errors=errors)
    assert due_at is not None
    assignment = Assignment.objects.create(
        kind=kind, paper=paper if kind == Assignment.Kind.PAPER else None,
        scenario_id=scenario_id if kind == Assignment.Kind.SCENARIO else "",
        scenario_title=title if kind == Assignment.Kind.SCENARIO else "",
        department=department, due_at=due_at, note=(note or "").strip()[:200], assigned_by=actor, created_at=now,
    )
    assignment.trainees.set(people)
    _event(AssignmentEvent, "assignment", assignment, actor=actor, action="assign", to_state="assigned", at=now,
           data={"trainees": [u.pk for u in people], "department": department.pk if department else None})
    what = _("Exam") if kind == Assignment.Kind.PAPER else _("Sparring")
    due = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    from django.urls import reverse

    notify(people, Notice(
        Kind.TRAINING, _("New training: %(what)s “%(title)s”") % {"what": what, "title": title},
        _("Assigned by %(who)s; due %(due)s.") % {"who": actor, "due": due} + (f" {assignment.note}" if assignment.note else ""),
        reverse("training:index"), f"training-assignment:{assignment.pk}",
    ))
    return assignment


# ---------------------------------------------------------------- exam attempts


def _attempt_last_change(attempt_id: int) -> tuple[str, datetime] | None:
    event = AttemptEvent.objects.filter(attempt_id=attempt_id).select_related("actor").order_by("-seq").first()
    return (str(event.actor), event.at) if event else None


@transaction.atomic
def attempt_start(*, paper: Paper, trainee: User, assignment: Assignment | None = None,
                  now: datetime | None = None, seed: int | None = None) -> ExamAttempt:
    """Start sitting ``paper`` — or return the attempt already in progress (a second tab resumes it).

    Questions are drawn at random per the paper's quotas, avoiding the ones the trainee had before."""
    _require(trainee, Cap.PRACTISE, _("Exams are for trainees."))
    if not paper.is_active:
        raise InvalidInput(_("This paper is no longer in use."))
    now = now or timezone.now()
    for open_attempt in ExamAttempt.objects.filter(paper=paper, trainee=trainee, state=ExamAttempt.State.OPEN):
        if attempt_expire_if_due(open_attempt, now=now).is_open:
            return open_attempt
    previous = ExamAttempt.objects.filter(paper=paper, trainee=trainee)
    asked = [item for ids in previous.values_list("item_ids", flat=True) for item in ids]
    number = (previous.aggregate(m=Max("number"))["m"] or 0) + 1
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    items = draw_items(paper.quotas, rng=random.Random(seed), avoid=asked)
    if not items:
        raise InvalidInput(_("This paper draws no questions."))
    try:
        with transaction.atomic():
            attempt = ExamAttempt.objects.create(
                paper=paper, trainee=trainee, assignment=assignment, number=number, item_ids=items, seed=seed,
                started_at=now, deadline_at=now + timedelta(minutes=paper.time_limit_minutes), updated_at=now,
            )
    except IntegrityError:  # another tab started the same attempt number a moment ago: use that one
        existing = ExamAttempt.objects.filter(paper=paper, trainee=trainee, number=number).first()
        if existing is None:
            raise
        return existing
    Answer.objects.bulk_create(
        Answer(attempt=attempt, item_id=item_id, position=pos, updated_at=now) for pos, item_id in enumerate(items, 1)
    )
    _event(AttemptEvent, "attempt", attempt, actor=trainee, action="start", to_state="open", at=now,
           data={"number": number, "items": len(items)})
    return attempt


def _locked(attempt: ExamAttempt) -> ExamAttempt:
    return ExamAttempt.objects.select_for_update().get(pk=attempt.pk)


def _finalise(attempt: ExamAttempt, *, state: str, actor: User, now: datetime) -> ExamAttempt:
    """Close an open attempt (caller holds its row lock): score it from its answers, one row per question."""
    answers = list(attempt.answers.all())
    for blank in (a for a in answers if a.version == 0):  # unanswered: say so, with the key or a model answer
        item = bank.get_item(blank.item_id)
        if item is not None:
            Answer.objects.filter(pk=blank.pk, version=0).update(feedback=grading.grade(item, None).to_dict()["lines"])
    total = sum(a.score for a in answers)
    percent = Decimal(str(round(100 * total / len(answers), 1))) if answers else Decimal("0")
    passed = percent >= attempt.paper.pass_mark
    won = ExamAttempt.objects.filter(pk=attempt.pk, state=ExamAttempt.State.OPEN, version=attempt.version).update(
        state=state, finished_at=now, finished_by=actor, score=percent, passed=passed,
        version=F("version") + 1, updated_at=now,
    )
    if not won:
        attempt.refresh_from_db()
        return attempt
    _event(AttemptEvent, "attempt", attempt, actor=actor, action="submit" if state == "submitted" else "expire",
           from_state="open", to_state=state, at=now,
           data={"score": str(percent), "passed": passed, "answered": sum(1 for a in answers if a.version)})
    attempt.refresh_from_db()
    return attempt


def attempt_expire_if_due(attempt: ExamAttempt, *, now: datetime | None = None) -> ExamAttempt:
    """An open attempt past its deadline is closed as 'time up', scored on what was saved in time."""
    now = now or timezone.now()
    if attempt.state != ExamAttempt.State.OPEN or now <= attempt.deadline_at:
        return attempt
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.state != ExamAttempt.State.OPEN:
            return locked
        return _finalise(locked, state=ExamAttempt.State.EXPIRED, actor=locked.trainee, now=now)


def answer_save(*, attempt: ExamAttempt, actor: User, item_id: str, response: Any,
                expected_version: int | None = None, now: datetime | None = None) -> Answer:
    """Save and grade the answer to one question of an open attempt, before its deadline.

    ``expected_version`` is the answer's version the page showed (0: not answered yet). A stale
    version — another tab answered this question since — is refused with a Conflict naming when;
    the question keeps the other tab's answer, counted once.
    """
    if actor.pk != attempt.trainee_id:
        raise NotAllowed(_("Only the trainee sitting this exam may answer it."))
    now = now or timezone.now()
    item = bank.get_item(item_id)
    if item is None or item_id not in attempt.item_ids:
        raise InvalidInput(_("This question is not part of this exam."), errors={"item": _("Unknown question.")})
    try:
        clean = grading.normalise_response(item, response)
    except (TypeError, ValueError):
        raise InvalidInput(_("This answer cannot be read."), errors={"response": _("Choose one of the options.")
                                                                     if item.kind != "open" else
                                                                     _("At most %(n)d characters.") % {"n": grading.MAX_OPEN_CHARS}}) from None
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.state != ExamAttempt.State.OPEN:
            raise Conflict(_("This exam was already handed in at %(when)s; the answer was not recorded.")
                           % {"when": _hhmmss(locked.finished_at or now)})
        late = now > locked.deadline_at
        if late:  # closed now, and the refusal raised after the commit so the closing stays
            _finalise(locked, state=ExamAttempt.State.EXPIRED, actor=actor, now=now)
    if late:
        raise Conflict(_("Time is up (the exam ended at %(when)s): this answer was not recorded. "
                         "The exam was handed in with the answers saved before then.")
                       % {"when": _hhmmss(locked.deadline_at)})
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.state != ExamAttempt.State.OPEN:
            raise Conflict(_("This exam was already handed in at %(when)s; the answer was not recorded.")
                           % {"when": _hhmmss(locked.finished_at or now)})
        row = Answer.objects.get(attempt=locked, item_id=item_id)
        version = row.version if expected_version is None else expected_version
        result = grading.grade(item, clean)
        won = Answer.objects.filter(pk=row.pk, version=version).update(
            response=clean, score=result.score, correct=result.correct, feedback=result.to_dict()["lines"],
            version=F("version") + 1, answered_at=now, updated_at=now,
        )
        if not won:
            row.refresh_from_db()
            when = _hhmmss(row.answered_at) if row.answered_at else ""
            raise Conflict(_("This question was answered in another window at %(when)s; that answer is kept. "
                             "Reload to see it, then change it if you wish.") % {"when": when})
        _event(AttemptEvent, "attempt", locked, actor=actor, action="answer", from_state="open", to_state="open", at=now,
               data={"item": item_id, "version": version + 1})
        row.refresh_from_db()
        return row


def attempt_submit(*, attempt: ExamAttempt, actor: User, now: datetime | None = None) -> ExamAttempt:
    """Hand the exam in. After the deadline it is closed as 'time up' on the answers saved in time;
    a second hand-in (another tab) is told when the first happened."""
    if actor.pk != attempt.trainee_id:
        raise NotAllowed(_("Only the trainee sitting this exam may hand it in."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.state != ExamAttempt.State.OPEN:
            raise Conflict(_("This exam was already handed in at %(when)s.") % {"when": _hhmmss(locked.finished_at or now)})
        state = ExamAttempt.State.SUBMITTED if now <= locked.deadline_at else ExamAttempt.State.EXPIRED
        return _finalise(locked, state=state, actor=actor, now=now)


# ---------------------------------------------------------------- sparring


def _session_last_change(session_id: int) -> tuple[str, datetime] | None:
    event = SessionEvent.objects.filter(session_id=session_id).select_related("actor").order_by("-seq").first()
    return (str(event.actor), event.at) if event else None


@transaction.atomic
def session_start(*, trainee: User, scenario_id: str, assignment: Assignment | None = None,
                  seed: int | None = None, now: datetime | None = None) -> SparringSession:
    """Start sparring with the simulated customer of ``scenario_id``."""
    from kefu.training import scenarios

    _require(trainee, Cap.PRACTISE, _("Sparring is for trainees."))
    scenario = scenarios.find(scenario_id)
    if scenario is None:
        raise InvalidInput(_("There is no such scenario."), errors={"scenario": _("Choose a scenario from the list.")})
    now = now or timezone.now()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    session = SparringSession.objects.create(
        trainee=trainee, assignment=assignment, scenario_id=scenario.id, scenario_title=scenario.title, seed=seed,
        started_at=now, last_turn_at=now, updated_at=now, time_limit_minutes=SPARRING_MINUTES,
    )
    _event(SessionEvent, "session", session, actor=trainee, action="start", to_state="active", at=now,
           data={"scenario": scenario.id, "seed": seed})
    return session


def session_idle_deadline(session: SparringSession) -> datetime:
    return (session.last_turn_at or session.started_at) + timedelta(minutes=session.time_limit_minutes)


def _clean_turn(raw: Any) -> str:
    if not isinstance(raw, str):
        raise InvalidInput(_("Type what you would say."), errors={"text": _("Type what you would say.")})
    text: str = to_simplified(raw).strip()
    if not text:
        raise InvalidInput(_("Type what you would say."), errors={"text": _("An empty line is not sent.")})
    if len(text) > MAX_TURN_CHARS:
        raise InvalidInput(_("One line is at most %(n)d characters; say it in shorter sentences, as on a call.")
                           % {"n": MAX_TURN_CHARS}, errors={"text": _("At most %(n)d characters.") % {"n": MAX_TURN_CHARS}})
    return text


def session_say(*, session: SparringSession, actor: User, text: Any, expected_turns: int | None = None,
                now: datetime | None = None) -> SparringSession:
    """Add the trainee's next line; the customer's reply is rebuilt by replaying the scenario.

    ``expected_turns`` is how many lines the page showed: a second tab sending on a stale page
    gets a Conflict instead of a second line at the same place. The session ends when the customer
    ends it (resolved, hung up, escalated), at the turn limit, or after the idle time limit.
    """
    from kefu.training import scenarios

    if actor.pk != session.trainee_id:
        raise NotAllowed(_("Only the trainee of this session may speak in it."))
    clean = _clean_turn(text)
    now = now or timezone.now()
    with transaction.atomic():
        locked = SparringSession.objects.select_for_update().get(pk=session.pk)
        if locked.state != SparringSession.State.ACTIVE:
            raise Conflict(_("This session has ended; start a new one to practise again."))
        timed_out = now > session_idle_deadline(locked)
        if timed_out:
            _session_finish(locked, actor=actor, reason="timeout", now=now)
    if timed_out:
        raise Conflict(_("Time is up: nothing was said for %(n)d minutes, so the customer left. "
                         "The feedback report is below.") % {"n": locked.time_limit_minutes})
    with transaction.atomic():
        locked = SparringSession.objects.select_for_update().get(pk=session.pk)
        if locked.state != SparringSession.State.ACTIVE:
            raise Conflict(_("This session has ended; start a new one to practise again."))
        texts = list(locked.turns.values_list("text", flat=True))
        if expected_turns is not None and expected_turns != len(texts):
            raise Conflict(_("Another window already added a line to this session; reload to see it."))
        try:
            with transaction.atomic():
                SparringTurn.objects.create(session=locked, seq=len(texts) + 1, text=clean, at=now)
        except IntegrityError:
            raise Conflict(_("Another window already added a line to this session; reload to see it.")) from None
        live = scenarios.replay(locked, [*texts, clean])
        SparringSession.objects.filter(pk=locked.pk).update(last_turn_at=now, updated_at=now, version=F("version") + 1)
        locked.refresh_from_db()
        if live.ended:
            _session_finish(locked, actor=actor, reason="customer", now=now, live=live)
        elif len(texts) + 1 >= MAX_TURNS:
            _session_finish(locked, actor=actor, reason="turns", now=now, live=live)
        locked.refresh_from_db()
        return locked


def _session_finish(session: SparringSession, *, actor: User, reason: str, now: datetime, live: Any = None) -> None:
    """Close an active session (caller holds its lock) and store the feedback report."""
    from kefu.training import scenarios

    if live is None:
        live = scenarios.replay(session, list(session.turns.values_list("text", flat=True)))
    report = scenarios.finish(live, reason)
    outcome = str(report.get("outcome") or "unresolved")
    score = report.get("score")
    won = SparringSession.objects.filter(pk=session.pk, state=SparringSession.State.ACTIVE).update(
        state=SparringSession.State.ENDED, outcome=outcome, end_reason=reason, ended_at=now, report=report,
        score=Decimal(str(round(float(score), 1))) if score is not None else None,
        passed=report.get("passed"), updated_at=now, version=F("version") + 1,
    )
    if won:
        _event(SessionEvent, "session", session, actor=actor, action="end", from_state="active", to_state="ended",
               at=now, reason=reason, data={"outcome": outcome, "score": score})


def session_end(*, session: SparringSession, actor: User, now: datetime | None = None) -> SparringSession:
    """The trainee ends the conversation; the report is written."""
    if actor.pk != session.trainee_id:
        raise NotAllowed(_("Only the trainee of this session may end it."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = SparringSession.objects.select_for_update().get(pk=session.pk)
        if locked.state != SparringSession.State.ACTIVE:
            raise Conflict(_("This session already ended at %(when)s.") % {"when": _hhmmss(locked.ended_at or now)})
        reason = "timeout" if now > session_idle_deadline(locked) else "trainee"
        _session_finish(locked, actor=actor, reason=reason, now=now)
        locked.refresh_from_db()
        return locked


def session_expire_if_idle(session: SparringSession, *, now: datetime | None = None) -> SparringSession:
    """A trainee silent for the whole time limit: the session ends as time up (outcome unresolved)."""
    now = now or timezone.now()
    if session.state != SparringSession.State.ACTIVE or now <= session_idle_deadline(session):
        return session
    with transaction.atomic():
        locked = SparringSession.objects.select_for_update().get(pk=session.pk)
        if locked.state == SparringSession.State.ACTIVE:
            _session_finish(locked, actor=locked.trainee, reason="timeout", now=now)
        locked.refresh_from_db()
        return locked


def sessions_expire_idle(*, now: datetime | None = None) -> int:
    """Close every idle session (the scheduled sweep); returns how many ended."""
    now = now or timezone.now()
    count = 0
    for session in SparringSession.objects.filter(state=SparringSession.State.ACTIVE):
        if session_expire_if_idle(session, now=now).state == SparringSession.State.ENDED:
            count += 1
    return count


# ---------------------------------------------------------------- operator scenarios


@transaction.atomic
def scenario_save(*, actor: User, text: str, source: str = "upload", publish: bool = False,
                  complaint_id: int | None = None, expected_version: int | None = None) -> OperatorScenario:
    """Store a trainer's scenario (YAML), validated by the simulator's parser (errors name the line).

    Saving a scenario id that exists updates it (with ``expected_version`` checked when given)."""
    from kefu.training import scenarios

    _require(actor, Cap.TRAIN, _("Only trainers add scenarios."))
    parsed = scenarios.parse(text, source)
    if scenarios.builtin(parsed.id) is not None:
        raise InvalidInput(_("“%(id)s” is the id of a built-in scenario; give yours another id.") % {"id": parsed.id},
                           errors={"yaml": _("Line 1: choose another id.")})
    state = OperatorScenario.State.PUBLISHED if publish else OperatorScenario.State.DRAFT
    now = timezone.now()
    existing = OperatorScenario.objects.select_for_update().filter(scenario_id=parsed.id).first()
    if existing is None:
        row = OperatorScenario.objects.create(
            scenario_id=parsed.id, title=parsed.title[:120], yaml=text, state=state, source_complaint_id=complaint_id,
            created_by=actor, updated_by=actor, created_at=now, updated_at=now,
        )
        _event(ScenarioEvent, "scenario", row, actor=actor, action="create", to_state=state, at=now)
        return row
    if expected_version is not None and expected_version != existing.version:
        who = f"{existing.updated_by}"
        raise Conflict(_("%(who)s changed this scenario at %(when)s. Reload to see their changes, then try again.")
                       % {"who": who, "when": _hhmmss(existing.updated_at)})
    before = existing.state
    OperatorScenario.objects.filter(pk=existing.pk).update(
        title=parsed.title[:120], yaml=text, state=state, updated_by=actor, updated_at=now, version=F("version") + 1,
    )
    _event(ScenarioEvent, "scenario", existing, actor=actor, action="publish" if publish else "edit",
           from_state=before, to_state=state, at=now)
    existing.refresh_from_db()
    return existing
