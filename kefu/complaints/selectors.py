"""Reads of complaints, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from kefu.accounts.models import User
from kefu.accounts.roles import ROLE_CAPS, Cap, Role
from kefu.complaints import flow
from kefu.complaints.flow import Action, State
from kefu.complaints.models import ApprovalLimit, Complaint, ComplaintEvent, Proposal
from kefu.customers.models import Customer
from kefu.lib.dates import day_start


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


# Approval limits when no ApprovalLimit row is configured for a role (complaint.authority).
DEFAULT_APPROVAL_LIMITS: dict[str, Decimal | None] = {
    Role.SUPERVISOR: Decimal(500),
    Role.MANAGER: Decimal(5000),
    Role.ADMIN: None,
}


def approval_limit(user: User) -> Decimal | None:
    """The largest amount ``user`` may approve; ``None`` means unlimited (complaint.authority)."""
    if user.is_superuser:
        return None
    cached: dict[str, Decimal | None] = user.__dict__.setdefault("_approval_limit", {})  # once per request
    if "limit" not in cached:
        cached["limit"] = role_approval_limit(user.role)
    return cached["limit"]


def role_approval_limit(role: str) -> Decimal | None:
    row = ApprovalLimit.objects.filter(role=role).first()
    if row is not None:
        return row.max_amount
    return DEFAULT_APPROVAL_LIMITS.get(role, Decimal(0))


def approver_role_for(amount: Decimal) -> str:
    """The approving role with the smallest limit that covers ``amount`` (unlimited roles last)."""
    approvers = [role for role, caps in ROLE_CAPS.items() if Cap.COMPLAINT_APPROVE in caps and role != Role.ADMIN]
    covering: list[tuple[Decimal, str]] = []
    for role in approvers:
        limit = role_approval_limit(role)
        if limit is None or limit >= amount:
            covering.append((limit if limit is not None else Decimal("Infinity"), role))
    return min(covering)[1] if covering else Role.ADMIN


@dataclass(frozen=True)
class Pending:
    """The pending proposal's facts that decide who may act on it."""

    proposer_id: int | None
    amount: Decimal
    escalated_to: str


def with_pending_proposer(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate the pending proposal (who, how much, escalated to), so ``complaint_actions_for``
    over a list costs no extra queries."""
    pending = Proposal.objects.filter(complaint=OuterRef("pk"), decision=Proposal.Decision.PENDING).order_by(
        "-proposed_at", "-pk"
    )
    return qs.annotate(
        pending_proposer_id=Subquery(pending.values("proposed_by_id")[:1]),
        pending_amount=Subquery(pending.values("amount")[:1]),
        pending_escalated_to=Subquery(pending.values("escalated_to")[:1]),
    )


def _pending(complaint: Complaint) -> Pending:
    if hasattr(complaint, "pending_proposer_id"):  # from ``with_pending_proposer``
        annotated: Any = complaint
        return Pending(
            annotated.pending_proposer_id,
            Decimal(annotated.pending_amount or 0),
            annotated.pending_escalated_to or "",
        )
    row = (
        complaint.proposals.filter(decision=Proposal.Decision.PENDING)
        .order_by("-proposed_at", "-pk")
        .values_list("proposed_by_id", "amount", "escalated_to")
        .first()
    )
    return Pending(*row) if row else Pending(None, Decimal(0), "")


def complaint_actions_for(*, complaint: Complaint, user: User) -> list[Action]:
    """The actions ``user`` may take next on ``complaint`` (state + capabilities + handler scope).

    On a pending proposal: nobody decides on their own; above the user's approval limit
    they may send it back or escalate it (once), not approve it; within it, not escalate.
    """
    actions = flow.actions_for(complaint.state, {c.value for c in user.caps})
    department_work = {Action.ANALYSE, Action.PROPOSE, Action.IMPLEMENT}
    if not user.can(Cap.COMPLAINT_VIEW_ALL) and complaint.handler_id != user.pk and (
        complaint.handling_department_id is None or complaint.handling_department_id != user.department_id
    ):
        actions = [a for a in actions if a not in department_work]
    if Action.REOPEN in actions:  # follow-up is one form; the outcome picks FOLLOW_UP or REOPEN
        actions.remove(Action.REOPEN)
    if complaint.state == State.PENDING_APPROVAL and Action.APPROVE in actions:
        pending = _pending(complaint)
        decisions = (Action.APPROVE, Action.SEND_BACK, Action.ESCALATE)
        if pending.proposer_id == user.pk:
            actions = [a for a in actions if a not in decisions]
        else:
            limit = approval_limit(user)
            if limit is None or pending.amount <= limit:
                actions = [a for a in actions if a != Action.ESCALATE]
            else:
                drop = {Action.APPROVE} | ({Action.ESCALATE} if pending.escalated_to else set())
                actions = [a for a in actions if a not in drop]
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
        qs = qs.filter(received_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(received_at__lt=day_start(filters.date_to) + timedelta(days=1))
    return qs.order_by("-received_at", "-pk")

