"""Satisfaction surveys API (满意度): the dashboard's figures and the SERVQUAL gaps for a period, for
supervisors and managers (Cap.INSIGHT_VIEW or Cap.SURVEY_MANAGE)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kefu.accounts.api import caller
from kefu.accounts.roles import Cap
from kefu.accounts.schemas import AUTH_ERRORS
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.surveys import selectors
from kefu.surveys.forms import PeriodForm

router = Router(tags=["surveys"])


class PeriodIn(Schema):
    start: date | None = None
    end: date | None = None
    channel: str = ""
    source_kind: str = ""


class SummaryOut(Schema):
    start: date
    end: date
    sent: int
    answered: int
    response_rate: float | None
    csat: float | None
    satisfied_share: float | None
    low: int
    nps: float | None
    open_follow_ups: int


class IntervalOut(Schema):
    n: int
    mean: float
    low: float | None
    high: float | None


class GapOut(Schema):
    key: str
    title: str
    expectation: float | None
    perception: float | None
    gap: IntervalOut | None


class ServqualOut(Schema):
    start: date
    end: date
    responses: int
    dimensions: list[GapOut]
    items: list[GapOut]


def _filters(request: HttpRequest, params: PeriodIn) -> selectors.Filters:
    user = caller(request)
    if not ({Cap.INSIGHT_VIEW, Cap.SURVEY_MANAGE} & user.caps):
        raise NotAllowed(_("Survey reports are for supervisors and managers."))
    form = PeriodForm({k: v for k, v in params.dict().items() if v not in (None, "")})
    if not form.is_valid():
        raise InvalidInput(_("Please correct the errors below."),
                           errors={f"query.{field}": " ".join(str(e) for e in errs) for field, errs in
                                   form.errors.items()})
    return selectors.Filters(form.period(), form.cleaned_data.get("channel", ""),
                             form.cleaned_data.get("source_kind", ""))


def _interval(value: Any) -> dict[str, Any] | None:
    return None if value is None else {"n": value.n, "mean": value.mean, "low": value.low, "high": value.high}


@router.get("/summary", response={200: SummaryOut, **AUTH_ERRORS}, summary="Surveys sent and answered in a period")
def summary(request: HttpRequest, params: Query[PeriodIn]) -> Any:
    filters = _filters(request, params)
    s = selectors.summary(filters)
    return {"start": filters.period.start, "end": filters.period.end, "sent": s.sent, "answered": s.answered,
            "response_rate": s.response_rate, "csat": s.csat, "satisfied_share": s.satisfied_share, "low": s.low,
            "nps": s.nps, "open_follow_ups": s.open_tasks}


@router.get("/servqual", response={200: ServqualOut, **AUTH_ERRORS},
            summary="SERVQUAL perception − expectation per dimension and item, with 95% intervals")
def servqual(request: HttpRequest, params: Query[PeriodIn]) -> Any:
    filters = _filters(request, params)
    report = selectors.servqual_report(filters.period, filters.channel)

    def rows(gaps: list[selectors.GapRow]) -> list[dict[str, Any]]:
        return [{"key": g.key, "title": g.title, "expectation": g.expectation, "perception": g.perception,
                 "gap": _interval(g.gap)} for g in gaps]

    return {"start": filters.period.start, "end": filters.period.end, "responses": report.responses,
            "dimensions": rows(report.dimensions), "items": rows(report.items)}
