"""Writes to on-site work orders. Every state change is a conditional update plus an event row.

Each transition checks (a) the actor's capability for the action (``process.TRANSITIONS``), (b) that
the action is allowed from the current state, and (c) the version the actor saw; the order row is
locked first, so of two concurrent actions exactly one wins and the other gets ``Conflict`` naming
who won and when. Steps on the technician's phone (checklists, the work record, the signature…)
go through :func:`step_apply`, which the pages and the offline sync both call; a step sent with a
client UUID is recorded once and a replay gets the first answer back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid as uuidlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer, RevealLog
from kefu.customers.services import task_phone_reveal
from kefu.fieldservice import checklists, png, process
from kefu.fieldservice.models import (
    ChecklistRun,
    Confirmation,
    CounterInspection,
    FollowUpCall,
    OutboundMessage,
    Shift,
    Signature,
    SyncAction,
    WorkOrder,
    WorkOrderEvent,
)
from kefu.fieldservice.process import Action, State
from kefu.lib import outcomes
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.masking import mask_address, mask_phone
from kefu.lib.params import parse_id
from kefu.lib.textnorm import to_simplified
from kefu.notifications.models import Kind
from kefu.notifications.services import Notice, notify
from kefu.workflow import versioned
from kefu.workflow.events import jsonable
from kefu.workflow.versioned import LastChange

log = logging.getLogger(__name__)

LINK_SALT = "kefu.fieldservice.customer-link"
LINK_MAX_AGE = 3 * 24 * 3600  # a confirmation or feedback link lasts three days
CONFIRM_CALL_DELAY = timedelta(hours=2)  # the confirming call is due this long after the fix


# ---------------------------------------------------------------- helpers


def _text(value: Any, *, field: str, required: bool = False, max_length: int = 2000) -> str:
    cleaned = to_simplified(str(value or "").strip())
    if required and not cleaned:
        raise InvalidInput(_("Please fill in all required fields."), errors={field: _("This field is required.")})
    if len(cleaned) > max_length:
        raise InvalidInput(_("Some fields are too long."), errors={field: _("At most %(n)d characters.") % {"n": max_length}})
    return cleaned


def _check_cap(actor: User, cap: Cap | str) -> None:
    if not actor.is_active or not actor.can(Cap(cap)):
        raise NotAllowed(_("You are not allowed to do this."))


def _check_own(order: WorkOrder, actor: User) -> None:
    """A technician works only the orders assigned to them."""
    _check_cap(actor, Cap.ONSITE_WORK)
    if order.technician_id != actor.pk:
        raise NotAllowed(_("This work order is assigned to another technician."))


def _last_change(order_id: int) -> LastChange:
    def read() -> tuple[str, datetime] | None:
        last = WorkOrderEvent.objects.filter(order_id=order_id).select_related("actor").order_by("-seq").first()
        return None if last is None else (str(last.actor), last.at)

    return read


def _locked(order: WorkOrder, expected_version: int | None) -> WorkOrder:
    """The order re-read under a row lock (call inside ``transaction.atomic``); stale version → Conflict."""
    current = WorkOrder.objects.select_for_update().filter(pk=order.pk).first()
    if current is None:
        raise InvalidInput(_("This work order no longer exists."))
    if expected_version is not None and current.version != expected_version:
        raise versioned.conflict(_last_change(order.pk)(), what=_("work order"))
    return current


def _record(
    order: WorkOrder, *, actor: User, action: str, changes: dict[str, Any], to_state: State | None = None,
    reason: str = "", data: dict[str, Any] | None = None, at: datetime | None = None,
) -> WorkOrder:
    """Write ``changes`` at the order's current version and the event row; returns the fresh order."""
    now = at or timezone.now()
    from_state = order.state
    fields = dict(changes)
    if to_state is not None:
        fields["state"] = to_state
    versioned.versioned_update(
        WorkOrder, pk=order.pk, version=order.version, changes=fields, extra_filter={"state": from_state},
        last_change=_last_change(order.pk), what=_("work order"),
    )
    try:
        with transaction.atomic():
            WorkOrderEvent.objects.create(
                order=order, seq=order.version + 1, action=action, from_state=from_state,
                to_state=to_state or from_state, actor=actor, at=now, reason=reason,
                data=jsonable(data if data is not None else changes),
            )
    except IntegrityError as exc:
        raise versioned.conflict(_last_change(order.pk)(), what=_("work order")) from exc
    order.refresh_from_db()
    return order


def _transition(
    order: WorkOrder, *, action: Action, actor: User, changes: dict[str, Any] | None = None, reason: str = "",
    data: dict[str, Any] | None = None,
) -> WorkOrder:
    try:
        transition = process.transition_for(order.state, action)
    except process.TransitionError as exc:
        raise InvalidInput(
            _("This is not possible while the work order is “%(state)s”.") % {"state": order.get_state_display()}
        ) from exc
    _check_cap(actor, transition.cap)
    order = _record(order, actor=actor, action=action, changes=changes or {}, to_state=transition.target,
                    reason=reason, data=data)
    if action in process.FINISHING:
        outcomes.finished(outcomes.WORK_ORDER, order.pk)
    return order


def _order_url(order: WorkOrder) -> str:
    return reverse("fieldservice:order", args=[order.pk])


def _primary_phone(customer: Customer) -> str:
    phones = list(customer.phones.all())
    primary = next((p for p in phones if p.is_primary), phones[0] if phones else None)
    return primary.number if primary else ""


def area_of(address: str) -> str:
    """The district an address lies in (what the mask keeps): the dispatch board groups by it."""
    masked = mask_address(address)
    return masked.removesuffix("****")[-12:] or _("Unknown area")


def content_hash(order: WorkOrder) -> str:
    """What the customer signs: the work record and the fees, hashed (stored with the signature)."""
    body = {
        "number": order.number, "cause": order.cause, "work_done": order.work_done, "parts": order.parts,
        "line_tests": order.line_tests, "replaced": order.replaced, "fees": order.fees,
        "fee_total": str(order.fee_total),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---------------------------------------------------------------- create


@transaction.atomic
def order_create(
    *, actor: User, customer: Customer, order_type: str, description: str, equipment: str = "",
    contact_name: str = "", source_contact: Contact | None = None, source_complaint: Complaint | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """A new work order, its address prefilled from the customer, priority and time limit by type."""
    _check_cap(actor, Cap.ONSITE_DISPATCH)
    errors: dict[str, str] = {}
    try:
        kind = process.OrderType(order_type)
    except ValueError:
        errors["order_type"] = _("Choose a type.")
        kind = process.OrderType.REPAIR
    if not customer.address:
        errors["customer"] = _("This customer has no address on file; add it to the customer first.")
    if source_contact is not None and source_contact.customer_id not in (None, customer.pk):
        errors["source_contact"] = _("The contact belongs to another customer.")
    if source_complaint is not None and source_complaint.customer_id not in (None, customer.pk):
        errors["source_complaint"] = _("The complaint belongs to another customer.")
    try:
        desc = _text(description, field="description", required=True)
        equip = _text(equipment, field="equipment", max_length=120)
        name = _text(contact_name or customer.name, field="contact_name", max_length=60)
    except InvalidInput as exc:
        errors.update(exc.errors)
        desc = equip = name = ""
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    created = now or timezone.now()
    rule = process.TYPE_RULES[kind]
    order = WorkOrder.objects.create(
        number=f"tmp-{uuidlib.uuid4().hex[:16]}", order_type=kind, priority=rule.priority,
        due_at=process.promised_by(kind, created), customer=customer, contact_name=name,
        address=customer.address, area=area_of(customer.address), equipment=equip, description=desc,
        source_contact=source_contact, source_complaint=source_complaint, created_by=actor, created_at=created,
        updated_at=created,
    )
    order.number = f"WO{timezone.localtime(created):%Y%m%d}{order.pk:06d}"
    order.save(update_fields=["number"])
    WorkOrderEvent.objects.create(order=order, seq=1, action="create", to_state=State.NEW, actor=actor, at=created,
                                  data={"type": kind.value})
    return order


# ---------------------------------------------------------------- appointment (onsite.call.verify)


def window_for(day: date, start_hour: int) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=start_hour))
    return start, start + timedelta(hours=process.WINDOW_HOURS)


def _check_free(*, technician: User, start: datetime, exclude: int | None) -> None:
    if not technician.can(Cap.ONSITE_WORK) or not technician.is_active:
        raise InvalidInput(_("Choose a technician."), errors={"technician": _("Not a technician.")})
    local = timezone.localtime(start)
    if local.hour not in process.WINDOW_STARTS or local.minute or local.second:
        raise InvalidInput(_("Choose one of the offered windows."), errors={"window": _("Not an offered window.")})
    # The technician's shift row is the lock: of two bookings for one window, one waits and then sees the other.
    if not Shift.objects.select_for_update().filter(technician=technician, day=local.date()).exists():
        raise InvalidInput(
            _("%(name)s is not on duty that day.") % {"name": technician}, errors={"window": _("Not on duty.")}
        )
    taken = WorkOrder.objects.filter(technician=technician, window_start=start, state__in=process.OPEN_STATES)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.count() >= process.CAPACITY_PER_WINDOW:
        raise Conflict(_("%(name)s is already booked for this window; choose another.") % {"name": technician})


def link_token(message: OutboundMessage) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign_object({"m": message.pk, "o": message.order_id})


def _send(order: WorkOrder, *, kind: str, body: str, with_link: bool) -> OutboundMessage:
    """Store the outbound message and hand it to the SMS backend (the log in the demo); returns it."""
    phone = _primary_phone(order.customer)
    message = OutboundMessage.objects.create(
        order=order, kind=kind, to_masked=mask_phone(phone) if phone else "", body=body, order_version=order.version,
    )
    if with_link:
        url = reverse("fieldservice:customer_link", args=[link_token(message)])
        message.body = f"{body} {url}"
        message.save(update_fields=["body"])
    # The link in the text is the customer's key to answer: it goes to the SMS gateway, never to a log.
    log.info("SMS %s to %s: work order %s%s", kind, message.to_masked, order.number, " (with link)" if with_link else "")
    return message


@transaction.atomic
def order_book(
    *, actor: User, order: WorkOrder, technician: User, window_start: datetime, expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Book (or change) the arrival window and technician; the customer gets a message with a link."""
    order = _locked(order, expected_version)
    action = Action.REBOOK if order.state == State.BOOKED else Action.BOOK
    _check_cap(actor, Cap.ONSITE_DISPATCH)
    if order.state not in (State.NEW, State.BOOKED):
        raise InvalidInput(
            _("This is not possible while the work order is “%(state)s”.") % {"state": order.get_state_display()}
        )
    _check_free(technician=technician, start=window_start, exclude=order.pk)
    start, end = window_start, window_start + timedelta(hours=process.WINDOW_HOURS)
    order = _transition(
        order, action=action, actor=actor, reason=_text(note, field="note", max_length=500),
        changes={"technician": technician, "window_start": start, "window_end": end,
                 "confirmation": Confirmation.PENDING, "departed_at": None, "arrived_at": None, "arrival": ""},
    )
    local = timezone.localtime(start)
    body = _(
        "[%(company)s] Your visit (%(number)s) is booked for %(day)s %(start)s–%(end)s. Technician %(tech)s, "
        "badge no. %(badge)s. Confirm or ask for another time:"
    ) % {
        "company": _company(), "number": order.number, "day": f"{local:%m月%d日}", "start": f"{local:%H:%M}",
        "end": f"{timezone.localtime(end):%H:%M}", "tech": technician.full_name or technician.username,
        "badge": technician.employee_no or "—",
    }
    _send(order, kind=OutboundMessage.Kind.BOOKED, body=body, with_link=True)
    notify([technician], Notice(
        Kind.ONSITE, _("New visit %(number)s booked for you") % {"number": order.number},
        f"{local:%m-%d %H:%M} {order.area} {order.get_order_type_display()}", _order_url(order),
        f"onsite-booked-{order.pk}-{order.version}",
    ))
    return order


def _company() -> str:
    from django.conf import settings

    return str(getattr(settings, "KEFU_COMPANY_NAME", "")) or "Kefu"


@transaction.atomic
def order_solve_by_phone(*, actor: User, order: WorkOrder, note: str, expected_version: int | None = None) -> WorkOrder:
    """Phone guidance fixed it: the order closes without a visit (onsite.call.verify)."""
    order = _locked(order, expected_version)
    text = _text(note, field="note", required=True, max_length=2000)
    return _transition(order, action=Action.SOLVE_BY_PHONE, actor=actor, reason=text,
                       changes={"outcome": "phone", "work_done": text, "finished_at": timezone.now(),
                                "closed_at": timezone.now()})


@transaction.atomic
def order_cancel(*, actor: User, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    order = _locked(order, expected_version)
    text = _text(reason, field="reason", required=True, max_length=500)
    return _transition(order, action=Action.CANCEL, actor=actor, reason=text,
                       changes={"outcome": "cancelled", "closed_at": timezone.now()})


def phone_for_call(*, actor: User, order: WorkOrder) -> str:
    """The customer's number for the appointment call (the dispatcher, the visit's technician) or the confirming
    call after a fix (the service centre), logged as a reveal for that task (PIPL)."""
    confirming = actor.can(Cap.COMPLAINT_FOLLOW_UP) and FollowUpCall.objects.filter(order=order, done_at=None).exists()
    # The technician needs the number for the visit only: not once the order is fixed, closed or cancelled.
    visiting = actor.can(Cap.ONSITE_WORK) and order.technician_id == actor.pk and order.state in process.OPEN_STATES
    if not (actor.can(Cap.ONSITE_DISPATCH) or confirming or visiting):
        raise NotAllowed(_("You are not allowed to do this."))
    number = _primary_phone(order.customer)
    if not number:
        raise InvalidInput(_("This customer has no phone number on file."))
    return task_phone_reveal(actor=actor, number=number, customer=order.customer,
                             reason=_("On-site appointment call %(number)s") % {"number": order.number})


def address_for_visit(*, actor: User, order: WorkOrder) -> str:
    """The full address for the assigned technician of an open order, logged as a reveal (PIPL)."""
    _check_own(order, actor)
    if order.state not in process.OPEN_STATES:
        raise NotAllowed(_("The address is shown only while the visit is open."))
    RevealLog.objects.create(user=actor, customer=order.customer, field=RevealLog.Field.ADDRESS,
                             target=mask_address(order.address),
                             reason=_("On-site service visit %(number)s") % {"number": order.number})
    return order.address


# ---------------------------------------------------------------- the customer's link (no login)


class LinkProblem(Exception):
    """The link cannot be used; ``message`` says why, for the customer.

    ``invalid``: the token is tampered or names no message of ours (what a guess looks like),
    as opposed to a real link that expired or was used.
    """

    def __init__(self, message: str, *, invalid: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.invalid = invalid


def link_message(token: str, *, max_age: int = LINK_MAX_AGE) -> OutboundMessage:
    """The message a customer link belongs to, or LinkProblem (expired, tampered, unknown)."""
    try:
        data = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkProblem(_("This link has expired. Please call us to change the appointment.")) from exc
    except signing.BadSignature as exc:
        raise LinkProblem(_("This link is not valid. Please use the link in our message as it was sent."),
                          invalid=True) from exc
    pk = data.get("m") if isinstance(data, dict) else None
    message = (
        OutboundMessage.objects.select_related("order", "order__technician").filter(pk=pk).first()
        if isinstance(pk, int) else None
    )
    if message is None or message.order_id != data.get("o"):
        raise LinkProblem(_("This link is not valid. Please use the link in our message as it was sent."),
                          invalid=True)
    return message


def outdated_link_message() -> str:
    return _("This appointment has been changed since; you will receive a new message.")


def link_outdated(message: OutboundMessage, order: WorkOrder) -> bool:
    """An appointment link whose booking changed after it was sent: it may no longer be answered."""
    return message.kind != OutboundMessage.Kind.FEEDBACK and (
        order.version != message.order_version or order.state != State.BOOKED)


@transaction.atomic
def link_answer(*, token: str, answer: str, score: Any = None, remarks: str = "") -> OutboundMessage:
    """The customer confirms the window, asks for another, or (a feedback link) scores the visit. Once."""
    message = link_message(token)
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.used_at is not None:
        raise LinkProblem(_("You have already answered through this link. Thank you!"))
    order = _locked(message.order, None)
    system = _system()
    if message.kind == OutboundMessage.Kind.FEEDBACK:
        if answer != "feedback":
            raise LinkProblem(_("This link is for your feedback on the visit."))
        _feedback(order, actor=system, score=score, remarks=remarks)
    else:
        if answer not in ("confirm", "change"):
            raise LinkProblem(_("Choose whether you confirm the time."))
        if link_outdated(message, order):
            raise LinkProblem(outdated_link_message())
        if answer == "confirm":
            _record(order, actor=system, action="customer_confirm", changes={"confirmation": Confirmation.CONFIRMED})
        else:
            _record(order, actor=system, action="customer_change", changes={"confirmation": Confirmation.CHANGE},
                    reason=_text(remarks, field="remarks", max_length=300))
            dispatchers = User.objects.filter(role="dispatcher", is_active=True)
            notify(dispatchers, Notice(
                Kind.ONSITE, _("Customer asks for another time: %(number)s") % {"number": order.number},
                _text(remarks, field="remarks", max_length=300), _order_url(order), f"onsite-change-{message.pk}",
            ))
    message.used_at = timezone.now()
    message.answer = answer
    message.save(update_fields=["used_at", "answer"])
    return message


def _system() -> User:
    from kefu.accounts.services import system_user

    return system_user()


# ---------------------------------------------------------------- the technician's steps


STEP_KINDS = ("depart", "arrive", "checklist", "consent", "record", "fees", "sign", "mot", "finish", "support")


def current_visit(order: WorkOrder) -> int:
    """Which visit the steps belong to: the next one until the technician arrives."""
    if order.state in (State.ON_SITE, State.FIXED, State.CLOSED):
        return max(order.visits, 1)
    return order.visits + 1


def _done_stages(order: WorkOrder) -> set[str]:
    return set(ChecklistRun.objects.filter(order=order, visit=current_visit(order)).values_list("stage", flat=True))


def _stage_label(key: str) -> str:
    stage = checklists.onsite().stage(key)
    return stage.title if stage else key


def _require_stages(order: WorkOrder, gate: str) -> None:
    done = _done_stages(order)
    for stage in checklists.onsite().stages:
        needed = stage.before == gate or (gate == "finish" and stage.after == "arrive")
        if needed and stage.key not in done:
            raise InvalidInput(_("First complete the checklist “%(stage)s”.") % {"stage": stage.title},
                               errors={"stage": stage.key})


def _parse_device_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(_("The device time is not a time."), errors={"device_at": _("Not a time.")}) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    now = timezone.now()
    if not now - timedelta(days=7) <= parsed <= now + timedelta(minutes=10):
        raise InvalidInput(_("The device time is off; set the phone's clock."), errors={"device_at": _("Out of range.")})
    return parsed


def _step_depart(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    _require_stages(order, "depart")
    order = _transition(order, action=Action.DEPART, actor=actor, changes={"departed_at": at})
    tech = order.technician
    _send(order, kind=OutboundMessage.Kind.DEPARTED, with_link=False, body=_(
        "[%(company)s] Technician %(tech)s (badge no. %(badge)s) is on the way to you for visit %(number)s."
    ) % {"company": _company(), "tech": tech.full_name if tech else "", "badge": tech.employee_no if tech else "",
         "number": order.number})
    return order


def _step_arrive(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    if order.arrived_at is not None or order.state != State.EN_ROUTE:
        if order.state == State.ON_SITE:
            raise Conflict(_("The arrival was already recorded at %(time)s.")
                           % {"time": f"{timezone.localtime(order.arrived_at or at):%H:%M}"})
    if order.window_start is None or order.window_end is None:
        raise InvalidInput(_("This visit has no booked window."))
    status = process.arrival_status(window_start=order.window_start, window_end=order.window_end, arrived_at=at)
    changes: dict[str, Any] = {"arrived_at": at, "arrival": status.value, "visits": F("visits") + 1}
    if status == process.Arrival.LATE:
        note = _text(data.get("call_ahead_note"), field="call_ahead_note", max_length=200)
        called = data.get("called_ahead") in (True, "on", "true", "1")
        if not called or not note:
            raise InvalidInput(
                _("You are late: record the call you made ahead to explain and apologise."),
                errors={"call_ahead_note": _("Say when you called and what the customer said.")},
            )
        changes.update({"call_ahead_at": at, "call_ahead_note": note})
    return _transition(order, action=Action.ARRIVE, actor=actor, changes=changes, data={"arrival": status.value,
                                                                                           "at": at})


def _step_checklist(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    catalogue = checklists.onsite()
    key = str(data.get("stage") or "")
    stage = catalogue.stage(key)
    if stage is None:
        raise InvalidInput(_("Unknown checklist."), errors={"stage": _("Unknown checklist.")})
    if stage.after == "arrive" and order.state != State.ON_SITE:
        raise InvalidInput(_("Record your arrival first."), errors={"stage": key})
    if stage.before == "depart" and order.state not in (State.BOOKED, State.EN_ROUTE, State.ON_SITE):
        raise InvalidInput(_("This visit is not booked."), errors={"stage": key})
    done = _done_stages(order)
    for earlier in catalogue.stages[: catalogue.index(key)]:
        if earlier.after == stage.after and earlier.key not in done:
            raise InvalidInput(_("First complete the checklist “%(stage)s”.") % {"stage": earlier.title},
                               errors={"stage": earlier.key})
    ticked = data.get("items") or []
    if isinstance(ticked, dict):
        ticked = [k for k, v in ticked.items() if v]
    if not isinstance(ticked, list):
        raise InvalidInput(_("Tick the items you did."), errors={"items": _("Not a list.")})
    unknown = [k for k in ticked if stage.item(str(k)) is None]
    if unknown:
        raise InvalidInput(_("Unknown checklist item."), errors={"items": ", ".join(map(str, unknown))[:200]})
    missing = [i.text for i in stage.items if not i.optional and i.key not in ticked]
    if missing:
        raise InvalidInput(_("Every item must be done before you go on: %(items)s") % {"items": "；".join(missing)},
                           errors={"items": _("Not all items are ticked.")})
    extra = {k: v for k, v in (data.get("data") or {}).items() if k in ("knocks", "phoned", "opened_after_s")}
    if key in done:
        raise Conflict(_("The checklist “%(stage)s” was already recorded.") % {"stage": stage.title})
    try:
        with transaction.atomic():
            ChecklistRun.objects.create(order=order, stage=key, items={k: True for k in ticked}, data=jsonable(extra),
                                        by=actor, done_at=timezone.now(), device_at=at, visit=current_visit(order))
    except IntegrityError as exc:
        raise Conflict(_("The checklist “%(stage)s” was already recorded.") % {"stage": stage.title}) from exc
    return _record(order, actor=actor, action="checklist", changes={}, data={"stage": key, "items": ticked})


def _require_on_site(order: WorkOrder) -> None:
    if order.state != State.ON_SITE:
        raise InvalidInput(
            _("This is not possible while the work order is “%(state)s”.") % {"state": order.get_state_display()}
        )


def _signed(order: WorkOrder) -> bool:
    return Signature.objects.filter(order=order, visit=current_visit(order)).exists()


def _step_consent(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    """The customer agreed to a replacement after it was explained (onsite.consent_replace); required first."""
    _require_on_site(order)
    note = _text(data.get("note"), field="consent_note", required=True, max_length=200)
    return _record(order, actor=actor, action="consent", changes={"consent_at": at, "consent_note": note})


def _step_record(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    _require_on_site(order)
    if _signed(order):
        raise Conflict(_("The customer has already signed; the work record can no longer change."))
    replaced = data.get("replaced") in (True, "on", "true", "1")
    if replaced and order.consent_at is None:
        raise InvalidInput(
            _("Replacing the customer's lines or equipment needs their consent first: explain why and record it."),
            errors={"replaced": _("Record the customer's consent first.")},
        )
    parts: list[dict[str, str]] = []
    for i, part in enumerate(data.get("parts") or []):
        if not isinstance(part, dict):
            raise InvalidInput(_("Please correct the errors below."), errors={"parts": _("Not a part.")})
        name = _text(part.get("name"), field=f"parts.{i}.name", max_length=60)
        serial = _text(part.get("serial"), field=f"parts.{i}.serial", max_length=60)
        if name or serial:
            parts.append({"name": name, "serial": serial})
    if len(parts) > 20:
        raise InvalidInput(_("At most 20 parts."), errors={"parts": _("At most 20 parts.")})
    tests: dict[str, str] = {}
    for key in ("rx_dbm", "speed_mbps"):
        raw = str(data.get(key) or "").strip()
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation as exc:
                raise InvalidInput(_("Please correct the errors below."), errors={key: _("Enter a number.")}) from exc
            if not value.is_finite() or abs(value) > 100000:
                raise InvalidInput(_("Please correct the errors below."), errors={key: _("Enter a number.")})
            tests[key] = str(value)
    changes = {
        "cause": _text(data.get("cause"), field="cause", required=True),
        "work_done": _text(data.get("work_done"), field="work_done", required=True),
        "parts": parts, "line_tests": tests, "replaced": replaced,
    }
    return _record(order, actor=actor, action="record", changes=changes)


def _step_fees(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    """Fees only from the price list (onsite.no_extra_fees); the customer sees them before signing."""
    _require_on_site(order)
    if _signed(order):
        raise Conflict(_("The customer has already signed; the fees can no longer change."))
    price_list = checklists.prices()
    lines = []
    total = Decimal(0)
    for i, line in enumerate(data.get("lines") or []):
        code = str((line or {}).get("code") or "")
        item = price_list.get(code)
        if item is None:
            raise InvalidInput(_("Only items on the company's price list may be charged."),
                               errors={f"lines.{i}.code": _("Not on the price list.")})
        try:
            qty = int((line or {}).get("qty") or 1)
        except (TypeError, ValueError):
            qty = 0
        if not 1 <= qty <= 100:
            raise InvalidInput(_("Please correct the errors below."), errors={f"lines.{i}.qty": _("1 to 100.")})
        amount = item.amount * qty
        total += amount
        lines.append({"code": code, "name": item.name, "qty": qty, "amount": str(amount)})
    return _record(order, actor=actor, action="fees", changes={"fees": lines, "fee_total": total})


def _feedback(order: WorkOrder, *, actor: User, score: Any, remarks: Any) -> WorkOrder:
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise InvalidInput(_("Choose a score from 1 to 5."), errors={"feedback_score": _("1 to 5.")})
    if order.feedback_at is not None:
        raise Conflict(_("The customer's feedback was already recorded."))
    return _record(order, actor=actor, action="feedback", changes={
        "feedback_score": value, "feedback_remarks": _text(remarks, field="feedback_remarks", max_length=500),
        "feedback_at": timezone.now(),
    })


SIGNATURE_ERRORS = {
    "empty": gettext_noop("The signature is empty: ask the customer to sign in the box."),
    "too_large": gettext_noop("The signature image is too large."),
    "not_png": gettext_noop("The signature is not an image from the signature pad."),
}


def _step_sign(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    _require_on_site(order)
    if not order.work_done:
        raise InvalidInput(_("Fill in the work record first: the customer signs what was done."))
    if _signed(order):
        raise Conflict(_("The customer has already signed."))
    try:
        image = png.from_data_url(str(data.get("image") or ""))
        png.check(image)
    except png.BadSignature as exc:
        raise InvalidInput(_(SIGNATURE_ERRORS[exc.reason]), errors={"image": _(SIGNATURE_ERRORS[exc.reason])}) from exc
    signer = _text(data.get("signer_name"), field="signer_name", required=True, max_length=60)
    digest = content_hash(order)
    try:
        with transaction.atomic():
            Signature.objects.create(order=order, visit=current_visit(order), png=image, signer_name=signer,
                                     signed_at=timezone.now(), device_at=at, content_hash=digest)
    except IntegrityError as exc:
        raise Conflict(_("The customer has already signed.")) from exc
    order = _record(order, actor=actor, action="sign", changes={}, data={"signer": signer, "hash": digest})
    if data.get("feedback_score") not in (None, ""):
        order = _feedback(order, actor=actor, score=data.get("feedback_score"), remarks=data.get("feedback_remarks"))
    return order


def _step_mot(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    """Moments of truth −3…+3 (onsite.mot_score) and needs spotted (onsite.marketing → the account manager)."""
    if order.state not in (State.ON_SITE, State.FIXED):
        _require_on_site(order)
    scores: dict[str, int] = {}
    for moment in process.MOT_MOMENTS:
        raw = (data.get("scores") or {}).get(moment)
        if raw in (None, ""):
            continue
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            value = 99
        if not process.MOT_MIN <= value <= process.MOT_MAX:
            raise InvalidInput(_("A moment of truth is scored from −3 to +3."), errors={f"scores.{moment}": _("−3 to +3.")})
        scores[moment] = value
    leads = _text(data.get("leads"), field="leads", max_length=1000)
    order = _record(order, actor=actor, action="mot", changes={"mot": scores, "leads": leads})
    manager = order.customer.account_manager
    if leads and manager is not None:
        notify([manager], Notice(
            Kind.ONSITE, _("Sales lead from visit %(number)s") % {"number": order.number}, leads, _order_url(order),
            f"onsite-lead-{order.pk}-{order.version}",
        ))
    return order


def _step_finish(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    _require_on_site(order)
    _require_stages(order, "finish")
    if not _signed(order):
        raise InvalidInput(_("The customer's signature is required before the visit ends."))
    order = _transition(order, action=Action.FINISH, actor=actor, changes={"finished_at": at, "outcome": "fixed"})
    FollowUpCall.objects.create(order=order, due_at=timezone.now() + CONFIRM_CALL_DELAY)
    if order.feedback_at is None:
        _send(order, kind=OutboundMessage.Kind.FEEDBACK, with_link=True, body=_(
            "[%(company)s] Thank you for your time. How was the visit %(number)s? Tell us here:"
        ) % {"company": _company(), "number": order.number})
    return order


def _step_support(order: WorkOrder, actor: User, data: dict[str, Any], at: datetime) -> WorkOrder:
    """Needs support: explained to the customer, the order goes back to booking (onsite.support_reschedule)."""
    _require_on_site(order)
    note = _text(data.get("note"), field="support_note", required=True, max_length=1000)
    order = _transition(order, action=Action.NEED_SUPPORT, actor=actor, reason=note,
                        changes={"support_note": note, "confirmation": ""})
    dispatchers = User.objects.filter(role="dispatcher", is_active=True)
    notify(dispatchers, Notice(Kind.ONSITE, _("Support needed: book %(number)s again") % {"number": order.number},
                               note, _order_url(order), f"onsite-support-{order.pk}-{order.version}"))
    return order


_STEPS: dict[str, Callable[[WorkOrder, User, dict[str, Any], datetime], WorkOrder]] = {
    "depart": _step_depart, "arrive": _step_arrive, "checklist": _step_checklist, "consent": _step_consent,
    "record": _step_record, "fees": _step_fees, "sign": _step_sign, "mot": _step_mot, "finish": _step_finish,
    "support": _step_support,
}


@transaction.atomic
def step_apply(
    *, actor: User, order: WorkOrder, kind: str, data: dict[str, Any], client_uuid: str | None = None,
    device_at: Any = None, expected_version: int | None = None,
) -> WorkOrder:
    """One step of the visit by the order's technician; idempotent per ``client_uuid``.

    A step replayed with a UUID already seen is not done again: if it succeeded the first time the
    order is returned as it is now; if it was refused, the same refusal is raised again.
    """
    if kind not in _STEPS:
        raise InvalidInput(_("Unknown step."), errors={"kind": _("Unknown step.")})
    key: uuidlib.UUID | None = None
    if client_uuid:
        try:
            key = uuidlib.UUID(str(client_uuid))
        except ValueError as exc:
            raise InvalidInput(_("Bad action id."), errors={"uuid": _("Not a UUID.")}) from exc
    # Under the order's row lock, so a replay racing the first delivery sees it once that commits.
    order = _locked(order, expected_version)
    _check_own(order, actor)
    if key is not None:
        seen = SyncAction.objects.filter(uuid=key).first()
        if seen is not None:
            if seen.user_id != actor.pk or seen.order_id != order.pk:
                raise Conflict(_("This action id was already used for another order."))
            return order
    at = _parse_device_time(device_at) or timezone.now()
    if key is None:
        return _STEPS[kind](order, actor, data, at)
    order = _STEPS[kind](order, actor, data, at)
    SyncAction.objects.create(uuid=key, user=actor, order=order, kind=kind, device_at=at)
    return order


def sync_apply(*, actor: User, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply a phone's queued actions in order; each answered ok or with its message (nothing half-done)."""
    results = []
    for action in actions[:200]:
        uid = str(action.get("uuid") or "")
        order_id = parse_id(action.get("order"))
        order = WorkOrder.objects.filter(pk=order_id).first() if order_id is not None else None
        if order is None or order.technician_id != actor.pk:
            results.append({"uuid": uid, "ok": False, "status": 404, "message": _("No such work order.")})
            continue
        try:
            order = step_apply(actor=actor, order=order, kind=str(action.get("kind") or ""),
                               data=action.get("data") or {}, client_uuid=uid or None, device_at=action.get("device_at"))
            results.append({"uuid": uid, "ok": True, "status": 200, "message": "", "state": order.state})
        except (InvalidInput, Conflict, NotAllowed) as exc:
            results.append({"uuid": uid, "ok": False, "status": exc.status, "message": exc.message})
    return results


# ---------------------------------------------------------------- after the visit (onsite.confirm_after_fix)


@transaction.atomic
def followup_record(*, actor: User, call: FollowUpCall, result: str, note: str) -> FollowUpCall:
    """The confirming call: satisfied closes the order; not fixed reopens it; dissatisfied raises a complaint."""
    _check_cap(actor, Cap.COMPLAINT_FOLLOW_UP)
    call = FollowUpCall.objects.select_for_update().get(pk=call.pk)
    if call.done_at is not None:
        raise Conflict(_("%(who)s already made this call at %(when)s.") % {
            "who": call.by, "when": f"{timezone.localtime(call.done_at):%H:%M}"})
    text = _text(note, field="note", required=result != FollowUpCall.Result.SATISFIED, max_length=2000)
    order = _locked(call.order, None)
    if result == FollowUpCall.Result.SATISFIED:
        _transition(order, action=Action.CONFIRM, actor=actor, reason=text, changes={"closed_at": timezone.now()})
    elif result == FollowUpCall.Result.REOPENED:
        _transition(order, action=Action.REOPEN, actor=actor, reason=text,
                    changes={"reopen_count": F("reopen_count") + 1, "confirmation": "", "outcome": ""})
    elif result == FollowUpCall.Result.COMPLAINT:
        from kefu.complaints import services as complaint_services

        complaint = complaint_services.complaint_record(
            actor=actor, channel="hotline", complainant_name=order.contact_name, customer=order.customer,
            complainant_phone=_primary_phone(order.customer),
            subject=_("On-site visit %(number)s") % {"number": order.number}, content=text,
        )
        _transition(order, action=Action.CONFIRM, actor=actor, reason=text,
                    changes={"closed_at": timezone.now(), "complaint": complaint})
    else:
        raise InvalidInput(_("Choose the result of the call."), errors={"result": _("Choose the result of the call.")})
    call.done_at = timezone.now()
    call.by = actor
    call.result = result
    call.note = text
    call.save(update_fields=["done_at", "by", "result", "note"])
    return call


# ---------------------------------------------------------------- counter inspection (营业厅)


@transaction.atomic
def counter_inspect(*, actor: User, agent: User, results: dict[str, str], remarks: str = "") -> CounterInspection:
    """Inspect a counter agent against the seven steps and the image standard; the agent is told."""
    _check_cap(actor, Cap.COUNTER_INSPECT)
    if agent.pk == actor.pk:
        raise NotAllowed(_("You cannot inspect yourself."))
    if not agent.is_active or agent.role != "agent":
        raise InvalidInput(_("Choose a counter agent."), errors={"agent": _("Not a counter agent.")})
    stage = checklists.counter().stages[0]
    cleaned: dict[str, str] = {}
    for item in stage.items:
        value = results.get(item.key, "")
        allowed = ("pass", "fail", "na") if item.optional else ("pass", "fail")
        if value not in allowed:
            raise InvalidInput(_("Mark every item."), errors={item.key: _("Mark this item.")})
        cleaned[item.key] = value
    unknown = set(results) - set(cleaned)
    if unknown:
        raise InvalidInput(_("Unknown checklist item."), errors={"items": ", ".join(sorted(unknown))[:200]})
    judged = [v for v in cleaned.values() if v != "na"]
    score = round(100 * sum(v == "pass" for v in judged) / len(judged)) if judged else 0
    inspection = CounterInspection.objects.create(
        agent=agent, inspector=actor, items=cleaned, score=score,
        remarks=_text(remarks, field="remarks", max_length=2000),
    )
    notify([agent], Notice(Kind.ONSITE, _("Counter service inspection: %(score)d points") % {"score": score},
                           inspection.remarks[:200], reverse("fieldservice:counter_detail", args=[inspection.pk]),
                           f"counter-inspection-{inspection.pk}"))
    return inspection


# ---------------------------------------------------------------- reminders (the scheduler, every 5 minutes)


def remind_due(*, now: datetime | None = None) -> int:
    """Remind the technician of a visit whose window starts within 30 minutes and who has not left yet, and the
    dispatchers of each confirming call that is overdue (onsite.arrive_early, onsite.confirm_after_fix).
    Each reminder is sent once (notification keys); returns how many were new."""
    now = now or timezone.now()
    batch: list[tuple[list[User], Notice]] = []
    soon = WorkOrder.objects.filter(
        state=State.BOOKED, window_start__gt=now, window_start__lte=now + timedelta(minutes=30)
    ).select_related("technician")
    for order in soon:
        if order.technician is None or order.window_start is None:
            continue
        batch.append(([order.technician], Notice(
            Kind.ONSITE, _("Visit %(number)s starts at %(time)s: leave now") % {
                "number": order.number, "time": f"{timezone.localtime(order.window_start):%H:%M}"},
            _("If you will be late, call the customer ahead, explain and apologise."),
            reverse("fieldservice:work", args=[order.pk]), f"onsite-soon-{order.pk}-{order.version}",
        )))
    overdue = FollowUpCall.objects.filter(done_at__isnull=True, due_at__lt=now).select_related("order")
    callers = list(User.objects.filter(role="supervisor", is_active=True))
    for call in overdue[:200]:
        batch.append((callers, Notice(
            Kind.ONSITE, _("Confirming call overdue: %(number)s") % {"number": call.order.number}, "",
            reverse("fieldservice:followups"), f"onsite-confirm-overdue-{call.pk}",
        )))
    from kefu.notifications.services import notify_many

    return len(notify_many(batch)) if batch else 0
