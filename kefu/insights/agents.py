"""Service quality per agent and per team (department): QA compliance, predicted and surveyed
satisfaction, SLA on the complaints they handle, complaints they caused, contacts taken.

Each figure is one aggregate query; contacts come from the daily summary (a million rows).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, Q, Sum

from kefu.accounts.models import User
from kefu.insights.models import ComplaintFact, ContactStat
from kefu.insights.selectors import Period
from kefu.lib.dates import day_start


@dataclass
class Quality:
    key: int | None
    name: str
    contacts: int = 0
    qa_score: float | None = None
    qa_n: int = 0
    predicted: float | None = None
    surveyed: float | None = None
    surveyed_n: int = 0
    handled: int = 0
    breached: int = 0
    caused: int = 0
    members: list[int] = field(default_factory=list)

    @property
    def sla_rate(self) -> float | None:
        return round((self.handled - self.breached) * 100 / self.handled, 1) if self.handled else None


def _window(p: Period) -> tuple[Any, Any]:
    return day_start(p.start), day_start(p.end) + timedelta(days=1)


def _surveys(start: Any, end: Any) -> dict[int, tuple[float, int]]:
    try:
        from kefu.surveys.selectors import csat_by_agent
    except ImportError:
        return {}
    return csat_by_agent(start, end)


def named_in(text: str, users: Iterable[User]) -> list[int]:
    """The staff a complaint's free-text responsible person names ("营业厅营业员 林小燕（工号XH40033）";
    several may be named). See :class:`_Names`; for one text, build it for many."""
    return _Names(users).find(text)


class _Names:
    """Finds staff in free text: by 工号 (employee number, not as part of a longer one) and by full
    name where the Chinese text does not run on past it, the longest first (张伟华 is not also 张伟).
    A name or number several staff share names none of them (the 工号 beside a shared name says who)."""

    def __init__(self, users: Iterable[User]) -> None:
        self.numbers: dict[str, int | None] = {}
        self.names: dict[str, int | None] = {}
        for u in users:
            number, name = (u.employee_no or "").strip(), (u.full_name or "").strip()
            if len(number) >= 3:
                self.numbers[number] = u.pk if self.numbers.get(number, u.pk) == u.pk else None
            if len(name) >= 2:
                self.names[name] = u.pk if self.names.get(name, u.pk) == u.pk else None
        self.number_re = self._pattern(self.numbers, r"(?<![0-9A-Za-z])(?:{})(?![0-9A-Za-z])")
        # A name ends where the Chinese text does not go on (张伟（工号…）, 何雨；…, end of text): 张伟 is
        # not found in 营业员张伟华告知 nor 高峰 in 晚高峰期.
        self.name_re = self._pattern(self.names, "(?:{})(?![\u3400-\u9fff])")

    @staticmethod
    def _pattern(keys: dict[str, int | None], shape: str) -> re.Pattern[str] | None:
        if not keys:
            return None
        return re.compile(shape.format("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))))

    def find(self, text: str) -> list[int]:
        found: dict[int | None, None] = {}
        if self.number_re is not None:
            found.update((self.numbers[m], None) for m in self.number_re.findall(text))
        if self.name_re is not None:
            found.update((self.names[m], None) for m in self.name_re.findall(text))
        return [pk for pk in found if pk is not None]


def by_agent(p: Period) -> list[Quality]:
    start, end = _window(p)
    rows: dict[int, Quality] = {}
    users = {u.pk: u for u in User.objects.filter(is_active=True).select_related("department")}

    def row(pk: int) -> Quality:
        if pk not in rows:
            u = users.get(pk)
            rows[pk] = Quality(pk, (u.full_name or u.username) if u else f"#{pk}")
        return rows[pk]

    for agent, n in (ContactStat.objects.filter(day__gte=p.start, day__lte=p.end, agent_id__isnull=False)
                     .values("agent_id").annotate(n=Sum("n")).values_list("agent_id", "n")):
        if agent is not None:
            row(agent).contacts = n or 0
    try:
        from kefu.quality.models import Prediction, Scorecard
    except ImportError:  # pragma: no cover - quality is installed with kefu
        Prediction = Scorecard = None  # type: ignore[misc, assignment]
    if Scorecard is not None:
        for agent, mean, n in (Scorecard.objects.filter(current=True, kind="auto", conversation__agent__isnull=False,
                                                        conversation__started_at__gte=start,
                                                        conversation__started_at__lt=end)
                               .values("conversation__agent_id").annotate(m=Avg("score"), n=Count("pk"))
                               .values_list("conversation__agent_id", "m", "n")):
            r = row(agent)
            r.qa_score, r.qa_n = round(float(mean), 1), n
    if Prediction is not None:
        for agent, mean in (Prediction.objects.filter(conversation__agent__isnull=False,
                                                      conversation__started_at__gte=start,
                                                      conversation__started_at__lt=end)
                            .values("conversation__agent_id").annotate(m=Avg("value"))
                            .values_list("conversation__agent_id", "m")):
            row(agent).predicted = round(float(mean), 1)
    for agent, (mean, n) in _surveys(start, end).items():
        r = row(agent)
        r.surveyed, r.surveyed_n = round(mean, 2), n
    # Complaints handled and caused, in one pass over the period's facts (rebuilt with the summary):
    # grouped by both, then summed per handler and per responsible person.
    facts = ComplaintFact.objects.filter(received_at__gte=start, received_at__lt=end)
    handled: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    caused: dict[str, int] = defaultdict(int)
    for agent, person, n, late in (facts.values("handler_id", "responsible_person")
                                   .annotate(n=Count("pk"), late=Count("pk", filter=Q(sla_breached=True)))
                                   .values_list("handler_id", "responsible_person", "n", "late").order_by()):
        if agent is not None:
            handled[agent][0] += n
            handled[agent][1] += late
        if person:
            caused[person] += n
    for agent, (n, late) in handled.items():
        r = row(agent)
        r.handled, r.breached = n, late
    if caused:  # the names' pattern is built once, and only when some complaint names someone
        names = _Names(users.values())
        for person, n in caused.items():
            for pk in names.find(person):
                row(pk).caused += n
    out = list(rows.values())
    out.sort(key=lambda r: (-r.contacts, -r.handled, r.name))
    return out


def by_team(agents: list[Quality]) -> list[Quality]:
    """The same per department, weighted by each agent's counts."""
    users = dict(User.objects.filter(pk__in=[a.key for a in agents if a.key]).values_list("pk", "department__name"))
    teams: dict[str, Quality] = {}
    weights: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for a in agents:
        name = (users.get(a.key) if a.key is not None else None) or "—"
        t = teams.setdefault(name, Quality(None, name))
        t.contacts += a.contacts
        t.handled += a.handled
        t.breached += a.breached
        t.caused += a.caused
        t.qa_n += a.qa_n
        t.surveyed_n += a.surveyed_n
        if a.key is not None:
            t.members.append(a.key)
        w = weights[name]
        if a.qa_score is not None:
            w["qa"] += a.qa_score * a.qa_n
        if a.surveyed is not None:
            w["survey"] += a.surveyed * a.surveyed_n
        if a.predicted is not None:
            w["pred"] += a.predicted
            w["pred_n"] += 1
    for name, t in teams.items():
        w = weights[name]
        t.qa_score = round(w["qa"] / t.qa_n, 1) if t.qa_n else None
        t.surveyed = round(w["survey"] / t.surveyed_n, 2) if t.surveyed_n else None
        t.predicted = round(w["pred"] / w["pred_n"], 1) if w["pred_n"] else None
    return sorted(teams.values(), key=lambda t: (-t.contacts, t.name))
