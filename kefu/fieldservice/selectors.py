"""Reads of work orders, always scoped to what the user may see; the board, the day and the report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.fieldservice import checklists, process
from kefu.fieldservice.models import ChecklistRun, Confirmation, FollowUpCall, Shift, WorkOrder
from kefu.fieldservice.process import State
from kefu.lib.dates import day_start

ONSITE_CAPS = frozenset({Cap.ONSITE_DISPATCH, Cap.ONSITE_WORK, Cap.ONSITE_VIEW})


def visible_orders(user: User) -> QuerySet[WorkOrder]:
    """Dispatchers and managers see every order; a technician their own; an account manager their customers';
    the service centre the orders awaiting a confirming call."""
    qs = WorkOrder.objects.all()
    if not user.is_active:
        return qs.none()
    if user.can(Cap.ONSITE_VIEW) or user.can(Cap.ONSITE_DISPATCH):
        return qs
    scope = Q(customer__account_manager=user)
    if user.can(Cap.ONSITE_WORK):
        scope |= Q(technician=user)
    if user.can(Cap.COMPLAINT_FOLLOW_UP):
        scope |= Q(state=State.FIXED)
    return qs.filter(scope)


def order_get_for_user(*, pk: Any, user: User) -> WorkOrder:
    try:
        return visible_orders(user).select_related("customer", "technician", "created_by").get(pk=int(pk))
    except (WorkOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("work order not found") from exc


def sees_full_address(user: User, order: WorkOrder) -> bool:
    """Only the assigned technician of an open order may reveal the address for the visit."""
    return order.technician_id == user.pk and order.state in process.OPEN_STATES and user.can(Cap.ONSITE_WORK)


def reschedule_requested(order: WorkOrder) -> str | None:
    """What the customer wrote when asking for another time through the link (may be ""), while the
    request is open: the order is still booked and nobody has rebooked it; None when there is none."""
    if order.state != State.BOOKED or order.confirmation != Confirmation.CHANGE:
        return None
    event = order.events.filter(action="customer_change").order_by("-seq").first()
    return event.reason if event else ""


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = day_start(day)
    return start, day_start(day + timedelta(days=1))


# ---------------------------------------------------------------- the technician's day


def technician_day(*, user: User, day: date) -> list[WorkOrder]:
    """The technician's visits on ``day`` in route order (window, then the dispatcher's sequence)."""
    start, end = local_day_bounds(day)
    return list(
        WorkOrder.objects.filter(technician=user, window_start__gte=start, window_start__lt=end)
        .exclude(state=State.CANCELLED)
        .select_related("customer")
        .only("pk", "number", "order_type", "state", "version", "window_start", "window_end", "area", "address",
              "equipment", "description", "arrival", "route_seq", "priority", "customer__name", "contact_name")
        .order_by("window_start", "route_seq", "pk")
    )


# ---------------------------------------------------------------- dispatch board


@dataclass
class TechLoad:
    pk: int
    name: str
    username: str
    area: str
    orders: list[Any] = field(default_factory=list)  # rows with pk, number, order_type, state, window_start…
    free: list[datetime] = field(default_factory=list)

    @property
    def load(self) -> int:
        return len(self.orders)


@dataclass
class Board:
    day: date
    area: str
    areas: list[str]
    unassigned: list[Any]  # rows with pk, number, order_type, area, due_at, confirmation, reopen_count, version
    technicians: list[TechLoad]
    late: set[int]
    at_risk: set[int]


def board(*, day: date, area: str = "", now: datetime | None = None, unassigned_limit: int = 100) -> Board:
    """Orders to book (most urgent first) and the day's technicians with their visits and free windows.

    Late: the window has ended without an arrival, or the promised time passed while open. At risk: the
    window starts within 30 minutes and the technician has not left, or the promise falls due within 2 hours.
    A fixed number of queries whatever the size; orders are read as plain rows (no model instances: the
    board of every area holds a thousand of them).
    """
    now = now or timezone.now()
    start, end = local_day_bounds(day)
    shifts = Shift.objects.filter(day=day).order_by("area", "technician__full_name")
    if area:
        shifts = shifts.filter(area=area)
    techs = {
        pk: TechLoad(pk, full_name or username, username, shift_area)
        for pk, shift_area, full_name, username in shifts.values_list(
            "technician_id", "area", "technician__full_name", "technician__username"
        )
    }
    booked: list[Any] = list(
        WorkOrder.objects.filter(technician_id__in=list(techs), window_start__gte=start, window_start__lt=end)
        .exclude(state=State.CANCELLED)
        .order_by("window_start", "route_seq")
        .values_list("pk", "number", "order_type", "state", "window_start", "window_end", "departed_at", "arrived_at",
                     "technician_id", named=True)
    )
    for order in booked:
        techs[order.technician_id].orders.append(order)
    bookable = [
        slot for slot in (
            timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
            for hour in process.WINDOW_STARTS
        ) if slot + timedelta(hours=process.WINDOW_HOURS) > now
    ]
    for tech in techs.values():
        taken = {o.window_start for o in tech.orders if o.state in process.OPEN_STATES}
        tech.free.extend(slot for slot in bookable if slot not in taken)
    unassigned_qs = WorkOrder.objects.filter(state=State.NEW)
    if area:
        unassigned_qs = unassigned_qs.filter(area=area)
    unassigned: list[Any] = list(
        unassigned_qs.order_by("-priority", "due_at").values_list(
            "pk", "number", "order_type", "area", "due_at", "confirmation", "reopen_count", "version", named=True
        )[:unassigned_limit]
    )
    late: set[int] = set()
    risk: set[int] = set()
    for order in booked:
        if order.state not in process.OPEN_STATES or order.window_start is None or order.window_end is None:
            continue
        if order.arrived_at is None and order.window_end < now:
            late.add(order.pk)
        elif process.late_risk(window_start=order.window_start, window_end=order.window_end, now=now,
                               departed=order.departed_at is not None) and order.arrived_at is None:
            risk.add(order.pk)
    for row in unassigned:
        if row.due_at < now:
            late.add(row.pk)
        elif row.due_at < now + timedelta(hours=2):
            risk.add(row.pk)
    return Board(day, area, [], unassigned, sorted(techs.values(), key=lambda t: (t.area, t.load)), late, risk)


def areas_on(day: date) -> list[str]:
    """The areas with a technician on duty on ``day``."""
    return sorted(set(Shift.objects.filter(day=day).values_list("area", flat=True).distinct()))


def free_slots(*, day: date, area: str = "", now: datetime | None = None) -> list[tuple[TechLoad, datetime]]:
    """(technician, window start) pairs that can still be booked on ``day``, emptiest technicians first."""
    b = board(day=day, area=area, now=now, unassigned_limit=0)
    pairs = [(t, slot) for t in sorted(b.technicians, key=lambda t: t.load) for slot in t.free]
    return sorted(pairs, key=lambda p: (p[1], p[0].load))


def follow_up_queue() -> QuerySet[FollowUpCall]:
    return (
        FollowUpCall.objects.filter(done_at__isnull=True)
        .select_related("order", "order__customer", "order__technician")
        .order_by("due_at")
    )


# ---------------------------------------------------------------- report and the five-gap selectors


def _finished_between(start: datetime, end: datetime) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(finished_at__gte=start, finished_at__lt=end, outcome="fixed")


def kept_appointment_rate(start: datetime, end: datetime) -> tuple[float | None, int]:
    """Share of visits that arrived within (or before) the booked window (onsite.arrive_early), and n."""
    arrived = WorkOrder.objects.filter(arrived_at__gte=start, arrived_at__lt=end).exclude(arrival="")
    n = arrived.count()
    if not n:
        return None, 0
    kept = arrived.filter(arrival__in=[a.value for a in process.KEPT]).count()
    return kept / n, n


def _stage_count() -> int:
    return len(checklists.onsite().stages)


def checklist_compliance(start: datetime, end: datetime) -> tuple[float | None, int]:
    """Share of finished visits with every stage checklist recorded, and n."""
    finished = _finished_between(start, end)
    n = finished.count()
    if not n:
        return None, 0
    complete = finished.annotate(
        stages=Count("checklists__stage", distinct=True)
    ).filter(stages__gte=_stage_count()).count()
    return complete / n, n


METRICS = ("on_time", "first_fix", "repeat", "checklist", "mot", "feedback")


def metric_orders(metric: str, start: datetime, end: datetime) -> QuerySet[WorkOrder]:
    """The orders behind one number of the report (the denominator; the list shows each one's value)."""
    if metric == "on_time":
        return WorkOrder.objects.filter(arrived_at__gte=start, arrived_at__lt=end).exclude(arrival="")
    return _finished_between(start, end)


@dataclass
class Row:
    key: str
    label: str
    n: int = 0
    on_time: float | None = None
    first_fix: float | None = None
    repeat: int = 0
    checklist: float | None = None
    mot: float | None = None
    feedback: float | None = None


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def report(*, start: datetime, end: datetime, by: str = "technician") -> list[Row]:
    """On-time arrival, first-time fix, repeat visits within 30 days, checklist compliance, average MOT and
    feedback, per technician (``by="technician"``) or per area. A few grouped queries."""
    key = "technician_id" if by == "technician" else "area"
    finished = _finished_between(start, end)
    arrivals = metric_orders("on_time", start, end)
    rows: dict[Any, Row] = {}

    def row(k: Any) -> Row:
        return rows.setdefault(k, Row(str(k), str(k)))

    for k, n, kept in arrivals.values_list(key).annotate(
        n=Count("pk"), kept=Count("pk", filter=Q(arrival__in=[a.value for a in process.KEPT]))
    ).values_list(key, "n", "kept"):
        row(k).on_time = _ratio(kept, n)
    repeat_exists = WorkOrder.objects.filter(
        customer_id=OuterRef("customer_id"), created_at__gt=OuterRef("finished_at"),
        created_at__lte=OuterRef("finished_at") + timedelta(days=30),
    )
    complete = Count("checklists__stage", distinct=True)
    stage_n = _stage_count()
    per = finished.annotate(stages=complete, repeat=Exists(repeat_exists)).values(
        key, "visits", "reopen_count", "stages", "repeat", "mot", "feedback_score"
    )
    acc: dict[Any, dict[str, Any]] = defaultdict(lambda: {"n": 0, "first": 0, "repeat": 0, "full": 0, "mot": [],
                                                          "fb": []})
    for r in per:
        a = acc[r[key]]
        a["n"] += 1
        a["first"] += int(r["visits"] <= 1 and r["reopen_count"] == 0)
        a["repeat"] += int(bool(r["repeat"]))
        a["full"] += int(r["stages"] >= stage_n)
        a["mot"].extend(v for v in (r["mot"] or {}).values() if isinstance(v, int))
        if r["feedback_score"]:
            a["fb"].append(r["feedback_score"])
    for k, a in acc.items():
        rw = row(k)
        rw.n = a["n"]
        rw.first_fix = _ratio(a["first"], a["n"])
        rw.repeat = a["repeat"]
        rw.checklist = _ratio(a["full"], a["n"])
        rw.mot = sum(a["mot"]) / len(a["mot"]) if a["mot"] else None
        rw.feedback = sum(a["fb"]) / len(a["fb"]) if a["fb"] else None
    if by == "technician":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in rows if k is not None])}
        for k, rw in rows.items():
            rw.label = names.get(k, "—")
    return sorted(rows.values(), key=lambda r: r.label)


def average_feedback(start: datetime, end: datetime) -> float | None:
    value = _finished_between(start, end).aggregate(v=Avg("feedback_score"))["v"]
    return float(value) if value is not None else None


def checklist_runs(order: WorkOrder) -> dict[str, ChecklistRun]:
    from kefu.fieldservice.services import current_visit

    return {r.stage: r for r in ChecklistRun.objects.filter(order=order, visit=current_visit(order))}
