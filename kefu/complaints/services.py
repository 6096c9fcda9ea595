"""Writes to complaints. Every change is a conditional update plus an event row.

Views, the API, management commands and jobs call these functions and nothing
else to change a complaint. Each transition service checks (a) the actor's
capability for the action, (b) that the action is allowed from the current
state by ``flow.TRANSITIONS``, and (c) that the complaint is still at the
version the actor saw — the conditional UPDATE makes two concurrent actions
produce exactly one transition; the loser gets ``Conflict``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Cap
from kefu.accounts.services import system_user
from kefu.complaints import flow, notices, sla
from kefu.complaints.choices import (
    CAUSE_CATEGORY,
    SEVERITY_RANK,
    Cause,
    ComplainerIntent,
    ComplainerType,
    ContactMethod,
    Degree,
    Hotspot,
    Need,
    Remedy,
    Severity,
)
from kefu.complaints.flow import Action, State
from kefu.complaints.models import Complaint, ComplaintEvent, FollowUp, Proposal
from kefu.complaints.selectors import approval_limit, approver_role_for
from kefu.customers import services as customer_services
from kefu.customers.choices import REGULATOR_CHANNELS, TIER_RANK, Channel, Tier
from kefu.customers.models import Contact, Customer
from kefu.lib import indexing, outcomes
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.masking import digits_only
from kefu.lib.textnorm import to_simplified
from kefu.workflow import versioned
from kefu.workflow.events import jsonable
from kefu.workflow.versioned import LastChange

# A complaint form may be entered late, but not about a contact from years ago (typo guard).
MAX_BACKDATE_DAYS = 366



# ---------------------------------------------------------------- helpers


def fresh(func: Callable[..., Complaint]) -> Callable[..., Complaint]:
    """Run ``func`` atomically on a freshly read complaint, refusing a stale ``expected_version``.

    Under SQLite's serialised writers the loser of a race reads the winner's
    commit here; under PostgreSQL both may pass and the conditional update in
    ``_write`` picks the winner. Either way the loser gets ``Conflict``.
    """

    @functools.wraps(func)
    @transaction.atomic
    def wrapper(*, complaint: Complaint, expected_version: int | None = None, **kwargs: Any) -> Complaint:
        # Locked until commit (PostgreSQL): a concurrent action waits here, then reads the winner's
        # version and gets Conflict — never a half-applied view such as "no pending proposal" (422).
        # SQLite's IMMEDIATE transactions serialise writers before this read already.
        current = Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
        if current is None:
            raise InvalidInput(_("This complaint no longer exists."))
        if expected_version is not None and current.version != expected_version:
            raise versioned.conflict(_last_change(complaint.pk)(), what=_("complaint"))
        return func(complaint=current, expected_version=current.version, **kwargs)

    return wrapper


LONG_TEXT = 10_000  # characters of a complaint's content, a plan, a note…


def _text(value: str | None, *, field: str, required: bool = False, max_length: int = LONG_TEXT) -> str:
    """Strip and normalise Traditional → Simplified; enforce presence and length (never cut silently)."""
    cleaned = to_simplified((value or "").strip())
    if required and not cleaned:
        raise InvalidInput(_("Please fill in all required fields."), errors={field: _("This field is required.")})
    if len(cleaned) > max_length:
        raise InvalidInput(
            _("Some fields are too long."),
            errors={field: _("At most %(n)d characters.") % {"n": max_length}},
        )
    return cleaned


def _choice(value: str | None, choices: type[models.TextChoices], *, field: str, blank: bool = True) -> str:
    value = (value or "").strip()
    if not value and blank:
        return ""
    if value not in choices.values:
        raise InvalidInput(_("Invalid choice."), errors={field: _("%(value)s is not a valid choice.") % {"value": value}})
    return value


def _choices(values: list[str] | None, choices: type[models.TextChoices], *, field: str) -> list[str]:
    result: list[str] = []
    for value in values or []:
        checked = _choice(value, choices, field=field, blank=False)
        if checked not in result:
            result.append(checked)
    return result


def _validated(checks: dict[str, Callable[[], Any]], *, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """Run every check and return the cleaned values, or raise one InvalidInput naming every bad field.

    ``errors`` carries field errors found by checks that are not simple callables.
    """
    found = dict(errors or {})
    values: dict[str, Any] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as exc:
            found.update(exc.errors)
    if found:
        raise InvalidInput(_("Please correct the errors below."), errors=found)
    return values


def _priority(*, severity: str, regulator: bool, repeat: bool, customer: Customer | None) -> int:
    """Higher is handled first: regulator and repeat complaints, severity, VIP tier."""
    tier = TIER_RANK.get(Tier(customer.tier), 0) if customer is not None else 0
    return SEVERITY_RANK.get(Severity(severity), 1) * 10 + (20 if regulator else 0) + (15 if repeat else 0) + tier * 3


def _find_earlier(*, complaint: Complaint, cause: str, now: datetime) -> Complaint | None:
    """An earlier complaint by the same customer (or phone) about the same cause within the window."""
    if not cause:
        return None
    window = timedelta(days=getattr(settings, "KEFU_REPEAT_WINDOW_DAYS", 30))
    who = Q()
    if complaint.customer_id:
        who |= Q(customer_id=complaint.customer_id)
    if complaint.complainant_phone:
        who |= Q(complainant_phone=complaint.complainant_phone)
    if not who:
        return None
    return (
        Complaint.objects.filter(who, cause=cause, received_at__gte=now - window)
        .exclude(pk=complaint.pk)
        .exclude(closed_outcome="invalid")
        .order_by("-received_at")
        .first()
    )


def _check_cap(actor: User, cap: Cap | str) -> None:
    if not actor.can(Cap(cap)):
        raise NotAllowed(_("You are not allowed to do this."))


def _check_handler(complaint: Complaint, actor: User) -> None:
    """Department work is done by the handler, the handling department, or a supervisor."""
    if actor.can(Cap.COMPLAINT_VIEW_ALL):
        return
    if complaint.handler_id == actor.pk:
        return
    if complaint.handling_department_id and complaint.handling_department_id == actor.department_id:
        return
    raise NotAllowed(_("Only the handling department can work on this complaint."))


def _last_change(complaint_id: int) -> LastChange:
    """Who made the complaint's latest change and when (its newest event)."""

    def read() -> tuple[str, datetime] | None:
        last = (
            ComplaintEvent.objects.filter(complaint_id=complaint_id).select_related("actor").order_by("-seq").first()
        )
        return None if last is None else (str(last.actor), last.at)

    return read


def _write(
    *,
    complaint: Complaint,
    actor: User,
    action: str,
    expected_version: int | None,
    changes: dict[str, Any],
    reason: str = "",
    data: dict[str, Any] | None = None,
    to_state: State | None = None,
) -> Complaint:
    """Apply ``changes`` if the complaint is still at ``expected_version``; record the event.

    Call inside ``transaction.atomic``. Raises ``Conflict`` when another actor won.
    """
    version = complaint.version if expected_version is None else expected_version
    now = timezone.now()
    fields: dict[str, Any] = {**changes, "updated_at": now}
    from_state = complaint.state
    if to_state is not None:
        fields["state"] = to_state
        fields["step_started_at"] = now
        fields["step_due_at"] = sla.deadline(
            start=now, state=to_state, severity=changes.get("severity", complaint.severity),
            regulator=complaint.is_regulator,
        )
        fields["sla_breached"] = False
        if to_state == State.CLOSED:
            fields["closed_at"] = now
    versioned.versioned_update(
        Complaint,
        pk=complaint.pk,
        version=version,
        changes=fields,
        extra_filter={"state": from_state},
        last_change=_last_change(complaint.pk),
        what=_("complaint"),
    )
    try:
        ComplaintEvent.objects.create(
            complaint=complaint,
            seq=version + 1,
            action=action,
            from_state=from_state,
            to_state=to_state or from_state,
            actor=actor,
            at=now,
            reason=reason,
            data=jsonable(data if data is not None else changes),
        )
    except IntegrityError as exc:  # a concurrent writer recorded this seq first
        raise versioned.conflict(_last_change(complaint.pk)(), what=_("complaint")) from exc
    complaint.refresh_from_db()
    if to_state == State.CLOSED and from_state != State.CLOSED:
        outcomes.finished(outcomes.COMPLAINT, complaint.pk)
    return complaint


def _transition(
    *,
    complaint: Complaint,
    action: Action,
    actor: User,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Complaint:
    try:
        transition = flow.transition_for(complaint.state, action)
    except flow.TransitionError as exc:
        if expected_version is not None and expected_version != complaint.version:
            raise versioned.conflict(_last_change(complaint.pk)(), what=_("complaint")) from exc
        raise InvalidInput(
            _("This action is not possible while the complaint is “%(state)s”.")
            % {"state": complaint.get_state_display()}
        ) from exc
    _check_cap(actor, transition.cap)
    return _write(
        complaint=complaint,
        actor=actor,
        action=action,
        expected_version=expected_version,
        changes=changes or {},
        reason=reason,
        data=data,
        to_state=transition.target,
    )


# ---------------------------------------------------------------- record


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    channel: str,
    complainant_name: str,
    subject: str,
    content: str,
    demands: str = "",
    complainant_phone: str = "",
    customer: Customer | None = None,
    received_at: datetime | None = None,
    severity: str = Severity.NORMAL,
    source_contact: Contact | None = None,
    cause: str = "",
    hotspot: str = "",
    needs: list[str] | None = None,
) -> Complaint:
    """Record the complaint form (complaint.process.record) and start its SLA clocks."""
    _check_cap(actor, Cap.COMPLAINT_RECORD)
    errors: dict[str, str] = {}
    phone = digits_only(complainant_phone or "")
    if complainant_phone and not 5 <= len(phone) <= 20:
        errors["complainant_phone"] = _("Enter a valid phone number.")
    now = timezone.now()
    received = received_at or now
    if received > now + timedelta(minutes=5):
        errors["received_at"] = _("The time cannot be in the future.")
    elif received < now - timedelta(days=MAX_BACKDATE_DAYS):
        errors["received_at"] = _("The time cannot be more than a year ago.")
    values = _validated(
        {
            "complainant_name": lambda: _text(complainant_name, field="complainant_name", required=True, max_length=60),
            "subject": lambda: _text(subject, field="subject", required=True, max_length=120),
            "content": lambda: _text(content, field="content", required=True),
            "demands": lambda: _text(demands, field="demands"),
            "channel": lambda: _choice(channel, Channel, field="channel", blank=False),
            "severity": lambda: _choice(severity or Severity.NORMAL, Severity, field="severity", blank=False),
            "cause": lambda: _choice(cause, Cause, field="cause"),
            "hotspot": lambda: _choice(hotspot, Hotspot, field="hotspot"),
            "needs": lambda: _choices(needs, Need, field="needs"),
        },
        errors=errors,
    )

    regulator = values["channel"] in REGULATOR_CHANNELS
    complaint = Complaint(
        **values,
        cause_category=CAUSE_CATEGORY.get(values["cause"], "") if values["cause"] else "",
        complainant_phone=phone,
        customer=customer,
        received_at=received,
        source_contact=source_contact,
        is_regulator=regulator,
        created_by=actor,
        created_at=now,
        updated_at=now,
        step_started_at=now,
    )
    earlier = _find_earlier(complaint=complaint, cause=values["cause"], now=now)
    complaint.is_repeat = earlier is not None
    complaint.repeat_of = earlier
    complaint.priority = _priority(
        severity=complaint.severity, regulator=regulator, repeat=complaint.is_repeat, customer=customer
    )
    complaint.step_due_at = sla.deadline(start=received, state=State.RECORDED, severity=complaint.severity, regulator=regulator)
    complaint.due_at = sla.deadline(start=received, state="", severity=complaint.severity, regulator=regulator)
    complaint.save()
    complaint.number = f"TS{timezone.localtime(received):%Y%m%d}{complaint.pk:06d}"
    Complaint.objects.filter(pk=complaint.pk).update(number=complaint.number)
    ComplaintEvent.objects.create(
        complaint=complaint,
        seq=1,
        action="record",
        from_state="",
        to_state=State.RECORDED,
        actor=actor,
        at=now,
        data={"channel": complaint.channel, "severity": complaint.severity, "repeat_of": earlier.pk if earlier else None},
    )
    indexing.changed(indexing.COMPLAINT, complaint.pk)
    if complaint.is_regulator:
        notices.regulator_arrived(complaint)
    return complaint


# ---------------------------------------------------------------- validity and assignment


@fresh
def complaint_accept(*, complaint: Complaint, actor: User, note: str = "", expected_version: int | None = None) -> Complaint:
    """The complaint stands (complaint.process.validity)."""
    return _transition(
        complaint=complaint,
        action=Action.ACCEPT,
        actor=actor,
        expected_version=expected_version,
        changes={"validity_note": _text(note, field="note")},
        reason=note,
    )


@fresh
def complaint_reject(
    *, complaint: Complaint, actor: User, explanation: str, expected_version: int | None = None
) -> Complaint:
    """The complaint does not stand: record the tactful explanation given to the customer, and close."""
    explanation = _text(explanation, field="explanation", required=True)
    return _transition(
        complaint=complaint,
        action=Action.REJECT,
        actor=actor,
        expected_version=expected_version,
        changes={"validity_note": explanation, "closed_outcome": "invalid"},
        reason=explanation,
    )


def _check_assignment(*, handling_department: Department | None, handler: User | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if handling_department is None:
        errors["handling_department"] = _("Choose the department that handles the complaint.")
    elif not handling_department.handles_complaints or not handling_department.is_active:
        errors["handling_department"] = _("This department does not handle complaints.")
    if handler is not None:
        if not handler.is_active or not handler.can(Cap.COMPLAINT_HANDLE):
            errors["handler"] = _("This person cannot handle complaints.")
        elif handling_department is not None and handler.department_id not in (None, handling_department.pk):
            errors["handler"] = _("The handler must belong to the handling department.")
    return errors


@fresh
def complaint_assign(
    *,
    complaint: Complaint,
    actor: User,
    handling_department: Department | None,
    handler: User | None = None,
    responsible_department: Department | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Assign the handling department and handler; record the department at fault apart from them."""
    errors = _check_assignment(handling_department=handling_department, handler=handler)
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    action = Action.ASSIGN if complaint.state == State.ACCEPTED else Action.REASSIGN
    return _transition(
        complaint=complaint,
        action=action,
        actor=actor,
        expected_version=expected_version,
        changes={
            "handling_department": handling_department,
            "handler": handler,
            "responsible_department": responsible_department or handling_department,
        },
        reason=_text(comment, field="comment"),
    )


# ---------------------------------------------------------------- department work


@fresh
def complaint_analyse(
    *,
    complaint: Complaint,
    actor: User,
    analysis: str,
    cause: str,
    responsible_person: str = "",
    responsible_department: Department | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Record the cause and the person responsible (complaint.process.cause)."""
    _check_handler(complaint, actor)
    changes: dict[str, Any] = _validated(
        {
            "cause_analysis": lambda: _text(analysis, field="analysis", required=True),
            "cause": lambda: _choice(cause, Cause, field="cause", blank=False),
            "responsible_person": lambda: _text(responsible_person, field="responsible_person", max_length=60),
        }
    )
    cause = changes["cause"]
    changes["cause_category"] = CAUSE_CATEGORY[Cause(cause)]
    if responsible_department is not None:
        changes["responsible_department"] = responsible_department
    earlier = None if complaint.is_repeat else _find_earlier(complaint=complaint, cause=cause, now=timezone.now())
    if earlier is not None:
        changes.update(is_repeat=True, repeat_of=earlier)
        changes["priority"] = _priority(
            severity=complaint.severity, regulator=complaint.is_regulator, repeat=True, customer=complaint.customer
        )
    return _transition(
        complaint=complaint, action=Action.ANALYSE, actor=actor, expected_version=expected_version, changes=changes
    )


def _amount(value: Decimal | str | int | float | None) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("Invalid amount."), errors={"amount": _("Enter a number.")}) from exc
    if amount < 0 or amount >= Decimal("100000000"):
        raise InvalidInput(_("Invalid amount."), errors={"amount": _("The amount must be between 0 and 99,999,999.")})
    return amount


@fresh
def complaint_propose(
    *,
    complaint: Complaint,
    actor: User,
    remedy: str,
    plan: str,
    amount: Decimal | str | int | None = 0,
    expected_version: int | None = None,
) -> Complaint:
    """Propose a remedy for approval (complaint.process.proposal, complaint.remedies)."""
    _check_handler(complaint, actor)
    proposal = _validated(
        {
            "remedy": lambda: _choice(remedy, Remedy, field="remedy", blank=False),
            "plan": lambda: _text(plan, field="plan", required=True),
            "amount": lambda: _amount(amount),
        }
    )
    _check_remedy_amount(proposal["remedy"], proposal["amount"])
    complaint = _transition(
        complaint=complaint,
        action=Action.PROPOSE,
        actor=actor,
        expected_version=expected_version,
        data={**proposal, "amount": str(proposal["amount"])},
    )
    created = Proposal.objects.create(complaint=complaint, proposed_by=actor, **proposal)
    notices.approval_waiting(complaint, created)
    return complaint


def _pending_proposal(complaint: Complaint) -> Proposal:
    proposal = complaint.proposals.filter(decision=Proposal.Decision.PENDING).order_by("-proposed_at", "-pk").first()
    if proposal is None:
        raise InvalidInput(_("There is no proposal awaiting approval."))
    return proposal


# Remedies that are money (or money's worth) need an amount; words alone carry none (complaint.remedies).
AMOUNT_REQUIRED = frozenset({Remedy.REFUND, Remedy.GIFT, Remedy.BORNE_COST, Remedy.DISCOUNT})
NO_AMOUNT = frozenset({Remedy.APOLOGY, Remedy.EXPLANATION})


def _check_remedy_amount(remedy: str, amount: Decimal) -> None:
    if remedy in AMOUNT_REQUIRED and amount <= 0:
        raise InvalidInput(
            _("Please correct the errors below."),
            errors={"amount": _("A %(remedy)s needs the amount in yuan.") % {"remedy": Remedy(remedy).label}},
        )
    if remedy in NO_AMOUNT and amount > 0:
        raise InvalidInput(
            _("Please correct the errors below."),
            errors={"amount": _("A %(remedy)s carries no amount; choose another remedy for money.")
                    % {"remedy": Remedy(remedy).label}},
        )


@fresh
def complaint_approve(
    *, complaint: Complaint, actor: User, comment: str = "", expected_version: int | None = None
) -> Complaint:
    """Approve the pending remedy proposal (complaint.process.approval, complaint.authority).

    Nobody approves their own proposal; amounts above the actor's approval limit
    need a role with a higher limit.
    """
    _check_cap(actor, Cap.COMPLAINT_APPROVE)
    proposal = _pending_proposal(complaint)
    if proposal.proposed_by_id == actor.pk:
        raise NotAllowed(_("You cannot approve your own proposal."))
    limit = approval_limit(actor)
    if limit is not None and proposal.amount > limit:
        raise NotAllowed(
            _("%(amount)s yuan is above your approval limit of %(limit)s yuan; a higher role must approve.")
            % {"amount": proposal.amount, "limit": limit}
        )
    comment = _text(comment, field="comment")
    complaint = _transition(
        complaint=complaint,
        action=Action.APPROVE,
        actor=actor,
        expected_version=expected_version,
        reason=comment,
        data={"proposal": proposal.pk, "amount": str(proposal.amount)},
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        decision=Proposal.Decision.APPROVED, decided_by=actor, decided_at=timezone.now(), decision_comment=comment
    )
    return complaint


@fresh
def complaint_escalate(
    *, complaint: Complaint, actor: User, comment: str = "", expected_version: int | None = None
) -> Complaint:
    """Send a proposal above the actor's approval limit up to a role whose limit covers it (上报).

    The approval step keeps its deadline: escalating does not buy time (complaint.authority).
    """
    _check_cap(actor, Cap.COMPLAINT_APPROVE)
    proposal = _pending_proposal(complaint)
    if proposal.proposed_by_id == actor.pk:
        raise NotAllowed(_("You cannot decide on your own proposal."))
    limit = approval_limit(actor)
    if limit is None or proposal.amount <= limit:
        raise InvalidInput(_("This amount is within your approval limit: approve it or send it back."))
    if proposal.escalated_to:
        raise InvalidInput(_("This proposal has already been escalated."))
    try:
        flow.transition_for(complaint.state, Action.ESCALATE)
    except flow.TransitionError as exc:
        raise InvalidInput(_("There is no proposal awaiting approval.")) from exc
    role = approver_role_for(proposal.amount)
    comment = _text(comment, field="comment")
    complaint = _write(
        complaint=complaint,
        actor=actor,
        action=Action.ESCALATE,
        expected_version=expected_version,
        changes={},
        reason=comment,
        data={"proposal": proposal.pk, "amount": str(proposal.amount), "escalated_to": role},
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        escalated_to=role, escalated_by=actor, escalated_at=timezone.now()
    )
    proposal.refresh_from_db()
    notices.approval_waiting(complaint, proposal)
    return complaint


@fresh
def complaint_send_back(
    *, complaint: Complaint, actor: User, comment: str, expected_version: int | None = None
) -> Complaint:
    """Return the proposal to the department with the supervisor's instruction."""
    _check_cap(actor, Cap.COMPLAINT_APPROVE)
    comment = _text(comment, field="comment", required=True)
    proposal = _pending_proposal(complaint)
    if proposal.proposed_by_id == actor.pk:
        raise NotAllowed(_("You cannot decide on your own proposal."))
    complaint = _transition(
        complaint=complaint,
        action=Action.SEND_BACK,
        actor=actor,
        expected_version=expected_version,
        reason=comment,
        data={"proposal": proposal.pk},
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        decision=Proposal.Decision.SENT_BACK, decided_by=actor, decided_at=timezone.now(), decision_comment=comment
    )
    notices.sent_back(complaint, proposal, comment)
    return complaint


def complaint_followup_call(*, complaint: Complaint, actor: User) -> str:
    """The complainant's full number for the follow-up call (回访), its reveal logged with that reason.

    Whoever does the follow-up step must be able to dial the customer (complaint.followup): the task
    grants the number for this complaint only, while it waits for the follow-up.
    """
    _check_cap(actor, Cap.COMPLAINT_FOLLOW_UP)
    if complaint.state != State.IMPLEMENTED:
        raise InvalidInput(_("The follow-up call is made once the remedy is implemented."))
    if not complaint.complainant_phone:
        raise InvalidInput(_("This complaint has no phone number to call."))
    reason = _("Follow-up call (complaint %(number)s)") % {"number": complaint.number or complaint.pk}
    return customer_services.task_phone_reveal(
        actor=actor, number=complaint.complainant_phone, customer=complaint.customer, reason=reason
    )


@fresh
def complaint_implement(
    *,
    complaint: Complaint,
    actor: User,
    what_was_done: str,
    notified_via: str,
    penalty: str = "",
    customer_feedback: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the implementation, how the customer was told, any penalty and their feedback."""
    _check_handler(complaint, actor)
    changes = _validated(
        {
            "implementation_note": lambda: _text(what_was_done, field="what_was_done", required=True),
            "notified_via": lambda: _choice(notified_via, ContactMethod, field="notified_via", blank=False),
            "penalty": lambda: _text(penalty, field="penalty", max_length=200),
            "customer_feedback": lambda: _text(customer_feedback, field="customer_feedback"),
        }
    )
    return _transition(
        complaint=complaint,
        action=Action.IMPLEMENT,
        actor=actor,
        expected_version=expected_version,
        changes={**changes, "notified_at": timezone.now()},
    )


# ---------------------------------------------------------------- follow-up and review


@fresh
def complaint_follow_up(
    *,
    complaint: Complaint,
    actor: User,
    method: str,
    done: bool,
    helped: bool,
    satisfaction: int,
    anything_else: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the follow-up visit. A dissatisfied customer reopens the complaint as a repeat."""
    errors: dict[str, str] = {}
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = _("Choose a satisfaction from 1 to 5.")
    values = _validated(
        {
            "method": lambda: _choice(method, ContactMethod, field="method", blank=False),
            "anything_else": lambda: _text(anything_else, field="anything_else"),
            "note": lambda: _text(note, field="note"),
        },
        errors=errors,
    )
    follow_up = FollowUp(
        complaint=complaint,
        done=bool(done),
        helped=bool(helped),
        satisfaction=satisfaction,
        by=actor,
        **values,
    )
    data = {"method": follow_up.method, "done": follow_up.done, "helped": follow_up.helped, "satisfaction": satisfaction}
    if follow_up.satisfied:
        complaint = _transition(
            complaint=complaint, action=Action.FOLLOW_UP, actor=actor, expected_version=expected_version, data=data,
            reason=follow_up.note,
        )
    else:
        complaint = _transition(
            complaint=complaint,
            action=Action.REOPEN,
            actor=actor,
            expected_version=expected_version,
            changes={
                "is_repeat": True,
                "reopen_count": F("reopen_count") + 1,
                "priority": _priority(
                    severity=complaint.severity,
                    regulator=complaint.is_regulator,
                    repeat=True,
                    customer=complaint.customer,
                ),
            },
            data=data,
            reason=follow_up.note or follow_up.anything_else,
        )
        notices.reopened(complaint, complaint.version)
    follow_up.save()
    return complaint


@fresh
def complaint_review(
    *,
    complaint: Complaint,
    actor: User,
    summary: str,
    lessons: str = "",
    add_to_casebook: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """Summarise, draw lessons, optionally add to the case book, and close."""
    summary = _text(summary, field="summary", required=True)
    return _transition(
        complaint=complaint,
        action=Action.REVIEW,
        actor=actor,
        expected_version=expected_version,
        changes={
            "review_summary": summary,
            "lessons": _text(lessons, field="lessons"),
            "in_casebook": bool(add_to_casebook),
            "closed_outcome": "resolved",
        },
    )


@fresh
def complaint_classify(
    *,
    complaint: Complaint,
    actor: User,
    expected_version: int | None = None,
    **fields: Any,
) -> Complaint:
    """Update classification fields on an open complaint (recorded as an event, no state change)."""
    _check_cap(actor, Cap.COMPLAINT_JUDGE)
    if not complaint.is_open:
        raise InvalidInput(_("A closed complaint cannot be reclassified."))
    validators = {
        "severity": lambda v: _choice(v, Severity, field="severity", blank=False),
        "hotspot": lambda v: _choice(v, Hotspot, field="hotspot"),
        "needs": lambda v: _choices(v, Need, field="needs"),
        "degrees": lambda v: _choices(v, Degree, field="degrees"),
        "complainer_type": lambda v: _choice(v, ComplainerType, field="complainer_type"),
        "complainer_intent": lambda v: _choice(v, ComplainerIntent, field="complainer_intent"),
    }
    unknown = set(fields) - set(validators)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    changes = _validated({name: functools.partial(validators[name], value) for name, value in fields.items()})
    if "severity" in changes:
        changes["priority"] = _priority(
            severity=changes["severity"], regulator=complaint.is_regulator, repeat=complaint.is_repeat,
            customer=complaint.customer,
        )
    return _write(
        complaint=complaint, actor=actor, action="classify", expected_version=expected_version, changes=changes
    )


@dataclass(frozen=True)
class SweepResult:
    flagged: int  # breaches flagged by this sweep (each breach is flagged once, whoever sweeps)
    flagged_ids: frozenset[int]
    warned: int  # steps newly warned about
    notified: int  # notifications created


@transaction.atomic
def complaint_flag_breach(*, complaint: Complaint, actor: User, now: datetime | None = None) -> bool:
    """Mark one complaint's current step overdue once (with its notifications); False if already flagged or
    not overdue. The sweep (``sla_flag_breaches``) does the same for every complaint at once."""
    now = now or timezone.now()
    try:
        versioned.versioned_update(
            Complaint,
            pk=complaint.pk,
            version=complaint.version,
            changes={"sla_breached": True, "updated_at": now},
            extra_filter={"sla_breached": False, "step_due_at__lt": now, "state__in": list(flow.OPEN_STATES)},
        )
    except Conflict:  # flagged already, moved on to another step, or closed: nothing to flag
        return False
    ComplaintEvent.objects.create(
        complaint=complaint,
        seq=complaint.version + 1,
        action="sla_breach",
        from_state=complaint.state,
        to_state=complaint.state,
        actor=actor,
        at=now,
        data={"step_due_at": complaint.step_due_at.isoformat() if complaint.step_due_at else None},
    )
    notices.sla_breach(complaint)
    return True


SWEEP_BATCH = 1000


def sla_flag_breaches(*, now: datetime | None = None, warn_minutes: int | None = None) -> SweepResult:
    """Flag every overdue step not flagged yet and warn about steps due soon, with their notifications.

    Set-based, in batches: each batch claims its rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
    several workers sweep different rows; SQLite serialises writers), flags them in one UPDATE,
    writes their events and notifications in the same transaction. Idempotent: a flagged step is
    never selected again, and a notification is unique per person and step. A worker that was
    down finds every breach it missed on its next run.
    """
    now = now or timezone.now()
    warn = timedelta(minutes=settings.KEFU_SLA_WARN_MINUTES if warn_minutes is None else warn_minutes)
    actor = system_user()
    people = notices.People()
    open_states = list(flow.OPEN_STATES)
    flagged_ids: set[int] = set()
    notified = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Complaint.objects.filter(state__in=open_states, sla_breached=False, step_due_at__lt=now)
                .order_by("step_due_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", "version")[:SWEEP_BATCH]
            )
            if not claimed:
                break
            versions = dict(claimed)
            Complaint.objects.filter(pk__in=versions, sla_breached=False).update(
                sla_breached=True, version=F("version") + 1, updated_at=now
            )
            batch = list(Complaint.objects.filter(pk__in=versions).select_related("handler"))
            ComplaintEvent.objects.bulk_create(
                ComplaintEvent(
                    complaint=c, seq=versions[c.pk] + 1, action="sla_breach", from_state=c.state, to_state=c.state,
                    actor=actor, at=now,
                    data={"step_due_at": c.step_due_at.isoformat() if c.step_due_at else None},
                )
                for c in batch
            )
            # The breaches were flagged just now under the rows' locks: no notification can exist for them yet.
            notified += len(notices.sla_notices(batch, breach=True, people=people, new_events=True))
        flagged_ids.update(versions)
    soon = Complaint.objects.filter(
        state__in=open_states, sla_breached=False, step_due_at__gte=now, step_due_at__lte=now + warn
    ).select_related("handler")
    warned: set[str] = set()
    for start in range(0, soon.count(), SWEEP_BATCH):
        with transaction.atomic():
            created = notices.sla_notices(soon.order_by("pk")[start : start + SWEEP_BATCH], breach=False, people=people)
        warned.update(n.key for n in created)
        notified += len(created)
    return SweepResult(len(flagged_ids), frozenset(flagged_ids), len(warned), notified)
