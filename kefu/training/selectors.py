"""Training reads: access-checked getters, a trainee's assignments and progress, the trainer's dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import ROLE_CAPS, Cap, Role
from kefu.lib.errors import NotAllowed
from kefu.training import analysis, bank
from kefu.training.models import Answer, Assignment, ExamAttempt, Paper, SparringSession

FINISHED = (ExamAttempt.State.SUBMITTED, ExamAttempt.State.EXPIRED)


def _int_pk(pk: Any) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404("bad id") from None
    if not 0 < value < 2**63:
        raise Http404("bad id")
    return value


def attempt_get_for_user(*, pk: Any, user: User) -> ExamAttempt:
    """The attempt if ``user`` sat it or is a trainer; otherwise 404 (others' results are not shown)."""
    attempt = ExamAttempt.objects.select_related("paper", "trainee").filter(pk=_int_pk(pk)).first()
    if attempt is None or not (attempt.trainee_id == user.pk or user.can(Cap.TRAIN)):
        raise Http404("no such attempt")
    return attempt


def session_get_for_user(*, pk: Any, user: User) -> SparringSession:
    session = SparringSession.objects.select_related("trainee").filter(pk=_int_pk(pk)).first()
    if session is None or not (session.trainee_id == user.pk or user.can(Cap.TRAIN)):
        raise Http404("no such session")
    return session


def paper_get(*, pk: Any, user: User) -> Paper:
    if not (user.can(Cap.PRACTISE) or user.can(Cap.TRAIN)):
        raise NotAllowed(_("Training is for trainers and trainees."))
    paper = Paper.objects.filter(pk=_int_pk(pk)).first()
    if paper is None:
        raise Http404("no such paper")
    return paper


def trainee_roles() -> list[str]:
    """Roles that practise; administrators hold every capability but are not trainees."""
    return [role for role, caps in ROLE_CAPS.items() if Cap.PRACTISE in caps and role != Role.ADMIN]


def trainees() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=trainee_roles()).order_by("department__name", "full_name", "pk")


# ---------------------------------------------------------------- a trainee's view


@dataclass
class AssignmentRow:
    assignment: Assignment
    done: bool
    overdue: bool
    result: Any = None  # the best finished attempt / ended session


def _result_for(a: Assignment, attempts: list[ExamAttempt], sessions: list[SparringSession]) -> Any:
    """The best finished attempt or ended session that does ``a`` (started after it was assigned)."""
    if a.kind == Assignment.Kind.PAPER:
        return next((t for t in attempts if t.paper_id == a.paper_id and t.started_at >= a.created_at), None)
    return next((s for s in sessions if s.scenario_id == a.scenario_id and s.started_at >= a.created_at), None)


def my_assignments(user: User, *, now: datetime | None = None) -> list[AssignmentRow]:
    now = now or timezone.now()
    assignments = list(Assignment.objects.filter(trainees=user).select_related("paper", "assigned_by").order_by("due_at", "pk"))
    attempts = list(ExamAttempt.objects.filter(trainee=user, state__in=FINISHED).order_by("-score"))
    sessions = list(SparringSession.objects.filter(trainee=user, state=SparringSession.State.ENDED)
                    .defer("report").order_by("-score"))
    rows = []
    for a in assignments:
        result = _result_for(a, attempts, sessions)
        rows.append(AssignmentRow(a, result is not None, result is None and a.due_at < now, result))
    return rows


def _scenario_labels(scenario_ids: set[str]) -> dict[str, str]:
    """Each scenario's kind (its category label), without loading the sessions' reports."""
    from kefu.training import scenarios

    out = {}
    for scenario_id in scenario_ids:
        try:
            found = scenarios.find(scenario_id)
        except ImportError:
            found = None
        out[scenario_id] = found.category_label if found is not None else ""
    return out


@dataclass
class Progress:
    trainee: User
    attempts: list[ExamAttempt] = field(default_factory=list)
    sessions: list[SparringSession] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)  # [{label, share, n}]
    trend: list[dict[str, Any]] = field(default_factory=list)  # [{at, kind, score}]
    assigned: int = 0
    done: int = 0

    @property
    def best_exam(self) -> float | None:
        scores = [float(a.score) for a in self.attempts if a.score is not None]
        return max(scores) if scores else None

    @property
    def avg_sparring(self) -> float | None:
        scores = [float(s.score) for s in self.sessions if s.score is not None]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def passed_exams(self) -> int:
        return sum(1 for a in self.attempts if a.passed)

    @property
    def resolved_sessions(self) -> int:
        return sum(1 for s in self.sessions if s.outcome == "resolved")


def progress_for(users: list[User], *, now: datetime | None = None) -> list[Progress]:
    """Each trainee's finished exams and sparring sessions, scores by area and trend (a few queries in all)."""
    ids = [u.pk for u in users]
    out = {u.pk: Progress(u) for u in users}
    for attempt in ExamAttempt.objects.filter(trainee_id__in=ids, state__in=FINISHED).select_related("paper").order_by(
        "finished_at", "pk"
    ):
        out[attempt.trainee_id].attempts.append(attempt)
    for session in SparringSession.objects.filter(trainee_id__in=ids, state=SparringSession.State.ENDED).defer(
        "report"
    ).order_by("ended_at", "pk"):
        out[session.trainee_id].sessions.append(session)
    labels = bank.category_labels()
    items = bank.items_by_id()
    kinds = _scenario_labels({s.scenario_id for p in out.values() for s in p.sessions})
    per_area: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for trainee_id, item_id, score in Answer.objects.filter(
        attempt__trainee_id__in=ids, attempt__state__in=FINISHED
    ).values_list("attempt__trainee_id", "item_id", "score"):
        item = items.get(item_id)
        if item is not None:
            per_area[trainee_id][item.category].append(score)
    for p in out.values():
        p.areas = [
            {"label": labels.get(cat, cat), "share": round(100 * sum(v) / len(v)), "n": len(v), "kind": "exam"}
            for cat, v in sorted(per_area[p.trainee.pk].items(), key=lambda kv: list(labels).index(kv[0])
                                 if kv[0] in labels else 99)
        ]
        by_cat: dict[str, list[float]] = defaultdict(list)
        for s in p.sessions:
            if s.score is not None:
                label = kinds.get(s.scenario_id, "")
                by_cat[label or "陪练"].append(float(s.score))
        p.areas += [{"label": f"陪练·{label}", "share": round(sum(v) / len(v)), "n": len(v), "kind": "sparring"}
                    for label, v in sorted(by_cat.items())]
        events = [{"at": a.finished_at, "kind": "exam", "score": float(a.score or 0)} for a in p.attempts if a.finished_at]
        events += [{"at": s.ended_at, "kind": "sparring", "score": float(s.score or 0)} for s in p.sessions if s.ended_at]
        p.trend = sorted(events, key=lambda e: e["at"])
    links = Assignment.trainees.through.objects.filter(user_id__in=ids).select_related("assignment")
    for link in links:
        p = out[link.user_id]
        p.assigned += 1
        best_first = sorted(p.attempts, key=lambda a: -(a.score or 0))
        p.done += _result_for(link.assignment, best_first, p.sessions) is not None
    return [out[u.pk] for u in users]


def trend_chart(progress: Progress) -> dict[str, Any]:
    """The trend as the chart script reads it (json_script)."""
    return {
        "labels": [timezone.localtime(e["at"]).strftime("%m-%d %H:%M") for e in progress.trend],
        "exam": [e["score"] if e["kind"] == "exam" else None for e in progress.trend],
        "sparring": [e["score"] if e["kind"] == "sparring" else None for e in progress.trend],
        "names": {"exam": _("Exam"), "sparring": _("Sparring")},
    }


def dashboard(*, department_id: int | None = None) -> list[Progress]:
    users = trainees()
    if department_id:
        users = users.filter(department_id=department_id)
    active = set(ExamAttempt.objects.values_list("trainee_id", flat=True)) | set(
        SparringSession.objects.values_list("trainee_id", flat=True)
    ) | set(Assignment.trainees.through.objects.values_list("user_id", flat=True))
    return progress_for([u for u in users.select_related("department") if u.pk in active])


# ---------------------------------------------------------------- item analysis


def item_analysis(*, paper: Paper | None = None) -> list[dict[str, Any]]:
    """Difficulty and discrimination of every item answered in finished sittings (of one paper, or all)."""
    qs = Answer.objects.filter(attempt__state__in=FINISHED)
    if paper is not None:
        qs = qs.filter(attempt__paper=paper)
    stats = analysis.analyse(
        (item_id, correct, float(total or 0)) for item_id, correct, total in qs.values_list("item_id", "correct", "attempt__score")
    )
    items = bank.items_by_id()
    pairs = [(items[s.item_id], s) for s in stats if s.item_id in items]
    pairs.sort(key=lambda p: (p[1].discrimination is None, p[1].discrimination or 0, p[0].id))
    return [{"item": item, "stats": s} for item, s in pairs]


def papers_for(user: User) -> QuerySet[Paper]:
    """Trainers see every paper; trainees may sit any paper in use (assigned or for practice)."""
    qs = Paper.objects.all()
    return qs if user.can(Cap.TRAIN) else qs.filter(is_active=True)
