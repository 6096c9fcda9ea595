"""Insight pages: the complaint dashboard, drill-down lists, the case book and the monthly report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.complaints.choices import Cause
from kefu.complaints.models import Complaint
from kefu.front.shortcuts import forbidden
from kefu.insights import export, selectors, summary
from kefu.insights.forms import PeriodForm
from kefu.lib.errors import InvalidInput, RateLimited

PAGE_SIZE = 50
COUNT_CAP = 10_000  # a drill-down counts this many at most, then says "10,000+" (the export has them all)
# The dashboard's tables, in the order shown; each has a chart, an export and a drill-down.
TABLES = ("cause", "cause_category", "hotspot", "need", "degree", "department", "channel", "regulator", "severity")


def tabs_for(user: Any) -> list[tuple[str, str, str]]:
    """The insight pages this user may open, for the tab bar."""
    tabs = []
    if user.can(Cap.INSIGHT_VIEW):
        tabs += [("index", reverse("insights:index"), _("Complaint analysis")),
                 ("agents", reverse("insights:agents"), _("Agents and teams")),
                 ("casebook", reverse("insights:casebook"), _("Case book")),
                 ("report", reverse("insights:report"), _("Monthly report"))]
    if user.can(Cap.HARASS_LIST):
        tabs += [("harass", reverse("insights:harass"), _("Harassment numbers")),
                 ("harass_queue", reverse("insights:harass_queue"), _("Harassment queue")),
                 ("harass_report", reverse("insights:harass_report"), _("Harassment sources"))]
    if user.can(Cap.RETENTION_WORK):
        tabs.append(("retention", reverse("insights:retention"), _("Retention queue")))
    return tabs


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``COUNT`` over a ``LIMIT cap + 1`` subquery); past that, ``capped``
    is true and the pages stop at ``cap``: a year of complaints is paged and shown as "10,000+"
    without counting every row on every page view."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.rows.order_by()[: self.cap + 1].count()  # the order does not change a count

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap


class Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _insight_user(request: HtmxHttpRequest) -> None:
    """The getter every report view starts with: supervisors and managers only."""
    if not request.user.can(Cap.INSIGHT_VIEW):
        raise Refused(forbidden(request, _("Reports are for supervisors and managers.")))


def _period(request: HtmxHttpRequest) -> tuple[PeriodForm, selectors.Period | None, str]:
    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    if not form.is_bound:  # the default period, shown in the date fields
        p = selectors.period(None, None, today=today)
        return PeriodForm(initial={"grain": "week", "date_from": p.start, "date_to": p.end}), p, "week"
    if not form.is_valid():
        return form, None, "week"
    try:
        p = selectors.period(form.cleaned_data["date_from"], form.cleaned_data["date_to"], today=today)
    except InvalidInput as exc:
        for field, message in exc.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return form, None, "week"
    return form, p, form.cleaned_data["grain"] or "week"


def _freshness() -> dict[str, Any]:
    runs = summary.freshness()
    run = runs.get(summary.COMPLAINTS)
    if run is None:
        return {"never": True}
    age = timezone.now() - run.refreshed_at
    return {"at": run.refreshed_at, "minutes": int(age.total_seconds() // 60), "stale": age > timedelta(hours=2)}


def _drill_url(dim: str, p: selectors.Period, value: str = "") -> str:
    query = {"dim": dim, "value": value, "date_from": p.start.isoformat(), "date_to": p.end.isoformat()}
    return reverse("insights:drill") + "?" + urlencode(query)


def _chart(dim: str, rows: Sequence[selectors.Row], p: selectors.Period) -> dict[str, Any]:
    return {
        "dim": dim,
        "title": selectors.title(dim),
        "labels": [r.label for r in rows],
        "values": [r.n for r in rows],
        "previous": [r.previous for r in rows],
        "cumulative": [r.cumulative for r in rows] if dim == "cause" else [],
        "drill": [_drill_url(dim, p, r.value) for r in rows],
    }


def _table_rows(rows: Sequence[selectors.Row]) -> Iterator[list[Any]]:
    for r in rows:
        yield [r.label, r.n, r.share, r.previous, r.change, r.repeat_rate, r.sla_rate, r.mean_close_hours, r.remedy]


def table_headers() -> list[str]:
    return [_("Value"), _("Complaints"), _("Share (%)"), _("Previous period"), _("Change (%)"),
            _("Repeat rate (%)"), _("Within SLA (%)"), _("Mean hours to close"), _("Remedy cost (yuan)")]


@login_required
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    """The complaint dashboard (投诉分析): every dimension, the trend, the Pareto and SLA per step."""
    try:
        _insight_user(request)
    except Refused as refused:
        if request.user.can(Cap.RETENTION_WORK):
            return redirect("insights:retention")
        if request.user.can(Cap.HARASS_LIST):
            return redirect("insights:harass")
        return refused.response
    form, p, grain = _period(request)
    if p is None:
        return render(request, "insights/index.html", {"tabs": tabs_for(request.user), "form": form, "invalid": True}, status=422)
    fmt, table = request.GET.get("format", ""), request.GET.get("table", "")
    if fmt and table:
        download = _export(table, fmt, p, grain)
        if download is not None:
            return download  # type: ignore[no-any-return]
    tables = selectors.dimensions((*TABLES, "all", "step"), p)
    buckets = selectors.trend(p, grain)
    steps = selectors.steps(p, tables.pop("step"))
    everything = tables.pop("all")
    context = {
        "tabs": tabs_for(request.user), "form": form, "period": p, "grain": grain, "previous": p.previous(),
        "totals": everything[0] if everything else selectors.totals(p),
        "tables": [(dim, selectors.title(dim), tables[dim]) for dim in TABLES],
        "steps": steps, "buckets": buckets, "freshness": _freshness(),
        "charts": {
            "dims": [_chart(dim, tables[dim][:15], p) for dim in TABLES],
            "trend": {
                "labels": [b.start.isoformat() for b in buckets],
                "values": [b.n for b in buckets],
                "breached": [b.breached for b in buckets],
                "drill": [_drill_url("all", selectors.Period(max(b.start, p.start), min(selectors.bucket_end(b.start, grain), p.end)))
                          for b in buckets],
                "title": _("Complaints per week") if grain == "week" else _("Complaints per month"),
            },
        },
        "query": urlencode({"date_from": p.start.isoformat(), "date_to": p.end.isoformat(), "grain": grain}),
        "can_refresh": True,
    }
    return render(request, "insights/index.html", context)


def _export(table: str, fmt: str, p: selectors.Period, grain: str) -> Any:
    if table in TABLES:
        return export.stream(fmt, f"complaints-by-{table}", table_headers(), _table_rows(selectors.dimension(table, p)))
    if table == "trend":
        headers = [_("Period starting"), _("Complaints"), _("Closed"), _("SLA overruns"), _("Remedy cost (yuan)")]
        return export.stream(fmt, "complaints-trend", headers,
                             ([b.start, b.n, b.closed, b.breached, b.remedy] for b in selectors.trend(p, grain)))
    if table == "steps":
        headers = [_("Process step"), _("Entered"), _("Ran over"), _("Within SLA (%)")]
        return export.stream(fmt, "complaints-sla-steps", headers,
                             ([r.label, r.n, r.breached, r.sla_rate] for r in selectors.steps(p)))
    return None


def _drill_rows(qs: Any) -> Iterator[list[Any]]:
    for c in qs.iterator(chunk_size=2000):
        yield [c.number or c.pk, timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
               c.get_channel_display(), c.get_cause_category_display(), c.get_cause_display(),
               c.get_hotspot_display(), str(c.responsible_department or ""), c.get_state_display(),
               _("Yes") if c.is_repeat else "", _("Yes") if c.is_regulator else "", c.subject]


def drill_headers() -> list[str]:
    return [_("Number"), _("Received at"), _("Channel"), _("Cause category"), _("Cause"), _("Hot spot"),
            _("Department at fault"), _("State"), _("Repeat"), _("Regulator"), _("Object of the complaint")]


@login_required
@require_safe
def drill(request: HtmxHttpRequest) -> HttpResponse:
    """The complaints behind one bar or row of the dashboard, with an export of all of them."""
    try:
        _insight_user(request)
    except Refused as refused:
        return refused.response
    form, p, _grain = _period(request)
    dim = request.GET.get("dim", "all")
    value = request.GET.get("value", "")[:40]
    if p is None or dim not in selectors.DRILL_DIMS:
        if p is not None:
            form.add_error(None, _("Unknown report dimension."))
        return render(request, "insights/drill.html", {"tabs": tabs_for(request.user), "form": form, "invalid": True}, status=422)
    qs = selectors.drill(user=request.user, dim=dim, value=value, p=p)
    fmt = request.GET.get("format", "")
    if fmt:
        download = export.stream(fmt, "complaints", drill_headers(), _drill_rows(qs.select_related(None).select_related("responsible_department").only(*_DRILL_FIELDS)))
        if download is not None:
            return download  # type: ignore[no-any-return]
    keys = selectors.drill_keys(user=request.user, dim=dim, value=value, p=p)
    paginator = CappedPaginator(keys, PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.drill_rows(list(page.object_list))
    labels = selectors.labeller(dim)
    return render(request, "insights/drill.html", {"tabs": tabs_for(request.user),
        "form": form, "period": p, "page_obj": page, "dim": dim, "value": value,
        "count": f"{paginator.count:,}+" if paginator.capped else f"{paginator.count:,}",
        "freshness": _freshness() if dim != "step" else None,  # the list is the summary's (steps: live events)
        "dim_title": selectors.title(dim), "value_label": selectors.label_of(labels, value) if dim != "all" else "",
        "back": reverse("insights:index") + "?" + urlencode({"date_from": p.start.isoformat(), "date_to": p.end.isoformat()}),
    })


_DRILL_FIELDS = ("number", "received_at", "channel", "cause_category", "cause", "hotspot", "responsible_department__name",
                 "state", "is_repeat", "is_regulator", "subject")


@login_required
@require_safe
def casebook(request: HtmxHttpRequest) -> HttpResponse:
    """The case book: reviewed complaints with their summary and lessons, searchable and exportable."""
    try:
        _insight_user(request)
    except Refused as refused:
        return refused.response
    query = request.GET.get("q", "")[:100]
    cause = request.GET.get("cause", "")
    cause = cause if cause in Cause.values else ""
    try:
        qs = selectors.casebook(user=request.user, query=query, cause=cause)
    except RateLimited as exc:
        messages.error(request, exc.message)
        return render(request, "insights/casebook.html", {"tabs": tabs_for(request.user),
            "page_obj": Paginator(Complaint.objects.none(), 20).get_page(1), "q": query, "cause": cause,
            "causes": Cause.choices}, status=429)
    fmt = request.GET.get("format", "")
    if fmt:
        headers = [_("Number"), _("Closed at"), _("Cause"), _("Object of the complaint"), _("Summary"), _("Lessons")]
        rows = ([c.number or c.pk, c.closed_at and timezone.localtime(c.closed_at).strftime("%Y-%m-%d"),
                 c.get_cause_display(), c.subject, c.review_summary, c.lessons] for c in qs.iterator(chunk_size=1000))
        download = export.stream(fmt, "casebook", headers, rows)
        if download is not None:
            return download  # type: ignore[no-any-return]
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "insights/casebook.html", {"tabs": tabs_for(request.user),
        "page_obj": page, "q": query, "cause": cause, "causes": Cause.choices,
    })


def _month(value: str, today: date) -> date | None:
    if not value:
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)  # last month: the month a report is about
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return date(year, month, 1) if 1900 <= year <= 2100 else None
    except ValueError:
        return None


@login_required
@require_safe
def report(request: HtmxHttpRequest) -> HttpResponse:
    """The monthly complaint report a manager prints (a print stylesheet; no charts needed on paper)."""
    try:
        _insight_user(request)
    except Refused as refused:
        return refused.response
    month = _month(request.GET.get("month", ""), timezone.localdate())
    if month is None:
        return render(request, "insights/report.html", {"tabs": tabs_for(request.user), "error": _("Choose a month such as 2026-10.")}, status=422)
    p = selectors.Period(month, selectors.bucket_end(month, "month"))
    previous_month = (month - timedelta(days=1)).replace(day=1)
    prev = selectors.Period(previous_month, month - timedelta(days=1))
    totals = selectors.totals(p)
    return render(request, "insights/report.html", {"tabs": tabs_for(request.user),
        "month": month, "period": p, "totals": totals, "previous_total": selectors.totals(prev).n,
        "tables": [(dim, selectors.title(dim), selectors.dimension(dim, p)[:10])
                   for dim in ("cause", "hotspot", "need", "degree", "department", "channel")],
        "steps": selectors.steps(p),
        "cases": list(selectors.casebook(user=request.user).filter(closed_at__date__gte=month,
                                                                     closed_at__date__lte=p.end)[:10]),
        "freshness": _freshness(),
    })


@login_required
@require_POST
def refresh(request: HtmxHttpRequest) -> HttpResponse:
    """Start a rebuild of the summaries now (a background job)."""
    try:
        _insight_user(request)
    except Refused as refused:
        return refused.response
    from django.contrib import messages

    from kefu.jobs.services import job_start

    job_start(actor=request.user, kind="insights-refresh")
    messages.success(request, _("The summaries are being rebuilt; reload in a minute."))
    return redirect("insights:index")


def _agent_rows(rows: Any) -> Iterator[list[Any]]:
    for r in rows:
        yield [r.name, r.contacts, r.qa_score, r.qa_n, r.predicted, r.surveyed, r.surveyed_n, r.handled, r.sla_rate,
               r.caused]


def agent_headers(first: str) -> list[str]:
    return [first, _("Contacts"), _("QA compliance score"), _("Conversations scored"),
            _("Predicted satisfaction"), _("Surveyed satisfaction (1-5)"), _("Survey answers"),
            _("Complaints handled"), _("Within SLA (%)"), _("Complaints caused")]


@login_required
@require_safe
def agents(request: HtmxHttpRequest) -> HttpResponse:
    """Service quality per agent and per team, each number linking to the complaints behind it."""
    from kefu.insights import agents as quality

    try:
        _insight_user(request)
    except Refused as refused:
        return refused.response
    form, p, _grain = _period(request)
    if p is None:
        return render(request, "insights/agents.html", {"tabs": tabs_for(request.user), "form": form,
                                                        "invalid": True}, status=422)
    rows = quality.by_agent(p)
    teams = quality.by_team(rows)
    fmt, table = request.GET.get("format", ""), request.GET.get("table", "")
    if fmt and table in ("agents", "teams"):
        download = export.stream(fmt, f"quality-{table}", agent_headers(_("Agent") if table == "agents" else _("Team")),
                                 _agent_rows(rows if table == "agents" else teams))
        if download is not None:
            return download  # type: ignore[no-any-return]
    return render(request, "insights/agents.html", {
        "tabs": tabs_for(request.user), "form": form, "period": p, "agents": rows, "teams": teams,
        "query": urlencode({"date_from": p.start.isoformat(), "date_to": p.end.isoformat()}),
        "freshness": _freshness(),
    })
