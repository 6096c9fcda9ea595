"""The search index: one row per searchable record (客户 customer, 接触 contact, 投诉 complaint).

``terms`` holds the record's n-gram terms (see ``kefu.search.grams``) and is
what the database indexes — on PostgreSQL through a generated tsvector column
with one partial GIN index per kind, on SQLite through one external-content
FTS5 table per kind kept in step by triggers (migrations 0002–0005, outside the ORM).
``text`` is the normalised text the candidates are verified against.

Note for future migrations of this model on SQLite: Django rebuilds a table
to alter it, which drops its triggers; run ``kefu search reindex`` afterwards
(it re-creates them).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    CONTACT = "contact", _("Contacts")
    COMPLAINT = "complaint", _("Complaints")


class Document(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    text = models.TextField()
    terms = models.TextField()
    at = models.DateTimeField(help_text="Recency for ranking: received/occurred/created time.")
    # When this entry was written; the reconciliation re-indexes records changed after it.
    indexed_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "search_document"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_doc_uniq")]
        indexes = [models.Index(fields=["kind", "-at"], name="search_doc_recent")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
