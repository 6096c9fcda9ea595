"""The service gap model (satisfaction.gap_model) with Kefu's own evidence beside each gap.

Gap 1  customers' expectations ↔ what management thinks they expect (management questionnaire vs
       SERVQUAL expectations);
gap 2  management's perception ↔ the written service standards (the same questionnaire);
gap 3  the standards ↔ the service delivered (QA compliance, on-site checklist compliance);
gap 4  the service delivered ↔ what was promised (complaint SLA kept, appointments kept, call-backs kept);
gap 5  expected ↔ perceived service (CSAT, NPS and SERVQUAL P − E; satisfaction.expectation_gap).

Every figure carries the link to the records behind it. Figures from optional apps (on-site
service) appear only when that app offers them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.surveys import selectors
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.models import LOW_CSAT, FollowUpTask
from kefu.surveys.selectors import Period


@dataclass(frozen=True)
class Figure:
    label: str
    value: str  # formatted, "—" when there is nothing to measure
    n: int | None
    url: str | None
    note: str = ""
    tone: str = ""  # "good", "bad" or "" — how the figure reads for this gap


@dataclass
class Gap:
    number: int
    title: str
    between: str
    figures: list[Figure] = field(default_factory=list)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _signed(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:+.{digits}f}"


def _optional(module: str, name: str) -> Any:
    """A function another app offers, or None while that app does not (yet) offer it."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _rate_figure(label: str, result: Any, url: str | None, note: str = "") -> Figure:
    """A rate from another app: a share 0–1 or a percentage, alone or as (rate, n)."""
    n = None
    if isinstance(result, tuple) and result:
        result, n = result[0], (result[1] if len(result) > 1 else None)
    if result is None:
        return Figure(label, "—", n, url, note)
    value = float(result)
    pct = value * 100 if value <= 1.0 else value
    return Figure(label, f"{pct:.1f}%", n if isinstance(n, int) else None, url, note,
                  "good" if pct >= 90 else "bad" if pct < 75 else "")


def _url(name: str, query: str = "", *args: Any) -> str | None:
    try:
        base = reverse(name, args=args or None)
    except Exception:
        return None
    return f"{base}?{query}" if query else base


def qa_compliance(start: datetime, end: datetime) -> tuple[float | None, float | None, int]:
    """Mean automatic compliance score and pass share (%) of conversations in [start, end)."""
    from django.apps import apps

    if not apps.is_installed("kefu.quality"):
        return None, None, 0
    from kefu.quality.models import Scorecard

    agg = Scorecard.objects.filter(kind=Scorecard.Kind.AUTO, current=True, conversation__started_at__gte=start,
                                   conversation__started_at__lt=end).aggregate(
        n=Count("pk"), mean=Avg("score"), passed=Count("pk", filter=Q(passed=True)))
    n = agg["n"]
    return (float(agg["mean"]) if agg["mean"] is not None else None,
            100 * agg["passed"] / n if n else None, n)


def sla_kept(period: Period) -> tuple[int, int]:
    """(kept, closed): complaints closed in the period and how many never breached their SLA."""
    from kefu.complaints.models import Complaint

    agg = Complaint.objects.filter(closed_at__gte=period.since, closed_at__lt=period.until).aggregate(
        n=Count("pk"), kept=Count("pk", filter=Q(sla_breached=False)))
    return agg["kept"], agg["n"]


def sla_complaints(period: Period, limit: int = 500) -> list[Any]:
    from kefu.complaints.models import Complaint

    return list(Complaint.objects.filter(closed_at__gte=period.since, closed_at__lt=period.until)
                .select_related("handling_department").order_by("-sla_breached", "-closed_at")[:limit])


def callbacks_kept(period: Period) -> tuple[int, int]:
    """(kept, due): follow-ups of low answers due in the period and how many were done in time."""
    rows = list(FollowUpTask.objects.filter(due_at__gte=period.since, due_at__lt=period.until)
                .values_list("done_at", "due_at"))
    return sum(1 for done, due in rows if done is not None and done <= due), len(rows)


def gap_model(period: Period) -> list[Gap]:
    q = questionnaire()
    query = period.query()
    servqual_url = _url("surveys:servqual", query)
    management_url = _url("surveys:management")
    customers = selectors.customer_expectations(period)
    managers = selectors.management_view()

    gap1 = Gap(1, _("Gap 1: not knowing what customers expect"),
               _("Customers' expectations against what management thinks they expect"))
    gap2 = Gap(2, _("Gap 2: the wrong service standards"),
               _("What management thinks customers expect against how fully the written standards specify it"))
    for dim in q.dimensions:
        title = q.title(dim)
        cust = customers.get(dim)
        mine = managers.get(dim)
        if cust and mine:
            diff = mine[0] - cust[0]
            gap1.figures.append(Figure(
                title, _signed(diff), cust[1], servqual_url,
                _("customers expect %(c).2f, management believes %(m).2f (1–7)") % {"c": cust[0], "m": mine[0]},
                "bad" if abs(diff) >= 0.5 else "good"))
        else:
            gap1.figures.append(Figure(title, "—", cust[1] if cust else 0, servqual_url if cust else management_url,
                                       _("needs SERVQUAL answers and the management questionnaire")))
        if mine:
            diff2 = mine[1] - mine[0]
            gap2.figures.append(Figure(
                title, _signed(diff2), mine[2], management_url,
                _("standards cover %(s).2f against a believed expectation of %(m).2f (1–7)") % {
                    "s": mine[1], "m": mine[0]},
                "bad" if diff2 <= -0.5 else "good"))
        else:
            gap2.figures.append(Figure(title, "—", 0, management_url, _("no management answers yet")))

    gap3 = Gap(3, _("Gap 3: the service delivered falls short of the standards"),
               _("Service standards against the service actually delivered"))
    mean, passed, n = qa_compliance(period.since, period.until)
    quality_url = _url("quality:report")
    gap3.figures.append(Figure(_("QA compliance score (automatic, 0–100)"), "—" if mean is None else f"{mean:.1f}", n,
                               quality_url))
    gap3.figures.append(Figure(_("Conversations passing QA"), "—" if passed is None else f"{passed:.1f}%", n,
                               quality_url, tone="" if passed is None else "good" if passed >= 90 else
                               "bad" if passed < 75 else ""))
    checklist = _optional("kefu.fieldservice.selectors", "checklist_compliance")
    if checklist is not None:
        gap3.figures.append(_rate_figure(_("On-site checklist compliance"), checklist(period.since, period.until),
                                         _url("fieldservice:index")))

    gap4 = Gap(4, _("Gap 4: promises not kept"), _("The service delivered against what was promised to customers"))
    kept, closed = sla_kept(period)
    gap4.figures.append(Figure(_("Complaints closed within their SLA"), _pct(kept, closed), closed,
                               _url("surveys:sla_evidence", query),
                               tone="" if not closed else "good" if kept >= 0.9 * closed else "bad"))
    appointments = _optional("kefu.fieldservice.selectors", "kept_appointment_rate")
    if appointments is not None:
        gap4.figures.append(_rate_figure(_("On-site appointments kept"), appointments(period.since, period.until),
                                         _url("fieldservice:index")))
    kept_cb, due_cb = callbacks_kept(period)
    gap4.figures.append(Figure(_("Call-backs after a low survey answer made in time"), _pct(kept_cb, due_cb), due_cb,
                               _url("surveys:tasks", f"state=all&{query}"),
                               tone="" if not due_cb else "good" if kept_cb >= 0.9 * due_cb else "bad"))

    gap5 = Gap(5, _("Gap 5: perceived service falls short of expectations"),
               _("What customers expected against what they perceived"))
    filters = selectors.Filters(period)
    summary = selectors.summary(filters)
    dashboard_url = _url("surveys:index", query)
    gap5.figures.append(Figure(_("Average satisfaction (1–5)"), "—" if summary.csat is None else f"{summary.csat:.2f}",
                               summary.answered, dashboard_url))
    gap5.figures.append(Figure(_("Low answers (1–2)"), _pct(summary.low, summary.answered), summary.answered,
                               dashboard_url + "#low" if dashboard_url else None,
                               _("each opens a follow-up task"), tone="bad" if summary.low else ""))
    gap5.figures.append(Figure(_("Net promoter score"), _signed(summary.nps, 1), summary.nps_n, dashboard_url))
    report = selectors.servqual_report(period)
    overall = report.overall
    note = ""
    if overall and overall.low is not None and overall.high is not None:
        note = _("95%% interval %(low)+.2f to %(high)+.2f") % {"low": overall.low, "high": overall.high}
    gap5.figures.append(Figure(_("SERVQUAL perception − expectation (all items)"),
                               _signed(overall.mean if overall else None), report.responses, servqual_url, note,
                               "" if overall is None else "bad" if overall.mean < 0 else "good"))
    return [gap1, gap2, gap3, gap4, gap5]


__all__ = ["LOW_CSAT", "Figure", "Gap", "gap_model", "sla_complaints"]
