"""The dashboard's summary table (``DailyFigures``): whole past days rolled up by the background worker,
so a dashboard over a quarter reads a few thousand summary rows instead of scanning every survey.

``refresh`` recomputes the last ``REFRESH_DAYS`` days (answers keep arriving for surveys sent in the
last month: a link lives at most 30 days) or, the first time, every day. Days from ``covered_until``
on are read live by the selectors, so the figures are complete whatever the worker's delay; the page
shows when the table was refreshed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from kefu.lib.dates import day_start
from kefu.surveys.models import LOW_CSAT, DailyFigures, RollupState, Survey

REFRESH_DAYS = 40
KEY = ("channel", "source_kind", "agent_id")
SENT = {"sent": Count("pk"), "sent_answered": Count("pk", filter=Q(answered_at__isnull=False))}
ANSWERED = {
    "n": Count("pk"), "csat_sum": Sum("csat", default=0), "low": Count("pk", filter=Q(csat__lte=LOW_CSAT)),
    "satisfied": Count("pk", filter=Q(csat__gte=4)), "nps_n": Count("nps"),
    "promoters": Count("pk", filter=Q(nps__gte=9)), "detractors": Count("pk", filter=Q(nps__lte=6)),
}
FIELDS = (*SENT, *ANSWERED)


def _by_day(column: str, since: datetime | None, until: datetime, aggregates: dict[str, Any]) -> list[dict[str, Any]]:
    qs = Survey.objects.filter(**{f"{column}__lt": until})
    if since is not None:
        qs = qs.filter(**{f"{column}__gte": since})
    return list(qs.annotate(day=TruncDate(column)).values("day", *KEY).annotate(**aggregates).order_by())


def refresh(*, now: datetime | None = None, full: bool = False) -> int:
    """Recompute the summary rows of recent whole days (all days when ``full`` or never done); returns
    how many rows were written. Two refreshes at once: one wins, the other writes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    state = RollupState.objects.first()
    start = None if (full or state is None) else today - timedelta(days=REFRESH_DAYS)
    since, until = (day_start(start) if start else None), day_start(today)
    merged: dict[tuple[Any, ...], dict[str, int]] = {}
    for rows, names in ((_by_day("sent_at", since, until, SENT), SENT),
                        (_by_day("answered_at", since, until, ANSWERED), ANSWERED)):
        for row in rows:
            key = (row["day"], row["channel"] or "", row["source_kind"], row["agent_id"] or 0)
            figures = merged.setdefault(key, dict.fromkeys(FIELDS, 0))
            for name in names:
                figures[name] += row[name] or 0
    try:
        with transaction.atomic():
            old = DailyFigures.objects.all() if start is None else DailyFigures.objects.filter(day__gte=start)
            old.delete()
            DailyFigures.objects.bulk_create([
                DailyFigures(day=day, channel=channel, source_kind=kind, agent_id=agent, **figures)
                for (day, channel, kind, agent), figures in merged.items()
            ], batch_size=2000)
            RollupState.objects.all().delete()
            RollupState.objects.create(covered_until=today, refreshed_at=now)
    except IntegrityError:  # a concurrent refresh wrote the same days first
        return 0
    return len(merged)
