"""Training pages: the trainee's home, exams, sparring; the trainer's papers, assignments, dashboard,
item analysis and scenarios. Every view checks access itself; services check again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import Department, User
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from kefu.lib.masking import mask_address, mask_numbers_in
from kefu.lib.params import INT_MAX, parse_id, parse_int, parse_version
from kefu.phrasebook.norms import norm_name
from kefu.training import bank, scenarios, selectors, services
from kefu.training.grading import normalise_response, option_order
from kefu.training.models import Assignment, ExamAttempt, OperatorScenario, Paper, SparringSession


def _trains(user: User) -> bool:
    return user.can(Cap.TRAIN)


def _practises(user: User) -> bool:
    return user.can(Cap.PRACTISE)


def _error_text(exc: ServiceError) -> str:
    details = "；".join(str(v) for v in exc.errors.values() if v)
    return f"{exc.message} {details}".strip()


def _scenario_rows() -> list[Any]:
    try:
        return scenarios.available()
    except ImportError:  # the simulator package is not installed
        return []


def _grouped(rows: list[Any]) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for scenario in rows:
        groups.setdefault(scenario.category_label, []).append(scenario)
    return list(groups.items())


# ---------------------------------------------------------------- trainee home


@login_required
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    if not (_trains(user) or _practises(user)):
        return forbidden(request, _("Training is for trainers and trainees."))
    context: dict[str, Any] = {"is_trainer": _trains(user), "is_trainee": _practises(user)}
    if _practises(user):
        progress = selectors.progress_for([user])[0]
        context.update({
            "assignments": selectors.my_assignments(user),
            "papers": selectors.papers_for(user)[:20],
            "scenario_groups": _grouped(_scenario_rows()),
            "progress": progress,
            "chart": selectors.trend_chart(progress),
            "open_attempts": ExamAttempt.objects.filter(trainee=user, state=ExamAttempt.State.OPEN).select_related("paper"),
            "open_sessions": SparringSession.objects.filter(trainee=user, state=SparringSession.State.ACTIVE),
        })
    return render(request, "training/index.html", context)


# ---------------------------------------------------------------- exams


def _assignment_for(user: User, raw: str | None) -> Assignment | None:
    if (assignment_id := parse_id(raw)) is None:
        return None
    return Assignment.objects.filter(trainees=user, pk=assignment_id).first()


@login_required
@require_POST
def paper_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get(pk=pk, user=request.user)
    try:
        attempt = services.attempt_start(paper=paper, trainee=request.user,
                                         assignment=_assignment_for(request.user, request.POST.get("assignment")))
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, _error_text(exc))
        return redirect("training:index")
    return redirect(attempt)


def _questions(attempt: ExamAttempt) -> list[dict[str, Any]]:
    rows = []
    for answer in attempt.answers.all():
        item = bank.get_item(answer.item_id)
        if item is None:
            continue
        chosen: list[int] = []
        if item.kind == "single" and answer.response is not None:
            chosen = [int(answer.response)]
        elif item.kind == "multiple" and answer.response:
            chosen = [int(v) for v in answer.response]
        rows.append({
            "answer": answer, "item": item, "chosen": chosen,
            "options": [(i, chr(ord("A") + pos), item.options[i])
                        for pos, i in enumerate(option_order(item, attempt.seed))],
            "norms": [norm_name(n) for n in item.norm_ids],
        })
    return rows


@login_required
@require_safe
def attempt_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get_for_user(pk=pk, user=request.user)
    attempt = services.attempt_expire_if_due(attempt)
    mine = attempt.trainee_id == request.user.pk
    questions = _questions(attempt)
    context: dict[str, Any] = {"attempt": attempt, "paper": attempt.paper, "questions": questions, "mine": mine,
                               "now": timezone.now()}
    if attempt.is_open and mine:
        return render(request, "training/exam.html", context)
    context["right"] = sum(1 for q in questions if q["answer"].correct)
    return render(request, "training/result.html", context)


def _raw_response(request: HtmxHttpRequest, item: bank.Item) -> Any:
    key = f"q_{item.id}"
    if item.kind == "multiple":
        return request.POST.getlist(key)
    return request.POST.get(key)


def _save_posted(request: HtmxHttpRequest, attempt: ExamAttempt, now: datetime) -> tuple[int, list[str]]:
    """Save every question whose posted answer differs from the stored one; returns (saved, problems)."""
    saved, problems = 0, []
    for answer in list(attempt.answers.all()):
        item = bank.get_item(answer.item_id)
        if item is None:
            continue
        raw = _raw_response(request, item)
        if raw in (None, "", []):
            continue
        try:
            if normalise_response(item, raw) == answer.response:
                continue
        except (TypeError, ValueError):
            pass
        version = parse_version(request.POST.get(f"v_{item.id}"))
        try:
            services.answer_save(attempt=attempt, actor=request.user, item_id=item.id, response=raw,
                                 expected_version=version, now=now)
            saved += 1
        except InvalidInput as exc:
            problems.append(f"{answer.position}. {_error_text(exc)}")
        except Conflict as exc:
            problems.append(f"{answer.position}. {exc.message}")
            attempt.refresh_from_db()
            if not attempt.is_open:
                break
    return saved, problems


@login_required
@require_POST
def attempt_answer(request: HtmxHttpRequest, pk: int, item_id: str) -> HttpResponse:
    """Save one question as soon as it changes (htmx): back comes its status (saved, or why not) and its
    new version; the trainee's inputs are left as they are, so quick clicks are never undone."""
    attempt = selectors.attempt_get_for_user(pk=pk, user=request.user)
    if attempt.trainee_id != request.user.pk:
        return forbidden(request, _("Only the trainee sitting this exam may answer it."))
    item = bank.get_item(item_id)
    if item is None or item_id not in attempt.item_ids:
        raise Http404("not a question of this exam")
    error = ""
    try:
        services.answer_save(attempt=attempt, actor=request.user, item_id=item_id, response=_raw_response(request, item),
                             expected_version=parse_version(request.POST.get(f"v_{item_id}")))
    except (InvalidInput, Conflict) as exc:
        error = _error_text(exc)
    attempt.refresh_from_db()
    if not attempt.is_open:  # handed in elsewhere or time up: the result page says so
        if error:
            messages.error(request, error)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = attempt.get_absolute_url()
            return response
        return redirect(attempt)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(attempt)
    answer = attempt.answers.get(item_id=item_id)
    return render(request, "training/exam.html#answer_status", {"answer": answer, "error": error})


@login_required
@require_POST
def attempt_save(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Save the answers (the "save" button, or the hand-in button with ``submit``)."""
    attempt = selectors.attempt_get_for_user(pk=pk, user=request.user)
    if attempt.trainee_id != request.user.pk:
        return forbidden(request, _("Only the trainee sitting this exam may answer it."))
    now = timezone.now()
    if not attempt.is_open:
        messages.error(request, _("This exam was already handed in at %(when)s.")
                       % {"when": timezone.localtime(attempt.finished_at or now).strftime("%H:%M:%S")})
        return redirect(attempt)
    saved, problems = _save_posted(request, attempt, now)
    for problem in problems:
        messages.error(request, problem)
    attempt.refresh_from_db()
    if "submit" in request.POST and attempt.is_open:
        try:
            attempt = services.attempt_submit(attempt=attempt, actor=request.user, now=now)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect(attempt)
        if attempt.state == ExamAttempt.State.EXPIRED:
            messages.warning(request, _("Time was up; the exam was handed in with the answers saved before the deadline."))
        else:
            messages.success(request, _("Handed in. Your result and the reasons for each mark are below."))
    elif attempt.is_open:
        messages.success(request, _("%(n)d answer(s) saved.") % {"n": saved})
    return redirect(attempt)


# ---------------------------------------------------------------- sparring


@login_required
@require_POST
def session_start(request: HtmxHttpRequest) -> HttpResponse:
    try:
        session = services.session_start(trainee=request.user, scenario_id=request.POST.get("scenario", "")[:80],
                                         assignment=_assignment_for(request.user, request.POST.get("assignment")))
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, _error_text(exc))
        return redirect("training:index")
    return redirect(session)


def _chat_context(session: SparringSession, user: User) -> dict[str, Any]:
    texts = list(session.turns.values_list("text", flat=True))
    context: dict[str, Any] = {"session": session, "mine": session.trainee_id == user.pk, "turn_count": len(texts)}
    if session.state == SparringSession.State.ENDED:
        report = session.report or {}
        context["report"] = report
        context["mood_chart"] = {
            "labels": [_("Opening") if m.get("turn") == 0 else _("Line %(n)d") % {"n": m.get("turn")}
                       for m in report.get("mood", [])],
            "names": {"anger": _("Anger"), "patience": _("Patience"), "trust": _("Trust")},
            "anger": [m.get("anger") for m in report.get("mood", [])],
            "patience": [m.get("patience") for m in report.get("mood", [])],
            "trust": [m.get("trust") for m in report.get("mood", [])],
        }
        card = report.get("scorecard") or {}
        hits = card.get("hits") or []
        context["failed"] = [h for h in hits if h.get("outcome") == "fail"]
        context["passed_rules"] = [h for h in hits if h.get("outcome") == "pass"]
        context["transcript"] = report.get("transcript", [])
    else:
        live = scenarios.replay(session, texts)
        context["transcript"] = [t.to_dict() for t in live.transcript]
        context["mood"] = live.mood
        context["deadline"] = services.session_idle_deadline(session)
        scenario = live.scenario
        context["scenario"] = scenario
    return context


@login_required
@require_safe
def session_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    session = services.session_expire_if_idle(session)
    return render(request, "training/session.html", _chat_context(session, request.user))


@login_required
@require_POST
def session_say(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    expected = parse_int(request.POST.get("expected_turns"), maximum=INT_MAX)
    error = ""
    try:
        session = services.session_say(session=session, actor=request.user, text=request.POST.get("text", ""),
                                       expected_turns=expected)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except (InvalidInput, Conflict) as exc:
        error = _error_text(exc)
        session.refresh_from_db()
    if request.htmx and session.state == SparringSession.State.ACTIVE:
        # 200 with the message in the chat, so htmx swaps it in (it does not swap a 4xx).
        context = _chat_context(session, request.user)
        context["error"] = error
        return render(request, "training/session.html#chat", context)
    if error:
        messages.error(request, error)
    if request.htmx:  # ended: the whole page shows the report
        response = HttpResponse(status=204)
        response["HX-Redirect"] = session.get_absolute_url()
        return response
    return redirect(session)


@login_required
@require_POST
def session_end(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    try:
        services.session_end(session=session, actor=request.user)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except Conflict as exc:
        messages.info(request, exc.message)
    return redirect(session)


# ---------------------------------------------------------------- trainer: papers


def _trainer_only(request: HtmxHttpRequest) -> HttpResponse | None:
    if not _trains(request.user):
        return forbidden(request, _("Only trainers may open this page."))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def papers(request: HtmxHttpRequest) -> HttpResponse:
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    cats = bank.load_categories()
    errors: dict[str, str] = {}
    message = ""
    values: dict[str, Any] = {"time_limit_minutes": 30, "pass_mark": 80}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "description", "time_limit_minutes", "pass_mark")}
        quotas = {c.key: request.POST.get(f"quota_{c.key}", "0") for c in cats}
        values.update({f"quota_{k}": v for k, v in quotas.items()})
        try:
            paper = services.paper_create(actor=request.user, title=values["title"], description=values["description"],
                                          quotas=quotas, time_limit_minutes=values["time_limit_minutes"],
                                          pass_mark=values["pass_mark"])
        except InvalidInput as exc:
            errors, message = exc.errors, exc.message
        else:
            messages.success(request, _("The paper “%(title)s” was saved; assign it to trainees next.") % {"title": paper.title})
            return redirect("training:assign")
    rows = [{"cat": c, "value": values.get(f"quota_{c.key}", ""), "error": errors.get(f"quota_{c.key}", ""),
             "kinds": sorted({i.kind_label for i in c.items})} for c in cats]
    return render(request, "training/papers.html", {
        "papers": Paper.objects.select_related("created_by").all()[:100], "rows": rows, "values": values,
        "errors": errors, "message": message, "bank_size": len(bank.load_items()),
    }, status=422 if errors else 200)


@login_required
@require_safe
def paper_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    paper = selectors.paper_get(pk=pk, user=request.user)
    attempts = paper.attempts.select_related("trainee").order_by("-started_at")[:200]
    labels = bank.category_labels()
    return render(request, "training/paper_detail.html", {
        "paper": paper, "attempts": attempts, "rows": selectors.item_analysis(paper=paper),
        "quotas": [(labels.get(k, k), n) for k, n in paper.quotas.items()],
    })


@login_required
@require_safe
def items(request: HtmxHttpRequest) -> HttpResponse:
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    return render(request, "training/items.html", {"rows": selectors.item_analysis()})


# ---------------------------------------------------------------- trainer: assignments


def _parse_due(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    if not raw or len(raw) > 40:
        return None
    try:
        value = parse_datetime(raw if "T" in raw or " " in raw else f"{raw}T18:00")
    except ValueError:
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HtmxHttpRequest) -> HttpResponse:
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    people = list(selectors.trainees().select_related("department"))
    departments = Department.objects.filter(is_active=True, members__in=people).distinct().order_by("name")
    errors: dict[str, str] = {}
    message = ""
    posted: dict[str, Any] = {"kind": request.GET.get("kind", "paper"), "paper": request.GET.get("paper", ""),
                              "scenario": request.GET.get("scenario", ""), "trainees": [], "department": "",
                              "due_at": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT18:00"), "note": ""}
    if request.method == "POST":
        posted = {"kind": request.POST.get("kind", ""), "paper": request.POST.get("paper", ""),
                  "scenario": request.POST.get("scenario", ""), "trainees": request.POST.getlist("trainees"),
                  "department": request.POST.get("department", ""), "due_at": request.POST.get("due_at", ""),
                  "note": request.POST.get("note", "")}
        ids = {pk for v in posted["trainees"] if (pk := parse_id(v)) is not None}
        chosen = [u for u in people if u.pk in ids]
        dept = next((d for d in departments if str(d.pk) == posted["department"]), None)
        paper_id = parse_id(posted["paper"])
        paper = Paper.objects.filter(pk=paper_id).first() if paper_id is not None else None
        due = _parse_due(posted["due_at"])
        try:
            assignment = services.assignment_create(
                actor=request.user, kind=posted["kind"], paper=paper, scenario_id=posted["scenario"][:80],
                trainees=chosen, department=dept, due_at=due, note=posted["note"],
            )
        except InvalidInput as exc:
            errors, message = exc.errors, exc.message
            if due is None and posted["due_at"]:
                errors["due_at"] = _("Give the due date as a date and time.")
        else:
            messages.success(request, _("Assigned to %(n)d trainee(s); each was notified.") % {"n": assignment.trainees.count()})
            return redirect("training:dashboard")
    return render(request, "training/assign.html", {
        "people": people, "departments": departments, "papers": Paper.objects.filter(is_active=True),
        "scenarios": _scenario_rows(), "posted": posted, "errors": errors, "message": message,
        "recent": Assignment.objects.select_related("paper", "department").prefetch_related("trainees")
        .order_by("-created_at")[:20],
    }, status=422 if errors else 200)


# ---------------------------------------------------------------- trainer: dashboard


@login_required
@require_safe
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    dept_id = parse_id(request.GET.get("department"))
    return render(request, "training/dashboard.html", {
        "rows": selectors.dashboard(department_id=dept_id), "department": dept_id,
        "departments": Department.objects.filter(is_active=True).order_by("name"),
    })


@login_required
@require_safe
def trainee_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One trainee's progress: the trainee themself or a trainer (others' results are not shown)."""
    if request.user.pk != pk and not _trains(request.user):
        raise Http404("no such trainee")
    trainee = selectors.trainees().filter(pk=pk).first()
    if trainee is None:
        raise Http404("no such trainee")
    progress = selectors.progress_for([trainee])[0]
    return render(request, "training/trainee.html", {
        "trainee": trainee, "progress": progress, "chart": selectors.trend_chart(progress),
        "assignments": selectors.my_assignments(trainee), "perms_trainer": _trains(request.user),
    })


# ---------------------------------------------------------------- trainer: scenarios


def _casebook() -> list[Any]:
    from kefu.complaints.models import Complaint

    return list(Complaint.objects.filter(in_casebook=True).order_by("-received_at")[:50])


def _draft_from(complaint_id: int) -> str:
    from kefu.complaints.models import Complaint
    from kefu.simulator import draft_from_complaint

    complaint = Complaint.objects.select_related("customer").filter(pk=complaint_id, in_casebook=True).first()
    if complaint is None:
        raise Http404("not in the case book")
    # Only what the case teaches goes into the scenario: numbers a customer typed are masked, and so
    # is the customer's address wherever the text quotes it (the district stays).
    address = (complaint.customer.address or "").strip() if complaint.customer else ""

    def clean(text: str) -> str:
        text = (text or "").replace(address, mask_address(address)) if len(address) >= 6 else (text or "")
        return mask_numbers_in(text)

    return draft_from_complaint({
        "id": complaint.number or complaint.pk,
        "summary": clean(f"{complaint.subject}：{complaint.content}"),
        "cause": clean(complaint.cause_analysis or complaint.validity_note),
        "demands": clean(complaint.demands),
        "complainer_type": complaint.complainer_type,
        "remedy": clean(complaint.implementation_note),
        "category": complaint.get_cause_display() if complaint.cause else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def scenario_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every scenario; trainers upload YAML or draft one from a case-book complaint."""
    if not (_trains(request.user) or _practises(request.user)):
        return forbidden(request, _("Training is for trainers and trainees."))
    error = ""
    if request.method == "POST":
        if (refusal := _trainer_only(request)) is not None:
            return refusal
        upload = request.FILES.get("file")
        text = ""
        if upload is None:
            error = _("Choose a YAML file to upload.")
        elif (upload.size or 0) > 100_000:
            error = _("The file is too long (at most 100,000 characters).")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                error = _("The file is not UTF-8 text.")
        if not error:
            try:
                row = services.scenario_save(actor=request.user, text=text, source=((upload.name if upload else None) or "upload")[:100],
                                             publish=request.POST.get("publish") == "1")
            except (InvalidInput, Conflict) as exc:
                error = _error_text(exc)
            else:
                messages.success(request, _("The scenario “%(title)s” was saved.") % {"title": row.title})
                return redirect("training:scenarios")
    try:
        builtin = scenarios.builtins()
    except ImportError:
        builtin = []
    return render(request, "training/scenarios.html", {
        "builtin": [(s, [norm_name(n) for n in s.norm_ids][:4]) for s in builtin], "operator": OperatorScenario.objects.select_related("updated_by").all()[:200],
        "is_trainer": _trains(request.user), "casebook": _casebook() if _trains(request.user) else [], "error": error,
    }, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a trainer's scenario in YAML (new, drafted from a complaint, or existing) and publish it."""
    if (refusal := _trainer_only(request)) is not None:
        return refusal
    row = OperatorScenario.objects.filter(pk=pk).first() if pk else None
    if pk and row is None:
        raise Http404("no such scenario")
    complaint_id = parse_id(request.GET.get("complaint") or request.POST.get("complaint"))
    error = ""
    text = row.yaml if row else (_draft_from(complaint_id) if complaint_id else "")
    if request.method == "POST":
        text = request.POST.get("yaml", "")
        try:
            saved = services.scenario_save(
                actor=request.user, text=text, source="editor", publish=request.POST.get("publish") == "1",
                complaint_id=complaint_id if row is None else row.source_complaint_id,
                expected_version=parse_version(request.POST.get("expected_version")),
            )
        except (InvalidInput, Conflict) as exc:
            error = _error_text(exc)
        else:
            if saved.state == OperatorScenario.State.PUBLISHED:
                messages.success(request, _("Published: trainees can now spar with “%(title)s”.") % {"title": saved.title})
            else:
                messages.success(request, _("Saved as a draft: “%(title)s”.") % {"title": saved.title})
            return redirect("training:scenarios")
    return render(request, "training/scenario_edit.html", {
        "row": row, "text": text, "error": error, "complaint_id": complaint_id,
    }, status=422 if error else 200)
