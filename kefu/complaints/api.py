"""Complaints over the API: list, queue, record, detail, timeline and one endpoint per process action.

Each endpoint starts with the visibility getter (404 for complaints the caller
may not see), then calls the same service the UI calls; the services check
capabilities, state and ``expected_version`` and raise the errors that
``kefu.api`` turns into 403/409/422.
"""

from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api import caller
from kefu.accounts.models import Department, User
from kefu.accounts.schemas import ACTION_ERRORS, AUTH_ERRORS, MAX_ID, OBJECT_ERRORS, Page
from kefu.complaints import selectors, services
from kefu.complaints.models import Complaint
from kefu.complaints.schemas import (
    AcceptIn,
    AnalyseIn,
    AssignIn,
    ClassifyIn,
    CommentIn,
    ComplaintDetailOut,
    ComplaintFilters,
    ComplaintIn,
    ComplaintOut,
    EventOut,
    FollowUpIn,
    ImplementIn,
    ProposeIn,
    RejectIn,
    ReviewIn,
    SendBackIn,
)
from kefu.complaints.selectors import (
    ComplaintFilter,
    complaint_get_for_user,
    queue_for,
    with_pending_proposer,
)
from kefu.customers.models import Contact, Customer
from kefu.lib.errors import InvalidInput

router = Router(tags=["complaints"])

ComplaintId = Annotated[int, Path(ge=1, le=MAX_ID, example=2)]
RELATED = ("customer", "handler", "handling_department", "responsible_department", "created_by")


def _listed(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Everything a list item shows, in the list's one query (next actions need the pending proposer)."""
    return with_pending_proposer(qs.select_related(*RELATED))


def _reload(complaint: Complaint) -> Complaint:
    """The complaint as the action left it, with what the answer shows (the actor may no longer see it)."""
    return Complaint.objects.select_related(*RELATED).get(pk=complaint.pk)


def _lookup(model: type[Any], pk: int | None, *, field: str, errors: dict[str, str]) -> Any:
    """Resolve an id sent in a body; a missing row becomes a field error, not a 500 or a silent null."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if obj is None:
        errors[field] = _("No such record.")
    return obj


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)


# ---------------------------------------------------------------- reads


@router.get("", response={200: list[ComplaintOut], **AUTH_ERRORS}, summary="Complaints the caller may see")
@paginate(Page)
def complaint_list(request: HttpRequest, filters: Query[ComplaintFilters]) -> QuerySet[Complaint]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        message = _("The start date must not be after the end date.")
        raise InvalidInput(message, errors={"date_from": message})
    query = ComplaintFilter(
        state=filters.state or "",
        channel=filters.channel or "",
        severity=filters.severity or "",
        regulator=filters.regulator,
        repeat=filters.repeat,
        overdue=filters.overdue,
        casebook=filters.casebook,
        department_id=filters.department,
        handler_id=filters.handler,
        customer_id=filters.customer,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return _listed(selectors.complaint_list(user=caller(request), filters=query, now=timezone.now()))


@router.get(
    "/queue",
    response={200: list[ComplaintOut], **AUTH_ERRORS},
    summary="The caller's work queue: open complaints waiting on them, most urgent first",
)
@paginate(Page)
def complaint_queue(request: HttpRequest) -> QuerySet[Complaint]:
    return _listed(queue_for(caller(request)))


@router.get("/{complaint_id}", response={200: ComplaintDetailOut, **OBJECT_ERRORS}, summary="One complaint")
def complaint_detail(request: HttpRequest, complaint_id: ComplaintId) -> Complaint:
    return complaint_get_for_user(pk=complaint_id, user=caller(request))


@router.get(
    "/{complaint_id}/events",
    response={200: list[EventOut], **OBJECT_ERRORS},
    summary="The timeline: every change with actor, time, reason and data",
)
def complaint_events(request: HttpRequest, complaint_id: ComplaintId) -> Any:
    complaint = complaint_get_for_user(pk=complaint_id, user=caller(request))
    return complaint.events.select_related("actor").order_by("seq")


# ---------------------------------------------------------------- record


@router.post(
    "",
    response={201: ComplaintDetailOut, **AUTH_ERRORS},
    summary="Record a complaint (complaint.process.record)",
)
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    errors: dict[str, str] = {}
    customer = _lookup(Customer, payload.customer_id, field="customer_id", errors=errors)
    contact = _lookup(Contact, payload.source_contact_id, field="source_contact_id", errors=errors)
    _raise_if(errors)
    complaint = services.complaint_record(
        actor=caller(request),
        channel=payload.channel,
        complainant_name=payload.complainant_name,
        complainant_phone=payload.complainant_phone,
        subject=payload.subject,
        content=payload.content,
        demands=payload.demands,
        customer=customer or (contact.customer if contact is not None else None),
        received_at=payload.received_at,
        severity=payload.severity,
        source_contact=contact,
        cause=payload.cause,
        hotspot=payload.hotspot,
        needs=payload.needs,
    )
    return Status(201, _reload(complaint))


# ---------------------------------------------------------------- process actions


def _act(request: HttpRequest, complaint_id: int, service: Callable[..., Complaint], **kwargs: Any) -> Complaint:
    user = caller(request)
    complaint = complaint_get_for_user(pk=complaint_id, user=user)
    return _reload(service(complaint=complaint, actor=user, **kwargs))


def _action(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/{{complaint_id}}/{path}",
        response={200: ComplaintDetailOut, **ACTION_ERRORS},
        summary=summary,
        url_name="complaint_" + path.replace("-", "_"),
    )


@_action("accept", "The complaint stands (complaint.process.validity)")
def complaint_accept(request: HttpRequest, complaint_id: ComplaintId, payload: AcceptIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_accept, **payload.dict())


@_action("reject", "The complaint does not stand: record the explanation given, and close")
def complaint_reject(request: HttpRequest, complaint_id: ComplaintId, payload: RejectIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_reject, **payload.dict())


@_action("assign", "Assign (or reassign) the handling department and handler (complaint.process.department)")
def complaint_assign(request: HttpRequest, complaint_id: ComplaintId, payload: AssignIn) -> Complaint:
    errors: dict[str, str] = {}
    handling = _lookup(Department, payload.handling_department_id, field="handling_department_id", errors=errors)
    handler = _lookup(User, payload.handler_id, field="handler_id", errors=errors)
    responsible = _lookup(
        Department, payload.responsible_department_id, field="responsible_department_id", errors=errors
    )
    _raise_if(errors)
    return _act(
        request,
        complaint_id,
        services.complaint_assign,
        handling_department=handling,
        handler=handler,
        responsible_department=responsible,
        comment=payload.comment,
        expected_version=payload.expected_version,
    )


@_action("analyse", "Record the cause and the person responsible (complaint.process.cause)")
def complaint_analyse(request: HttpRequest, complaint_id: ComplaintId, payload: AnalyseIn) -> Complaint:
    errors: dict[str, str] = {}
    responsible = _lookup(
        Department, payload.responsible_department_id, field="responsible_department_id", errors=errors
    )
    _raise_if(errors)
    return _act(
        request,
        complaint_id,
        services.complaint_analyse,
        analysis=payload.analysis,
        cause=payload.cause,
        responsible_person=payload.responsible_person,
        responsible_department=responsible,
        expected_version=payload.expected_version,
    )


@_action("propose", "Propose a remedy for approval (complaint.process.proposal)")
def complaint_propose(request: HttpRequest, complaint_id: ComplaintId, payload: ProposeIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_propose, **payload.dict())


@_action("approve", "Approve the pending proposal (complaint.process.approval, complaint.authority)")
def complaint_approve(request: HttpRequest, complaint_id: ComplaintId, payload: CommentIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_approve, **payload.dict())


@_action("send-back", "Send the proposal back to the department with an instruction")
def complaint_send_back(request: HttpRequest, complaint_id: ComplaintId, payload: SendBackIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_send_back, **payload.dict())


@_action("implement", "Record what was done and how the customer was told (complaint.process.implement)")
def complaint_implement(request: HttpRequest, complaint_id: ComplaintId, payload: ImplementIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_implement, **payload.dict())


@_action("follow-up", "Record the follow-up visit; a dissatisfied customer reopens it (complaint.followup)")
def complaint_follow_up(request: HttpRequest, complaint_id: ComplaintId, payload: FollowUpIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_follow_up, **payload.dict())


@_action("review", "Summarise, draw lessons and close (complaint.process.review)")
def complaint_review(request: HttpRequest, complaint_id: ComplaintId, payload: ReviewIn) -> Complaint:
    return _act(request, complaint_id, services.complaint_review, **payload.dict())


@_action("classify", "Change classification fields of an open complaint; only the fields sent change")
def complaint_classify(request: HttpRequest, complaint_id: ComplaintId, payload: ClassifyIn) -> Complaint:
    fields = payload.dict(exclude_unset=True)
    expected_version = fields.pop("expected_version")
    return _act(request, complaint_id, services.complaint_classify, expected_version=expected_version, **fields)
