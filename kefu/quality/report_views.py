"""The quality report page and its CSV/XLSX exports (QA inspectors, the QA lead, managers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.lib.export import table_response
from kefu.lib.params import parse_id, parse_int
from kefu.quality import reports

SEES_REPORTS = frozenset({Cap.QA_INSPECT, Cap.QA_LEAD, Cap.COMPLAINT_VIEW_ALL})


def _weeks(request: HtmxHttpRequest) -> int:
    weeks = parse_int(request.GET.get("weeks", "8"))
    return 8 if weeks is None else max(1, min(52, weeks))


@login_required
@require_safe
def report(request: HtmxHttpRequest) -> HttpResponse:
    if not SEES_REPORTS & request.user.caps:
        return forbidden(request, _("Quality reports are for inspectors and managers."))
    weeks = _weeks(request)
    agents = reports.agents()
    agent_id = parse_id(request.GET.get("agent"))
    agent = agents.filter(pk=agent_id).first() if agent_id is not None else None  # only those the list offers
    table = request.GET.get("table", "")
    fmt = request.GET.get("format", "")
    if table and fmt:
        download = _export(table, fmt, weeks, agent)
        if download is not None:
            return download
    trend = reports.trend(weeks=weeks, agent_id=agent.pk if agent else None)
    return render(request, "quality/report.html", {
        "weeks": weeks,
        "periods": sorted({4, 8, 13, 26, weeks}),  # a period typed into the address is offered, not shown as 4
        "agent": agent,
        "agents": agents,
        "trend": trend,
        "chart": reports.chart_data(trend),
        "by_agent": reports.by_agent(weeks=weeks),
        "by_team": reports.by_team(weeks=weeks),
        "norms": reports.failing_norms(weeks=weeks),
    })


def _export(table: str, fmt: str, weeks: int, agent: User | None) -> HttpResponse | None:
    """One table of the page as a file; the trend is the agent's when the page shows one agent's."""
    if table in ("agents", "teams"):
        rows = reports.by_agent(weeks=weeks) if table == "agents" else reports.by_team(weeks=weeks)
        headers = [_("Agent") if table == "agents" else _("Team"), _("Conversations"), _("Average score"),
                   _("Pass rate (%)"), _("Critical failures")]
        return table_response(fmt, f"quality-{table}", headers,
                              [(r.name, r.conversations, r.mean, r.pass_rate, r.critical) for r in rows])
    if table == "norms":
        headers = [_("Norm"), _("Failures"), _("Share of conversations (%)"), _("Rules"), _("Phrases")]
        return table_response(fmt, "quality-norms", headers, [
            (n.norm, n.failures, n.share, n.rules, n.phrases) for n in reports.failing_norms(weeks=weeks)
        ])
    if table == "trend":
        headers = [_("Week"), _("Conversations"), _("Average score"), _("Low end of the 95 percent interval"), _("High end of the 95 percent interval")]
        trend = reports.trend(weeks=weeks, agent_id=agent.pk if agent else None)
        return table_response(fmt, "quality-trend", headers,
                              [(w.start, w.n, w.mean, w.low, w.high) for w in trend])
    return None
