"""Queued indexing: the record is indexed by a task after the commit; lost or late tasks are reconciled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.complaints.models import Complaint
from kefu.complaints.tests.test_services import record
from kefu.customers import services as customer_services
from kefu.search import tasks
from kefu.search.models import Document

pytestmark = pytest.mark.django_db


def test_a_write_queues_its_indexing_after_the_commit(cast, settings, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ

    settings.KEFU_SEARCH_INDEXING = "queue"
    with django_capture_on_commit_callbacks(execute=True):
        complaint = record(cast, subject="光猫故障")
    assert not Document.objects.filter(kind="complaint", object_id=complaint.pk).exists()
    assert OrmQ.objects.count() == 1  # the index task, pushed once the record committed
    tasks.index_record("complaint", complaint.pk)
    assert "光猫故障" in Document.objects.get(kind="complaint", object_id=complaint.pk).text


def test_a_rolled_back_write_queues_nothing(cast, settings, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_q.models import OrmQ

    settings.KEFU_SEARCH_INDEXING = "queue"
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                record(cast)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert OrmQ.objects.count() == 0


def test_reconciliation_finds_missing_and_stale_entries(cast, settings):
    settings.KEFU_SEARCH_INDEXING = "queue"  # nothing indexes on write: only the reconciliation does
    complaint = record(cast, subject="宽带断线")
    customer = customer_services.customer_create(actor=cast["supervisor"], name="熊瑶", phones=["13900001111"])
    assert set(tasks.missing("complaint")) == {complaint.pk} and set(tasks.missing("customer")) == {customer.pk}
    tasks.reconcile()
    assert tasks.missing("complaint") == [] and tasks.missing("customer") == []
    # A change whose task was lost leaves the entry older than the record: found and rewritten.
    Complaint.objects.filter(pk=complaint.pk).update(subject="宽带断线已修复", updated_at=timezone.now() + timedelta(seconds=1))
    assert tasks.missing("complaint") == [complaint.pk]
    tasks.reconcile()
    assert "已修复" in Document.objects.get(kind="complaint", object_id=complaint.pk).text
