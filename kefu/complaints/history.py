"""Complaints in a customer's history (registered with ``kefu.customers.selectors`` at start-up)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, QuerySet, Value

from kefu.accounts.models import User
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import visible_complaints
from kefu.customers.models import Customer
from kefu.customers.selectors import HistorySource


def _rows(customer: Customer) -> QuerySet[Any]:
    return (
        Complaint.objects.filter(customer=customer)
        .annotate(kind=Value("complaint", output_field=CharField()), occurred_at=F("received_at"))
        .values_list("kind", "pk", "occurred_at")
    )


def _fetch(ids: list[int], user: User) -> dict[int, tuple[Any, bool]]:
    """Every complaint is listed; only those the user may see can be opened."""
    openable = set(visible_complaints(user).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        c.pk: (c, c.pk in openable)
        for c in Complaint.objects.filter(pk__in=ids).select_related("handling_department")
    }


SOURCE = HistorySource("complaint", _rows, _fetch, "complaints/history/complaint.html")
