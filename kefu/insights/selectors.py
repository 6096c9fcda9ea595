"""Reads for the insight pages: aggregated in the database, from the summaries where they would scan millions.

Implements the analytics of complaint.causes, complaint.focus_telecom, complaint.needs,
complaint.six_degrees, complaint.channels, complaint.process.penalty (remedy cost),
complaint.prevent and complaint.improve.casebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Cap
from kefu.complaints.choices import Cause, CauseCategory, Degree, Hotspot, Need, Severity
from kefu.complaints.flow import State
from kefu.complaints.models import STATE_LABELS, Complaint, ComplaintEvent
from kefu.complaints.selectors import visible_complaints
from kefu.customers.choices import REGULATOR_CHANNELS, Channel
from kefu.insights.models import ComplaintFact, ComplaintStat
from kefu.insights.summary import DEGREE_BITS, FIELDS, NEED_BITS
from kefu.lib import ratelimit
from kefu.lib.dates import EARLIEST, LATEST, day_start
from kefu.lib.errors import InvalidInput
from kefu.lib.params import parse_id

MAX_DAYS = 3 * 366  # a report over more than three years is a data export, not a page


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before (for period-over-period change)."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


def period(start: date | None, end: date | None, *, today: date) -> Period:
    """The period asked for, checked: defaults to the last 12 weeks; impossible ranges are refused."""
    end = end or today
    start = start or (end - timedelta(days=83))
    errors = {}
    if not (EARLIEST <= start <= LATEST):
        errors["date_from"] = _("Enter a date between 1900 and 2100.")
    if not (EARLIEST <= end <= LATEST):
        errors["date_to"] = _("Enter a date between 1900 and 2100.")
    if not errors and start > end:
        errors["date_to"] = _("The start date must not be after the end date.")
    if not errors and (end - start).days + 1 > MAX_DAYS:
        errors["date_to"] = _("At most three years at a time; export the data for longer periods.")
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors=errors)
    return Period(start, end)


# --- labels -------------------------------------------------------------------------------------

def title(dim: str) -> str:
    titles = {
        "channel": _("Channel"), "cause_category": _("Cause category"), "cause": _("Cause"),
        "hotspot": _("Hot spot"), "department": _("Department at fault"), "severity": _("Severity"),
        "need": _("Customer needs"), "degree": _("Six degrees"), "regulator": _("Regulator channel"),
        "step": _("Process step"), "all": _("All complaints"),
    }
    return str(titles.get(dim, dim))


def labeller(dim: str) -> Mapping[str, str]:
    choices: dict[str, Any] = {
        "channel": Channel, "regulator": Channel, "cause_category": CauseCategory, "cause": Cause,
        "hotspot": Hotspot, "severity": Severity, "need": Need, "degree": Degree,
    }
    if dim in choices:
        return {c.value: str(c.label) for c in choices[dim]}
    if dim == "department":
        return {str(pk): name for pk, name in Department.objects.values_list("pk", "name")}
    if dim == "step":
        return {s.value: str(label) for s, label in STATE_LABELS.items()}
    return {}


def label_of(labels: Mapping[str, str], value: str) -> str:
    return labels.get(value) or (str(_("Not classified")) if value == "" else str(_("Other")))


# --- dashboard tables ---------------------------------------------------------------------------


@dataclass
class Row:
    value: str
    label: str
    n: int
    previous: int
    closed: int
    close_hours: float
    breached: int
    repeat: int
    regulator: int
    remedy: Decimal
    share: float = 0.0  # of the period's complaints (%)
    cumulative: float = 0.0  # Pareto: running share (%)

    @property
    def change(self) -> float | None:
        """Period-over-period change (%); None when the previous period had none."""
        return None if not self.previous else round((self.n - self.previous) * 100 / self.previous, 1)

    @property
    def mean_close_hours(self) -> float | None:
        return round(self.close_hours / self.closed, 1) if self.closed else None

    @property
    def sla_rate(self) -> float | None:
        """Share without an overrun (%)."""
        return round((self.n - self.breached) * 100 / self.n, 1) if self.n else None

    @property
    def repeat_rate(self) -> float | None:
        return round(self.repeat * 100 / self.n, 1) if self.n else None


def _sums(p: Period, prev: Period) -> dict[str, Any]:
    now = Q(day__gte=p.start, day__lte=p.end)
    return {
        "n_now": Sum("n", filter=now), "n_prev": Sum("n", filter=Q(day__gte=prev.start, day__lte=prev.end)),
        "closed_s": Sum("closed", filter=now), "hours_s": Sum("close_hours", filter=now),
        "breached_s": Sum("breached", filter=now), "repeat_s": Sum("repeat", filter=now),
        "regulator_s": Sum("regulator", filter=now), "remedy_s": Sum("remedy", filter=now),
    }


def dimension(dim: str, p: Period) -> list[Row]:
    """One dimension's rows for the period (from the summary), largest first, with the previous period."""
    return dimensions((dim,), p)[dim]


def dimensions(dims: tuple[str, ...], p: Period) -> dict[str, list[Row]]:
    """Several dimensions in one query over the summary (the dashboard asks for all of them at once)."""
    prev = p.previous()
    sources = {"channel" if dim == "regulator" else dim for dim in dims}
    if {"need", "degree"} & set(dims):
        sources.add("all")
    grouped = (ComplaintStat.objects.filter(dim__in=sorted(sources), day__gte=prev.start, day__lte=p.end)
               .values("dim", "value").annotate(**_sums(p, prev)))
    raw: dict[str, list[dict[str, Any]]] = {}
    for g in grouped:
        raw.setdefault(g["dim"], []).append(g)
    total = sum(g["n_now"] or 0 for g in raw.get("all", []))
    regulators = {str(c) for c in REGULATOR_CHANNELS}
    out: dict[str, list[Row]] = {}
    for dim in dims:
        labels = labeller(dim)
        source = raw.get("channel" if dim == "regulator" else dim, [])
        if dim == "regulator":
            source = [g for g in source if g["value"] in regulators]
        rows = [
            Row(g["value"], label_of(labels, g["value"]), g["n_now"] or 0, g["n_prev"] or 0, g["closed_s"] or 0,
                g["hours_s"] or 0.0, g["breached_s"] or 0, g["repeat_s"] or 0, g["regulator_s"] or 0,
                Decimal(g["remedy_s"] or 0))
            for g in source
        ]
        out[dim] = _finish(rows, total=total if dim in ("need", "degree") else None)
    return out


def _finish(rows: list[Row], total: int | None = None) -> list[Row]:
    rows = [r for r in rows if r.n or r.previous]
    rows.sort(key=lambda r: (-r.n, -r.previous, r.label))
    base = total if total is not None else sum(r.n for r in rows)
    running = 0
    for r in rows:
        running += r.n
        r.share = round(r.n * 100 / base, 1) if base else 0.0
        r.cumulative = round(running * 100 / base, 1) if base and total is None else 0.0
    return rows


def _total(p: Period) -> int:
    return ComplaintStat.objects.filter(dim="all", day__gte=p.start, day__lte=p.end).aggregate(n=Sum("n"))["n"] or 0


def totals(p: Period) -> Row:
    """The period's headline figures and the previous period's count."""
    rows = dimension("all", p)
    if rows:
        return rows[0]
    return Row("", str(_("All complaints")), 0, 0, 0, 0.0, 0, 0, 0, Decimal(0))


def steps(p: Period, rows: list[Row] | None = None) -> list[Row]:
    """SLA compliance per process step: steps entered in the period and those that ran over."""
    order = {s.value: i for i, s in enumerate(State)}
    rows = [r for r in (dimension("step", p) if rows is None else rows) if r.value in order and r.value != State.CLOSED]
    rows.sort(key=lambda r: order[r.value])
    for r in rows:
        r.breached = min(r.breached, r.n)
    return rows


@dataclass(frozen=True)
class Bucket:
    start: date
    n: int
    closed: int
    breached: int
    remedy: Decimal


def trend(p: Period, grain: str = "week") -> list[Bucket]:
    """Complaints per week or month of the period (weeks start on Monday)."""
    trunc = TruncMonth("day") if grain == "month" else TruncWeek("day")
    grouped = (
        ComplaintStat.objects.filter(dim="all", day__gte=p.start, day__lte=p.end)
        .annotate(b=trunc).values("b")
        .annotate(n_s=Sum("n"), closed_s=Sum("closed"), breached_s=Sum("breached"), remedy_s=Sum("remedy"))
        .order_by("b")
    )
    return [Bucket(_as_date(g["b"]), g["n_s"] or 0, g["closed_s"] or 0, g["breached_s"] or 0,
                   Decimal(g["remedy_s"] or 0)) for g in grouped]


def _as_date(value: Any) -> date:
    day: date = value.date() if hasattr(value, "date") and callable(value.date) else value
    return day


def bucket_end(start: date, grain: str) -> date:
    if grain == "month":
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return start + timedelta(days=6)


# --- the same from the base tables (the benchmark's baseline, and a check of the summary) -------


def dimension_from_base(dim: str, p: Period) -> list[tuple[str, int]]:
    """Counts per value computed from the complaints themselves (no summary)."""
    field = FIELDS[dim] or "channel"
    qs = Complaint.objects.filter(received_at__gte=day_start(p.start),
                                  received_at__lt=day_start(p.end) + timedelta(days=1))
    if FIELDS[dim] is None:
        return [("", qs.count())]
    return sorted(((str(v if v is not None else ""), n) for v, n in
                   qs.values_list(field).annotate(n=Count("pk")).values_list(field, "n")), key=lambda x: -x[1])


def trend_from_base(p: Period, grain: str = "week") -> list[tuple[date, int]]:
    trunc = TruncMonth("received_at") if grain == "month" else TruncWeek("received_at")
    qs = (Complaint.objects.filter(received_at__gte=day_start(p.start),
                                   received_at__lt=day_start(p.end) + timedelta(days=1))
          .annotate(b=trunc).values("b").annotate(n=Count("pk")).order_by("b"))
    return [(_as_date(g["b"]), g["n"]) for g in qs]


# --- drill-down ---------------------------------------------------------------------------------

DRILL_DIMS = frozenset({*FIELDS, "regulator", "step"})


def drill(*, user: User, dim: str, value: str, p: Period) -> QuerySet[Complaint]:
    """The complaints behind one bar or table row, as the user may see them, newest first.

    Found through the summary's narrow per-complaint rows (:class:`ComplaintFact`, rebuilt with it),
    so the list holds exactly what the figure counted and reads through their indexes.
    """
    if dim not in DRILL_DIMS:
        raise InvalidInput(_("Unknown report dimension."), errors={"dim": dim})
    qs = visible_complaints(user)
    start, end = day_start(p.start), day_start(p.end) + timedelta(days=1)
    if dim == "step":
        late = ComplaintEvent.objects.filter(action="sla_breach", from_state=value, at__gte=start, at__lt=end)
        qs = qs.filter(pk__in=late.values("complaint_id"))
    else:
        qs = qs.filter(pk__in=facts_for(dim, value, start, end).values("complaint_id"))
    return qs.select_related("responsible_department").order_by(
        "-received_at", "-pk")


def drill_keys(*, user: User, dim: str, value: str, p: Period) -> QuerySet[Any]:
    """The ids of :func:`drill`'s complaints in the same order, found in the narrow facts alone.

    A page of the drill-down counts and slices these (index reads over a narrow table), then fetches
    its fifty complaints by id with :func:`complaints_in_order`: the wide complaint rows are never
    scanned, joined or sorted as a whole. Facts are rebuilt with the summary, so this is the set the
    figure counted; a user who may not see every complaint is limited to those they may.
    """
    if dim not in DRILL_DIMS:
        raise InvalidInput(_("Unknown report dimension."), errors={"dim": dim})
    if dim == "step":  # from the events (not in the facts): ordered on the complaints, a few thousand at most
        return drill(user=user, dim=dim, value=value, p=p).select_related(None).values_list("pk", flat=True)
    start, end = day_start(p.start), day_start(p.end) + timedelta(days=1)
    keys = facts_for(dim, value, start, end)
    if not user.can(Cap.COMPLAINT_VIEW_ALL):
        keys = keys.filter(complaint_id__in=visible_complaints(user).values("pk"))
    return keys.order_by("-received_at", "-complaint_id").values_list("complaint_id", flat=True)


@dataclass(frozen=True)
class DrillRow:
    """One complaint of a drill-down page with its labels, looked up once per page.

    (``get_FOO_display`` hashes the whole choice list, translating every label, on each call:
    two hundred calls were a fifth of the page's time.)
    """

    complaint: Complaint
    channel: str
    cause: str
    hotspot: str
    state: str


def drill_rows(ids: list[int]) -> list[DrillRow]:
    """The complaints with these ids, in that order (a page of :func:`drill_keys`), with their labels."""
    found = Complaint.objects.select_related("responsible_department").in_bulk(ids)
    channels, causes, hotspots = labeller("channel"), labeller("cause"), labeller("hotspot")
    states = {str(value): str(label) for value, label in Complaint._meta.get_field("state").flatchoices}
    return [DrillRow(c, channels.get(c.channel, c.channel), causes.get(c.cause, c.cause),
                     hotspots.get(c.hotspot, c.hotspot), states.get(c.state, c.state))
            for c in (found[pk] for pk in ids if pk in found)]


def facts_for(dim: str, value: str, start: Any, end: Any) -> QuerySet[ComplaintFact]:
    facts = ComplaintFact.objects.filter(received_at__gte=start, received_at__lt=end)
    if dim in ("need", "degree"):
        order = NEED_BITS if dim == "need" else DEGREE_BITS
        if value not in order:
            return facts.none()
        field = "needs" if dim == "need" else "degrees"
        return facts.annotate(bit=F(field).bitand(1 << order.index(value))).filter(bit__gt=0)
    if dim == "department":
        if not value:
            return facts.filter(department_id__isnull=True)
        return facts.filter(department_id=parse_id(value) or -1)
    if dim == "regulator":
        return facts.filter(is_regulator=True, **({"channel": value} if value else {}))
    if dim in ("channel", "cause", "cause_category", "hotspot", "severity"):
        return facts.filter(**{dim: value})
    return facts


def casebook(*, user: User, query: str = "", cause: str = "") -> QuerySet[Complaint]:
    """The case book (complaint.improve.casebook): reviewed complaints with their lessons, searchable."""
    # Content holds numbers customers dictated: a search by number counts against the user's limit,
    # so a masked number cannot be confirmed by guessing (RateLimited when over it).
    ratelimit.check_number_search(user.pk, query)
    qs = visible_complaints(user).filter(in_casebook=True)
    if cause:
        qs = qs.filter(cause=cause)
    for word in query.split()[:5]:
        qs = qs.filter(Q(subject__icontains=word) | Q(content__icontains=word) | Q(review_summary__icontains=word)
                       | Q(lessons__icontains=word) | Q(number__icontains=word))
    return qs.select_related("responsible_department").order_by("-closed_at", "-received_at", "-pk")


def harassment_listed(phone_digits: str) -> bool:
    """Whether a number is on the harassment list now (watched or blocked, not expired, not removed).

    For the surveys engineer: no survey goes to such a number. Only digits are compared.
    """
    from kefu.insights.harass import listed_entry

    return listed_entry(phone_digits) is not None
