"""Writes to the search index.

``index_customer/contact/complaint(obj)`` (re)index one record; the writers of
those records call them inside their transaction (see ``index_with``), so a
rolled-back write never reaches the index and a committed one is always in it. ``reindex`` rebuilds everything in chunks — after a
bulk import, a restore, or when the index format changes (``kefu search reindex``).

A document's ``text`` is its fields, normalised, one per line; the first line
holds the record's identifiers (name, number, phones; a customer's name also in
pinyin, see ``kefu.search.pinyin``) and ranks higher.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.lib.textnorm import normalize
from kefu.search import backends
from kefu.search.grams import document_terms
from kefu.search.models import Document, Kind
from kefu.search.pinyin import name_spellings

log = logging.getLogger(__name__)

CUSTOMER_FIELDS = ("id", "name", "segment", "address", "note", "created_at")
CONTACT_FIELDS = ("id", "phone", "summary", "detail", "occurred_at")
COMPLAINT_FIELDS = (
    "id", "number", "complainant_name", "complainant_phone", "subject", "content", "demands", "received_at",
)


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


Row = tuple[str, int, str, str, datetime]  # kind, object_id, text, terms, at — a Document's columns


def _document(kind: str, object_id: int, key: str, body: Iterable[str | None], at: datetime) -> Row:
    # Lines keep fields apart so a term never matches across two fields, and each field keeps its
    # line even when empty (search masks the address line by position). Normalised field by
    # field: short fields repeat (names, summaries) and hit normalize()'s cache.
    text = "\n".join([normalize(key), *(normalize(b) if b else "" for b in body)])
    return (kind, object_id, text, document_terms(text), at)


def customer_document(row: dict[str, Any], phones: list[str]) -> Row:
    # The name's pinyin spellings (xiongyao, xiong, yao, xy) are identifiers too: an exact one ranks first.
    key = _join(row["name"], *phones, *name_spellings(normalize(row["name"] or "")))
    return _document(Kind.CUSTOMER, row["id"], key, (row["segment"], row["address"], row["note"]), row["created_at"])


def contact_document(row: dict[str, Any]) -> Row:
    return _document(Kind.CONTACT, row["id"], row["phone"], (row["summary"], row["detail"]), row["occurred_at"])


def complaint_document(row: dict[str, Any]) -> Row:
    return _document(
        Kind.COMPLAINT,
        row["id"],
        _join(row["number"], row["complainant_name"], row["complainant_phone"]),
        (row["subject"], row["content"], row["demands"]),
        row["received_at"],
    )


def _save(row: Row) -> None:
    kind, object_id, text, terms, at = row
    Document.objects.update_or_create(
        kind=kind, object_id=object_id,
        defaults={"text": text, "terms": terms, "at": at, "indexed_at": timezone.now()},
    )


def _forget(kind: str, object_id: int) -> None:
    Document.objects.filter(kind=kind, object_id=object_id).delete()


def index_customer(customer: Customer) -> None:
    """(Re)index a customer with its current phone numbers; forget it if it is gone."""
    row = Customer.objects.filter(pk=customer.pk).values(*CUSTOMER_FIELDS).first()
    if row is None:
        _forget(Kind.CUSTOMER, customer.pk)
        return
    phones = list(PhoneNumber.objects.filter(customer_id=customer.pk).order_by("pk").values_list("number", flat=True))
    _save(customer_document(row, phones))


def index_contact(contact: Contact) -> None:
    row = Contact.objects.filter(pk=contact.pk).values(*CONTACT_FIELDS).first()
    if row is None:
        _forget(Kind.CONTACT, contact.pk)
        return
    _save(contact_document(row))


def index_complaint(complaint: Complaint) -> None:
    row = Complaint.objects.filter(pk=complaint.pk).values(*COMPLAINT_FIELDS).first()
    if row is None:
        _forget(Kind.COMPLAINT, complaint.pk)
        return
    _save(complaint_document(row))


def forget(kind: str, object_id: int) -> None:
    """Remove a deleted record from the index."""
    _forget(kind, object_id)


INDEX_TASK = "kefu.search.tasks.index_record"


def on_changed(kind: str, pk: int) -> None:
    """The ``kefu.lib.indexing`` subscriber.

    ``KEFU_SEARCH_INDEXING=queue`` (the default): index in the background once the writer's transaction
    commits — the request does not wait, and the periodic reconciliation re-indexes whatever a lost
    task missed. ``inline``: index now, inside the writer's transaction (tests, single-process tools).
    """
    if settings.KEFU_SEARCH_INDEXING == "queue":
        from kefu.jobs import queue

        queue.enqueue(INDEX_TASK, kind, pk)
        return
    index_now(kind, pk)


def index_now(kind: str, pk: int) -> None:
    """(Re)index or forget one record now."""
    if kind == Kind.CUSTOMER:
        index_customer(Customer(pk=pk))
    elif kind == Kind.CONTACT:
        index_contact(Contact(pk=pk))
    elif kind == Kind.COMPLAINT:
        index_complaint(Complaint(pk=pk))
    else:
        raise ValueError(f"unknown record kind {kind!r}")


def index_with(indexer: Callable[[Any], None], obj: Model) -> None:
    """Index ``obj`` now, inside the caller's transaction: the record and its index row commit together.

    One line in a writing service: ``search_services.index_with(search_services.index_complaint, complaint)``.
    Indexing after the commit instead would let a record exist unindexed — a probe found 202 of 1,251
    concurrent contacts missing from search that way — and the writer holds the write lock already
    (PostgreSQL row locks; SQLite's IMMEDIATE transaction), so the extra row costs no new wait.
    """
    indexer(obj)


# ---------------------------------------------------------------- bulk rebuild


def _chunks(queryset: Any, fields: tuple[str, ...], size: int) -> Iterator[list[dict[str, Any]]]:
    """Keyset pagination by primary key: constant memory, no long-lived server cursor."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values(*fields)[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def _customer_docs(size: int) -> Iterator[list[Row]]:
    for rows in _chunks(Customer.objects.all(), CUSTOMER_FIELDS, size):
        phones: dict[int, list[str]] = defaultdict(list)
        numbers = PhoneNumber.objects.filter(customer_id__in=[r["id"] for r in rows]).order_by("pk")
        for customer_id, number in numbers.values_list("customer_id", "number"):
            phones[customer_id].append(number)
        yield [customer_document(r, phones[r["id"]]) for r in rows]


def _contact_docs(size: int) -> Iterator[list[Row]]:
    for rows in _chunks(Contact.objects.all(), CONTACT_FIELDS, size):
        yield [contact_document(r) for r in rows]


def _complaint_docs(size: int) -> Iterator[list[Row]]:
    for rows in _chunks(Complaint.objects.all(), COMPLAINT_FIELDS, size):
        yield [complaint_document(r) for r in rows]


BUILDERS: dict[str, Callable[[int], Iterator[list[Row]]]] = {
    Kind.CUSTOMER: _customer_docs,
    Kind.CONTACT: _contact_docs,
    Kind.COMPLAINT: _complaint_docs,
}


def _write_pg(rows: list[Row]) -> None:
    """COPY is several times faster than INSERT for a bulk load."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy("COPY search_document (kind, object_id, text, terms, at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _write(rows: list[Row]) -> None:
    if connection.vendor == "postgresql":
        _write_pg(rows)
    else:
        Document.objects.bulk_create(
            [Document(kind=k, object_id=o, text=t, terms=terms, at=at) for k, o, t, terms, at in rows], batch_size=500
        )


def reindex(
    *, kinds: Iterable[str] = tuple(BUILDERS), chunk_size: int = 5000, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Rebuild the index of ``kinds`` from scratch; returns the number of documents per kind.

    The full-text index is dropped during the load and built once at the end
    (much faster than maintaining it row by row). Run it while nobody writes,
    or re-run it: it is idempotent.
    """
    counts: dict[str, int] = {}
    with transaction.atomic():
        backends.uninstall(connection)
        kinds = list(kinds)
        if set(kinds) == set(BUILDERS) and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE search_document")
        for kind in kinds:
            Document.objects.filter(kind=kind).delete()
            counts[kind] = 0
            for rows in BUILDERS[kind](chunk_size):
                _write(rows)
                counts[kind] += len(rows)
                if progress is not None:
                    progress(kind, counts[kind])
        backends.rebuild(connection)
    return counts


def refresh(*, kind: str, chunk_size: int = 2000) -> int:
    """Rewrite the documents of ``kind`` in place after their format changed; returns how many were written.

    Unlike ``reindex`` it leaves the full-text structures alone (the SQLite triggers and
    PostgreSQL's generated column follow each update), so the other kinds' indexes are not
    rebuilt. Each chunk commits on its own: writers may work meanwhile.
    """
    count = 0
    for rows in BUILDERS[kind](chunk_size):
        with transaction.atomic():
            ids = dict(
                Document.objects.filter(kind=kind, object_id__in=[row[1] for row in rows]).values_list("object_id", "id")
            )
            stored = [Document(id=ids[row[1]], text=row[2], terms=row[3]) for row in rows if row[1] in ids]
            Document.objects.bulk_update(stored, ["text", "terms"], batch_size=500)
            _write([row for row in rows if row[1] not in ids])
        count += len(rows)
    return count
