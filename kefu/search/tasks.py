"""Background work of the search index: the periodic reconciliation and the reindex job."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer
from kefu.jobs.registry import Progress
from kefu.search import services
from kefu.search.models import Document, Kind

_MODELS: dict[str, Any] = {Kind.CUSTOMER: Customer, Kind.CONTACT: Contact, Kind.COMPLAINT: Complaint}


# The record's own "last changed" time, where it has one (contacts are written once).
_CHANGED: dict[str, Any] = {
    Kind.CUSTOMER: Coalesce(OuterRef("updated_at"), OuterRef("created_at")),
    Kind.COMPLAINT: OuterRef("updated_at"),
}


def index_record(kind: str, pk: int) -> None:
    """The queued indexing of one record (idempotent: it reads the record as it is now)."""
    services.index_now(kind, pk)


def missing(kind: str, *, limit: int = 5000) -> list[int]:
    """Records of ``kind`` whose index entry is absent or older than their last change (lost or late tasks)."""
    model = _MODELS[kind]
    fresh = Document.objects.filter(kind=kind, object_id=OuterRef("pk"))
    if kind in _CHANGED:
        fresh = fresh.filter(indexed_at__gte=_CHANGED[kind])
    return list(model.objects.filter(~Exists(fresh)).values_list("pk", flat=True)[:limit])


def reconcile() -> str:
    """Index every record whose entry is missing or stale; scheduled, so the index cannot silently miss a row."""
    fixed = {}
    for kind in _MODELS:
        pks = missing(kind)
        for pk in pks:
            services.index_now(kind, pk)
        fixed[kind] = len(pks)
    return ", ".join(f"{kind} {n}" for kind, n in fixed.items())


def reindex_job(params: dict[str, Any], progress: Progress) -> str:
    """Rebuild the whole index, one kind per transaction so the progress bar moves."""
    kinds = list(_MODELS)
    totals = {kind: _MODELS[kind].objects.count() for kind in kinds}
    total = sum(totals.values())
    done = 0
    progress(0, total)
    for kind in kinds:
        services.reindex(kinds=(kind,))
        done += totals[kind]
        progress(done, total)
    return _("Indexed %(n)d records.") % {"n": total}
