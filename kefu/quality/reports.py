"""Quality reports (质检报表): each agent's weekly trend with a confidence band, teams side by side,
and the norms that fail most with the rules and phrases behind them."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.lib.masking import mask_numbers_in_place
from kefu.phrasebook.norms import norm_name
from kefu.quality.models import Conversation, Scorecard


def agents() -> QuerySet[User]:
    """Everyone with at least one conversation, by name: the agents a report can be narrowed to."""
    # One index probe per user (EXISTS), not a join with every conversation made DISTINCT.
    return User.objects.filter(Exists(Conversation.objects.filter(agent=OuterRef("pk")))).order_by(
        "full_name", "username"
    )


def _cards(since: datetime) -> QuerySet[Scorecard]:
    return Scorecard.objects.filter(
        kind=Scorecard.Kind.AUTO, current=True, conversation__started_at__gte=since
    ).select_related("conversation__agent__department")


@dataclass(frozen=True)
class Week:
    start: str  # ISO date of the Monday
    n: int
    mean: float
    low: float  # 95 % confidence interval of the mean
    high: float


def _interval(scores: list[float]) -> tuple[float, float, float]:
    n = len(scores)
    mean = sum(scores) / n
    if n < 2:
        return mean, mean, mean
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1))
    half = 1.96 * sd / math.sqrt(n)
    return mean, max(0.0, mean - half), min(100.0, mean + half)


def trend(*, weeks: int = 8, agent_id: int | None = None, now: datetime | None = None) -> list[Week]:
    """Weekly mean compliance score with its 95 % confidence band (all agents, or one)."""
    now = now or timezone.now()
    cards = _cards(now - timedelta(weeks=weeks))
    if agent_id is not None:
        cards = cards.filter(conversation__agent_id=agent_id)
    by_week: dict[str, list[float]] = defaultdict(list)
    for score, started in cards.values_list("score", "conversation__started_at"):
        day = timezone.localtime(started).date()
        monday = day - timedelta(days=day.weekday())
        by_week[monday.isoformat()].append(float(score))
    out = []
    for week in sorted(by_week):
        mean, low, high = _interval(by_week[week])
        out.append(Week(week, len(by_week[week]), round(mean, 1), round(low, 1), round(high, 1)))
    return out


@dataclass(frozen=True)
class Row:
    name: str
    conversations: int
    mean: float
    pass_rate: float  # percent
    critical: int


def _rows(groups: dict[str, list[Scorecard]]) -> list[Row]:
    rows = []
    for name, cards in groups.items():
        scores = [float(c.score) for c in cards]
        rows.append(Row(
            name, len(cards), round(sum(scores) / len(scores), 1),
            round(100 * sum(c.passed for c in cards) / len(cards), 1), sum(c.critical for c in cards),
        ))
    return sorted(rows, key=lambda r: r.mean)


def by_agent(*, weeks: int = 8, now: datetime | None = None) -> list[Row]:
    groups: dict[str, list[Scorecard]] = defaultdict(list)
    for card in _cards((now or timezone.now()) - timedelta(weeks=weeks)):
        agent = card.conversation.agent
        groups[str(agent) if agent else str(_("No agent matched"))].append(card)
    return _rows(groups)


def by_team(*, weeks: int = 8, now: datetime | None = None) -> list[Row]:
    groups: dict[str, list[Scorecard]] = defaultdict(list)
    for card in _cards((now or timezone.now()) - timedelta(weeks=weeks)):
        agent = card.conversation.agent
        team = agent.department if agent and agent.department_id else None
        groups[str(team) if team else str(_("No team"))].append(card)
    return _rows(groups)


@dataclass(frozen=True)
class NormRow:
    norm: str  # the norm's Chinese name
    failures: int
    share: float  # percent of the conversations judged
    rules: str  # the rule titles that failed under it
    phrases: str  # the words most often marked as the evidence


def failing_norms(*, weeks: int = 8, limit: int = 20, now: datetime | None = None) -> list[NormRow]:
    since = (now or timezone.now()) - timedelta(weeks=weeks)
    cards = list(
        Scorecard.objects.filter(kind=Scorecard.Kind.AUTO, current=True, conversation__started_at__gte=since)
        .select_related("conversation")
        .only("data", "conversation__turns")
    )
    counts: Counter[str] = Counter()
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    phrases: dict[str, Counter[str]] = defaultdict(Counter)
    for card in cards:
        turns = card.conversation.turns
        for hit in card.data.get("hits", []):
            if hit.get("outcome") != "fail":
                continue
            marked = []
            for e in hit.get("evidence") or []:
                span, turn = e.get("span"), e.get("turn")
                if span and isinstance(turn, int) and turn < len(turns):
                    marked.append(turns[turn].get("text", "")[span[0]:span[1]])
            for norm in hit.get("cites", []):
                counts[norm] += 1
                titles[norm][hit.get("title", "")] += 1
                phrases[norm].update(mask_numbers_in_place(p) for p in marked if p)  # a span may hold a number
    total = max(1, len(cards))
    return [
        NormRow(
            norm_name(norm), n, round(100 * n / total, 1),
            "、".join(t for t, _ in titles[norm].most_common(3)),
            "、".join(f"“{p}”" for p, _ in phrases[norm].most_common(3)),
        )
        for norm, n in counts.most_common(limit)
    ]


def chart_data(weeks: list[Week]) -> dict[str, Any]:
    return {
        "weeks": [w.start for w in weeks],
        "mean": [w.mean for w in weeks],
        "low": [w.low for w in weeks],
        "band": [round(w.high - w.low, 1) for w in weeks],
        "n": [w.n for w in weeks],
    }
