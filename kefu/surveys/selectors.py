"""Reads of the survey app: the dashboard's figures, the SERVQUAL report, the gap model's evidence,
and two selectors other apps use.

For the insights app (churn risk, per-agent quality):

- ``low_answers_by_customer(since) -> dict[int, int]``: customer id → how many CSAT answers of 2 or
  less (``LOW_CSAT``) the customer gave since ``since``; customers without a low answer are absent.
- ``csat_by_agent(start, end) -> dict[int, tuple[float, int]]``: agent id → (mean CSAT, number of
  answers) over surveys answered in ``start`` ≤ answered_at < ``end``; agents without answers absent.

Both aggregate in the database (one query each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from kefu.accounts.models import User
from kefu.lib.dates import day_start
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.core.stats import Interval, mean_interval, respondent_means
from kefu.surveys.models import (
    LOW_CSAT,
    DailyFigures,
    Dimension,
    FollowUpTask,
    ManagementAnswer,
    RollupState,
    ServqualScore,
    Survey,
)


def low_answers_by_customer(since: datetime) -> dict[int, int]:
    """Customer id → number of low CSAT answers (≤ 2) since ``since``."""
    rows = (Survey.objects.filter(answered_at__gte=since, csat__lte=LOW_CSAT, customer__isnull=False)
            .values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n"))
    return {customer: n for customer, n in rows}


def csat_by_agent(start: datetime, end: datetime) -> dict[int, tuple[float, int]]:
    """Agent id → (mean CSAT, answers) for answers given in [start, end).

    Whole local days (both ends at midnight, as the per-agent page asks) are read from the summary
    table where it covers them, like the dashboard (an answer always has a CSAT); other bounds live.
    """
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date() - timedelta(days=1)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if day_start(first) == start and day_start(last) + timedelta(days=1) == end and first <= last:
        rolled, live_from = _rolled(Filters(Period(first, last)))
        if rolled is not None:
            for agent, csat, n in (rolled.filter(agent_id__gt=0).values("agent_id")
                                   .annotate(c=Sum("csat_sum"), n=Sum("n")).values_list("agent_id", "c", "n").order_by()):
                totals[agent][0] += csat or 0
                totals[agent][1] += n or 0
        start = max(start, day_start(live_from))
    if start < end:
        for agent, csat, n in (Survey.objects.filter(answered_at__gte=start, answered_at__lt=end, agent__isnull=False,
                                                     csat__isnull=False)
                               .values("agent_id").annotate(c=Sum("csat"), n=Count("pk"))
                               .values_list("agent_id", "c", "n").order_by()):
            totals[agent][0] += csat
            totals[agent][1] += n
    return {agent: (csat / n, n) for agent, (csat, n) in totals.items() if n}


# --------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """Whole local days ``start``…``end`` inclusive."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return day_start(self.start)

    @property
    def until(self) -> datetime:
        return day_start(self.end) + timedelta(days=1)

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"


@dataclass(frozen=True)
class Filters:
    period: Period
    channel: str = ""
    source_kind: str = ""
    agent_id: int | None = None


def _surveys(filters: Filters) -> QuerySet[Survey]:
    qs = Survey.objects.all()
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.source_kind:
        qs = qs.filter(source_kind=filters.source_kind)
    if filters.agent_id is not None:
        qs = qs.filter(agent_id=filters.agent_id)
    return qs


def answered(filters: Filters) -> QuerySet[Survey]:
    p = filters.period
    return _surveys(filters).filter(answered_at__gte=p.since, answered_at__lt=p.until)


def nps_of(promoters: int, detractors: int, n: int) -> float | None:
    """Net promoter score: % of 9–10 minus % of 0–6 — the loyalty end of satisfaction.loyalty
    (expectation → perceived quality → satisfaction → complaints or loyalty), beside CSAT."""
    return round(100 * (promoters - detractors) / n, 1) if n else None


@dataclass(frozen=True)
class Summary:
    sent: int
    answered_of_sent: int
    answered: int
    csat: float | None
    satisfied_share: float | None  # % of answers 4–5
    low: int
    nps: float | None
    nps_n: int
    open_tasks: int

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered_of_sent / self.sent, 1) if self.sent else None


@dataclass(frozen=True)
class Group:
    """Counts of one (channel, kind of service, agent) in a period: the dashboard's one grouped query."""

    channel: str
    source_kind: str
    agent_id: int | None
    sent: int
    sent_answered: int
    n: int
    csat_sum: int
    low: int
    satisfied: int
    nps_n: int
    promoters: int
    detractors: int


def _live_groups(filters: Filters, since: datetime) -> list[Group]:
    p = filters.period
    in_sent = Q(sent_at__gte=since, sent_at__lt=p.until)
    in_ans = Q(answered_at__gte=since, answered_at__lt=p.until)
    rows = (_surveys(filters).filter(in_sent | in_ans).values("channel", "source_kind", "agent_id")
            .annotate(sent=Count("pk", filter=in_sent),
                      sent_answered=Count("pk", filter=in_sent & Q(answered_at__isnull=False)),
                      n=Count("pk", filter=in_ans), csat_sum=Sum("csat", filter=in_ans, default=0),
                      low=Count("pk", filter=in_ans & Q(csat__lte=LOW_CSAT)),
                      satisfied=Count("pk", filter=in_ans & Q(csat__gte=4)),
                      nps_n=Count("nps", filter=in_ans), promoters=Count("pk", filter=in_ans & Q(nps__gte=9)),
                      detractors=Count("pk", filter=in_ans & Q(nps__lte=6)))
            .order_by())
    return [Group(**row) for row in rows]


def _rolled(filters: Filters) -> tuple[QuerySet[DailyFigures] | None, date]:
    """The summary rows for the period's days the table covers, and the first day to read live."""
    state = RollupState.objects.first()
    p = filters.period
    if state is None or state.covered_until <= p.start:
        return None, p.start
    qs = DailyFigures.objects.filter(day__gte=p.start, day__lt=min(state.covered_until, p.end + timedelta(days=1)))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.source_kind:
        qs = qs.filter(source_kind=filters.source_kind)
    if filters.agent_id is not None:
        qs = qs.filter(agent_id=filters.agent_id)
    return qs, state.covered_until


def groups(filters: Filters) -> list[Group]:
    """The period's surveys (sent or answered in it) grouped by channel, kind and agent; the summary
    and every breakdown are sums of these rows. Whole days the summary table covers come from it
    (a few rows per day), the rest is read live."""
    rolled, live_from = _rolled(filters)
    rows: list[Group] = []
    if rolled is not None:
        sums = {name: Sum(name) for name in ("sent", "sent_answered", "n", "csat_sum", "low", "satisfied", "nps_n",
                                             "promoters", "detractors")}
        for row in rolled.values("channel", "source_kind", "agent_id").annotate(**sums).order_by():
            rows.append(Group(**{**row, "agent_id": row["agent_id"] or None}))
    if live_from <= filters.period.end:
        rows += _live_groups(filters, day_start(live_from))
    return rows


def freshness() -> RollupState | None:
    return RollupState.objects.first()


def summary(filters: Filters, rows: list[Group] | None = None) -> Summary:
    rows = groups(filters) if rows is None else rows
    n = sum(g.n for g in rows)
    csat_sum = sum(g.csat_sum for g in rows)
    nps_n = sum(g.nps_n for g in rows)
    open_tasks = FollowUpTask.objects.filter(state=FollowUpTask.State.OPEN,
                                             survey__in=answered(filters).values("pk")).count()
    return Summary(
        sent=sum(g.sent for g in rows), answered_of_sent=sum(g.sent_answered for g in rows), answered=n,
        csat=round(csat_sum / n, 2) if n else None,
        satisfied_share=round(100 * sum(g.satisfied for g in rows) / n, 1) if n else None,
        low=sum(g.low for g in rows),
        nps=nps_of(sum(g.promoters for g in rows), sum(g.detractors for g in rows), nps_n), nps_n=nps_n,
        open_tasks=open_tasks,
    )


@dataclass(frozen=True)
class TrendPoint:
    week: str
    n: int
    csat: float | None
    nps: float | None


def trend(filters: Filters) -> list[TrendPoint]:
    """Weekly answers, mean CSAT and NPS (weeks start on Monday), from the summary table and live days."""
    rolled, live_from = _rolled(filters)
    days: list[tuple[date, int, int, int, int, int]] = []
    if rolled is not None:
        days += list(rolled.values("day").annotate(
            a=Sum("n"), b=Sum("csat_sum"), c=Sum("nps_n"), d=Sum("promoters"), e=Sum("detractors"))
            .values_list("day", "a", "b", "c", "d", "e").order_by())
    if live_from <= filters.period.end:
        live = answered(filters).filter(answered_at__gte=day_start(live_from))
        days += list(live.annotate(day=TruncDate("answered_at")).values("day").annotate(
            a=Count("pk"), b=Sum("csat", default=0), c=Count("nps"), d=Count("pk", filter=Q(nps__gte=9)),
            e=Count("pk", filter=Q(nps__lte=6))).values_list("day", "a", "b", "c", "d", "e").order_by())
    weeks: dict[date, list[int]] = defaultdict(lambda: [0] * 5)
    for day, *values in days:
        week = weeks[day - timedelta(days=day.weekday())]
        for i, value in enumerate(values):
            week[i] += value or 0
    return [TrendPoint(monday.isoformat(), n, round(csat / n, 2) if n else None, nps_of(promoters, detractors, nps_n))
            for monday, (n, csat, nps_n, promoters, detractors) in sorted(weeks.items()) if n]


@dataclass
class Breakdown:
    key: Any
    label: str
    n: int
    csat: float | None
    low: int
    nps: float | None
    sent: int = 0

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.n / self.sent, 1) if self.sent else None


def breakdown(filters: Filters, by: str, rows: list[Group] | None = None) -> list[Breakdown]:
    """Answers grouped by ``channel``, ``source_kind`` or ``agent``, with the surveys sent in the period."""
    rows = groups(filters) if rows is None else rows
    column = {"channel": "channel", "source_kind": "source_kind", "agent": "agent_id"}[by]
    totals: dict[Any, list[int]] = defaultdict(lambda: [0] * 7)
    for g in rows:
        t = totals[getattr(g, column)]
        for i, value in enumerate((g.sent, g.n, g.csat_sum, g.low, g.nps_n, g.promoters, g.detractors)):
            t[i] += value
    if by == "agent":
        labels = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in totals if k is not None])}
    else:
        labels = {k: str(v) for k, v in _choices(column).items()}
    out = [
        Breakdown(key, labels.get(key, "—") if key not in (None, "") else "—", n,
                  round(csat / n, 2) if n else None, low, nps_of(promoters, detractors, nps_n), sent)
        for key, (sent, n, csat, low, nps_n, promoters, detractors) in totals.items()
    ]
    return sorted(out, key=lambda b: (b.csat is None, b.csat or 0))


def _choices(column: str) -> dict[Any, Any]:
    from kefu.customers.choices import Channel
    from kefu.surveys.models import SourceKind

    return dict(SourceKind.choices if column == "source_kind" else Channel.choices)


def low_answers(filters: Filters, limit: int = 50) -> list[Survey]:
    """The latest low answers, to show: a number the customer wrote in the comment is masked (not saved)."""
    from kefu.lib.masking import mask_numbers_in

    rows = list(answered(filters).filter(csat__lte=LOW_CSAT).select_related("agent", "customer", "task")
                .order_by("-answered_at", "-pk")[:limit])
    for row in rows:
        row.comment = mask_numbers_in(row.comment or "")
    return rows


def export_rows(filters: Filters) -> Iterator[tuple[Any, ...]]:
    """Every answer in the period, for CSV/XLSX (numbers masked: an export never shows what a page masks)."""
    from kefu.lib.masking import mask_numbers_in, mask_phone

    kinds, channels = _choices("source_kind"), _choices("channel")
    qs = (answered(filters).order_by("answered_at", "pk")
          .values_list("pk", "answered_at", "source_kind", "source_id", "channel", "agent__full_name",
                       "agent__username", "customer__name", "phone", "csat", "nps", "reasons", "comment"))
    for pk, at, kind, source_id, channel, full_name, username, customer, phone, csat, nps, reasons, comment in \
            qs.iterator(chunk_size=2000):
        from kefu.surveys.models import LowReason

        yield (pk, timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), str(kinds.get(kind, kind)), source_id,
               str(channels.get(channel, channel)), full_name or username or "", customer or "",
               mask_phone(phone) if phone else "", csat, "" if nps is None else nps,
               "、".join(str(LowReason(r).label) for r in reasons if r in LowReason.values),
               mask_numbers_in(comment or ""))


def tasks(*, state: str = "", period: Period | None = None) -> QuerySet[FollowUpTask]:
    qs = FollowUpTask.objects.select_related("survey__agent", "survey__customer", "assignee", "done_by")
    if state in FollowUpTask.State.values:
        qs = qs.filter(state=state)
    if period is not None:
        qs = qs.filter(due_at__gte=period.since, due_at__lt=period.until)
    return qs.order_by("state", "due_at", "pk")


# --------------------------------------------------------------------------- SERVQUAL


@dataclass
class GapRow:
    key: str
    title: str
    expectation: float | None
    perception: float | None
    gap: Interval | None
    detail: str = ""


@dataclass
class ServqualReport:
    responses: int
    items: list[GapRow] = field(default_factory=list)
    dimensions: list[GapRow] = field(default_factory=list)
    overall: Interval | None = None
    by_channel: list[tuple[str, int, Interval | None]] = field(default_factory=list)
    by_month: list[tuple[str, int, Interval | None]] = field(default_factory=list)


def _servqual_scores(period: Period, channel: str = "") -> QuerySet[ServqualScore]:
    qs = ServqualScore.objects.filter(response__taken_at__gte=period.since, response__taken_at__lt=period.until)
    if channel:
        qs = qs.filter(response__channel=channel)
    return qs


def _overall(rows: list[tuple[int, str, str, int, int]]) -> tuple[int, Interval | None]:
    per: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for response, _item, _dim, e, p in rows:
        per[response].append((e, p))
    return len(per), mean_interval(respondent_means(per))


def servqual_report(period: Period, channel: str = "") -> ServqualReport:
    """P − E per item and per dimension with 95 % t intervals (a dimension's interval is over
    respondents' mean gaps on its items), and the overall gap by channel and by month."""
    q = questionnaire()
    scores = _servqual_scores(period, channel)
    rows = list(scores.values_list("response_id", "item", "dimension", "expectation", "perception"))
    per_item: dict[str, list[tuple[int, int]]] = defaultdict(list)
    per_dim: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for response, item, dim, e, p in rows:
        per_item[item].append((e, p))
        per_dim[dim][response].append((e, p))
    responses, overall = _overall(rows)
    report = ServqualReport(responses=responses, overall=overall)
    for question in q.items:
        pairs = per_item.get(question.id, [])
        report.items.append(GapRow(
            question.id, question.perception, _avg([e for e, _ in pairs]), _avg([p for _, p in pairs]),
            mean_interval([float(p - e) for e, p in pairs]), q.title(question.dimension)))
    for dim, title, _items in q.by_dimension():
        people = per_dim.get(dim, {})
        flat = [pair for pairs in people.values() for pair in pairs]
        report.dimensions.append(GapRow(dim, title, _avg([e for e, _ in flat]), _avg([p for _, p in flat]),
                                        mean_interval(respondent_means(people))))
    channels = _choices("channel")
    by_channel: dict[str, list[tuple[int, str, str, int, int]]] = defaultdict(list)
    by_month: dict[str, list[tuple[int, str, str, int, int]]] = defaultdict(list)
    for response, item, dim, e, p, ch, month in scores.annotate(month=TruncMonth("response__taken_at")).values_list(
            "response_id", "item", "dimension", "expectation", "perception", "response__channel", "month"):
        by_channel[ch].append((response, item, dim, e, p))
        day = timezone.localtime(month).date() if isinstance(month, datetime) else month
        by_month[day.strftime("%Y-%m")].append((response, item, dim, e, p))
    report.by_channel = [(str(channels.get(ch, ch)), *_overall(r)) for ch, r in sorted(by_channel.items())]
    report.by_month = [(m, *_overall(r)) for m, r in sorted(by_month.items())]
    return report


def _avg(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def customer_expectations(period: Period) -> dict[str, tuple[float, int]]:
    """Dimension → (customers' mean expectation, scores) in the period (SERVQUAL's E side)."""
    rows = (_servqual_scores(period).values("dimension").annotate(mean=Avg("expectation"), n=Count("pk"))
            .values_list("dimension", "mean", "n"))
    return {dim: (float(mean), n) for dim, mean, n in rows}


def management_view(now: datetime | None = None, days: int = 365) -> dict[str, tuple[float, float, int]]:
    """Dimension → (mean believed expectation, mean standard coverage, respondents), each manager's
    newest answer of the last year counting once."""
    since = (now or timezone.now()) - timedelta(days=days)
    newest: dict[tuple[int, str], ManagementAnswer] = {}
    for answer in ManagementAnswer.objects.filter(at__gte=since).order_by("at", "pk"):
        newest[(answer.respondent_id, answer.dimension)] = answer
    grouped: dict[str, list[ManagementAnswer]] = defaultdict(list)
    for (_who, dim), answer in newest.items():
        grouped[dim].append(answer)
    return {
        dim: (sum(a.believed_expectation for a in rows) / len(rows),
              sum(a.standard_coverage for a in rows) / len(rows), len(rows))
        for dim, rows in grouped.items() if dim in Dimension.values
    }
