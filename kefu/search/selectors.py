"""Search reads: candidates from the n-gram index, verified, ranked and scoped to the user.

1. The query is normalised (Traditional → Simplified, full-width → half-width)
   and split into terms; the index finds the documents holding all their
   n-grams, most recent first, in batches (see ``_candidates``).
2. Each candidate is verified by substring match on its stored text (n-grams
   carry no positions), until a page's worth of hits — plus one, to know there
   is more — or the scan cap is reached.
3. Hits are ranked: exact identifier (number, phone, name) first, then the
   whole query as one phrase, then a match in the identifiers, then recency.
   Ranking happens within the verified window, so an old exact phrase can sit
   below a newer plain match that falls outside the window — by design: the
   newest matches are almost always the ones wanted.

Personal data (PIPL): a user who may not reveal every customer's numbers
searches what the masks show. Each candidate is verified (and ranked) against
its text with the identifying numbers masked — except a number the user typed
in full, which they know already — and the customer's address masked below the
district, so no query can tell a hidden digit by which records it finds.

Complaints are filtered through ``visible_complaints``, a batch of candidate
ids at a time (a primary-key lookup), and again when the hits are shown. A
user who sees only some complaints gets the newest matches among those within
the first ``SCAN_CAP`` matching complaints; a more specific query reaches the rest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from kefu.accounts.models import User
from kefu.accounts.roles import SEES_COMPLAINTS, SEES_CONTACTS, SEES_CUSTOMERS, Cap
from kefu.complaints.selectors import visible_complaints
from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.customers.privacy import sees_every_number
from kefu.front.shortcuts import url_or_none
from kefu.lib.masking import mask_address, mask_numbers_in, mask_phone
from kefu.lib.textnorm import normalize
from kefu.search import backends
from kefu.search.grams import Query, highlight, matches, parse_query
from kefu.search.models import Document, Kind

# Who may search what: the same table as the pages (kefu.accounts.roles).
CUSTOMER_CAPS = SEES_CUSTOMERS
CONTACT_CAPS = SEES_CONTACTS
COMPLAINT_CAPS = SEES_COMPLAINTS
KIND_CAPS = {Kind.CUSTOMER: CUSTOMER_CAPS, Kind.CONTACT: CONTACT_CAPS, Kind.COMPLAINT: COMPLAINT_CAPS}
KIND_ORDER = (Kind.COMPLAINT, Kind.CUSTOMER, Kind.CONTACT)

MAX_QUERY_LENGTH = 100
BATCH = 100  # candidates fetched per round trip
MIN_PROBE = 2000  # newest documents per kind filtered first, at least (see _probe)
PROBE_TTL = 600.0  # seconds
DENSE = 0.02  # share of matches in the first phase above which it is widened …
WIDEN = 4  # … to this many times the documents, before the second phase
SCAN_CAP = 2000  # candidates verified at most per kind and request
RANK_WINDOW = 30  # verified hits ranked together; the rest is only counted as "more"
SNIPPET_WIDTH = 80


def searchable_kinds(user: User) -> list[str]:
    """The record kinds ``user`` may search, in display order (empty: no search for this user)."""
    caps = set(user.caps) if user.is_active else set()
    return [kind for kind in KIND_ORDER if caps & KIND_CAPS[kind]]


@dataclass
class Hit:
    kind: str
    object_id: int
    at: datetime
    rank: tuple[int, int, int]
    obj: Any = None
    title_pieces: list[tuple[str, bool]] = field(default_factory=list)
    url: str | None = None
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # masked
    phone_matched: bool = False
    labels: dict[str, Any] = field(default_factory=dict)  # display labels of the record's choice fields


@dataclass
class Group:
    kind: str
    hits: list[Hit]
    has_more: bool

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label)


def _restricted(kind: str, user: User) -> bool:
    """True when ``user`` may see only some records of ``kind`` (complaints outside their work)."""
    return kind == Kind.COMPLAINT and not user.can(Cap.COMPLAINT_VIEW_ALL)


def _visible_ids(kind: str, user: User, ids: list[int]) -> set[int]:
    """The ids among ``ids`` that ``user`` may see — a primary-key lookup, however large the table.

    Filtering candidates in batches like this, rather than joining the index
    to ``visible_complaints``, spares the database computing the user's whole
    visible set (a scan of every complaint) on each search.
    """
    if not _restricted(kind, user):
        return set(ids)
    return set(visible_complaints(user).filter(pk__in=ids).values_list("pk", flat=True))


def _batched(qs: QuerySet[Document], cap: int, size: int) -> Iterator[Document]:
    for offset in range(0, cap, size):
        batch = list(qs[offset : offset + size])
        yield from batch
        if len(batch) < size:
            return


_probes: dict[tuple[str, str], tuple[float, int]] = {}


def _probe(kind: str) -> int:
    """How many of the newest documents of ``kind`` the first phase of ``_candidates`` filters.

    ``sqrt(documents × RANK_WINDOW)`` balances the worst case of the first
    phase (a rare word: all of them read) against the worst case of the second
    (a word just too rare to fill the window there: all its older matches read).
    Cached per process for a few minutes: it only moves the line between the
    phases, never what is found.
    """
    key = (connection.alias, kind)
    now = time.monotonic()
    cached = _probes.get(key)
    if cached is None or now - cached[0] > PROBE_TTL:
        documents = backends.estimated_count(connection, kind)
        if documents is None:
            documents = Document.objects.filter(kind=kind).count()
        cached = (now, max(MIN_PROBE, math.isqrt(documents * RANK_WINDOW)))
        _probes[key] = cached
    return cached[1]


def _candidates(kind: str, query: Query, size: int = BATCH) -> Iterator[Document]:
    """Documents of ``kind`` holding all the query's n-grams, newest first.

    In two phases (plans pinned in ``backends``): first the newest
    ``_probe(kind)`` documents are filtered — bounded, and enough for any common
    word; only if they hold too few matches (the word is rare) are the older
    ones fetched through the full-text index, ids first and rows a batch at a
    time, as far as the caller reads.
    """
    if not backends.has_phases(connection):  # one query, the plan left to the database
        qs = Document.objects.filter(kind=kind).only("id", "object_id", "text", "at")
        condition = backends.match_condition(connection, kind, query.tokens)
        if condition is not None:
            qs = qs.filter(condition)
        yield from _batched(qs.order_by("-at", "-id"), SCAN_CAP, size)
        return
    probe = _probe(kind)
    seen: set[int] = set()
    for offset in range(0, SCAN_CAP, size):
        batch = list(backends.recent(connection, kind, query.tokens, probe=probe, limit=size, offset=offset))
        seen.update(d.pk for d in batch)
        yield from batch
        if len(batch) < size:
            break
    if len(seen) >= SCAN_CAP:
        return
    if len(seen) >= probe * DENSE:
        # Still reading, though the word is common: the caller drops most hits (a user who
        # sees few complaints). The second phase would read every older match; walking
        # further first is cheaper. Same order, so the first matches are the ones seen.
        probe, wider = probe * WIDEN, list(seen)
        for offset in range(len(wider), SCAN_CAP, size):
            batch = list(backends.recent(connection, kind, query.tokens, probe=probe, limit=size, offset=offset))
            seen.update(d.pk for d in batch)
            yield from batch
            if len(batch) < size:
                break
        if len(seen) >= SCAN_CAP:
            return
    older = backends.older_ids(connection, kind, query.tokens, probe=probe, limit=SCAN_CAP - len(seen))
    older = [pk for pk in older if pk not in seen]  # ties on the boundary time
    for start in range(0, len(older), size):
        ids = older[start : start + size]
        documents = Document.objects.only("id", "object_id", "text", "at").in_bulk(ids)
        yield from (documents[pk] for pk in ids if pk in documents)


ADDRESS_LINE = 2  # a customer document's lines: identifiers, segment, address, note (search.services)


def _masked_text(kind: str, text: str, typed: frozenset[str]) -> str:
    """``text`` as someone sees it who may not reveal it: numbers (except those ``typed`` in full) and the
    address masked (see module docstring)."""
    lines = text.split("\n")
    lines[0] = mask_numbers_in(lines[0], keep=typed, stored=True)
    if kind == Kind.CUSTOMER and len(lines) > ADDRESS_LINE:
        lines[ADDRESS_LINE] = mask_address(lines[ADDRESS_LINE])
    return "\n".join(lines)


def _rank(text: str, query: Query) -> tuple[int, int, int]:
    key_line = text.split("\n", 1)[0]
    exact_key = int(query.phrase in key_line.split(" ") or (query.is_phone and query.phrase in key_line))
    phrase = int(len(query.terms) > 1 and (query.phrase in text or query.raw in text))
    in_key = int(all(term in key_line for term in query.terms))
    return (exact_key, phrase, in_key)


def _matching(kind: str, query: Query, user: User, need: int) -> tuple[list[Hit], bool]:
    """Up to ``need`` verified, visible hits, ranked within the newest ``RANK_WINDOW``; and whether more exist.

    A user who sees only some complaints gets the newest ``need`` of those
    (ranked among themselves): filling a full ranking window from a small
    visible share would mean scanning many more candidates.
    """
    restricted = _restricted(kind, user)
    masked = not sees_every_number(user)
    typed = frozenset(t for t in query.terms if t.isdigit())
    window = need + 1 if restricted else max(need + 1, RANK_WINDOW)
    hits: list[Hit] = []
    pending: list[Hit] = []

    def flush() -> None:
        visible = _visible_ids(kind, user, [h.object_id for h in pending])
        hits.extend(h for h in pending if h.object_id in visible)
        pending.clear()

    for document in _candidates(kind, query):
        text = _masked_text(kind, document.text, typed) if masked else document.text
        if matches(text, query):
            pending.append(Hit(kind, document.object_id, document.at, _rank(text, query)))
            # Visibility is checked a batch at a time; with nothing to check, stop at the window.
            if len(pending) >= (BATCH if restricted else window - len(hits)):
                flush()
                if len(hits) >= window:
                    break
    flush()
    hits = hits[:window]
    hits.sort(key=lambda h: (h.rank, h.at, h.object_id), reverse=True)
    return hits[:need], len(hits) > need


# ---------------------------------------------------------------- presentation


def _snippet(query: Query, *texts: str) -> list[tuple[str, bool]]:
    """The first text holding a query term, cut around it, with the terms marked."""
    candidates = [t for t in texts if t]
    for text in candidates:
        normalised = normalize(text)
        if any(term in normalised for term in query.terms):
            return highlight(text, query.terms, normalised=normalised, width=SNIPPET_WIDTH)
    return highlight(candidates[0], (), width=SNIPPET_WIDTH) if candidates else []


@cache
def _choice_labels(model: type[Model], field_name: str) -> dict[str, Any]:
    # get_FOO_display() rebuilds this dict on every call — noticeable on a page of thirty hits.
    field = model._meta.get_field(field_name)
    return dict(getattr(field, "flatchoices", ()))


def _labels(obj: Any, *field_names: str) -> dict[str, Any]:
    model: type[Model] = type(obj)
    return {name: _choice_labels(model, name).get(getattr(obj, name), getattr(obj, name)) for name in field_names}


def _marked(query: Query, text: str) -> list[tuple[str, bool]]:
    return highlight(text, query.terms, normalised=normalize(text))


def _phone_matched(query: Query, masked: bool, *numbers: str) -> bool:
    """Whether a number matched the query — on the masked number (or the whole one typed) when that is all the user sees."""
    digits = [term for term in query.terms if term.isdigit()]
    for number in filter(None, numbers):
        shown = mask_phone(number) if masked else number
        if any(term in shown or term == number for term in digits):
            return True
    return False


def _present_customers(hits: list[Hit], query: Query, masked: bool) -> None:
    customers = Customer.objects.in_bulk([h.object_id for h in hits])
    phones: dict[int, list[str]] = {}
    numbers = PhoneNumber.objects.filter(customer_id__in=customers).order_by("-is_primary", "pk")
    for customer_id, number in numbers.values_list("customer_id", "number"):
        phones.setdefault(customer_id, []).append(number)
    for hit in hits:
        customer = hit.obj = customers.get(hit.object_id)
        if customer is None:
            continue
        own = phones.get(customer.pk, [])
        hit.title_pieces = _marked(query, customer.name)
        hit.url = url_or_none("customers:detail", customer.pk)
        hit.phones = [mask_phone(n) for n in own]
        hit.phone_matched = _phone_matched(query, masked, *own)
        hit.snippet = _snippet(query, mask_address(customer.address), customer.note)


def _present_contacts(hits: list[Hit], query: Query, masked: bool) -> None:
    contacts = Contact.objects.select_related("customer").in_bulk([h.object_id for h in hits])
    for hit in hits:
        contact = hit.obj = contacts.get(hit.object_id)
        if contact is None:
            continue
        hit.title_pieces = _marked(query, contact.summary)
        hit.url = url_or_none("contacts:detail", contact.pk)
        hit.phones = [mask_phone(contact.phone)] if contact.phone else []
        hit.phone_matched = _phone_matched(query, masked, contact.phone)
        hit.snippet = _snippet(query, contact.detail)
        hit.labels = _labels(contact, "channel", "category")


def _present_complaints(hits: list[Hit], query: Query, user: User, masked: bool) -> None:
    # visible_complaints again: the index may lag behind a reassignment, the page may not.
    complaints = visible_complaints(user).select_related("customer").in_bulk([h.object_id for h in hits])
    for hit in hits:
        complaint = hit.obj = complaints.get(hit.object_id)
        if complaint is None:
            continue
        hit.title_pieces = [(f"{complaint.number} ", query.phrase in (complaint.number or "").lower()),
                            *_marked(query, complaint.subject)]
        hit.url = url_or_none("complaints:detail", complaint.pk)
        hit.phones = [mask_phone(complaint.complainant_phone)] if complaint.complainant_phone else []
        hit.phone_matched = _phone_matched(query, masked, complaint.complainant_phone)
        hit.snippet = _snippet(query, complaint.content, complaint.demands)
        hit.labels = _labels(complaint, "state")


def _present(kind: str, hits: list[Hit], query: Query, user: User) -> list[Hit]:
    masked = not sees_every_number(user)
    if kind == Kind.CUSTOMER:
        _present_customers(hits, query, masked)
    elif kind == Kind.CONTACT:
        _present_contacts(hits, query, masked)
    else:
        _present_complaints(hits, query, user, masked)
    return [h for h in hits if h.obj is not None]


# ---------------------------------------------------------------- entry point


def parse(raw: str) -> Query:
    return parse_query(normalize(raw[:MAX_QUERY_LENGTH]))


def search(*, user: User, q: str, kinds: list[str] | None = None, per_kind: int = 10) -> list[Group]:
    """Search ``q`` across the kinds ``user`` may search (optionally only ``kinds``), grouped by kind."""
    query = parse(q)
    allowed = searchable_kinds(user)
    wanted = [k for k in allowed if kinds is None or k in kinds]
    if not query:
        return []
    groups = []
    for kind in wanted:
        hits, more = _matching(kind, query, user, per_kind)
        groups.append(Group(kind, _present(kind, hits, query, user), more))
    return groups
