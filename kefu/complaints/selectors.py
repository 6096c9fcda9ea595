"""Reads of complaints, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.complaints import flow
from kefu.complaints.flow import Action, State
from kefu.complaints.models import Complaint, ComplaintEvent, Proposal
from kefu.customers.models import Customer


def visible_complaints(user: User) -> QuerySet[Complaint]:
    """Complaints ``user`` may see: supervisors and QA see all; others see their own work."""
    qs = Complaint.objects.all()
    if user.can(Cap.COMPLAINT_VIEW_ALL):
        return qs
    # The account manager's customers as a subquery, not a join: OR-ed with a join, PostgreSQL
    # hashes the whole customer table for every count (≈200 ms at 100k customers).
    managed = Customer.objects.filter(account_manager=user).values("pk")
    # Anyone who acted on a complaint keeps sight of it (e.g. after rejecting or reassigning it).
    acted_on = ComplaintEvent.objects.filter(actor=user).values("complaint_id")
    scope = Q(created_by=user) | Q(handler=user) | Q(customer_id__in=managed) | Q(pk__in=acted_on)
    if user.department_id and user.can(Cap.COMPLAINT_HANDLE):
        scope |= Q(handling_department_id=user.department_id)
    if user.can(Cap.COMPLAINT_JUDGE):
        scope |= Q(state__in=[State.RECORDED, State.ACCEPTED])
    if user.can(Cap.COMPLAINT_FOLLOW_UP):
        scope |= Q(state=State.IMPLEMENTED)
    return qs.filter(scope)


def complaint_get_for_user(*, pk: int, user: User) -> Complaint:
    """The complaint or 404 — the getter every complaint view starts with."""
    try:
        return (
            visible_complaints(user)
            .select_related("customer", "handler", "handling_department", "responsible_department", "created_by")
            .get(pk=pk)
        )
    except (Complaint.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("complaint not found") from exc


def with_pending_proposer(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate who made the pending proposal, so ``complaint_actions_for`` over a list costs no extra queries."""
    pending = Proposal.objects.filter(complaint=OuterRef("pk"), decision=Proposal.Decision.PENDING)
    first = pending.order_by("proposed_at", "pk").values("proposed_by_id")[:1]
    return qs.annotate(pending_proposer_id=Subquery(first))


def _pending_proposer_id(complaint: Complaint) -> int | None:
    if hasattr(complaint, "pending_proposer_id"):  # from ``with_pending_proposer``
        return complaint.pending_proposer_id  # type: ignore[no-any-return]
    return complaint.proposals.filter(decision="pending").values_list("proposed_by_id", flat=True).first()


def complaint_actions_for(*, complaint: Complaint, user: User) -> list[Action]:
    """The actions ``user`` may take next on ``complaint`` (state + capabilities + handler scope)."""
    actions = flow.actions_for(complaint.state, {c.value for c in user.caps})
    department_work = {Action.ANALYSE, Action.PROPOSE, Action.IMPLEMENT}
    if not user.can(Cap.COMPLAINT_VIEW_ALL) and complaint.handler_id != user.pk and (
        complaint.handling_department_id is None or complaint.handling_department_id != user.department_id
    ):
        actions = [a for a in actions if a not in department_work]
    if Action.REOPEN in actions:  # follow-up is one form; the outcome picks FOLLOW_UP or REOPEN
        actions.remove(Action.REOPEN)
    if complaint.state == State.PENDING_APPROVAL and Action.APPROVE in actions:
        pending = _pending_proposer_id(complaint)
        if pending == user.pk:
            actions = [a for a in actions if a not in (Action.APPROVE, Action.SEND_BACK)]
    return actions


def queue_for(user: User) -> QuerySet[Complaint]:
    """The user's work queue: open complaints waiting on something this user does."""
    caps = {c.value for c in user.caps}
    states = [
        state
        for state in flow.OPEN_STATES
        if flow.actions_for(state, caps)
    ]
    qs = visible_complaints(user).filter(state__in=states)
    if not user.can(Cap.COMPLAINT_VIEW_ALL) and user.can(Cap.COMPLAINT_HANDLE):
        dept_states = [State.ASSIGNED, State.ANALYSED, State.APPROVED]
        mine = Q(handler=user) | Q(handling_department_id=user.department_id, handler__isnull=True)
        qs = qs.filter(~Q(state__in=dept_states) | mine)
    return qs.select_related("customer", "handler", "handling_department").order_by(
        "-priority", "step_due_at", "pk"
    )


def overdue_q(now: datetime) -> Q:
    """Open complaints whose current step is past its deadline or flagged by the SLA sweep.

    The one definition of "overdue": the workbench, the list filter and the API all use it.
    """
    return ~Q(state=State.CLOSED) & (Q(sla_breached=True) | Q(step_due_at__lt=now))


def overdue_first(qs: QuerySet[Complaint], now: datetime) -> QuerySet[Complaint]:
    """Overdue complaints first, then by priority and the nearest step deadline."""
    late = Case(When(overdue_q(now), then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.annotate(late=late).order_by("-late", "-priority", "step_due_at", "pk")


def queue_counters(queue: QuerySet[Complaint], now: datetime) -> dict[str, int]:
    """The workbench counters of a queue, in one query."""
    return queue.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_q(now)),
        awaiting_approval=Count("pk", filter=Q(state=State.PENDING_APPROVAL)),
        regulator=Count("pk", filter=Q(is_regulator=True)),
    )


@dataclass(frozen=True)
class ComplaintFilter:
    """What a complaint list is narrowed to; the list page and the API both build one.

    ``None`` means "either way" for the yes/no filters; ``state`` may also be ``"open"``.
    Dates are whole local days, inclusive.
    """

    state: str = ""
    channel: str = ""
    severity: str = ""
    regulator: bool | None = None
    repeat: bool | None = None
    overdue: bool | None = None
    casebook: bool | None = None
    department_id: int | None = None
    handler_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def complaint_list(*, user: User, filters: ComplaintFilter, now: datetime) -> QuerySet[Complaint]:
    """The complaints ``user`` may see that match ``filters``, newest first."""
    qs = visible_complaints(user)
    if filters.state == "open":
        qs = qs.exclude(state=State.CLOSED)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    exact = {
        "channel": filters.channel,
        "severity": filters.severity,
        "handling_department_id": filters.department_id,
        "handler_id": filters.handler_id,
        "customer_id": filters.customer_id,
        "is_regulator": filters.regulator,
        "is_repeat": filters.repeat,
        "in_casebook": filters.casebook,
    }
    qs = qs.filter(**{field: value for field, value in exact.items() if value not in (None, "")})
    if filters.overdue is not None:
        late = overdue_q(now)
        qs = qs.filter(late) if filters.overdue else qs.exclude(late)
    if filters.date_from:
        qs = qs.filter(received_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(received_at__lt=_day_start(filters.date_to) + timedelta(days=1))
    return qs.order_by("-received_at", "-pk")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
