"""Calibration pages (校准): the sessions, setting one up, the blind scoring page, the report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.params import parse_id
from kefu.quality import calibration, selectors
from kefu.quality.models import CalibrationItem, CalibrationScore, CalibrationSession

MANUAL_SLOTS = 3


def _may_calibrate(request: HtmxHttpRequest) -> bool:
    return request.user.can(Cap.QA_INSPECT) or request.user.can(Cap.QA_LEAD)


@login_required
@require_safe
def session_list(request: HtmxHttpRequest) -> HttpResponse:
    if not _may_calibrate(request):
        return forbidden(request, _("Calibration is for quality inspectors and the QA lead."))
    user = request.user
    sessions = list(calibration.sessions_for(user)[:200])
    mine = dict(
        CalibrationScore.objects.filter(rater=user, item__session__in=sessions)
        .values_list("item__session")
        .annotate(n=Count("pk"))
    )
    rows = [(s, mine.get(s.pk, 0)) for s in sessions]
    return render(request, "quality/calibration/list.html", {"rows": rows, "can_create": user.can(Cap.QA_LEAD)})


def _ids(values: list[str]) -> list[int]:
    return [pk for v in values if (pk := parse_id(v)) is not None]


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HtmxHttpRequest) -> HttpResponse:
    """The QA lead picks recently scored conversations and the inspectors who calibrate on them."""
    if not request.user.can(Cap.QA_LEAD):
        return forbidden(request, _("Only the QA lead sets up calibration sessions."))
    errors: dict[str, str] = {}
    chosen_convs: set[int] = set()
    chosen_inspectors: set[int] = set()
    title = ""
    if request.method == "POST":
        title = request.POST.get("title", "")
        chosen_convs = set(_ids(request.POST.getlist("conversations")))
        chosen_inspectors = set(_ids(request.POST.getlist("inspectors")))
        try:
            session = calibration.calibration_create(
                actor=request.user, title=title, conversation_ids=sorted(chosen_convs),
                inspector_ids=sorted(chosen_inspectors),
            )
        except InvalidInput as exc:
            errors = exc.errors or {"__all__": exc.message}
        else:
            messages.success(request, _("The calibration session is open; the inspectors can score now."))
            return redirect(session)
    context = {
        "candidates": calibration.candidate_conversations(),
        "inspectors": calibration.candidate_inspectors(request.user),
        "chosen_convs": chosen_convs, "chosen_inspectors": chosen_inspectors, "title": title, "errors": errors,
    }
    return render(request, "quality/calibration/new.html", context, status=422 if errors else 200)


@login_required
@require_safe
def session_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        session = calibration.calibration_get_for_user(pk=pk, user=request.user)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    items = list(session.items.select_related("conversation", "conversation__agent", "card"))
    mine = {s.item_id: s for s in CalibrationScore.objects.filter(item__session=session, rater=request.user)}
    is_lead = session.lead_id == request.user.pk
    context = {
        "session": session, "rows": [(item, mine.get(item.pk)) for item in items], "is_lead": is_lead,
        "progress": calibration.progress(session) if is_lead else [],
        "report_visible": calibration.report_visible(session, request.user),
        "is_open": session.state == CalibrationSession.State.OPEN,
    }
    return render(request, "quality/calibration/session.html", context)


def _item(session: CalibrationSession, item_pk: int) -> CalibrationItem:
    item = session.items.select_related("conversation", "conversation__agent", "card").filter(pk=item_pk).first()
    if item is None:
        raise Http404("no such conversation in this session")
    return item


def _answer_from_post(request: HtmxHttpRequest, item: CalibrationItem) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    decisions = {
        rule.rule: {"upheld": request.POST.get(f"decision_{rule.rule}", "uphold") != "withdraw",
                    "comment": request.POST.get(f"comment_{rule.rule}", "")}
        for rule in calibration.failed_rules(item.card)
    }
    manual = [
        {"title": request.POST.get(f"manual_title_{i}", ""), "points": request.POST.get(f"manual_points_{i}"),
         "comment": request.POST.get(f"manual_comment_{i}", "")}
        for i in range(MANUAL_SLOTS)
        if request.POST.get(f"manual_title_{i}", "").strip() or request.POST.get(f"manual_points_{i}", "").strip()
    ]
    return decisions, manual


@login_required
@require_http_methods(["GET", "POST"])
def item_score(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One conversation to score, blind: the rater sees the automatic card and only their own answer."""
    try:
        session = calibration.calibration_get_for_user(pk=pk, user=request.user)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    item = _item(session, item_pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        decisions, manual = _answer_from_post(request, item)
        try:
            calibration.calibration_score(item=item, actor=request.user, decisions=decisions, manual=manual)
        except NotAllowed as exc:
            return forbidden(request, exc.message)
        except InvalidInput as exc:
            if not exc.errors:  # the session is closed: nothing on the form to correct
                messages.error(request, exc.message)
                return redirect("quality:calibration:score", pk=session.pk, item_pk=item.pk)
            errors = exc.errors
        else:
            messages.success(request, _("Your answer was saved; you can change it until the session is closed."))
            following = session.items.exclude(scores__rater=request.user).order_by("position", "pk").first()
            if following is not None:
                return redirect("quality:calibration:score", pk=session.pk, item_pk=following.pk)
            return redirect(session)
    answer = CalibrationScore.objects.filter(item=item, rater=request.user).first()
    decided = answer.decisions if answer else {}
    rules = [(rule, decided.get(rule.rule, {"upheld": True, "comment": ""})) for rule in calibration.failed_rules(item.card)]
    saved_manual = answer.manual if answer else []
    _failed, _passed, transcript = selectors.card_view(item.card, item.conversation.turns)
    context = {
        "session": session, "item": item, "conversation": item.conversation, "card": item.card, "answer": answer,
        "rules": rules, "manual_slots": [(i, saved_manual[i] if i < len(saved_manual) else None)
                                         for i in range(max(MANUAL_SLOTS, len(saved_manual)))],
        "transcript": transcript, "errors": errors,
        "is_open": session.state == CalibrationSession.State.OPEN,
    }
    return render(request, "quality/calibration/score.html", context, status=422 if errors else 200)


@login_required
@require_POST
def session_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        session = calibration.calibration_get_for_user(pk=pk, user=request.user)
        calibration.calibration_close(session=session, actor=request.user)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("quality:calibration:session", pk=pk)
    messages.success(request, _("The session is closed; everyone can now see the results."))
    return redirect("quality:calibration:report", pk=pk)


@login_required
@require_safe
def session_report(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        session = calibration.calibration_get_for_user(pk=pk, user=request.user)
        report = calibration.calibration_report(session=session, user=request.user)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    return render(request, "quality/calibration/report.html", {"session": session, "report": report})
