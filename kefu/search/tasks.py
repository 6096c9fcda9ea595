"""Background work of the search index: the periodic reconciliation and the reindex job."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer
from kefu.jobs.registry import Progress
from kefu.search import services
from kefu.search.models import Document, Kind

_MODELS: dict[str, Any] = {Kind.CUSTOMER: Customer, Kind.CONTACT: Contact, Kind.COMPLAINT: Complaint}


def missing(kind: str, *, limit: int = 5000) -> list[int]:
    """Records of ``kind`` that have no index entry (a write whose indexing was lost)."""
    model = _MODELS[kind]
    indexed = Document.objects.filter(kind=kind, object_id=OuterRef("pk"))
    return list(model.objects.filter(~Exists(indexed)).values_list("pk", flat=True)[:limit])


def reconcile() -> str:
    """Index every record that has no index entry; scheduled, so the index cannot silently miss a row."""
    fixed = {}
    for kind in _MODELS:
        pks = missing(kind)
        for pk in pks:
            services.on_changed(kind, pk)
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
