"""API shapes of complaints: what comes in for each action and what goes out.

Every complaint answer carries ``state``, ``version`` (send it back as
``expected_version``), the SLA clocks, the flags and ``next_actions`` — what the
caller may do next, each with the URL to POST to.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.accounts.schemas import MAX_ID, DepartmentRef, UserRef
from kefu.accounts.validators import InputDate, InputDateTime
from kefu.complaints import sla
from kefu.complaints.choices import Cause, ContactMethod, Remedy, Severity
from kefu.complaints.flow import Action, State
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import complaint_actions_for
from kefu.customers.choices import Channel
from kefu.lib.masking import mask_phone

# The endpoint that performs each process action (``reassign`` goes through ``assign``).
ACTION_ENDPOINTS: dict[str, str] = {
    Action.ACCEPT: "accept",
    Action.REJECT: "reject",
    Action.ASSIGN: "assign",
    Action.REASSIGN: "assign",
    Action.ANALYSE: "analyse",
    Action.PROPOSE: "propose",
    Action.APPROVE: "approve",
    Action.SEND_BACK: "send-back",
    Action.IMPLEMENT: "implement",
    Action.FOLLOW_UP: "follow-up",
    Action.REVIEW: "review",
    "classify": "classify",
}


class NextAction(Schema):
    action: str = Field(description="The process action, e.g. `accept`, `send_back`, `classify`.")
    url: str = Field(description="POST here with the action's body and `expected_version`.")


class SlaOut(Schema):
    step_started_at: datetime
    step_due_at: datetime | None
    due_at: datetime | None = Field(description="Overall resolution deadline.")
    breached: bool = Field(description="`kefu sla check` flagged the current step as overdue.")
    overdue: bool = Field(description="The current step is past its deadline now.")
    step_seconds_left: int | None = Field(
        description="Working seconds left for the current step (calendar seconds on regulator clocks); "
        "negative when overdue."
    )


def _user(request_context: Any) -> User:
    return request_context["request"].auth  # type: ignore[no-any-return]


def next_actions(*, complaint: Complaint, user: User) -> list[dict[str, str]]:
    actions: list[str] = [a.value for a in complaint_actions_for(complaint=complaint, user=user)]
    if complaint.is_open and user.can(Cap.COMPLAINT_JUDGE):
        actions.append("classify")
    seen: set[str] = set()
    out = []
    for action in actions:
        endpoint = ACTION_ENDPOINTS.get(action)
        if endpoint is None or endpoint in seen:
            continue
        seen.add(endpoint)
        url = reverse("api:complaint_" + endpoint.replace("-", "_"), kwargs={"complaint_id": complaint.pk})
        out.append({"action": action, "url": url})
    return out


def sla_of(complaint: Complaint, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    due = complaint.step_due_at if complaint.is_open else None
    left: timedelta | None = sla.time_left(due=due, now=now, regulator=complaint.is_regulator) if due else None
    return {
        "step_started_at": complaint.step_started_at,
        "step_due_at": complaint.step_due_at,
        "due_at": complaint.due_at,
        "breached": complaint.sla_breached,
        "overdue": bool(due and due < now),
        "step_seconds_left": int(left.total_seconds()) if left is not None else None,
    }


class CustomerRef(Schema):
    id: int
    name: str
    tier: str
    is_vip: bool


class ComplaintOut(Schema):
    id: int
    number: str | None
    state: str
    state_label: str
    version: int = Field(description="Send this back as `expected_version` with the next action.")
    customer_id: int | None
    customer: CustomerRef | None
    source_contact_id: int | None
    complainant_name: str
    complainant_phone: str = Field(description="Masked (138****5678); full numbers only via a logged reveal.")
    received_at: datetime
    channel: str
    subject: str
    content: str
    demands: str
    severity: str
    cause_category: str
    cause: str
    hotspot: str
    needs: list[str]
    degrees: list[str]
    complainer_type: str
    complainer_intent: str
    is_regulator: bool
    is_repeat: bool
    repeat_of_id: int | None
    reopen_count: int
    priority: int
    handling_department: DepartmentRef | None
    responsible_department: DepartmentRef | None
    handler: UserRef | None
    created_by: UserRef
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_outcome: str
    sla: SlaOut
    next_actions: list[NextAction]

    @staticmethod
    def resolve_state_label(obj: Complaint) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_complainant_phone(obj: Complaint) -> str:
        return mask_phone(obj.complainant_phone) if obj.complainant_phone else ""

    @staticmethod
    def resolve_sla(obj: Complaint) -> dict[str, Any]:
        return sla_of(obj)

    @staticmethod
    def resolve_next_actions(obj: Complaint, context: Any) -> list[dict[str, str]]:
        return next_actions(complaint=obj, user=_user(context))


class ProposalOut(Schema):
    id: int
    remedy: str
    amount: Decimal
    plan: str
    proposed_by: UserRef
    proposed_at: datetime
    decision: str
    decided_by: UserRef | None
    decided_at: datetime | None
    decision_comment: str


class FollowUpOut(Schema):
    id: int
    method: str
    done: bool
    helped: bool
    satisfaction: int
    anything_else: str
    note: str
    by: UserRef
    at: datetime


class ComplaintDetailOut(ComplaintOut):
    validity_note: str
    cause_analysis: str
    responsible_person: str
    implementation_note: str
    notified_via: str
    notified_at: datetime | None
    penalty: str
    customer_feedback: str
    review_summary: str
    lessons: str
    in_casebook: bool
    proposals: list[ProposalOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_proposals(obj: Complaint) -> Any:
        return obj.proposals.select_related("proposed_by", "decided_by").order_by("proposed_at", "pk")

    @staticmethod
    def resolve_follow_ups(obj: Complaint) -> Any:
        return obj.follow_ups.select_related("by").order_by("at", "pk")


class EventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: UserRef
    at: datetime
    reason: str
    data: dict[str, Any]


# ---------------------------------------------------------------- input


class ComplaintFilters(Schema):
    state: State | None = None
    channel: Channel | None = None
    severity: Severity | None = None
    regulator: bool | None = None
    repeat: bool | None = None
    overdue: bool | None = Field(None, description="Open complaints whose current step is past due.")
    department: int | None = Field(None, ge=1, le=MAX_ID, description="Handling department id.")
    handler: int | None = Field(None, ge=1, le=MAX_ID, description="Handler user id.")
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    casebook: bool | None = Field(None, description="Complaints kept in the case book for training.")
    date_from: InputDate | None = Field(None, description="Received on or after this day (local time).")
    date_to: InputDate | None = Field(None, description="Received on or before this day (local time).")


class ComplaintIn(Schema):
    """The complaint form (complaint.process.record)."""

    channel: Channel
    complainant_name: str
    subject: str
    content: str
    demands: str = ""
    complainant_phone: str = ""
    customer_id: int | None = None
    source_contact_id: int | None = None
    received_at: InputDateTime | None = None
    severity: Severity = Severity.NORMAL
    cause: str = ""
    hotspot: str = ""
    needs: list[str] = []


class VersionIn(Schema):
    expected_version: int = Field(..., ge=1, description="The `version` the caller last saw.")


class AcceptIn(VersionIn):
    note: str = ""


class RejectIn(VersionIn):
    explanation: str = Field(..., description="The tactful explanation given to the customer.")


class AssignIn(VersionIn):
    handling_department_id: int
    handler_id: int | None = None
    responsible_department_id: int | None = Field(
        None, description="The department at fault, when it is not the handling department."
    )
    comment: str = ""


class AnalyseIn(VersionIn):
    analysis: str
    cause: Cause
    responsible_person: str = ""
    responsible_department_id: int | None = None


class ProposeIn(VersionIn):
    remedy: Remedy
    plan: str
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2, description="Yuan.")


class CommentIn(VersionIn):
    comment: str = ""


class SendBackIn(VersionIn):
    comment: str = Field(..., description="The supervisor's instruction to the department.")


class ImplementIn(VersionIn):
    what_was_done: str
    notified_via: ContactMethod
    penalty: str = ""
    customer_feedback: str = ""


class FollowUpIn(VersionIn):
    method: ContactMethod
    done: bool
    helped: bool
    satisfaction: int = Field(..., description="1 (very dissatisfied) to 5; below 3 reopens the complaint.")
    anything_else: str = ""
    note: str = ""


class ReviewIn(VersionIn):
    summary: str
    lessons: str = ""
    add_to_casebook: bool = False


class ClassifyIn(VersionIn):
    """Only the fields sent are changed."""

    severity: Severity | None = None
    hotspot: str | None = None
    needs: list[str] | None = None
    degrees: list[str] | None = None
    complainer_type: str | None = None
    complainer_intent: str | None = None
