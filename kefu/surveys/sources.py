"""What a survey needs to know about the service it follows: the customer, the number, the channel,
who served. Contacts and complaints are read from their apps; on-site work orders only when the
on-site app is installed (loose: no import at module load, no migration dependency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kefu.lib.masking import digits_only
from kefu.surveys.models import SourceKind


@dataclass(frozen=True)
class Source:
    kind: str
    pk: int
    customer_id: int | None
    phone: str
    channel: str
    category: str
    agent_id: int | None
    finished_at: datetime

    @property
    def digits(self) -> str:
        return digits_only(self.phone)


def work_order_model() -> type[Model] | None:
    if not apps.is_installed("kefu.fieldservice"):
        return None
    try:
        return apps.get_model("fieldservice", "WorkOrder")
    except LookupError:
        return None


def read(kind: str, pk: int) -> Source | None:
    """The service ``kind``/``pk`` as a survey sees it, or None when there is no such record."""
    if kind == SourceKind.CONTACT:
        from kefu.customers.models import Contact

        contact = Contact.objects.filter(pk=pk).only(
            "customer_id", "phone", "channel", "category", "agent_id", "occurred_at").first()
        if contact is None:
            return None
        return Source(kind, pk, contact.customer_id, contact.phone, contact.channel, contact.category,
                      contact.agent_id, contact.occurred_at)
    if kind == SourceKind.COMPLAINT:
        from kefu.complaints.models import Complaint

        complaint = Complaint.objects.filter(pk=pk).only(
            "customer_id", "complainant_phone", "channel", "handler_id", "created_by_id", "closed_at", "updated_at"
        ).first()
        if complaint is None:
            return None
        return Source(kind, pk, complaint.customer_id, complaint.complainant_phone, complaint.channel, "",
                      complaint.handler_id or complaint.created_by_id, complaint.closed_at or complaint.updated_at)
    if kind == SourceKind.WORK_ORDER:
        model = work_order_model()
        order = model._default_manager.filter(pk=pk).first() if model is not None else None
        if order is None:
            return None
        customer_id = getattr(order, "customer_id", None)
        finished = getattr(order, "finished_at", None) or getattr(order, "updated_at", None) or timezone.now()
        return Source(kind, pk, customer_id, primary_phone(customer_id), "onsite", "",
                      getattr(order, "technician_id", None), finished)
    return None


def primary_phone(customer_id: int | None) -> str:
    """The customer's primary number (else any): work orders reach the customer through it."""
    if customer_id is None:
        return ""
    from kefu.customers.models import PhoneNumber

    return (PhoneNumber.objects.filter(customer_id=customer_id).order_by("-is_primary", "pk")
            .values_list("number", flat=True).first() or "")


def url(kind: str, pk: int) -> str | None:
    """The page of the record behind a survey, or None when that app shows no page for it."""
    names = {
        SourceKind.CONTACT: ("contacts:detail",),
        SourceKind.COMPLAINT: ("complaints:detail",),
        SourceKind.WORK_ORDER: ("fieldservice:order",),
    }.get(SourceKind(kind), ())
    for name in names:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return None
