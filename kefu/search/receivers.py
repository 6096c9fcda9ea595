"""Keep the index current when customers and contacts change.

Fallback, documented in the search brief: the customer and contact services
(``kefu.customers.services``) were still being written when search landed, so
the index follows their models' save/delete signals here instead of one
``search.services.index_with(...)`` line in each service. Complaints are indexed
by ``complaint_record`` itself. Once the customer services call the index,
delete the matching receivers below. Bulk writes (``bulk_create``, ``update``)
send no signals: run ``kefu search reindex`` after them.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.search import services
from kefu.search.models import Kind


def _customer_saved(sender: type, instance: Customer, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.index_with(services.index_customer, instance)


def _phone_changed(sender: type, instance: PhoneNumber, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.customer_id:
        services.index_with(services.index_customer, Customer(pk=instance.customer_id))


def _contact_saved(sender: type, instance: Contact, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.index_with(services.index_contact, instance)


def _customer_deleted(sender: type, instance: Customer, **kwargs: Any) -> None:
    services.forget(Kind.CUSTOMER, instance.pk)


def _contact_deleted(sender: type, instance: Contact, **kwargs: Any) -> None:
    services.forget(Kind.CONTACT, instance.pk)


def _complaint_deleted(sender: type, instance: Complaint, **kwargs: Any) -> None:
    services.forget(Kind.COMPLAINT, instance.pk)


def connect() -> None:
    post_save.connect(_customer_saved, sender=Customer, dispatch_uid="search_customer_saved")
    post_save.connect(_phone_changed, sender=PhoneNumber, dispatch_uid="search_phone_saved")
    post_delete.connect(_phone_changed, sender=PhoneNumber, dispatch_uid="search_phone_deleted")
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="search_contact_saved")
    post_delete.connect(_customer_deleted, sender=Customer, dispatch_uid="search_customer_deleted")
    post_delete.connect(_contact_deleted, sender=Contact, dispatch_uid="search_contact_deleted")
    post_delete.connect(_complaint_deleted, sender=Complaint, dispatch_uid="search_complaint_deleted")
