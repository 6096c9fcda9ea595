"""Rebuilding the report summaries (a background job): complaints and contacts per day and dimension.

A dashboard over a year of complaints and a million contacts reads a few thousand summary
rows instead of the base tables. The rebuild replaces every row in one transaction, so a
report never sees half a summary; :class:`SummaryRun` says when it last ran.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from kefu.complaints.choices import Degree, Need
from kefu.complaints.models import Complaint, ComplaintEvent, Proposal
from kefu.customers.models import Contact
from kefu.insights.models import ComplaintFact, ComplaintStat, ContactStat, SummaryRun

COMPLAINTS = "complaints"
CONTACTS = "contacts"
# dimension → the complaint field it groups by ("all": one row per day; needs/degrees: one per tag)
FIELDS = {
    "all": None,
    "channel": "channel",
    "cause_category": "cause_category",
    "cause": "cause",
    "hotspot": "hotspot",
    "department": "responsible_department_id",
    "severity": "severity",
    "need": "needs",
    "degree": "degrees",
}
DIMS = (*FIELDS, "step")
NEED_BITS = tuple(Need.values)
DEGREE_BITS = tuple(Degree.values)
_COLUMNS = ("received_at", "closed_at", "sla_breached", "is_repeat", "is_regulator", "pk", "handler_id",
            "responsible_person", "in_casebook", *(f for f in FIELDS.values() if f))


def bits(values: Any, order: tuple[str, ...]) -> int:
    return sum(1 << order.index(v) for v in set(values or []) if isinstance(v, str) and v in order)


def _local_day(value: Any) -> date:
    return timezone.localtime(value).date()


def _complaint_rows(facts: list[ComplaintFact]) -> list[ComplaintStat]:
    remedy: dict[int, Decimal] = dict(
        Proposal.objects.filter(decision=Proposal.Decision.APPROVED)
        .values("complaint_id").annotate(total=Sum("amount")).values_list("complaint_id", "total")
    )
    acc: dict[tuple[date, str, str], list[Any]] = defaultdict(lambda: [0, 0, 0.0, 0, 0, 0, Decimal(0)])
    for row in Complaint.objects.values(*_COLUMNS).iterator(chunk_size=5000):
        day = _local_day(row["received_at"])
        closed = row["closed_at"] is not None
        hours = (row["closed_at"] - row["received_at"]).total_seconds() / 3600 if closed else 0.0
        cost = remedy.get(row["pk"], Decimal(0))
        facts.append(ComplaintFact(
            complaint_id=row["pk"], received_at=row["received_at"], channel=row["channel"], cause=row["cause"],
            cause_category=row["cause_category"], hotspot=row["hotspot"], severity=row["severity"],
            department_id=row["responsible_department_id"], handler_id=row["handler_id"],
            responsible_person=row["responsible_person"][:60], needs=bits(row["needs"], NEED_BITS),
            degrees=bits(row["degrees"], DEGREE_BITS), is_regulator=row["is_regulator"],
            sla_breached=row["sla_breached"], in_casebook=row["in_casebook"]))
        for dim, field in FIELDS.items():
            if field is None:
                values = [""]
            elif dim in ("need", "degree"):
                values = [str(v) for v in (row[field] or []) if isinstance(v, str)]
            else:
                values = ["" if row[field] is None else str(row[field])]
            for value in values:
                a = acc[(day, dim, value)]
                a[0] += 1
                a[1] += closed
                a[2] += max(hours, 0.0)
                a[3] += row["sla_breached"]
                a[4] += row["is_repeat"]
                a[5] += row["is_regulator"]
                a[6] += cost
    # SLA per step: complaints entering a step, and the steps that ran over (the SLA sweep's events).
    entered = (
        ComplaintEvent.objects.exclude(to_state="").exclude(to_state=F("from_state"))
        .annotate(d=TruncDate("at")).values("d", "to_state").annotate(n=Count("pk"))
    )
    for row in entered:
        acc[(row["d"], "step", row["to_state"])][0] += row["n"]
    late = (
        ComplaintEvent.objects.filter(action="sla_breach")
        .annotate(d=TruncDate("at")).values("d", "from_state").annotate(n=Count("pk"))
    )
    for row in late:
        acc[(row["d"], "step", row["from_state"])][3] += row["n"]
    return [
        ComplaintStat(day=day, dim=dim, value=value[:40], n=a[0], closed=a[1], close_hours=a[2], breached=a[3],
                      repeat=a[4], regulator=a[5], remedy=a[6])
        for (day, dim, value), a in acc.items()
    ]


def _contact_rows() -> list[ContactStat]:
    grouped = (
        Contact.objects.annotate(d=TruncDate("occurred_at"))
        .values("d", "agent_id", "channel", "category")
        .annotate(n=Count("pk"), s=Sum("duration_seconds"))
    )
    return [
        ContactStat(day=row["d"], agent_id=row["agent_id"], channel=row["channel"], category=row["category"],
                    n=row["n"], seconds=row["s"] or 0)
        for row in grouped.iterator(chunk_size=5000)
    ]


def refresh(names: tuple[str, ...] = (COMPLAINTS, CONTACTS)) -> dict[str, int]:
    """Rebuild the named summaries; return how many rows each has now."""
    out: dict[str, int] = {}
    for name in names:
        started = time.perf_counter()
        facts: list[ComplaintFact] = []
        rows: list[Any] = _complaint_rows(facts) if name == COMPLAINTS else _contact_rows()
        model: Any = ComplaintStat if name == COMPLAINTS else ContactStat
        with transaction.atomic():
            model.objects.all().delete()
            model.objects.bulk_create(rows, batch_size=2000)
            if name == COMPLAINTS:
                ComplaintFact.objects.all().delete()
                ComplaintFact.objects.bulk_create(facts, batch_size=5000)
            SummaryRun.objects.update_or_create(
                name=name,
                defaults={"refreshed_at": timezone.now(), "rows": len(rows),
                          "seconds": round(time.perf_counter() - started, 3)},
            )
        if connection.vendor == "postgresql":  # fresh statistics, so drill-downs pick the indexes
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {model._meta.db_table}" + (", insights_complaintfact" if name == COMPLAINTS else ""))
        out[name] = len(rows)
    return out


def freshness() -> dict[str, SummaryRun]:
    return {run.name: run for run in SummaryRun.objects.all()}
