"""Reads of customers and contacts, scoped to what the user may see.

Whoever talks to customers (agents, account managers, supervisors) sees every
customer: a caller can be anyone. Templates only ever get masked phone and ID
numbers (``masked_phones``, ``mask_id_number``); the reveal services are the
one way to a full number, and each call writes a ``RevealLog`` row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet, Value
from django.db.models.fields import CharField
from django.http import Http404

from kefu.accounts.models import User
from kefu.accounts.roles import SEES_CONTACTS, SEES_CUSTOMERS
from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.lib import ratelimit
from kefu.lib.dates import day_start
from kefu.lib.masking import digits_only, mask_phone
from kefu.lib.textnorm import to_simplified

CUSTOMER_VIEW_CAPS = SEES_CUSTOMERS
CONTACT_VIEW_CAPS = SEES_CONTACTS


def can_view_customers(user: User) -> bool:
    return any(user.can(cap) for cap in CUSTOMER_VIEW_CAPS)


def can_view_contacts(user: User) -> bool:
    return any(user.can(cap) for cap in CONTACT_VIEW_CAPS)


def check_can_view_customers(user: User) -> None:
    if not can_view_customers(user):
        raise PermissionDenied("no access to customers")


def check_can_view_contacts(user: User) -> None:
    if not can_view_contacts(user):
        raise PermissionDenied("no access to contacts")


# ---------------------------------------------------------------- customers


def _phones_prefetch() -> Prefetch[Any]:
    return Prefetch("phones", queryset=PhoneNumber.objects.order_by("-is_primary", "pk"))


def customer_get_for_user(*, pk: int | str, user: User) -> Customer:
    """The customer, 403 for users who do not work with customers, 404 if it does not exist."""
    check_can_view_customers(user)
    try:
        return (
            Customer.objects.select_related("account_manager").prefetch_related(_phones_prefetch()).get(pk=pk)
        )
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("customer not found") from exc


def phone_get_for_user(*, customer: Customer, pk: int | str, user: User) -> PhoneNumber:
    """One of ``customer``'s numbers or 404 (a number of another customer is not found here)."""
    check_can_view_customers(user)
    try:
        return PhoneNumber.objects.get(customer=customer, pk=pk)
    except (PhoneNumber.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("phone number not found") from exc


_PHONE_QUERY = re.compile(r"[\d\s()+\-]+")


def phone_digits(value: str) -> str:
    """The digits of a number as stored: separators dropped, a +86/0086 country prefix on a mobile removed."""
    digits = digits_only(value)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix) :]
    return digits


def customer_list(
    *, user: User, query: str = "", tier: str = "", persona: str | None = None
) -> QuerySet[Customer]:
    """Customers matching the filters, newest first.

    ``query`` is an exact phone number (when it is all digits, separators allowed)
    or the beginning of a name (Traditional input is folded to Simplified, as names
    are stored). Free-text search across everything is the search page's job.
    """
    check_can_view_customers(user)
    qs = Customer.objects.select_related("account_manager").prefetch_related(_phones_prefetch())
    query = query.strip()
    if query:
        if _PHONE_QUERY.fullmatch(query):
            ratelimit.check_number_search(user.pk, query, whole=True)
            qs = qs.filter(phones__number=phone_digits(query)).distinct()
        else:
            qs = qs.filter(name__startswith=to_simplified(query))
    if tier:
        qs = qs.filter(tier=tier)
    if persona is not None:
        qs = qs.filter(persona=persona)
    return qs.order_by("-created_at", "-pk")


def customers_by_phone(number: str, *, limit: int = 5, user: User | None = None) -> list[Customer]:
    """Customers owning exactly this number (normally one; a shared family line may give more).

    With ``user``, the lookup counts as one of their number searches (``RateLimited`` past the limit).
    """
    digits = phone_digits(number)
    if len(digits) < 5:
        return []
    if user is not None:
        ratelimit.check_number_search(user.pk, digits, whole=True)
    return list(
        Customer.objects.filter(phones__number=digits)
        .select_related("account_manager")
        .prefetch_related(_phones_prefetch())
        .distinct()
        .order_by("pk")[:limit]
    )


def recent_contacts(*, customer: Customer, limit: int = 5) -> list[Contact]:
    return list(customer.contacts.select_related("agent").order_by("-occurred_at", "-pk")[:limit])


@dataclass(frozen=True)
class MaskedPhone:
    pk: int
    masked: str
    label: str
    is_primary: bool


def masked_phones(customer: Customer) -> list[MaskedPhone]:
    """The numbers as templates may show them: masked, never the full value."""
    return [MaskedPhone(p.pk, mask_phone(p.number), p.label, p.is_primary) for p in customer.phones.all()]


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a customer's history: a contact, a complaint, a work order…"""

    kind: str
    at: datetime
    obj: Any
    template: str  # renders ``entry`` on the customer page
    can_open: bool = True


@dataclass(frozen=True)
class HistorySource:
    """A kind of record that belongs in a customer's history; apps above customers register one.

    ``rows(customer)`` gives ``values_list(kind, pk, occurred_at)`` rows for the
    UNION; ``fetch(ids, user)`` loads one page of them as ``{pk: (obj, can_open)}``.
    """

    kind: str
    rows: Callable[[Customer], QuerySet[Any]]
    fetch: Callable[[list[int], User], dict[int, tuple[Any, bool]]]
    template: str


_HISTORY_SOURCES: dict[str, HistorySource] = {}


def register_history_source(source: HistorySource) -> None:
    """Add a kind of record to customers' history (call from an app's ``ready``)."""
    _HISTORY_SOURCES[source.kind] = source


def _contact_rows(customer: Customer) -> QuerySet[Any]:
    return (
        Contact.objects.filter(customer=customer)
        .annotate(kind=Value("contact", output_field=CharField()))
        .values_list("kind", "pk", "occurred_at")
    )


def _contact_fetch(ids: list[int], user: User) -> dict[int, tuple[Any, bool]]:
    return {c.pk: (c, True) for c in Contact.objects.filter(pk__in=ids).select_related("agent")}


register_history_source(
    HistorySource("contact", _contact_rows, _contact_fetch, "customers/history/contact.html")
)


def customer_history(*, customer: Customer, user: User, page: int | str = 1, per_page: int = 20) -> Page[Any]:
    """Everything that happened with ``customer``, newest first, one page of ``HistoryEntry``.

    Contacts plus every registered source (complaints, work orders…). A fixed
    number of queries whatever the page size: a UNION of (kind, id, time) is
    counted and sliced in the database, then each kind is fetched by id. Every
    complaint is listed (the person on the phone must know about an open one);
    ``can_open`` says whether the user may open its page.
    """
    check_can_view_customers(user)
    sources = list(_HISTORY_SOURCES.values())
    first, *rest = (source.rows(customer) for source in sources)
    union = first.union(*rest, all=True).order_by("-occurred_at", "-pk") if rest else first.order_by("-occurred_at", "-pk")
    paginator = Paginator(union, per_page)
    page_obj = paginator.get_page(page)
    rows = list(page_obj.object_list)
    fetched: dict[str, dict[int, tuple[Any, bool]]] = {}
    for source in sources:
        ids = [pk for kind, pk, _at in rows if kind == source.kind]
        fetched[source.kind] = source.fetch(ids, user) if ids else {}
    entries = []
    for kind, pk, at in rows:
        found = fetched.get(kind, {}).get(pk)
        if found is not None:
            obj, can_open = found
            entries.append(HistoryEntry(kind, at, obj, _HISTORY_SOURCES[kind].template, can_open=can_open))
    page_obj.object_list = entries
    return page_obj


# ---------------------------------------------------------------- contacts



def contacts_for(
    *,
    user: User,
    channel: str = "",
    category: str = "",
    agent: User | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    customer: Customer | None = None,
) -> QuerySet[Contact]:
    """Contacts matching the filters, newest first; dates are whole local days, inclusive."""
    check_can_view_contacts(user)
    qs = Contact.objects.select_related("customer", "agent")
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if agent is not None:
        qs = qs.filter(agent=agent)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if date_from:
        qs = qs.filter(occurred_at__gte=day_start(date_from))
    if date_to:
        qs = qs.filter(occurred_at__lt=day_start(date_to) + timedelta(days=1))
    return qs.order_by("-occurred_at", "-pk")


def contact_get_for_user(*, pk: int | str, user: User) -> Contact:
    """The contact, 403 for users who do not see contacts, 404 if it does not exist."""
    check_can_view_contacts(user)
    try:
        return Contact.objects.select_related("customer", "agent").get(pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("contact not found") from exc
