"""On-site service pages: create, the appointment call, the dispatch board, the technician's phone pages,
the follow-up queue, the customer's link, counter inspections and the manager report.

Every view starts with a getter or a capability check; every write calls a service, which checks again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.accounts.throttle import (
    client_address,
    link_block_message,
    link_block_remaining,
    link_failure_record,
)
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import visible_complaints
from kefu.customers.models import Contact, Customer
from kefu.customers.selectors import can_view_customers, customer_list
from kefu.fieldservice import checklists, process, selectors, services
from kefu.fieldservice.models import (
    ARRIVAL_LABELS,
    TYPE_LABELS,
    CounterInspection,
    FollowUpCall,
    OutboundMessage,
    Signature,
    WorkOrder,
)
from kefu.fieldservice.process import OrderType, State
from kefu.front.shortcuts import forbidden
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed, RateLimited, ServiceError
from kefu.lib.masking import mask_address, mask_phone
from kefu.lib.params import parse_id, parse_version


def _handles_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            return forbidden(request, exc.message)

    return wrapper


def _require(user: User, *caps: Cap) -> None:
    if not user.is_active or not any(user.can(c) for c in caps):
        raise NotAllowed(_("You are not allowed to do this."))


def _parse_day(value: str | None) -> date | None:
    """A date from a query string, or None when it is missing, malformed or impossible (2026-02-31)."""
    if not value or len(value) > 20:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _parse_slot(value: str) -> datetime | None:
    """The start of a window posted by the board or the call page, or None when it is not a time."""
    if not value or len(value) > 40:
        return None
    try:
        start = parse_datetime(value)
    except ValueError:
        return None
    if start is None or not 2000 <= start.year <= 2100:
        return None
    return start if timezone.is_aware(start) else timezone.make_aware(start)


def _day(value: str | None) -> date:
    parsed = _parse_day(value)
    today = timezone.localdate()
    if parsed is None or abs((parsed - today).days) > 366:
        return today
    return parsed


def _error(request: HttpRequest, exc: ServiceError) -> None:
    detail = "；".join(str(v) for v in exc.errors.values() if v and str(v) != exc.message)
    messages.error(request, f"{exc.message}{'（' + detail + '）' if detail and len(detail) < 200 else ''}")


def _tabs(user: User) -> list[tuple[str, str, str]]:
    tabs: list[tuple[str, str, str]] = []
    if user.can(Cap.ONSITE_WORK):
        tabs.append(("my", _("My visits today"), reverse("fieldservice:my_day")))
    if user.can(Cap.ONSITE_DISPATCH):
        tabs.append(("board", _("Dispatch board"), reverse("fieldservice:board")))
        tabs.append(("new", _("New work order"), reverse("fieldservice:new")))
    if user.can(Cap.ONSITE_VIEW) or user.can(Cap.ONSITE_DISPATCH):
        tabs.append(("orders", _("Work orders"), reverse("fieldservice:orders")))
    if user.can(Cap.COMPLAINT_FOLLOW_UP):
        tabs.append(("followups", _("Confirming calls"), reverse("fieldservice:followups")))
    if user.can(Cap.COUNTER_INSPECT) or CounterInspection.objects.filter(agent=user).exists():
        tabs.append(("counter", _("Counter inspections"), reverse("fieldservice:counter")))
    if user.can(Cap.ONSITE_VIEW):
        tabs.append(("report", _("On-site report"), reverse("fieldservice:report")))
    return tabs


def _ctx(request: HtmxHttpRequest, tab: str, **extra: Any) -> dict[str, Any]:
    return {"tabs": _tabs(request.user), "tab": tab, **extra}


@login_required
@_handles_not_allowed
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    """Each role lands on its own page: the technician's day, the board, the follow-up queue…"""
    tabs = _tabs(request.user)
    if not tabs:
        raise NotAllowed(_("You are not allowed to do this."))
    return redirect(tabs[0][2])


# ---------------------------------------------------------------- orders


def _order_rows(orders: list[WorkOrder]) -> list[dict[str, Any]]:
    return [{"o": o, "type": TYPE_LABELS[OrderType(o.order_type)], "address": mask_address(o.address)} for o in orders]


@login_required
@_handles_not_allowed
@require_safe
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """Work orders, filtered; also the list behind every number of the report (metric, start, end)."""
    user = request.user
    _require(user, Cap.ONSITE_VIEW, Cap.ONSITE_DISPATCH)
    qs = selectors.visible_orders(user).select_related("customer", "technician")
    state = request.GET.get("state", "")
    if state in State.__members__.values():
        qs = qs.filter(state=state)
    metric = request.GET.get("metric", "")
    title = ""
    if metric in selectors.METRICS:
        start, end = _period(request)
        qs = qs & selectors.metric_orders(metric, start, end)
        title = _report_labels()[metric]
    if (tech_id := parse_id(request.GET.get("technician"))) is not None:
        qs = qs.filter(technician_id=tech_id)
    area = request.GET.get("area", "")
    if area:
        qs = qs.filter(area=area[:40])
    page = Paginator(qs.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "fieldservice/orders.html", _ctx(
        request, "orders", page_obj=page, rows=_order_rows(list(page)), states=[(s.value, s) for s in State],
        state=state, metric_title=title, query=request.GET.urlencode(),
        state_labels={s.value: lbl for s, lbl in _state_labels().items()},
    ))


def _action_labels() -> dict[str, str]:
    return {
        "create": _("Work order created"), "book": _("Appointment booked"), "rebook": _("Appointment changed"),
        "solve_by_phone": _("Solved on the phone"), "cancel": _("Cancelled"), "depart": _("Technician on the way"),
        "arrive": _("Technician arrived"), "checklist": _("Checklist done"), "consent": _("Customer agreed to a replacement"),
        "record": _("Work record saved"), "fees": _("Fees shown to the customer"), "sign": _("Customer signed"),
        "feedback": _("Customer feedback"), "mot": _("Moments of truth scored"), "finish": _("Work done"),
        "need_support": _("Support needed: back to booking"), "confirm": _("Confirming call: closed"),
        "reopen": _("Confirming call: not fixed, reopened"), "customer_confirm": _("Customer confirmed the time"),
        "customer_change": _("Customer asked for another time"),
    }


def _state_labels() -> dict[State, Any]:
    from kefu.fieldservice.models import STATE_LABELS

    return STATE_LABELS


@login_required
@_handles_not_allowed
def order_new(request: HtmxHttpRequest) -> HttpResponse:
    """A new work order: from a contact, a complaint, a customer, or a customer found by name or phone."""
    user = request.user
    _require(user, Cap.ONSITE_DISPATCH)
    source = request.POST if request.method == "POST" else request.GET
    contact = complaint = None
    customer: Customer | None = None
    if (contact_id := parse_id(source.get("contact"))) is not None:
        contact = Contact.objects.select_related("customer").filter(pk=contact_id).first()
        customer = contact.customer if contact else None
    if (complaint_id := parse_id(source.get("complaint"))) is not None:
        complaint = visible_complaints(user).select_related("customer").filter(pk=complaint_id).first()
        if complaint is None and user.can(Cap.ONSITE_DISPATCH):
            complaint = Complaint.objects.select_related("customer").filter(pk=complaint_id).first()
        customer = complaint.customer if complaint else customer
    if (customer_id := parse_id(source.get("customer"))) is not None:
        customer = Customer.objects.filter(pk=customer_id).first() or customer
    found: list[Customer] = []
    query = str(request.GET.get("q", "")).strip()[:40]
    if query and customer is None and can_view_customers(user):
        try:
            found = list(customer_list(user=user, query=query)[:10])
        except RateLimited as exc:
            messages.error(request, exc.message)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if customer is None:
            errors["customer"] = _("Choose the customer first.")
        else:
            try:
                order = services.order_create(
                    actor=user, customer=customer, order_type=str(source.get("order_type", "")),
                    description=str(source.get("description", "")), equipment=str(source.get("equipment", "")),
                    contact_name=str(source.get("contact_name", "")), source_contact=contact,
                    source_complaint=complaint,
                )
            except InvalidInput as exc:
                errors = {**exc.errors, "form": exc.message}
            else:
                messages.success(request, _("Work order %(number)s created. Now call the customer.") % {"number": order.number})
                return redirect("fieldservice:call", pk=order.pk)
    recent_contacts = (
        Contact.objects.filter(customer=customer).order_by("-occurred_at")[:5] if customer is not None else []
    )
    recent_complaints = (
        Complaint.objects.filter(customer=customer).order_by("-received_at")[:5] if customer is not None else []
    )
    prefill_desc = str(source.get("description", "")) or (
        (complaint.content if complaint else "") or (contact.detail or contact.summary if contact else "")
    )
    return render(request, "fieldservice/new.html", _ctx(
        request, "new", customer=customer, contact=contact, complaint=complaint, found=found, query=query,
        address=mask_address(customer.address) if customer else "", types=[(t.value, TYPE_LABELS[t], process.TYPE_RULES[t]) for t in OrderType],
        errors=errors, values=source, description=prefill_desc[:2000], recent_contacts=recent_contacts,
        recent_complaints=recent_complaints,
    ), status=422 if errors else 200)


@login_required
@_handles_not_allowed
@require_safe
def order_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    order = selectors.order_get_for_user(pk=pk, user=user)
    if order.technician_id == user.pk and order.state in process.OPEN_STATES:
        return redirect("fieldservice:work", pk=order.pk)
    signature = Signature.objects.filter(order=order).order_by("-visit").first()
    return render(request, "fieldservice/detail.html", _ctx(
        request, "orders", o=order, type_label=TYPE_LABELS[OrderType(order.order_type)],
        address=mask_address(order.address), events=_events(order),
        runs=order.checklists.all().order_by("visit", "done_at"), signature=signature,
        outbound=order.messages.order_by("-sent_at"), arrival=ARRIVAL_LABELS.get(order.arrival, ""),  # type: ignore[call-overload]
        can_dispatch=user.can(Cap.ONSITE_DISPATCH) and order.state in (State.NEW, State.BOOKED),
        stages={s.key: s.title for s in checklists.onsite().stages}, mot_labels=_mot_labels(),
    ))


def _events(order: WorkOrder) -> list[dict[str, Any]]:
    labels = _action_labels()
    stages = {s.key: s.title for s in checklists.onsite().stages}
    rows = []
    for e in order.events.select_related("actor").all():
        label = labels.get(e.action, e.action)
        if e.action == "checklist" and isinstance(e.data, dict):
            label = f"{label}：{stages.get(str(e.data.get('stage', '')), '')}"
        rows.append({"at": e.at, "actor": e.actor, "label": label, "reason": e.reason})
    return rows


@login_required
@_handles_not_allowed
@require_safe
def signature_image(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    signature = get_object_or_404(Signature, pk=pk)
    selectors.order_get_for_user(pk=signature.order_id, user=request.user)
    response = HttpResponse(bytes(signature.png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- the appointment call (onsite.call.verify)


def _customer_title(name: str) -> str:
    return f"{name[:1]}先生/女士" if name else ""


@login_required
@_handles_not_allowed
def order_call(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The appointment call: the script filled in, verify, guide on the phone, then solve or book a window."""
    user = request.user
    _require(user, Cap.ONSITE_DISPATCH)
    order = selectors.order_get_for_user(pk=pk, user=user)
    if request.method == "POST":
        action = request.POST.get("do", "")
        try:
            if action == "solve":
                services.order_solve_by_phone(actor=user, order=order, note=request.POST.get("note", ""),
                                              expected_version=_version(request))
                messages.success(request, _("Solved on the phone: the work order is closed."))
                return redirect("fieldservice:order", pk=order.pk)
            if action == "book":
                tech_id, _sep, slot = request.POST.get("slot", "").partition("|")
                technician = User.objects.filter(pk=parse_id(tech_id) or 0).first()
                start = _parse_slot(slot)
                if technician is None or start is None:
                    raise InvalidInput(_("Choose a free window."))
                services.order_book(actor=user, order=order, technician=technician, window_start=start,
                                    expected_version=_version(request), note=request.POST.get("note", ""))
                messages.success(request, _("Booked. The customer has been sent the window, the technician and a link to confirm."))
                return redirect("fieldservice:order", pk=order.pk)
            if action == "cancel":
                services.order_cancel(actor=user, order=order, reason=request.POST.get("note", ""),
                                      expected_version=_version(request))
                messages.success(request, _("The work order is cancelled."))
                return redirect("fieldservice:order", pk=order.pk)
            raise InvalidInput(_("Choose what to do."))
        except (InvalidInput, Conflict) as exc:
            _error(request, exc)
            return redirect("fieldservice:call", pk=order.pk)
    day = _day(request.GET.get("day"))
    slots = selectors.free_slots(day=day, area=request.GET.get("area", order.area))
    if not slots and not request.GET.get("area"):
        slots = selectors.free_slots(day=day)
    script_set = checklists.scripts()
    script = script_set.scripts[process.TYPE_RULES[OrderType(order.order_type)].script]
    now = timezone.localtime()
    values = {
        "greeting": process.time_greeting(now.hour) + "", "customer": _customer_title(order.contact_name),
        "company": services._company(), "me": user.full_name or user.username, "badge": user.employee_no or "—",
        "role": pgettext("script", "technician") if user.can(Cap.ONSITE_WORK) else pgettext("script", "service representative"),
        "equipment": order.equipment or order.get_order_type_display(),
    }
    tech = order.technician
    # Before a window is booked there is no technician yet: the seeds' ×× blanks read as "say the name once
    # booked", where "维护员我们的维护员（工号—）" read as a broken sentence.
    closing_values = {"tech": str(tech) if tech else "××", "tech_badge": (tech.employee_no if tech else "") or "××"}
    return render(request, "fieldservice/call.html", _ctx(
        request, "board", o=order, script=script, opening=checklists.fill(script.opening, values),
        closing=checklists.fill(script_set.closing, closing_values), guidance=script_set.guidance, day=day,
        slots=[(t, s, s + timedelta(hours=process.WINDOW_HOURS)) for t, s in slots[:40]],
        days=[timezone.localdate() + timedelta(days=i) for i in range(0, 7)],
        phone=mask_phone(services._primary_phone(order.customer)) if order.customer_id else "",
        address=mask_address(order.address), can_book=order.state in (State.NEW, State.BOOKED),
    ))


def _version(request: HttpRequest) -> int | None:
    return parse_version(request.POST.get("version"))


@login_required
@_handles_not_allowed
@require_POST
def reveal_phone(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(pk=pk, user=request.user)
    try:
        number = services.phone_for_call(actor=request.user, order=order)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=422)
    return HttpResponse(format_html('<a class="btn btn-sm" href="tel:{}" data-revealed>{}</a>', number, number))


@login_required
@_handles_not_allowed
@require_POST
def reveal_address(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(pk=pk, user=request.user)
    address = services.address_for_visit(actor=request.user, order=order)
    from django.utils.html import escape

    return HttpResponse(f'<span data-revealed>{escape(address)}</span>')


# ---------------------------------------------------------------- dispatch board


SLOT_CHOICES = 60  # windows offered on the board: the earliest, emptiest technicians first
ALL_AREAS = "*"


def _board_rows(
    data: selectors.Board, *, compact: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str]]]:
    """The board as plain rows, formatted once in Python: the page has a thousand of them at scale."""
    order_url = reverse("fieldservice:order", args=[0]).removesuffix("0/")
    states = {s.value: str(label) for s, label in _state_labels().items()}
    types = {t.value: str(label) for t, label in TYPE_LABELS.items()}
    late, risk = str(_("Late")), str(_("At risk"))
    visits_label = _("%(n)s visits")

    def flag(pk: int) -> tuple[str, str]:
        if pk in data.late:
            return "fs-late", late
        if pk in data.at_risk:
            return "fs-risk", risk
        return "", ""

    to_book = []
    for o in data.unassigned:
        css, badge = flag(o.pk)
        to_book.append({
            "pk": o.pk, "version": o.version, "number": o.number, "url": f"{order_url}{o.pk}/", "css": css,
            "badge": badge, "type": types.get(o.order_type, ""), "area": o.area,
            "due": timezone.localtime(o.due_at).strftime("%m-%d %H:%M"), "change": o.confirmation == "change",
            "reopened": o.reopen_count > 0,
        })
    techs = []
    slots: list[tuple[datetime, int, str, str]] = []
    for t in data.technicians:
        name = t.name
        visits = []
        late_count = sum(1 for o in t.orders if o.pk in data.late)
        for o in [] if compact else t.orders:
            css, badge = flag(o.pk)
            start = timezone.localtime(o.window_start) if o.window_start else None
            end = timezone.localtime(o.window_end) if o.window_end else None
            visits.append({
                "url": f"{order_url}{o.pk}/", "number": o.number, "css": css, "badge": badge,
                "window": f"{start:%H:%M}–{end:%H:%M}" if start and end else "", "type": types.get(o.order_type, ""),
                "state": states.get(o.state, ""),
            })
        free = [timezone.localtime(f) for f in t.free]
        techs.append({"name": name, "username": t.username, "area": t.area, "load": t.load,
                      "load_label": visits_label % {"n": t.load},
                      "free": "、".join(f"{f:%H:%M}" for f in free) or "—", "visits": visits,
                      "late": late_count})
        for f in free:
            end_f = f + timedelta(hours=process.WINDOW_HOURS)
            slots.append((f, t.load, f"{t.pk}|{f.isoformat()}", f"{f:%H:%M}–{end_f:%H:%M} {name}（{t.area}，{t.load}）"))
    slots.sort(key=lambda s: (s[0], s[1]))
    return to_book, techs, [(value, label) for _at, _load, value, label in slots[:SLOT_CHOICES]]


@login_required
@_handles_not_allowed
@require_safe
def dispatch_board(request: HtmxHttpRequest) -> HttpResponse:
    """Orders to book and the technicians of one area (or a compact view of all areas) on one day."""
    _require(request.user, Cap.ONSITE_DISPATCH)
    day = _day(request.GET.get("day"))
    areas = selectors.areas_on(day)
    area = request.GET.get("area", "")[:40] or (areas[0] if areas else "")
    data = selectors.board(day=day, area="" if area == ALL_AREAS else area, unassigned_limit=50)
    to_book, techs, slots = _board_rows(data, compact=area == ALL_AREAS)
    return render(request, "fieldservice/board.html", _ctx(
        request, "board", b=data, area=area, areas=areas, all_areas=ALL_AREAS, compact=area == ALL_AREAS,
        to_book=to_book, techs=techs, slots=slots, days=[timezone.localdate() + timedelta(days=i) for i in range(-1, 7)],
    ))


@login_required
@_handles_not_allowed
@require_POST
def board_assign(request: HtmxHttpRequest) -> HttpResponse:
    """Pick an order and a technician's free window on the board: the order is booked."""
    user = request.user
    _require(user, Cap.ONSITE_DISPATCH)
    pk, _sep, version = request.POST.get("order", "").partition("|")
    back = f"{reverse('fieldservice:board')}?day={request.POST.get('day', '')}&area={request.POST.get('area', '')}"
    if (order_id := parse_id(pk)) is None:
        messages.error(request, _("Pick an order to book."))
        return redirect(back)
    order = selectors.order_get_for_user(pk=order_id, user=user)
    tech_id, _sep, slot = request.POST.get("slot", "").partition("|")
    technician = User.objects.filter(pk=parse_id(tech_id) or 0).first()
    start = _parse_slot(slot)
    try:
        if technician is None or start is None:
            raise InvalidInput(_("Choose a free window."))
        services.order_book(actor=user, order=order, technician=technician, window_start=start,
                            expected_version=parse_version(version))
        messages.success(request, _("%(number)s assigned to %(tech)s.") % {"number": order.number, "tech": technician})
    except (InvalidInput, Conflict) as exc:
        _error(request, exc)
    return redirect(back)


# ---------------------------------------------------------------- the technician's phone


def _mot_labels() -> dict[str, str]:
    return {"call": _("Phone call"), "visit": _("Arrival"), "operate": _("Work"), "communicate": _("Communication"),
            "evaluate": _("Evaluation"), "help": _("Help")}


@login_required
@_handles_not_allowed
@require_safe
def my_day(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    _require(user, Cap.ONSITE_WORK)
    day = _day(request.GET.get("day"))
    orders = selectors.technician_day(user=user, day=day)
    return render(request, "fieldservice/my_day.html", _ctx(
        request, "my", rows=_order_rows(orders), day=day, today=timezone.localdate(),
        state_labels={s.value: lbl for s, lbl in _state_labels().items()},
    ))


@never_cache
@login_required
@_handles_not_allowed
@require_safe
def work(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One visit on the technician's phone: every stage on one page, gated in order, usable offline."""
    user = request.user
    _require(user, Cap.ONSITE_WORK)
    order = selectors.order_get_for_user(pk=pk, user=user)
    if order.technician_id != user.pk:
        raise NotAllowed(_("This work order is assigned to another technician."))
    runs = selectors.checklist_runs(order)
    signed = Signature.objects.filter(order=order, visit=services.current_visit(order)).exists()
    stages = [{"s": s, "done": s.key in runs} for s in checklists.onsite().stages]
    state = {
        "order": order.pk, "state": order.state, "version": order.version, "stages": sorted(runs),
        "recorded": bool(order.work_done), "consent": order.consent_at is not None, "signed": signed,
        "fees": bool(order.fees), "mot": bool(order.mot), "late_after": order.window_end.isoformat() if order.window_end else "",
    }
    return render(request, "fieldservice/work.html", _ctx(
        request, "my", o=order, stages=stages, state_json=state, prices=checklists.prices().values(),
        address=mask_address(order.address), type_label=TYPE_LABELS[OrderType(order.order_type)],
        mot_labels=_mot_labels(), mot_range=range(process.MOT_MIN, process.MOT_MAX + 1), signed=signed,
        open=order.state in process.OPEN_STATES, sync_url=reverse("api:fieldservice_sync"),
    ))


def _form_data(kind: str, post: Any) -> dict[str, Any]:
    """A step's data from an HTML form (the JS sends the same shape as JSON)."""
    if kind == "checklist":
        return {"stage": post.get("stage", ""), "items": post.getlist("items")}
    if kind == "record":
        names, serials = post.getlist("part_name"), post.getlist("part_serial")
        return {
            "cause": post.get("cause", ""), "work_done": post.get("work_done", ""), "replaced": post.get("replaced"),
            "rx_dbm": post.get("rx_dbm", ""), "speed_mbps": post.get("speed_mbps", ""),
            "parts": [{"name": n, "serial": s} for n, s in zip(names, serials, strict=False)],
        }
    if kind == "fees":
        return {"lines": [{"code": c, "qty": post.get(f"qty_{c}", "1")} for c in post.getlist("fee")]}
    if kind == "mot":
        return {"scores": {m: post.get(f"mot_{m}", "") for m in process.MOT_MOMENTS}, "leads": post.get("leads", "")}
    return {k: post.get(k) for k in post if k != "csrfmiddlewaretoken"}


@login_required
@_handles_not_allowed
@require_POST
def work_step(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    """A step posted as a plain form (the page without its script); the script posts to the sync API."""
    order = selectors.order_get_for_user(pk=pk, user=request.user)
    try:
        services.step_apply(actor=request.user, order=order, kind=kind, data=_form_data(kind, request.POST),
                            client_uuid=request.POST.get("uuid") or None)
    except (InvalidInput, Conflict) as exc:
        _error(request, exc)
    return redirect("fieldservice:work", pk=order.pk)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline worker, served under /onsite/ so that its scope covers the technician's pages."""
    from django.contrib.staticfiles import finders

    path = finders.find("fieldservice/sw.js")
    if not path:
        raise Http404("no service worker")
    with open(str(path), encoding="utf-8") as fh:
        body = fh.read()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/onsite/"
    response["Cache-Control"] = "no-cache"
    return response


# ---------------------------------------------------------------- the customer's link (no login)


@never_cache
def customer_link(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the window, ask for another, or give feedback — once, before the link expires.

    An address that sent too many invalid links is refused (429) any link we did not sign; a real one
    still opens, since many phones share one address (carrier-grade NAT) and no guess can produce it.
    """
    address = client_address(request)
    try:
        message = services.link_message(token)
    except services.LinkProblem as exc:
        if not exc.invalid:
            return render(request, "fieldservice/link.html", {"problem": exc.message}, status=410)
        if wait := link_block_remaining(address=address):
            response = render(request, "fieldservice/link.html", {"problem": link_block_message(wait),
                                                                  "throttled": True}, status=429)
            response["Retry-After"] = str(wait)
            return response
        link_failure_record(address=address)
        return render(request, "fieldservice/link.html", {"problem": exc.message}, status=410)
    done = ""
    problem = ""
    if request.method == "POST":
        try:
            services.link_answer(token=token, answer=request.POST.get("answer", ""),
                                 score=request.POST.get("score"), remarks=request.POST.get("remarks", ""))
            done = request.POST.get("answer", "")
        except services.LinkProblem as exc:
            problem = exc.message
        except (InvalidInput, Conflict) as exc:
            problem = exc.message
        message.order.refresh_from_db()
    order = message.order
    feedback = message.kind == OutboundMessage.Kind.FEEDBACK
    # An open request for another time is what the customer needs to see, not that the link was used.
    requested = None if feedback else selectors.reschedule_requested(order)
    if request.method != "POST" and message.used_at is not None and requested is None:
        problem = _("You have already answered through this link. Thank you!")
    elif request.method != "POST" and message.used_at is None and services.link_outdated(message, order):
        problem = services.outdated_link_message()  # say so now, not after the customer pressed a button
    tech = order.technician
    return render(request, "fieldservice/link.html", {
        "m": message, "o": order, "done": done, "problem": problem, "tech": tech, "requested": requested,
        "window": (timezone.localtime(order.window_start), timezone.localtime(order.window_end))
        if order.window_start and order.window_end else None,
        "feedback": feedback,
    }, status=200 if not problem else 409)


# ---------------------------------------------------------------- confirming calls (onsite.confirm_after_fix)


@login_required
@_handles_not_allowed
def followups(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    _require(user, Cap.COMPLAINT_FOLLOW_UP)
    if request.method == "POST":
        call = get_object_or_404(FollowUpCall, pk=parse_id(request.POST.get("call")) or 0)
        try:
            call = services.followup_record(actor=user, call=call, result=request.POST.get("result", ""),
                                            note=request.POST.get("note", ""))
            messages.success(request, _("The call is recorded: %(result)s.") % {"result": call.get_result_display()})
        except (InvalidInput, Conflict) as exc:
            _error(request, exc)
        return redirect("fieldservice:followups")
    now = timezone.now()
    calls = list(selectors.follow_up_queue()[:100])
    return render(request, "fieldservice/followups.html", _ctx(
        request, "followups", calls=calls, now=now, results=FollowUpCall.Result.choices,
        phones={c.pk: mask_phone(services._primary_phone(c.order.customer)) for c in calls},
    ))


# ---------------------------------------------------------------- counter inspections (营业厅)


@login_required
@_handles_not_allowed
def counter(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    inspector = user.can(Cap.COUNTER_INSPECT)
    if not inspector and not CounterInspection.objects.filter(agent=user).exists():
        raise NotAllowed(_("You are not allowed to do this."))
    stage = checklists.counter().stages[0]
    errors: dict[str, str] = {}
    if request.method == "POST":
        _require(user, Cap.COUNTER_INSPECT)
        agent = User.objects.filter(pk=parse_id(request.POST.get("agent")) or 0).first()
        try:
            if agent is None:
                raise InvalidInput(_("Choose a counter agent."), errors={"agent": _("Choose a counter agent.")})
            inspection = services.counter_inspect(
                actor=user, agent=agent, remarks=request.POST.get("remarks", ""),
                results={i.key: request.POST.get(f"item_{i.key}", "") for i in stage.items},
            )
            messages.success(request, _("Inspection saved: %(score)d points.") % {"score": inspection.score})
            return redirect("fieldservice:counter_detail", pk=inspection.pk)
        except InvalidInput as exc:
            errors = {**exc.errors, "form": exc.message}
            messages.error(request, exc.message)
    qs = CounterInspection.objects.select_related("agent", "inspector")
    if not inspector:
        qs = qs.filter(agent=user)
    return render(request, "fieldservice/counter.html", _ctx(
        request, "counter", stage=stage, inspections=qs[:50], inspector=inspector, errors=errors,
        agents=User.objects.filter(role="agent", is_active=True).order_by("full_name") if inspector else [],
        posted=request.POST,
    ), status=422 if errors else 200)


@login_required
@_handles_not_allowed
@require_safe
def counter_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = get_object_or_404(CounterInspection.objects.select_related("agent", "inspector"), pk=pk)
    if not user.can(Cap.COUNTER_INSPECT) and inspection.agent_id != user.pk:
        raise Http404("not found")
    stage = checklists.counter().stages[0]
    history = CounterInspection.objects.filter(agent=inspection.agent).select_related("inspector")[:20]
    return render(request, "fieldservice/counter_detail.html", _ctx(
        request, "counter", i=inspection, history=history,
        items=[(item, inspection.items.get(item.key, "")) for item in stage.items],
    ))


# ---------------------------------------------------------------- the manager report


def _period(request: HttpRequest) -> tuple[datetime, datetime]:
    end_day = _day(request.GET.get("end"))
    start_day = _parse_day(request.GET.get("start")) or end_day - timedelta(days=29)
    if start_day > end_day or (end_day - start_day).days > 366:
        start_day = end_day - timedelta(days=29)
    start, _e = selectors.local_day_bounds(start_day)
    _s, end = selectors.local_day_bounds(end_day)
    return start, end


def _report_labels() -> dict[str, str]:
    return {"on_time": _("On-time arrival"), "first_fix": _("First-time fix"), "repeat": _("Repeat visits (30 days)"),
            "checklist": _("Checklist compliance"), "mot": _("Average MOT"), "feedback": _("Average feedback")}


@login_required
@_handles_not_allowed
@require_safe
def report(request: HtmxHttpRequest) -> HttpResponse:
    _require(request.user, Cap.ONSITE_VIEW)
    start, end = _period(request)
    by_tech = selectors.report(start=start, end=end, by="technician")
    by_area = selectors.report(start=start, end=end, by="area")
    kept, kept_n = selectors.kept_appointment_rate(start, end)
    comp, comp_n = selectors.checklist_compliance(start, end)
    return render(request, "fieldservice/report.html", _ctx(
        request, "report", by_tech=by_tech, by_area=by_area, labels=_report_labels(),
        start=timezone.localtime(start).date(), end=(timezone.localtime(end) - timedelta(days=1)).date(),
        kept=kept, kept_n=kept_n, comp=comp, comp_n=comp_n, feedback=selectors.average_feedback(start, end),
    ))
