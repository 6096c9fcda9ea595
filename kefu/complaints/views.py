"""The complaint UI: the workbench (工作台), the list, the record form, the detail page and its actions.

Views parse input, check access, call a selector or a service and render.
Every complaint view starts with ``complaint_get_for_user`` (404 for what the
user may not see); every action is authorised here *and* in the service,
because a client can post any form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import SEES_COMPLAINTS, Cap
from kefu.complaints import flow, presenters, services
from kefu.complaints import forms as cf
from kefu.complaints.flow import Action, State
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import (
    complaint_actions_for,
    complaint_get_for_user,
    visible_complaints,
)
from kefu.complaints.selectors import (
    complaint_list as complaint_list_query,
)
from kefu.customers.models import Contact, Customer
from kefu.customers.selectors import contact_get_for_user, customer_get_for_user, customers_by_phone
from kefu.front.shortcuts import add_service_errors, forbidden, url_or_none
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed, RateLimited
from kefu.lib.masking import mask_phone
from kefu.lib.params import parse_version

PAGE_SIZE = 25

# Anyone holding one of these has complaint work and sees the complaint pages.
COMPLAINT_CAPS = SEES_COMPLAINTS


def _has_complaint_work(user: User) -> bool:
    return bool(COMPLAINT_CAPS & user.caps) and user.is_active


def _require_complaint_work(user: User) -> None:
    if not _has_complaint_work(user):
        raise NotAllowed(_("You are not allowed to do this."))



def _handles_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn ``NotAllowed`` (from a view check or a service) into the 403 page with its message."""

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            return forbidden(request, exc.message)

    return wrapper


# ---------------------------------------------------------------- list


@login_required
@_handles_not_allowed
@require_safe
def complaint_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every complaint the user may see, filtered (state, channel, flags, department, dates, case book)."""
    user = request.user
    _require_complaint_work(user)
    now = timezone.now()
    filters = cf.ComplaintFilterForm(request.GET or None)
    qs = complaint_list_query(user=user, filters=filters.to_filter(), now=now)
    ordered_ids = qs.values_list("pk", flat=True)
    page = Paginator(ordered_ids, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters if filters.is_bound else cf.ComplaintFilterForm(),
        "page_obj": page,
        "rows": presenters.rows(presenters.in_order(list(page), presenters.table(Complaint.objects.all())), now),
        "can_record": user.can(Cap.COMPLAINT_RECORD),
        "casebook": request.GET.get("casebook") == "on",
    }
    template = "complaints/list.html#results" if request.htmx else "complaints/list.html"
    return render(request, template, context)


# ---------------------------------------------------------------- record


@dataclass(frozen=True)
class Source:
    """Where a new complaint is prefilled from: a logged contact or a customer."""

    customer: Customer | None = None
    contact: Contact | None = None

    @property
    def query(self) -> str:
        if self.contact is not None:
            return "?" + urlencode({"contact": self.contact.pk})
        if self.customer is not None:
            return "?" + urlencode({"customer": self.customer.pk})
        return ""

    @property
    def phone(self) -> str:
        if self.contact is not None and self.contact.phone:
            return self.contact.phone
        customer = self.customer
        if customer is None:
            return ""
        phones = sorted(customer.phones.all(), key=lambda p: (not p.is_primary, p.pk))
        return phones[0].number if phones else ""

    def initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        if self.customer is not None:
            initial["complainant_name"] = self.customer.name
        if self.contact is not None:
            initial.update(
                channel=self.contact.channel,
                subject=self.contact.summary[:120],
                content=self.contact.detail or self.contact.summary,
                received_at=timezone.localtime(self.contact.occurred_at).replace(second=0, microsecond=0),
            )
        return initial


def _parse_pk(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise Http404("bad id") from exc


def _source(request: HtmxHttpRequest) -> Source:
    """The contact or customer named in the query string, through the customers app's access checks."""
    user = request.user
    contact_pk = _parse_pk(request.GET.get("contact"))
    if contact_pk is not None:
        contact = contact_get_for_user(pk=contact_pk, user=user)
        return Source(customer=contact.customer, contact=contact)
    customer_pk = _parse_pk(request.GET.get("customer"))
    if customer_pk is not None:
        return Source(customer=customer_get_for_user(pk=customer_pk, user=user))
    return Source()


def _record_form(request: HtmxHttpRequest, source: Source, data: Any = None) -> cf.RecordForm:
    phone = source.phone
    # The number stays server-side for everyone: a full number reaches a page only through a logged reveal.
    if phone:
        return cf.RecordForm(data, initial=source.initial(), source_phone=phone, masked_phone=mask_phone(phone))
    return cf.RecordForm(data, initial=source.initial())


@login_required
@_handles_not_allowed
@require_http_methods(["GET", "POST"])
def complaint_new(request: HtmxHttpRequest) -> HttpResponse:
    """Record a complaint (complaint.process.record), optionally prefilled from a contact or customer."""
    user = request.user
    if not user.can(Cap.COMPLAINT_RECORD):
        raise NotAllowed(_("You are not allowed to do this."))
    source = _source(request)
    form = _record_form(request, source, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        customer = source.customer or _only_owner(form.cleaned_data["complainant_phone"], user)
        try:
            complaint = services.complaint_record(
                actor=user, customer=customer, source_contact=source.contact, **form.cleaned_data
            )
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Complaint %(number)s recorded.") % {"number": complaint.number})
            if customer is not None and source.customer is None:
                messages.info(request, _("Linked to the customer %(name)s by the phone number.") % {"name": customer})
            return redirect(complaint)
    status = 422 if form.is_bound else 200
    context = {
        "form": form,
        "source": source,
        "form_action": reverse("complaints:new") + source.query,
        # Recording the same contact twice is the usual duplicate: show what it already produced.
        "already": list(visible_complaints(user).filter(source_contact=source.contact).only("number"))
        if source.contact is not None
        else [],
    }
    return render(request, "complaints/new.html", context, status=status)


def _only_owner(phone: str, user: User) -> Customer | None:
    """The customer owning this number, when exactly one does (a shared line stays unlinked).

    A lookup counts against the user's number searches; past the limit it stays unlinked.
    """
    try:
        owners = customers_by_phone(phone, limit=2, user=user) if phone else []
    except RateLimited:
        return None
    return owners[0] if len(owners) == 1 else None



# ---------------------------------------------------------------- detail and actions


@dataclass(frozen=True)
class ActionSpec:
    """One action of the panel: its form, the service that does it and the process actions it covers."""

    name: str
    form: type[cf.ActionForm]
    service: Callable[..., Complaint]
    covers: tuple[Action, ...]
    title: str | Promise
    button: str | Promise
    done: str | Promise  # the success message
    tone: str = "primary"


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("accept", cf.AcceptForm, services.complaint_accept, (Action.ACCEPT,),
                   gettext_lazy("The complaint stands"), gettext_lazy("Accept"),
                   gettext_lazy("The complaint was accepted.")),
        ActionSpec("reject", cf.RejectForm, services.complaint_reject, (Action.REJECT,),
                   gettext_lazy("The complaint does not stand"), gettext_lazy("Reject and close"),
                   gettext_lazy("The complaint was judged invalid and closed."), "danger"),
        ActionSpec("assign", cf.AssignForm, services.complaint_assign, (Action.ASSIGN, Action.REASSIGN),
                   gettext_lazy("Department and handler"), gettext_lazy("Assign"),
                   gettext_lazy("The complaint was assigned.")),
        ActionSpec("analyse", cf.AnalyseForm, services.complaint_analyse, (Action.ANALYSE,),
                   gettext_lazy("Cause and person responsible"), gettext_lazy("Save the analysis"),
                   gettext_lazy("The cause was recorded.")),
        ActionSpec("propose", cf.ProposeForm, services.complaint_propose, (Action.PROPOSE,),
                   gettext_lazy("Propose a remedy"), gettext_lazy("Submit for approval"),
                   gettext_lazy("The proposal was submitted for approval.")),
        ActionSpec("approve", cf.ApproveForm, services.complaint_approve, (Action.APPROVE,),
                   gettext_lazy("Approve the proposal"), gettext_lazy("Approve"),
                   gettext_lazy("The proposal was approved."), "success"),
        ActionSpec("escalate", cf.EscalateForm, services.complaint_escalate, (Action.ESCALATE,),
                   gettext_lazy("Escalate for approval"), gettext_lazy("Escalate"),
                   gettext_lazy("The proposal was escalated for approval."), "primary"),
        ActionSpec("send_back", cf.SendBackForm, services.complaint_send_back, (Action.SEND_BACK,),
                   gettext_lazy("Send the proposal back"), gettext_lazy("Send back"),
                   gettext_lazy("The proposal was sent back."), "danger"),
        ActionSpec("implement", cf.ImplementForm, services.complaint_implement, (Action.IMPLEMENT,),
                   gettext_lazy("Implement and notify the customer"), gettext_lazy("Record implementation"),
                   gettext_lazy("The implementation was recorded.")),
        ActionSpec("follow_up", cf.FollowUpForm, services.complaint_follow_up, (Action.FOLLOW_UP, Action.REOPEN),
                   gettext_lazy("Follow-up visit"), gettext_lazy("Record the follow-up"),
                   gettext_lazy("The follow-up was recorded.")),
        ActionSpec("review", cf.ReviewForm, services.complaint_review, (Action.REVIEW,),
                   gettext_lazy("Review and close"), gettext_lazy("Close the complaint"),
                   gettext_lazy("The complaint was reviewed and closed.")),
        ActionSpec("classify", cf.ClassifyForm, services.complaint_classify, (),
                   gettext_lazy("Classification"), gettext_lazy("Save the classification"),
                   gettext_lazy("The classification was saved."), "ghost"),
    )
}

# Panel order follows the process; REASSIGN is shown through the assign form.
_PANEL_FOR: dict[Action, str] = {a: spec.name for spec in ACTIONS.values() for a in spec.covers}


def _allowed_specs(complaint: Complaint, user: User) -> list[ActionSpec]:
    names: list[str] = []
    for action in complaint_actions_for(complaint=complaint, user=user):
        name = _PANEL_FOR.get(action)
        if name and name not in names:
            names.append(name)
    return [ACTIONS[name] for name in names]


def _can_classify(complaint: Complaint, user: User) -> bool:
    return complaint.is_open and user.can(Cap.COMPLAINT_JUDGE)


def _authorise(spec: ActionSpec, complaint: Complaint, user: User, version: int | None) -> None:
    """Refuse what the user may never do here; a stale form is left to the service (→ Conflict)."""
    if spec.name == "classify":
        if not user.can(Cap.COMPLAINT_JUDGE):
            raise NotAllowed(_("You are not allowed to do this."))
        return
    caps = {flow.TRANSITIONS[a].cap for a in spec.covers}
    if not any(user.can(Cap(cap)) for cap in caps):
        raise NotAllowed(_("You are not allowed to do this."))
    if version == complaint.version and spec not in _allowed_specs(complaint, user):
        if spec.name in ("approve", "send_back", "escalate") and complaint.state == State.PENDING_APPROVAL:
            _refuse_decision(complaint, user)
        raise NotAllowed(_("You are not allowed to do this."))


def _refuse_decision(complaint: Complaint, user: User) -> None:
    """Why this approver may not take that decision, in words (own proposal, above the limit)."""
    pending = presenters.approval(list(complaint.proposals.all()), user)
    if pending is not None and pending.own:
        raise NotAllowed(_("You cannot decide on your own proposal."))
    if pending is not None and pending.over_limit:
        raise NotAllowed(
            _("%(amount)s yuan is above your approval limit of %(limit)s yuan: escalate it instead.")
            % {"amount": pending.proposal.amount, "limit": pending.limit}
        )
    raise NotAllowed(_("You are not allowed to do this."))


def _posted_version(request: HtmxHttpRequest) -> int | None:
    return parse_version(request.POST.get("expected_version"))


def _action_form(spec: ActionSpec, complaint: Complaint, data: Any = None) -> cf.ActionForm:
    initial: dict[str, Any] = {"expected_version": complaint.version}
    if spec.name == "classify":
        initial.update(cf.ClassifyForm.initial_for(complaint))
    if spec.name == "assign":
        initial.update(handling_department=complaint.handling_department_id, handler=complaint.handler_id)
    return spec.form(data, initial=initial, auto_id=f"id_{spec.name}_%s")


@login_required
@require_safe
def complaint_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The complaint: form data, classification, progress, SLA, proposals, follow-ups, timeline, actions."""
    complaint = complaint_get_for_user(pk=pk, user=request.user)
    return _render_detail(request, complaint)


@login_required
@_handles_not_allowed
@require_POST
def complaint_act(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one action on the complaint through its service; plain POST redirects, htmx swaps the page body."""
    user = request.user
    complaint = complaint_get_for_user(pk=pk, user=user)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("unknown action")
    _authorise(spec, complaint, user, _posted_version(request))
    form = _action_form(spec, complaint, request.POST)
    if not form.is_valid():
        return _render_detail(request, complaint, bound=form, bound_name=spec.name, status=422)
    data = {k: v for k, v in form.cleaned_data.items() if k != "expected_version"}
    try:
        complaint = spec.service(
            complaint=complaint, actor=user, expected_version=form.cleaned_data["expected_version"], **data
        )
    except Conflict as exc:
        fresh = complaint_get_for_user(pk=pk, user=user)
        return _render_detail(request, fresh, conflict=exc.message, status=409)
    except InvalidInput as exc:
        add_service_errors(form, exc)
        return _render_detail(request, complaint, bound=form, bound_name=spec.name, status=422)
    messages.success(request, str(spec.done))
    # Whoever acted keeps sight of the complaint (selectors.visible_complaints), so it is still here.
    if request.htmx:
        return _render_detail(request, complaint_get_for_user(pk=pk, user=user))
    return redirect(complaint)


@login_required
@_handles_not_allowed
@require_POST
def followup_call(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Reveal the complainant's number for the follow-up call (logged as 回访) and offer it as a tel: link."""
    user = request.user
    complaint = complaint_get_for_user(pk=pk, user=user)
    try:
        number = services.complaint_followup_call(complaint=complaint, actor=user)
    except InvalidInput as exc:
        return _render_detail(request, complaint, conflict=exc.message, status=422)
    if request.htmx:
        return render(request, "complaints/_followup_call.html", {"complaint": complaint, "number": number})
    return _render_detail(request, complaint, call_number=number)


def _render_detail(
    request: HtmxHttpRequest,
    complaint: Complaint,
    *,
    bound: cf.ActionForm | None = None,
    bound_name: str = "",
    conflict: str = "",
    status: int = 200,
    call_number: str = "",
) -> HttpResponse:
    user = request.user
    specs = _allowed_specs(complaint, user)
    if _can_classify(complaint, user):
        specs.append(ACTIONS["classify"])
    panel = [(spec, bound if spec.name == bound_name and bound is not None else _action_form(spec, complaint))
             for spec in specs]
    if bound is not None and bound_name not in {spec.name for spec in specs}:
        # The form that failed is no longer offered (e.g. the complaint closed): say why at the top.
        conflict = conflict or " ".join(str(e) for errors in bound.errors.values() for e in errors)
    now = timezone.now()
    proposals = list(complaint.proposals.select_related("proposed_by", "decided_by"))
    context = {
        "complaint": complaint,
        "panel": panel,
        "approval": presenters.approval(proposals, user),
        "open_panel": bound_name,
        "conflict": conflict,
        "progress": presenters.progress(complaint),
        "sla": presenters.sla_view(complaint, now),
        "proposals": proposals,
        "follow_ups": complaint.follow_ups.select_related("by"),
        "events": presenters.event_rows(complaint.events.select_related("actor")),
        "labels": presenters.classification_labels(complaint),
        "suggestions": _suggestions(complaint, specs),
        "phone": mask_phone(complaint.complainant_phone) if complaint.complainant_phone else "",
        "call_number": call_number,
        "customer_url": _customer_url(complaint),
        "contact_url": complaint.source_contact_id and url_or_none("contacts:detail", complaint.source_contact_id),
    }
    if request.htmx:
        # htmx swaps only 2xx answers: errors and conflicts come back as 200 with the page body.
        return render(request, "complaints/detail.html#htmx", context)
    return render(request, "complaints/detail.html", context, status=status)


def _suggestions(complaint: Complaint, specs: list[ActionSpec]) -> list[Any]:
    """The classifier's suggestion while someone here may still classify it (the person decides)."""
    if not complaint.is_open or not {spec.name for spec in specs} & {"classify", "analyse"}:
        return []
    if complaint.cause and complaint.hotspot:
        return []
    from kefu.insights.classifier import suggest_for

    return suggest_for(complaint)


def _customer_url(complaint: Complaint) -> str:
    """The customer page, when the customers app routes one."""
    return (complaint.customer_id and url_or_none("customers:detail", complaint.customer_id)) or ""
