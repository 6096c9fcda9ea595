"""How complaints read on a page: queue rows with their SLA countdown, the progress bar, the
approval box, the timeline and the classification labels. Pure presentation: no writes, no requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Cap, Role
from kefu.complaints import flow, selectors, sla
from kefu.complaints.choices import (
    Cause,
    CauseCategory,
    ComplainerIntent,
    ComplainerType,
    ContactMethod,
    Degree,
    Hotspot,
    Need,
    Remedy,
    Severity,
)
from kefu.complaints.flow import State
from kefu.complaints.models import STATE_LABELS, Complaint, ComplaintEvent, Proposal
from kefu.customers.choices import Channel
from kefu.lib.workcal import Countdown

# ---------------------------------------------------------------- queue rows


@dataclass(frozen=True)
class Row:
    """A complaint in a queue or list, with the countdown of its current step."""

    complaint: Complaint
    countdown: Countdown | None
    overdue: bool


def countdown(complaint: Complaint, due: datetime | None, now: datetime, *, flagged: bool = False) -> Countdown | None:
    """The countdown to ``due`` for an open complaint, on the clock its deadlines run on."""
    if due is None or not complaint.is_open:
        return None
    return sla.countdown(due=due, now=now, regulator=complaint.is_regulator, flagged=flagged)


def rows(complaints: Iterable[Complaint], now: datetime) -> list[Row]:
    out = []
    for c in complaints:
        step = countdown(c, c.step_due_at, now, flagged=c.sla_breached)
        out.append(Row(c, step, step is not None and step.overdue))
    return out


# What a queue or list row shows; the long texts stay in the database (they would be sorted too).
TABLE_COLUMNS = (
    "number", "state", "priority", "received_at", "complainant_name", "subject", "channel", "severity",
    "is_regulator", "is_repeat", "step_due_at", "sla_breached",
    "customer__name", "customer__tier",
    "handler__username", "handler__full_name",
    "handling_department__name",
)


def table(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.select_related("customer", "handler", "handling_department").only(*TABLE_COLUMNS)


def in_order(ids: list[int], qs: QuerySet[Complaint]) -> list[Complaint]:
    """The complaints ``ids`` in that order.

    A long queue is ordered on its narrow sort key alone and only the page's rows
    are fetched with their joins: sorting 20,000 joined rows costs ~100 ms at scale.
    """
    by_pk = {c.pk: c for c in qs.filter(pk__in=ids)}
    return [by_pk[pk] for pk in ids if pk in by_pk]



# ---------------------------------------------------------------- detail helpers


@dataclass(frozen=True)
class Approval:
    """What the approver decides on, and whether it is within their authority (complaint.authority)."""

    proposal: Proposal
    limit: Decimal | None
    over_limit: bool
    own: bool  # the viewer made this proposal: someone else must decide
    escalated_to: str | Promise  # the role it went up to, or ""
    escalate_to: str | Promise  # the role it would go up to if escalated now, or ""


def approval(proposals: list[Proposal], user: User) -> Approval | None:
    """The pending proposal as the viewer should read it, or None when nothing awaits approval."""
    pending = [p for p in proposals if p.decision == Proposal.Decision.PENDING]
    if not pending or (not user.can(Cap.COMPLAINT_APPROVE) and not any(p.proposed_by_id == user.pk for p in pending)):
        return None
    proposal = pending[-1]
    limit = selectors.approval_limit(user)
    over = limit is not None and proposal.amount > limit
    labels = dict(Role.choices)
    return Approval(
        proposal=proposal,
        limit=limit,
        over_limit=over,
        own=proposal.proposed_by_id == user.pk,
        escalated_to=labels.get(proposal.escalated_to, proposal.escalated_to) if proposal.escalated_to else "",
        escalate_to=labels[selectors.approver_role_for(proposal.amount)] if over and not proposal.escalated_to else "",
    )


@dataclass(frozen=True)
class Step:
    state: State
    label: str | Promise
    status: str  # done | current | todo | skipped


def progress(complaint: Complaint) -> list[Step]:
    """The nine steps of ``flow.STEP_ORDER`` with the current one marked (an invalid complaint skips to closed)."""
    current = flow.step_index(complaint.state)
    invalid = complaint.closed_outcome == "invalid"
    steps = []
    for index, state in enumerate(flow.STEP_ORDER):
        if index == current:
            status = "current"
        elif invalid and 0 < index < current:
            status = "skipped"
        elif index < current:
            status = "done"
        else:
            status = "todo"
        steps.append(Step(state, STATE_LABELS[state], status))
    return steps


@dataclass(frozen=True)
class SlaView:
    step: Countdown | None
    overall: Countdown | None

    @property
    def overdue(self) -> bool:
        return self.step is not None and self.step.overdue


def sla_view(complaint: Complaint, now: datetime) -> SlaView:
    return SlaView(
        step=countdown(complaint, complaint.step_due_at, now, flagged=complaint.sla_breached),
        overall=countdown(complaint, complaint.due_at, now),
    )


ACTION_LABELS: dict[str, str | Promise] = {
    "record": gettext_lazy("Recorded the complaint"),
    "accept": gettext_lazy("Judged valid"),
    "reject": gettext_lazy("Judged invalid and closed"),
    "assign": gettext_lazy("Assigned the department and handler"),
    "reassign": gettext_lazy("Reassigned the department and handler"),
    "analyse": gettext_lazy("Analysed the cause"),
    "propose": gettext_lazy("Proposed a remedy"),
    "approve": gettext_lazy("Approved the proposal"),
    "send_back": gettext_lazy("Sent the proposal back"),
    "escalate": gettext_lazy("Escalated the proposal for approval"),
    "implement": gettext_lazy("Implemented and notified the customer"),
    "follow_up": gettext_lazy("Followed up: customer satisfied"),
    "reopen": gettext_lazy("Followed up: customer dissatisfied, reopened"),
    "review": gettext_lazy("Reviewed and closed"),
    "classify": gettext_lazy("Reclassified"),
    "sla_breach": gettext_lazy("Step deadline missed"),
}
ACTION_TONES = {
    "record": "info", "accept": "info", "reject": "neutral", "approve": "success", "send_back": "danger",
    "implement": "success", "follow_up": "success", "reopen": "danger", "review": "success",
    "sla_breach": "danger",
}

# Labels of the keys of ``ComplaintEvent.data`` that are not Complaint fields.
EXTRA_DATA_LABELS: dict[str, str | Promise] = {
    "remedy": gettext_lazy("Remedy"),
    "amount": gettext_lazy("Amount (yuan)"),
    "plan": gettext_lazy("Plan"),
    "method": gettext_lazy("Method"),
    "done": gettext_lazy("Remedy carried out"),
    "helped": gettext_lazy("It helped"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "repeat_of": gettext_lazy("Repeat of"),
    "step_due_at": gettext_lazy("Step due"),
    "escalated_to": gettext_lazy("Escalated to"),
}
# Bookkeeping that means nothing to a reader of the timeline.
HIDDEN_DATA = frozenset({"priority", "reopen_count", "notified_at", "closed_outcome", "proposal", "version"})

CHOICES_BY_KEY: dict[str, dict[str, str | Promise]] = {
    "channel": dict(Channel.choices),
    "severity": dict(Severity.choices),
    "cause": dict(Cause.choices),
    "cause_category": dict(CauseCategory.choices),
    "hotspot": dict(Hotspot.choices),
    "needs": dict(Need.choices),
    "degrees": dict(Degree.choices),
    "complainer_type": dict(ComplainerType.choices),
    "complainer_intent": dict(ComplainerIntent.choices),
    "remedy": dict(Remedy.choices),
    "method": dict(ContactMethod.choices),
    "notified_via": dict(ContactMethod.choices),
}
_DEPARTMENT_KEYS = ("handling_department", "responsible_department")


@dataclass(frozen=True)
class EventRow:
    event: ComplaintEvent
    title: str | Promise
    tone: str
    from_label: str | Promise
    to_label: str | Promise
    changes: list[tuple[str | Promise, str]]


def event_rows(events: Iterable[ComplaintEvent]) -> list[EventRow]:
    events = list(events)
    department_ids = {e.data.get(k) for e in events for k in _DEPARTMENT_KEYS if e.data.get(k)}
    user_ids = {e.data.get("handler") for e in events if e.data.get("handler")}
    complaint_ids = {e.data.get("repeat_of") for e in events if e.data.get("repeat_of")}
    # One query per kind of reference, only when the history holds any.
    names: dict[str, dict[Any, str]] = {
        "department": {d.pk: str(d) for d in Department.objects.filter(pk__in=department_ids)} if department_ids else {},
        "user": {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {},
        "complaint": {pk: number or str(pk) for pk, number in Complaint.objects.filter(pk__in=complaint_ids).values_list("pk", "number")}
        if complaint_ids
        else {},
    }
    rows = []
    for event in events:
        moved = event.from_state and event.to_state and event.from_state != event.to_state
        rows.append(
            EventRow(
                event=event,
                title=ACTION_LABELS.get(event.action, event.action),
                tone=ACTION_TONES.get(event.action, "accent"),
                from_label=STATE_LABELS.get(event.from_state, "") if moved else "",  # type: ignore[call-overload]
                to_label=STATE_LABELS.get(event.to_state, "") if moved else "",  # type: ignore[call-overload]
                changes=_changes(event.data or {}, names, reason=event.reason),
            )
        )
    return rows


def _changes(
    data: dict[str, Any], names: dict[str, dict[Any, str]], *, reason: str = ""
) -> list[tuple[str | Promise, str]]:
    out: list[tuple[str | Promise, str]] = []
    for key, value in data.items():
        # The reason is shown once above the changes; a field holding the same text is not repeated.
        if key in HIDDEN_DATA or value in (None, "", []) or (reason and value == reason):
            continue
        out.append((_data_label(key), _data_value(key, value, names)))
    return out


def _data_label(key: str) -> str | Promise:
    if key in EXTRA_DATA_LABELS:
        return EXTRA_DATA_LABELS[key]
    try:
        return Complaint._meta.get_field(key).verbose_name  # type: ignore[union-attr]
    except FieldDoesNotExist:  # an unknown key is shown as is
        return key


def _data_value(key: str, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in _DEPARTMENT_KEYS:
        return names["department"].get(value, str(value))
    if key == "handler":
        return names["user"].get(value, str(value))
    if key == "repeat_of":
        return names["complaint"].get(value) or str(value)
    choices = CHOICES_BY_KEY.get(key)
    if choices is not None:
        values = value if isinstance(value, list) else [value]
        return "、".join(str(choices.get(v, v)) for v in values)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if key.endswith("_at") and isinstance(value, str):
        try:
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def classification_labels(complaint: Complaint) -> dict[str, str]:
    return {
        "needs": "、".join(str(dict(Need.choices).get(v, v)) for v in complaint.needs or []),
        "degrees": "、".join(str(dict(Degree.choices).get(v, v)) for v in complaint.degrees or []),
    }
