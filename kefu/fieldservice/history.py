"""Work orders in a customer's history and on the workbench (registered at start-up)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.customers.models import Customer
from kefu.customers.selectors import HistorySource
from kefu.fieldservice import selectors
from kefu.fieldservice.models import WorkOrder
from kefu.front.workbench import Panel, Shortcut


def _rows(customer: Customer) -> QuerySet[Any]:
    return (
        WorkOrder.objects.filter(customer=customer)
        .annotate(kind=Value("work_order", output_field=CharField()), occurred_at=F("created_at"))
        .values_list("kind", "pk", "occurred_at")
    )


def _fetch(ids: list[int], user: User) -> dict[int, tuple[Any, bool]]:
    openable = set(selectors.visible_orders(user).filter(pk__in=ids).values_list("pk", flat=True))
    return {o.pk: (o, o.pk in openable) for o in WorkOrder.objects.filter(pk__in=ids).select_related("technician")}


SOURCE = HistorySource("work_order", _rows, _fetch, "fieldservice/history/work_order.html")


def _render(request: HtmxHttpRequest) -> str:
    user = request.user
    context: dict[str, Any] = {"user": user}
    if user.can(Cap.ONSITE_WORK):
        context["visits"] = selectors.technician_day(user=user, day=timezone.localdate())
    if user.can(Cap.COMPLAINT_FOLLOW_UP):
        context["calls"] = list(selectors.follow_up_queue()[:5])
        context["calls_total"] = selectors.follow_up_queue().count()
    return render_to_string("fieldservice/_panel.html", context, request=request)


def _applies(user: User) -> bool:
    return user.can(Cap.ONSITE_WORK) or (
        user.can(Cap.COMPLAINT_FOLLOW_UP) and selectors.follow_up_queue().exists()
    )


def _shortcuts(user: User) -> list[Shortcut]:
    from django.urls import reverse

    if user.can(Cap.ONSITE_DISPATCH):
        return [Shortcut(_("New work order"), reverse("fieldservice:new"))]
    return []


PANEL = Panel("fieldservice", 35, _applies, _render, shortcuts=_shortcuts)
