"""Insight API: the complaint dashboard's figures per dimension, and the retention queue."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import caller
from kefu.accounts.roles import Cap
from kefu.accounts.schemas import AUTH_ERRORS
from kefu.insights import churn, selectors
from kefu.lib.errors import InvalidInput, NotAllowed

router = Router(tags=["insights"])
DIMS = ("cause", "cause_category", "hotspot", "need", "degree", "department", "channel", "regulator", "severity",
        "step")


class RowOut(Schema):
    value: str = Field(description="The stored value ('' = not classified).")
    label: str
    complaints: int
    previous_period: int
    change_percent: float | None
    share_percent: float
    repeat_rate: float | None
    within_sla_percent: float | None
    mean_hours_to_close: float | None
    remedy_cost: float


class DimensionOut(Schema):
    dimension: str
    date_from: date
    date_to: date
    refreshed_at: str | None = Field(description="When the summary these figures come from was rebuilt.")
    rows: list[RowOut]


class PeriodIn(Schema):
    dimension: str = Field("cause", description="One of: " + ", ".join(DIMS))
    date_from: date | None = None
    date_to: date | None = None


@router.get("/complaints", response={200: DimensionOut, **AUTH_ERRORS},
            summary="Complaint figures per value of one dimension, with the previous period")
def complaint_figures(request: HttpRequest, query: Query[PeriodIn]) -> Any:
    user = caller(request)
    if not user.can(Cap.INSIGHT_VIEW):
        raise NotAllowed(_("Reports are for supervisors and managers."))
    if query.dimension not in DIMS:
        raise InvalidInput(_("Unknown report dimension."), errors={"dimension": query.dimension})
    p = selectors.period(query.date_from, query.date_to, today=timezone.localdate())
    rows = selectors.steps(p) if query.dimension == "step" else selectors.dimension(query.dimension, p)
    from kefu.insights.summary import COMPLAINTS, freshness

    run = freshness().get(COMPLAINTS)
    return {
        "dimension": query.dimension, "date_from": p.start, "date_to": p.end,
        "refreshed_at": run.refreshed_at.isoformat() if run else None,
        "rows": [{"value": r.value, "label": r.label, "complaints": r.n, "previous_period": r.previous,
                  "change_percent": r.change, "share_percent": r.share, "repeat_rate": r.repeat_rate,
                  "within_sla_percent": r.sla_rate, "mean_hours_to_close": r.mean_close_hours,
                  "remedy_cost": float(r.remedy)} for r in rows],
    }


class RiskOut(Schema):
    customer: int
    name: str
    score: int
    reasons: list[str]
    suggested_action: str


@router.get("/retention", response={200: list[RiskOut], **AUTH_ERRORS},
            summary="The caller's retention queue: customers at risk of porting out, with the reasons")
def retention_queue(request: HttpRequest) -> Any:
    items = churn.retention_queue(user=caller(request))
    return [{"customer": i.customer.pk, "name": i.customer.name, "score": i.risk.score, "reasons": i.reasons,
             "suggested_action": i.action_label} for i in items]
