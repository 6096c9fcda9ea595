"""On-site service (上门服务) over the API: the technician's day and the offline queue's sync.

The phone's queued actions arrive in one POST to ``/sync``; each carries its client UUID (the
idempotency key) and the device time, and each is answered on its own (ok, or the message why not),
so a replay after a lost answer changes nothing and a refused action never blocks the next.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import caller
from kefu.accounts.roles import Cap
from kefu.accounts.schemas import AUTH_ERRORS
from kefu.fieldservice import selectors, services
from kefu.lib.dates import in_range
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.masking import mask_address

router = Router(tags=["fieldservice"])


class ActionIn(Schema):
    uuid: Annotated[str, Field(min_length=1, max_length=40, description="client UUID: the idempotency key")]
    order: Annotated[int, Field(ge=1, le=2**31 - 1)]
    kind: Annotated[str, Field(max_length=20, description="depart, arrive, checklist, record, consent, fees, sign, mot, finish, support")]
    device_at: Annotated[str | None, Field(default=None, max_length=40, description="when it was done on the phone (ISO 8601)")]
    data: dict[str, Any] = Field(default_factory=dict)


class SyncIn(Schema):
    actions: Annotated[list[ActionIn], Field(max_length=200)]


class ResultOut(Schema):
    uuid: str
    ok: bool
    status: int
    message: str
    state: str | None = None


class SyncOut(Schema):
    results: list[ResultOut]


class VisitOut(Schema):
    id: int
    number: str
    order_type: str
    state: str
    window_start: datetime | None
    window_end: datetime | None
    area: str
    address: str
    customer: str


@router.post("/sync", response={200: SyncOut, **AUTH_ERRORS}, url_name="fieldservice_sync",
             summary="Apply a technician's queued actions, each once (idempotent by client UUID)")
def sync(request: HttpRequest, body: SyncIn) -> dict[str, Any]:
    user = caller(request)
    if not user.can(Cap.ONSITE_WORK):
        raise NotAllowed(_("You are not allowed to do this."))
    return {"results": services.sync_apply(actor=user, actions=[a.dict() for a in body.actions])}


class DayQuery(Schema):
    day: date | None = None


@router.get("/my/visits", response={200: list[VisitOut], **AUTH_ERRORS}, summary="The caller's visits of a day, in route order")
def my_visits(request: HttpRequest, query: Query[DayQuery]) -> list[dict[str, Any]]:
    user = caller(request)
    if not user.can(Cap.ONSITE_WORK):
        raise NotAllowed(_("You are not allowed to do this."))
    day = query.day or timezone.localdate()
    if not in_range(day):
        raise InvalidInput(_("Choose a date between 1900 and 2100."), errors={"day": _("Out of range.")})
    return [
        {"id": o.pk, "number": o.number, "order_type": o.order_type, "state": o.state, "window_start": o.window_start,
         "window_end": o.window_end, "area": o.area, "address": mask_address(o.address), "customer": o.customer.name}
        for o in selectors.technician_day(user=user, day=day)
    ]
