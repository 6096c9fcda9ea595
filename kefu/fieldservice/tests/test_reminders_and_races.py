"""Reminders before a visit and for overdue confirming calls; two dispatchers booking one window at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from kefu.fieldservice import services
from kefu.fieldservice.models import FollowUpCall, WorkOrder
from kefu.lib.errors import Conflict
from kefu.notifications.models import Notification


@pytest.mark.django_db
def test_a_technician_is_reminded_once_before_the_window(onsite: dict[str, Any], booked: WorkOrder) -> None:
    start = timezone.now() + timedelta(minutes=20)
    WorkOrder.objects.filter(pk=booked.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    assert services.remind_due() == 1
    assert services.remind_due() == 0
    assert Notification.objects.filter(user=onsite["tech"], title__contains=booked.number).count() == 2  # booked + soon


@pytest.mark.django_db
def test_an_overdue_confirming_call_is_flagged_to_the_supervisors(onsite: dict[str, Any], booked: WorkOrder) -> None:
    FollowUpCall.objects.create(order=booked, due_at=timezone.now() - timedelta(hours=1))
    services.remind_due()
    assert Notification.objects.filter(user=onsite["supervisor"], title__contains=booked.number).exists()


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_window_at_once_have_exactly_one_winner(onsite: dict[str, Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads are checked on PostgreSQL")
    a, b = (
        services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                              description=f"断网{i}")
        for i in range(2)
    )
    start = services.window_for(onsite["today"] + timedelta(days=1), 13)[0]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def book(order: WorkOrder) -> None:
        barrier.wait()
        try:
            services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"], window_start=start)
            results.append("won")
        except Conflict as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(o,)) for o in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results.count("won") == 1
    assert WorkOrder.objects.filter(technician=onsite["tech"], window_start=start).count() == 1
