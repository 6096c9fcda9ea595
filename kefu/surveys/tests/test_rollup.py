"""The dashboard's summary table: after a refresh the figures are the same as counted live, and what
happens after the refresh is still counted (read live)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kefu.surveys import rollup, selectors, services
from kefu.surveys.models import DailyFigures
from kefu.surveys.tests.conftest import sent_survey


def _figures(filters):  # type: ignore[no-untyped-def]
    s = selectors.summary(filters)
    return (s.sent, s.answered_of_sent, s.answered, s.csat, s.low, s.nps, s.satisfied_share,
            [(b.key, b.n, b.sent, b.csat) for b in selectors.breakdown(filters, "agent")],
            [(t.week, t.n, t.csat, t.nps) for t in selectors.trend(filters)])


def test_the_summary_table_gives_the_same_figures_as_the_live_count(cast, customer, rule):
    days_ago = [9, 5, 3]
    for i, days in enumerate(days_ago):
        survey = sent_survey(cast["agent"] if i % 2 == 0 else cast["supervisor"], phone=f"1390000002{i}",
                             at=timezone.now() - timedelta(days=days))
        services.survey_answer(survey=survey, csat=i + 2, nps=9 - i, now=survey.sent_at + timedelta(hours=2))  # type: ignore[operator]
    sent_survey(cast["agent"], phone="13900000030", at=timezone.now() - timedelta(days=4))  # never answered
    filters = selectors.Filters(selectors.Period.last_days(30))
    live = _figures(filters)
    assert rollup.refresh() > 0 and DailyFigures.objects.exists()
    assert _figures(filters) == live
    # Answered after the refresh (today): counted at once, from the live part.
    today = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    after = selectors.summary(filters)
    assert after.answered == live[2] + 1 and after.low == live[4] + 1
    assert today.task is not None


def test_a_refresh_only_rewrites_recent_days(cast, rule):
    old = sent_survey(cast["agent"], phone="13900000040", at=timezone.now() - timedelta(days=60))
    day = timezone.localdate(old.sent_at)  # the summary's days are local days (not UTC dates)
    rollup.refresh()
    assert DailyFigures.objects.filter(day=day).exists()
    rollup.refresh()  # the second time only the last 40 days are recomputed; the old day stays
    assert DailyFigures.objects.filter(day=day).exists()
