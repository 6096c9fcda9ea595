"""Staff pages of the survey app: the dashboard, one survey, the follow-up tasks, the rules,
SERVQUAL (report and counter tablet), the management questionnaire and the five-gap page.

Every view starts with a getter that enforces access; the services check again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import add_service_errors, forbidden
from kefu.lib.errors import ServiceError
from kefu.lib.export import _cell, xlsx_response
from kefu.lib.masking import mask_numbers_in, mask_phone
from kefu.lib.params import parse_id
from kefu.surveys import evidence, forms, selectors, services, sources
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.models import FollowUpTask, ManagementAnswer, Rule, Survey

XLSX_MAX_ROWS = 100_000
SEES_SURVEYS = frozenset({Cap.INSIGHT_VIEW, Cap.SURVEY_MANAGE})


def _render(request: HtmxHttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """``render`` with what every survey page's tabs need."""
    context.setdefault("perms_manage", request.user.can(Cap.SURVEY_MANAGE))
    return render(request, template, context, status=status)


def _may_see(user: User) -> bool:
    return bool(SEES_SURVEYS & user.caps)


def _filters(request: HtmxHttpRequest) -> tuple[forms.PeriodForm, selectors.Filters]:
    form = forms.PeriodForm(request.GET or None)
    period = form.period()
    if not form.is_bound:  # show the default period in the date fields
        form = forms.PeriodForm(initial={"start": period.start, "end": period.end})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    agent_id = parse_id(request.GET.get("agent"))
    return form, selectors.Filters(period, data.get("channel", ""), data.get("source_kind", ""), agent_id)


# --------------------------------------------------------------------------- dashboard


@login_required
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        return forbidden(request, _("Survey reports are for supervisors and managers."))
    form, filters = _filters(request)
    invalid = form.is_bound and not form.is_valid()
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx") and not invalid:
        if fmt == "xlsx" and selectors.answered(filters).count() > XLSX_MAX_ROWS:
            # An XLSX file is built whole before it is sent; a CSV is streamed row by row.
            messages.error(request, _("More than %(n)d answers: please export CSV, which has no limit.") % {
                "n": XLSX_MAX_ROWS})
        else:
            return _export(fmt, filters)
    trend = selectors.trend(filters)
    rows = selectors.groups(filters)
    agent = User.objects.filter(pk=filters.agent_id).first() if filters.agent_id else None
    return _render(request, "surveys/index.html", {
        "form": form,
        "invalid": invalid,
        "period": filters.period,
        "agent": agent,
        "summary": selectors.summary(filters, rows),
        "freshness": selectors.freshness(),
        "trend": trend,
        "chart": {"weeks": [t.week for t in trend], "csat": [t.csat for t in trend], "nps": [t.nps for t in trend],
                  "n": [t.n for t in trend]},
        "by_channel": selectors.breakdown(filters, "channel", rows),
        "by_kind": selectors.breakdown(filters, "source_kind", rows),
        "by_agent": selectors.breakdown(filters, "agent", rows),
        "low": [(s, sources.url(s.source_kind, s.source_id)) for s in selectors.low_answers(filters)],
        "query": request.GET.urlencode(),
    })


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_HEADERS = (
    gettext_lazy("Survey no."), gettext_lazy("Answered at"), pgettext_lazy("survey filter", "After"),
    gettext_lazy("Record no."), gettext_lazy("Channel"), gettext_lazy("Served by"), gettext_lazy("Customer"),
    gettext_lazy("Phone number (masked)"), gettext_lazy("Satisfaction (1–5)"), gettext_lazy("Likely to recommend (0-10)"),
    gettext_lazy("Reasons"), gettext_lazy("Customer's comment"),
)


def _headers() -> list[str]:
    return [str(h) for h in EXPORT_HEADERS]


def _csv_stream(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def _export(fmt: str, filters: selectors.Filters) -> HttpResponse:
    """Every answer of the period; CSV is streamed row by row (a million rows never sit in memory)."""
    rows = selectors.export_rows(filters)
    name = f"surveys-{filters.period.start.isoformat()}-{filters.period.end.isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(name, _headers(), rows, sheet="surveys")
    response = StreamingHttpResponse(_csv_stream(_headers(), rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response  # type: ignore[return-value]


# --------------------------------------------------------------------------- one survey, tasks


def _survey_for(user: User, pk: int) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("agent", "customer", "rule"), pk=pk)
    task = FollowUpTask.objects.filter(survey=survey).first()
    if not (_may_see(user) or (task is not None and task.assignee_id == user.pk)):
        raise Http404
    return survey


@login_required
@require_safe
def detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request.user, pk)
    survey.comment = mask_numbers_in(survey.comment or "")  # shown, not saved: numbers the customer wrote
    task = FollowUpTask.objects.filter(survey=survey).select_related("assignee", "done_by").first()
    servqual = getattr(survey, "servqual", None) if survey.with_servqual else None
    q = questionnaire()
    scores = []
    if servqual is not None:
        titles = {i.id: i for i in q.items}
        scores = [(titles[s.item], s.expectation, s.perception, s.perception - s.expectation)
                  for s in servqual.scores.all() if s.item in titles]
    return _render(request, "surveys/detail.html", {
        "survey": survey,
        "phone": mask_phone(survey.phone),
        "source_url": sources.url(survey.source_kind, survey.source_id),
        "task": task,
        "close_form": forms.TaskCloseForm(),
        "messages_sent": survey.messages.all(),
        "scores": scores,
    })


@login_required
@require_safe
def task_list(request: HtmxHttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        return forbidden(request, _("Survey follow-ups are for supervisors and managers."))
    state = request.GET.get("state", "open")
    form = forms.PeriodForm(request.GET) if request.GET.get("start") or request.GET.get("end") else None
    period = form.period() if form is not None and form.is_valid() else None
    rows = list(selectors.tasks(state=state if state != "all" else "", period=period)[:200])
    return _render(request, "surveys/tasks.html", {"rows": rows, "state": state, "form": form, "period": period})


@login_required
@require_POST
def task_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(FollowUpTask.objects.select_related("survey"), pk=pk)
    survey = _survey_for(request.user, task.survey_id)
    form = forms.TaskCloseForm(request.POST)
    if form.is_valid():
        try:
            services.task_close(task=task, actor=request.user, note=form.cleaned_data["note"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The follow-up is recorded as done."))
    else:
        messages.error(request, _("Please say what was done."))
    return redirect("surveys:detail", survey.pk)


# --------------------------------------------------------------------------- rules


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.can(Cap.SURVEY_MANAGE):
        return forbidden(request, _("Survey rules are kept by service managers."))
    if request.method == "POST" and request.POST.get("recommended"):
        added = services.rules_recommended(actor=request.user)
        messages.success(request, _("%(n)d recommended rules added.") % {"n": added})
        return redirect("surveys:rules")
    return _render(request, "surveys/rules.html", {"rules": Rule.objects.all()})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    if not request.user.can(Cap.SURVEY_MANAGE):
        return forbidden(request, _("Survey rules are kept by service managers."))
    rule = get_object_or_404(Rule, pk=pk) if pk is not None else None
    form = forms.RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(actor=request.user, data=form.cleaned_data, rule=rule)
        except ServiceError as exc:
            add_service_errors(form, exc)  # type: ignore[arg-type]
        else:
            messages.success(request, _("The survey rule is saved."))
            return redirect("surveys:rules")
    return _render(request, "surveys/rule_form.html", {"form": form, "rule": rule})


# --------------------------------------------------------------------------- SERVQUAL


@login_required
@require_safe
def servqual(request: HtmxHttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        return forbidden(request, _("Survey reports are for supervisors and managers."))
    form, filters = _filters(request)
    report = selectors.servqual_report(filters.period, filters.channel)
    return _render(request, "surveys/servqual.html", {
        "form": form, "invalid": form.is_bound and not form.is_valid(), "period": filters.period, "report": report,
        "chart": {
            "labels": [d.title for d in report.dimensions],
            "mean": [round(d.gap.mean, 2) if d.gap else None for d in report.dimensions],
            "low": [round(d.gap.low, 2) if d.gap and d.gap.low is not None else None for d in report.dimensions],
            "high": [round(d.gap.high, 2) if d.gap and d.gap.high is not None else None for d in report.dimensions],
        },
    })


@login_required
@require_http_methods(["GET", "POST"])
def kiosk(request: HtmxHttpRequest) -> HttpResponse:
    """The counter's tablet: a signed-in agent opens it and hands the tablet to the customer."""
    if not request.user.can(Cap.CONTACT_LOG):
        return forbidden(request, _("Only front-line staff open the questionnaire for a customer."))
    form = forms.KioskForm(request.POST or None)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.servqual_at_counter(actor=request.user, channel=form.cleaned_data["channel"],
                                         answers=forms.servqual_answers(request.POST))
        except ServiceError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        else:
            return _render(request, "surveys/kiosk_done.html", {})
    return _render(request, "surveys/kiosk.html", {
        "form": form, "q": questionnaire(), "servqual": forms.servqual_rows(request.POST, errors),
        "scale": [str(i) for i in range(questionnaire().scale_min, questionnaire().scale_max + 1)],
    })


@login_required
@require_http_methods(["GET", "POST"])
def management(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.can(Cap.SURVEY_MANAGE):
        return forbidden(request, _("Only service managers answer the management questionnaire."))
    fields = forms.management_fields()
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {dim: (request.POST.get(f"b_{dim}"), request.POST.get(f"c_{dim}")) for dim, _t, _e in fields}
        try:
            services.management_answer(actor=request.user, answers=answers)
        except ServiceError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your answers are recorded."))
            return redirect("surveys:management")
    view = selectors.management_view()
    return _render(request, "surveys/management.html", {
        "fields": fields, "errors": errors, "posted": request.POST, "scale": range(1, 8),
        "view": [(dim, title, view.get(dim)) for dim, title, _e in fields],
        "answers": ManagementAnswer.objects.select_related("respondent")[:50],
    })


# --------------------------------------------------------------------------- the five gaps


@login_required
@require_safe
def gaps(request: HtmxHttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        return forbidden(request, _("Survey reports are for supervisors and managers."))
    form, filters = _filters(request)
    return _render(request, "surveys/gaps.html", {
        "form": form, "invalid": form.is_bound and not form.is_valid(), "period": filters.period,
        "model": evidence.gap_model(filters.period),
    })


@login_required
@require_safe
def sla_evidence(request: HtmxHttpRequest) -> HttpResponse:
    """The complaints behind gap 4's SLA figure: those closed in the period, breached ones first."""
    if not _may_see(request.user):
        return forbidden(request, _("Survey reports are for supervisors and managers."))
    form, filters = _filters(request)
    rows = evidence.sla_complaints(filters.period)
    return _render(request, "surveys/sla_evidence.html", {"form": form, "period": filters.period, "rows": rows,
                                                          "gaps_url": reverse("surveys:gaps")})
